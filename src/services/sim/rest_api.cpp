#include "services/sim/rest_api.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/error.hpp"
#include "services/sim/json_out.hpp"
#include "services/sim/rng.hpp"
#include "services/sim/snapshot_json.hpp"

namespace ms::sim {

namespace {

constexpr std::string_view kOptionsPrefix = "/v3/snapshot/options/";
constexpr std::string_view kIndicesPath = "/v3/snapshot/indices";
constexpr std::string_view kStocksPrefix = "/v2/snapshot/locale/us/markets/stocks/tickers/";
constexpr std::string_view kUniversalPath = "/v3/snapshot";
constexpr std::string_view kOpenClosePrefix = "/v1/open-close/";

const std::string* find_param(const QueryParams& q, std::string_view name) {
  for (const auto& [k, v] : q) {
    if (k == name) return &v;
  }
  return nullptr;
}

RestResponse error(int status, std::string_view id, std::string_view message,
                   std::string_view kind = "ERROR") {
  return {status, error_body(id, message, kind), "application/json"};
}

bool passes(const ContractSpec& c, const OptionQuery& q) {
  if (q.strike_eq && c.strike != *q.strike_eq) return false;
  if (q.strike_gte && c.strike < *q.strike_gte) return false;
  if (q.strike_gt && c.strike <= *q.strike_gt) return false;
  if (q.strike_lte && c.strike > *q.strike_lte) return false;
  if (q.strike_lt && c.strike >= *q.strike_lt) return false;
  if (q.exp_eq && c.expiry_text != *q.exp_eq) return false;
  if (q.exp_gte && c.expiry_text < *q.exp_gte) return false;
  if (q.exp_gt && c.expiry_text <= *q.exp_gt) return false;
  if (q.exp_lte && c.expiry_text > *q.exp_lte) return false;
  if (q.exp_lt && c.expiry_text >= *q.exp_lt) return false;
  if (q.contract_type && c.type != *q.contract_type) return false;
  return true;
}

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    const auto comma = s.find(',');
    auto part = s.substr(0, comma);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

// The tickers a snapshot asks for: ticker.any_of, else ticker (both comma lists), else `all`.
// At most 250, as the vendor allows.
std::vector<std::string_view> requested_tickers(const QueryParams& query, std::vector<std::string_view> all) {
  std::vector<std::string_view> tickers;
  if (const auto* any = find_param(query, "ticker.any_of")) {
    tickers = split_commas(*any);
  } else if (const auto* one = find_param(query, "ticker")) {
    tickers = split_commas(*one);
  } else {
    tickers = std::move(all);
  }
  if (tickers.size() > 250) throw core::Error("bad_request", "ticker.any_of allows at most 250 tickers");
  return tickers;
}

// {"request_id":…,"results":[one result per ticker, in order],"status":"OK"}
template <class AppendResult>
RestResponse results_response(const std::string& id, const std::vector<std::string_view>& tickers,
                              AppendResult append_result) {
  std::string body = "{\"request_id\":";
  json_out::append_string(body, id);
  body += ",\"results\":[";
  for (std::size_t n = 0; n < tickers.size(); ++n) {
    if (n) body += ',';
    append_result(body, tickers[n]);
  }
  body += "],\"status\":\"OK\"}";
  return {200, std::move(body), "application/json"};
}

}  // namespace

std::string error_body(std::string_view request_id, std::string_view message, std::string_view status) {
  std::string out = "{\"status\":";
  json_out::append_string(out, status);
  out += ",\"request_id\":";
  json_out::append_string(out, request_id);
  out += ",\"error\":";
  json_out::append_string(out, message);
  out += '}';
  return out;
}

RestApi::RestApi(RestApiConfig config) : config_(std::move(config)) {
  while (!config_.base_url.empty() && config_.base_url.back() == '/') config_.base_url.pop_back();
}

std::string RestApi::next_request_id() {
  ++requests_;
  return fmt::format("{:016x}{:016x}", mix(config_.seed, requests_, 1), mix(config_.seed, requests_, 2));
}

RestResponse RestApi::handle(const SimMarket& market, const RestRequest& req) {
  const std::string id = req.request_id.empty() ? next_request_id() : req.request_id;
  // Authenticate first: an unauthenticated caller learns nothing, not even which routes exist.
  std::string key;
  if (const auto* k = find_param(req.query, "apiKey")) key = *k;
  constexpr std::string_view kBearer = "Bearer ";
  if (key.empty() && req.authorization.size() > kBearer.size() &&
      std::string_view(req.authorization).substr(0, kBearer.size()) == kBearer) {
    key = req.authorization.substr(kBearer.size());
  }
  if (key.empty()) {
    return error(401, id, "API Key was not provided. Pass it as ?apiKey= or an Authorization: Bearer header.");
  }
  if (!config_.api_key.empty() && key != config_.api_key) return error(401, id, "Unknown API Key");
  if (req.method != "GET") return error(405, id, "method " + req.method + " is not allowed; use GET");

  const std::string_view path = req.path;
  try {
    if (path.substr(0, kOptionsPrefix.size()) == kOptionsPrefix) {
      const auto underlying = path.substr(kOptionsPrefix.size());
      if (underlying.empty() || underlying.find('/') != std::string_view::npos) {
        return error(404, id, "route not found: " + std::string(path), "NOT_FOUND");
      }
      return options_snapshot(market, req, underlying, id);
    }
    if (path == kIndicesPath) return indices_snapshot(market, req, id);
    if (path.substr(0, kStocksPrefix.size()) == kStocksPrefix) {
      return stock_snapshot(market, path.substr(kStocksPrefix.size()), id);
    }
    if (path == kUniversalPath) return universal_snapshot(market, req, id);
    if (path.substr(0, kOpenClosePrefix.size()) == kOpenClosePrefix) {
      return open_close(market, path.substr(kOpenClosePrefix.size()), id);
    }
  } catch (const core::Error& e) {
    if (e.code() == "bad_request" || e.code() == "bad_cursor") return error(400, id, e.what());
    return error(500, id, "internal error: " + e.code());
  }
  return error(404, id, "route not found: " + std::string(path.substr(0, 200)), "NOT_FOUND");
}

RestResponse RestApi::options_snapshot(const SimMarket& market, const RestRequest& req,
                                       std::string_view underlying, const std::string& id) {
  const OptionQuery q = parse_option_query(req.query);
  std::vector<std::uint32_t> rows;
  if (const auto u = parse_underlying(underlying)) {
    for (auto i : market.chain().contracts_of(*u)) {
      if (passes(market.chain()[i], q)) rows.push_back(i);
    }
  }
  const auto& chain = market.chain();
  if (q.sort == SortKey::strike_price) {
    std::stable_sort(rows.begin(), rows.end(), [&](auto a, auto b) {
      return chain[a].strike_milli < chain[b].strike_milli;
    });
  } else if (q.sort == SortKey::expiration_date) {
    std::stable_sort(rows.begin(), rows.end(), [&](auto a, auto b) {
      return chain[a].expiry_text < chain[b].expiry_text;
    });
  }
  if (q.descending) std::reverse(rows.begin(), rows.end());

  const std::size_t begin = std::min(q.offset, rows.size());
  const std::size_t end = std::min(rows.size(), begin + std::size_t(q.limit));
  std::string body = "{\"request_id\":";
  json_out::append_string(body, id);
  body += ",\"results\":[";
  for (std::size_t r = begin; r < end; ++r) {
    if (r != begin) body += ',';
    append_contract_json(body, market, rows[r], config_.include_fmv);
  }
  body += "],\"status\":\"OK\"";
  if (end < rows.size()) {
    OptionQuery next = q;
    next.offset = end;
    body += ",\"next_url\":";
    json_out::append_string(body, config_.base_url + std::string(kOptionsPrefix) +
                                      std::string(underlying) + "?cursor=" + encode_cursor(next));
  }
  body += '}';
  return {200, std::move(body), "application/json"};
}

RestResponse RestApi::indices_snapshot(const SimMarket& market, const RestRequest& req,
                                       const std::string& id) {
  std::vector<std::string_view> all;
  for (auto i : kAllIndices) all.push_back(index_ticker(i));
  return results_response(id, requested_tickers(req.query, std::move(all)),
                          [&](std::string& body, std::string_view ticker) {
                            if (const auto i = parse_index_ticker(ticker)) {
                              append_index_result_json(body, market, *i);
                            } else {
                              append_not_found_result_json(body, ticker);
                            }
                          });
}

RestResponse RestApi::stock_snapshot(const SimMarket& market, std::string_view ticker,
                                     const std::string& id) {
  const auto stock = parse_stock_ticker(ticker);
  if (!stock) {
    return error(404, id, "ticker not found: " + std::string(ticker.substr(0, 40)), "NOT_FOUND");
  }
  std::string body = "{\"request_id\":";
  json_out::append_string(body, id);
  body += ",\"status\":\"OK\",\"ticker\":";
  append_stock_ticker_json(body, market, *stock);
  body += '}';
  return {200, std::move(body), "application/json"};
}

RestResponse RestApi::universal_snapshot(const SimMarket& market, const RestRequest& req,
                                         const std::string& id) {
  std::vector<std::string_view> all;
  for (auto i : kAllIndices) all.push_back(index_ticker(i));
  for (auto st : kAllStocks) all.push_back(stock_ticker(st));
  return results_response(id, requested_tickers(req.query, std::move(all)),
                          [&](std::string& body, std::string_view ticker) {
                            append_universal_result_json(body, market, ticker, config_.include_fmv);
                          });
}

RestResponse RestApi::open_close(const SimMarket& market, std::string_view rest, const std::string& id) {
  const auto slash = rest.rfind('/');
  if (slash == std::string_view::npos || slash == 0) {
    return error(404, id, "route not found: " + std::string(kOpenClosePrefix) + std::string(rest.substr(0, 100)),
                 "NOT_FOUND");
  }
  const auto ticker = rest.substr(0, slash);
  const auto date = core::parse_date(rest.substr(slash + 1));
  if (!date) throw core::Error("bad_request", "date must be YYYY-MM-DD");
  const auto summary = market.day_summary(ticker, *date);
  if (!summary) {
    // The vendor's answer for a day it has no summary of (yet).
    std::string body = "{\"status\":\"NOT_FOUND\",\"request_id\":";
    json_out::append_string(body, id);
    body += ",\"message\":\"Data not found.\"}";
    return {404, std::move(body), "application/json"};
  }
  return {200, open_close_json(*summary), "application/json"};
}

}  // namespace ms::sim
