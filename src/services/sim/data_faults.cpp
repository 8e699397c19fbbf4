#include "services/sim/data_faults.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace ms::sim {

namespace {

// Field order must survive the rewrite (the frame stays the vendor's shape): ordered_json.
using Json = nlohmann::ordered_json;

constexpr double kAbsurdPrice = 1e9;                 // "a SPY print of 1e9"
constexpr std::int64_t kAbsurdSize = 1'000'000'000'000;
constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kFutureMs = 30 * kDayMs;
constexpr std::int64_t kAncientMs = 3653 * kDayMs;  // ten years
constexpr std::int64_t kMaxStrikeMilli = 99'999'999;  // the 8 digits of a ticker's strike

std::string ev_of(const Json& e) {
  const auto it = e.find("ev");
  return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_number(const Json& e, const char* key) {
  const auto it = e.find(key);
  return it != e.end() && it->is_number();
}

double bad_price_form(double price, std::uint64_t form) {
  form %= 3;
  return form == 0 ? kAbsurdPrice : form == 1 ? 0.0 : -std::max(price, 0.01);
}

bool apply_price(Json& e, std::uint64_t form) {
  const std::string ev = ev_of(e);
  const char* key = ev == "T" ? "p" : ev == "V" ? "val" : nullptr;
  if (key && is_number(e, key)) {
    e[key] = bad_price_form(e[key].get<double>(), form);
    return true;
  }
  if (ev == "Q" && is_number(e, "ap") && is_number(e, "bp")) {
    if (form == 0) {
      e["ap"] = kAbsurdPrice;
    } else if (form == 1) {
      e["bp"] = -0.05;
    } else {
      e["bp"] = -std::max(e["bp"].get<double>(), 0.01);
    }
    return true;
  }
  return false;
}

bool apply_size(Json& e, std::uint64_t form) {
  const std::string ev = ev_of(e);
  const char* key = ev == "T" ? "s" : ev == "Q" ? "bs" : nullptr;
  if (!key || !is_number(e, key)) return false;
  const auto s = e[key].get<std::int64_t>();
  e[key] = form == 0 ? -std::max<std::int64_t>(s, 1) : kAbsurdSize;
  return true;
}

bool apply_strike(Json& e) {
  const std::string ev = ev_of(e);
  if (ev != "T" && ev != "Q") return false;
  const auto it = e.find("sym");
  if (it == e.end() || !it->is_string()) return false;
  std::string sym = it->get<std::string>();
  if (sym.rfind("O:", 0) != 0 || sym.size() < 2 + 1 + 6 + 1 + 8) return false;
  std::int64_t milli = 0;
  const char* digits = sym.data() + sym.size() - 8;
  const auto r = std::from_chars(digits, sym.data() + sym.size(), milli);
  if (r.ec != std::errc{} || r.ptr != sym.data() + sym.size()) return false;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08lld", static_cast<long long>(std::min(milli * 10, kMaxStrikeMilli)));
  sym.replace(sym.size() - 8, 8, buf);
  *it = sym;
  return true;
}

bool apply_time(Json& e, std::uint64_t form) {
  const std::string ev = ev_of(e);
  if ((ev != "T" && ev != "Q" && ev != "V") || !is_number(e, "t")) return false;
  const auto t = e["t"].get<std::int64_t>();
  e["t"] = form == 0 ? t + kFutureMs : t - kAncientMs;
  return true;
}

}  // namespace

std::string_view to_string(DataFault f) {
  switch (f) {
    case DataFault::bad_price: return "bad_price";
    case DataFault::bad_size: return "bad_size";
    case DataFault::far_strike: return "far_strike";
    case DataFault::bad_time: return "bad_time";
  }
  return "unknown";
}

std::uint64_t data_fault_forms(DataFault fault) {
  switch (fault) {
    case DataFault::bad_price: return 3;
    case DataFault::bad_size: return 2;
    case DataFault::far_strike: return 1;
    case DataFault::bad_time: return 2;
  }
  return 1;
}

bool apply_data_fault(std::string& frame, DataFault fault, std::uint64_t form) {
  Json events = Json::parse(frame, nullptr, false);
  if (events.is_discarded() || !events.is_array()) return false;
  form %= data_fault_forms(fault);
  for (auto& e : events) {
    if (!e.is_object()) continue;
    bool done = false;
    switch (fault) {
      case DataFault::bad_price: done = apply_price(e, form); break;
      case DataFault::bad_size: done = apply_size(e, form); break;
      case DataFault::far_strike: done = apply_strike(e); break;
      case DataFault::bad_time: done = apply_time(e, form); break;
    }
    if (done) {
      frame = events.dump();
      return true;
    }
  }
  return false;
}

bool apply_rest_price_fault(std::string& body, std::uint64_t form) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  Json* price = nullptr;
  if (auto r = j.find("results"); r != j.end() && r->is_array()) {
    for (auto& item : *r) {
      if (item.is_object() && is_number(item, "value")) {
        price = &item["value"];
        break;
      }
    }
  } else if (auto t = j.find("ticker"); t != j.end() && t->is_object()) {
    if (auto lt = t->find("lastTrade"); lt != t->end() && lt->is_object() && is_number(*lt, "p")) price = &(*lt)["p"];
  }
  if (!price) return false;
  *price = bad_price_form(price->get<double>(), form);
  body = j.dump();
  return true;
}

}  // namespace ms::sim
