#include "naive_frame_baseline.hpp"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace ms::bench {

namespace {

using nlohmann::json;

std::optional<std::string> str(const json& e, const char* k) {
  const auto it = e.find(k);
  if (it == e.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<double> num(const json& e, const char* k) {
  const auto it = e.find(k);
  if (it == e.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::optional<std::int64_t> integer(const json& e, const char* k) {
  const auto it = e.find(k);
  if (it == e.end() || !it->is_number()) return std::nullopt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  const double d = it->get<double>();
  if (!std::isfinite(d) || d != std::floor(d)) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

// One event object; false when it is skipped.
bool one(const json& e, std::vector<marketdata::FeedEvent>& out) {
  if (!e.is_object()) return false;
  const auto ev = str(e, "ev");
  if (!ev) return false;
  if (*ev == "Q") {
    auto sym = str(e, "sym");
    const auto bp = num(e, "bp"), ap = num(e, "ap");
    const auto t = integer(e, "t");
    if (!sym || !bp || !ap || !t) return false;
    marketdata::QuoteEvent q;
    q.sym = std::move(*sym);
    q.bid = *bp;
    q.ask = *ap;
    q.bid_size = integer(e, "bs").value_or(0);
    q.ask_size = integer(e, "as").value_or(0);
    q.t_ms = *t;
    q.q = static_cast<std::uint64_t>(integer(e, "q").value_or(0));
    out.emplace_back(std::move(q));
    return true;
  }
  if (*ev == "T") {
    auto sym = str(e, "sym");
    const auto p = num(e, "p");
    const auto s = integer(e, "s"), t = integer(e, "t");
    if (!sym || !p || !s || !t) return false;
    marketdata::TradeEvent tr;
    tr.sym = std::move(*sym);
    tr.price = *p;
    tr.size = *s;
    tr.t_ms = *t;
    tr.exchange = static_cast<int>(integer(e, "x").value_or(0));
    tr.q = static_cast<std::uint64_t>(integer(e, "q").value_or(0));
    out.emplace_back(std::move(tr));
    return true;
  }
  if (*ev == "status") {
    auto status = str(e, "status");
    if (!status) return false;
    if (*status == "clock") {
      const auto ts = integer(e, "ts_ms");
      if (!ts) return false;
      marketdata::ClockEvent c;
      c.ts_ms = *ts;
      c.session_date = str(e, "session_date").value_or("");
      c.phase = str(e, "phase").value_or("");
      c.speed = num(e, "speed").value_or(1.0);
      out.emplace_back(std::move(c));
      return true;
    }
    marketdata::StatusEvent s;
    s.status = std::move(*status);
    s.message = str(e, "message").value_or("");
    out.emplace_back(std::move(s));
    return true;
  }
  return false;  // V, A, AM: not on the options stream this benchmark reads
}

}  // namespace

marketdata::DecodeResult naive_decode(std::string_view frame, std::vector<marketdata::FeedEvent>& out) {
  marketdata::DecodeResult r;
  const json doc = json::parse(frame.begin(), frame.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !(doc.is_array() || doc.is_object())) {
    r.malformed = true;
    return r;
  }
  auto take = [&](const json& e) {
    if (one(e, out)) {
      ++r.events;
    } else {
      ++r.skipped;
    }
  };
  if (doc.is_array()) {
    for (const auto& e : doc) take(e);
  } else {
    take(doc);
  }
  return r;
}

}  // namespace ms::bench
