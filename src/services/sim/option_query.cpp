#include "services/sim/option_query.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/base64url.hpp"
#include "core/error.hpp"
#include "core/market_calendar.hpp"
#include "services/sim/rng.hpp"

namespace ms::sim {

namespace {

constexpr std::uint64_t kCursorSalt = 0x43555253u;  // "CURS"

[[noreturn]] void bad(const std::string& message) { throw core::Error("bad_request", message); }

double parse_strike(const std::string& name, const std::string& v) {
  double d = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (v.empty() || ec != std::errc{} || ptr != v.data() + v.size() || !std::isfinite(d) || d < 0) {
    bad(name + " must be a non-negative number, got '" + v.substr(0, 40) + "'");
  }
  return d;
}

std::string parse_expiry(const std::string& name, const std::string& v) {
  if (!core::parse_date(v)) bad(name + " must be a date YYYY-MM-DD, got '" + v.substr(0, 40) + "'");
  return v;
}

int parse_limit(const std::string& v) {
  const bool digits = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
  if (!digits) bad("limit must be a positive integer, got '" + v.substr(0, 40) + "'");
  const auto nz = v.find_first_not_of('0');
  const std::string significant = nz == std::string::npos ? "0" : v.substr(nz);
  if (significant.size() > 9) return kMaxLimit;  // any huge limit is clamped like 251
  const int n = std::stoi(significant);
  if (n < 1) bad("limit must be a positive integer, got '" + v.substr(0, 40) + "'");
  return std::min(n, kMaxLimit);
}

nlohmann::json to_json(const OptionQuery& q) {
  nlohmann::json j = nlohmann::json::object();
  auto put_d = [&](const char* k, const std::optional<double>& v) {
    if (v) j[k] = *v;
  };
  auto put_s = [&](const char* k, const std::optional<std::string>& v) {
    if (v) j[k] = *v;
  };
  put_d("k", q.strike_eq);
  put_d("kge", q.strike_gte);
  put_d("kgt", q.strike_gt);
  put_d("kle", q.strike_lte);
  put_d("klt", q.strike_lt);
  put_s("e", q.exp_eq);
  put_s("ege", q.exp_gte);
  put_s("egt", q.exp_gt);
  put_s("ele", q.exp_lte);
  put_s("elt", q.exp_lt);
  if (q.contract_type) j["ct"] = *q.contract_type == quant::OptionType::call ? "call" : "put";
  j["s"] = int(q.sort);
  j["d"] = q.descending;
  j["l"] = q.limit;
  j["o"] = q.offset;
  return j;
}

OptionQuery from_json(const nlohmann::json& j) {
  OptionQuery q;
  auto get_d = [&](const char* k, std::optional<double>& out) {
    if (!j.contains(k)) return;
    if (!j[k].is_number() || !std::isfinite(j[k].get<double>())) throw std::runtime_error(k);
    out = j[k].get<double>();
  };
  auto get_s = [&](const char* k, std::optional<std::string>& out) {
    if (!j.contains(k)) return;
    if (!j[k].is_string() || !core::parse_date(j[k].get<std::string>())) throw std::runtime_error(k);
    out = j[k].get<std::string>();
  };
  get_d("k", q.strike_eq);
  get_d("kge", q.strike_gte);
  get_d("kgt", q.strike_gt);
  get_d("kle", q.strike_lte);
  get_d("klt", q.strike_lt);
  get_s("e", q.exp_eq);
  get_s("ege", q.exp_gte);
  get_s("egt", q.exp_gt);
  get_s("ele", q.exp_lte);
  get_s("elt", q.exp_lt);
  if (j.contains("ct")) {
    const auto ct = j.at("ct").get<std::string>();
    if (ct != "call" && ct != "put") throw std::runtime_error("ct");
    q.contract_type = ct == "call" ? quant::OptionType::call : quant::OptionType::put;
  }
  const int s = j.at("s").get<int>();
  if (s < 0 || s > 2) throw std::runtime_error("s");
  q.sort = SortKey(s);
  q.descending = j.at("d").get<bool>();
  q.limit = j.at("l").get<int>();
  if (q.limit < 1 || q.limit > kMaxLimit) throw std::runtime_error("l");
  q.offset = j.at("o").get<std::size_t>();
  return q;
}

}  // namespace

OptionQuery parse_option_query(const QueryParams& params) {
  OptionQuery q;
  for (const auto& [k, v] : params) {
    if (k == "cursor") return decode_cursor(v);
  }
  for (const auto& [k, v] : params) {
    if (k == "strike_price") {
      q.strike_eq = parse_strike(k, v);
    } else if (k == "strike_price.gte") {
      q.strike_gte = parse_strike(k, v);
    } else if (k == "strike_price.gt") {
      q.strike_gt = parse_strike(k, v);
    } else if (k == "strike_price.lte") {
      q.strike_lte = parse_strike(k, v);
    } else if (k == "strike_price.lt") {
      q.strike_lt = parse_strike(k, v);
    } else if (k == "expiration_date") {
      q.exp_eq = parse_expiry(k, v);
    } else if (k == "expiration_date.gte") {
      q.exp_gte = parse_expiry(k, v);
    } else if (k == "expiration_date.gt") {
      q.exp_gt = parse_expiry(k, v);
    } else if (k == "expiration_date.lte") {
      q.exp_lte = parse_expiry(k, v);
    } else if (k == "expiration_date.lt") {
      q.exp_lt = parse_expiry(k, v);
    } else if (k == "contract_type") {
      if (v == "call") {
        q.contract_type = quant::OptionType::call;
      } else if (v == "put") {
        q.contract_type = quant::OptionType::put;
      } else {
        bad("contract_type must be call or put, got '" + v.substr(0, 40) + "'");
      }
    } else if (k == "order") {
      if (v != "asc" && v != "desc") bad("order must be asc or desc, got '" + v.substr(0, 40) + "'");
      q.descending = v == "desc";
    } else if (k == "sort") {
      if (v == "ticker") {
        q.sort = SortKey::ticker;
      } else if (v == "expiration_date") {
        q.sort = SortKey::expiration_date;
      } else if (v == "strike_price") {
        q.sort = SortKey::strike_price;
      } else {
        bad("sort must be ticker, expiration_date or strike_price, got '" + v.substr(0, 40) + "'");
      }
    } else if (k == "limit") {
      q.limit = parse_limit(v);
    }
  }
  return q;
}

std::string encode_cursor(const OptionQuery& q) {
  const std::string raw = to_json(q).dump();
  return core::base64url_encode(raw + "~" + fmt::format("{:016x}", mix(stable_hash(raw), kCursorSalt)));
}

OptionQuery decode_cursor(std::string_view cursor) {
  const auto fail = [](const std::string& why) -> OptionQuery {
    throw core::Error("bad_cursor", "invalid cursor: " + why);
  };
  if (cursor.empty() || cursor.size() > 4096) return fail("empty or too long");
  const auto decoded = core::base64url_decode(cursor);
  if (!decoded) return fail("not base64url");
  const auto tilde = decoded->rfind('~');
  if (tilde == std::string::npos || decoded->size() - tilde != 17) return fail("no checksum");
  const std::string raw = decoded->substr(0, tilde);
  if (decoded->substr(tilde + 1) != fmt::format("{:016x}", mix(stable_hash(raw), kCursorSalt))) {
    return fail("checksum mismatch");
  }
  const auto j = nlohmann::json::parse(raw, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("not a query");
  try {
    return from_json(j);
  } catch (const std::exception&) {
    return fail("malformed query");
  }
}

}  // namespace ms::sim
