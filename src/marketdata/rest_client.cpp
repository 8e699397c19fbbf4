#include "marketdata/rest_client.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/truth/addresses.hpp"
#include "net/url.hpp"
#include "marketdata/recording.hpp"  // strip_api_key

namespace ms::marketdata {

namespace asio = boost::asio;
using json = nlohmann::json;

namespace {

constexpr std::string_view kOptionsPath = "/v3/snapshot/options/";
constexpr std::string_view kIndicesPath = "/v3/snapshot/indices";
constexpr std::string_view kStocksPath = "/v2/snapshot/locale/us/markets/stocks/tickers/";
constexpr std::string_view kOpenClosePath = "/v1/open-close/";

// ---- URLs ---------------------------------------------------------------------------------------

struct Origin {
  std::string scheme;  // lower-case
  std::string host;    // lower-case, IPv6 literals without brackets
  int port = 0;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "scheme://host[:port]" (the authority only; nullopt when unusable).
std::optional<Origin> parse_origin(std::string_view scheme_and_authority) {
  const auto sep = scheme_and_authority.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  Origin o;
  o.scheme = lower(scheme_and_authority.substr(0, sep));
  if (o.scheme != "http" && o.scheme != "https") return std::nullopt;
  std::string_view authority = scheme_and_authority.substr(sep + 3);
  if (authority.empty() || authority.find_first_of("@/?# \t\r\n") != std::string_view::npos) return std::nullopt;
  std::string_view port_text;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    o.host = lower(authority.substr(1, close - 1));
    const auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    o.host = lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (o.host.empty()) return std::nullopt;
  o.port = o.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    int port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port <= 0 || port > 65535) {
      return std::nullopt;
    }
    o.port = port;
  } else if (authority.back() == ':') {
    return std::nullopt;
  }
  return o;
}

// Same vendor host: equal names, or both loopback (the simulator may call itself 127.0.0.1
// while massive was configured with localhost).
bool same_host(const Origin& a, const Origin& b) {
  return a.host == b.host || (core::truth::is_loopback_host(a.host) && core::truth::is_loopback_host(b.host));
}

// Query values keep ':' (and, for lists, ',') unencoded — tickers ("I:SPX", "O:SPXW…") stay
// readable in paths, logs and recordings; both are legal in a query value.
std::string encode_component(std::string_view s, bool keep_comma = false) {
  return net::percent_encode(s, keep_comma ? ":," : ":");
}

std::string number_text(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

struct Query {
  std::string text;
  void add(std::string_view key, std::string_view value, bool keep_comma = false) {
    text += text.empty() ? '?' : '&';
    text += key;
    text += '=';
    text += encode_component(value, keep_comma);
  }
};

// The path and query of an absolute URL ("/" when it has no path).
std::string_view path_and_query(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return url;
  const auto slash = url.find_first_of("/?#", sep + 3);
  if (slash == std::string_view::npos) return "/";
  return url.substr(slash);
}

// ---- JSON helpers -------------------------------------------------------------------------------

const json* member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::optional<double> num(const json& j, const char* key) {
  const json* m = member(j, key);
  if (m == nullptr || !m->is_number()) return std::nullopt;
  const double v = m->get<double>();
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::string> str(const json& j, const char* key) {
  const json* m = member(j, key);
  if (m == nullptr || !m->is_string()) return std::nullopt;
  return m->get<std::string>();
}

const json& obj(const json& j, const char* key) {
  static const json kNull;
  const json* m = member(j, key);
  return m != nullptr && m->is_object() ? *m : kNull;
}

// The vendor stamps snapshots in nanoseconds, some fields (ticker.min.t) in milliseconds.
std::optional<std::int64_t> to_ms(std::optional<double> t) {
  if (!t) return std::nullopt;
  if (std::fabs(*t) >= 1e14) return static_cast<std::int64_t>(*t / 1e6);
  return static_cast<std::int64_t>(*t);
}

std::string vendor_error_text(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  std::string text;
  if (const auto e = str(j, "error")) {
    text = *e;
  } else if (const auto m = str(j, "message")) {
    text = *m;
  }
  if (text.size() > 200) text.resize(200);
  return text;
}

const json& results_of(const json& body, const std::string& what) {
  const json* r = member(body, "results");
  if (r == nullptr || !r->is_array()) {
    std::string message = what + ": the response has no results array";
    if (const auto e = str(body, "error")) message += " (vendor error: " + e->substr(0, 200) + ")";
    throw core::Error("vendor_bad_response", message);
  }
  return *r;
}

std::optional<OptionContractSnapshot> parse_contract(json wire) {
  const json& details = obj(wire, "details");
  auto ticker = str(details, "ticker");
  if (!ticker || ticker->empty()) return std::nullopt;
  OptionContractSnapshot c;
  c.ticker = std::move(*ticker);
  c.expiration_date = str(details, "expiration_date").value_or("");
  c.strike = num(details, "strike_price").value_or(0.0);
  if (const auto type = str(details, "contract_type")) {
    c.is_call = *type != "put";
  } else {
    // O:<root><YYMMDD><C|P><8 digits>: the type letter is the 9th character from the end.
    c.is_call = !(c.ticker.size() > 9 && c.ticker[c.ticker.size() - 9] == 'P');
  }
  c.implied_volatility = num(wire, "implied_volatility");
  const json& greeks = obj(wire, "greeks");
  c.delta = num(greeks, "delta");
  c.gamma = num(greeks, "gamma");
  c.theta = num(greeks, "theta");
  c.vega = num(greeks, "vega");
  c.open_interest = num(wire, "open_interest");
  const json& quote = obj(wire, "last_quote");
  c.bid = num(quote, "bid");
  c.ask = num(quote, "ask");
  c.midpoint = num(quote, "midpoint");
  if (!c.midpoint && c.bid && c.ask && *c.bid > 0 && *c.ask > 0) c.midpoint = (*c.bid + *c.ask) / 2;
  c.last_price = num(obj(wire, "last_trade"), "price");
  c.day_volume = num(obj(wire, "day"), "volume");
  c.underlying_value = num(obj(wire, "underlying_asset"), "value");
  c.wire = std::move(wire);
  return c;
}

// The client library's declared fields (spec massive.md §2.3), in its order.
struct Declared {
  const char* name;
  std::vector<const char*> fields;  // empty: a scalar
};

const std::vector<Declared>& declared_contract_fields() {
  static const std::vector<Declared> kFields = {
      {"break_even_price", {}},
      {"day",
       {"change", "change_percent", "close", "high", "last_updated", "low", "open", "previous_close", "volume",
        "vwap"}},
      {"details",
       {"contract_type", "exercise_style", "expiration_date", "shares_per_contract", "strike_price", "ticker"}},
      {"greeks", {"delta", "gamma", "theta", "vega"}},
      {"implied_volatility", {}},
      {"last_quote", {"ask", "ask_size", "bid", "bid_size", "last_updated", "midpoint", "timeframe"}},
      {"last_trade", {"price", "sip_timestamp", "size", "conditions", "exchange", "timeframe"}},
      {"open_interest", {}},
      {"underlying_asset", {"change_to_break_even", "last_updated", "price", "value", "ticker", "timeframe"}},
  };
  return kFields;
}

// Moves the page's contracts into `out`.
void take_contracts(json& body, const std::string& path, std::vector<OptionContractSnapshot>& out) {
  results_of(body, "GET " + path);  // throws without a results array
  for (auto& item : body["results"]) {
    if (auto c = parse_contract(std::move(item))) out.push_back(std::move(*c));
  }
}

// The vendor's next_url is absolute and carries only a cursor. It is followed on the configured
// origin, and only when it names the same host: the key never goes elsewhere.
std::string follow_next_url(const std::string& base_url, std::string_view next, const std::string& path) {
  std::string_view target = next;
  if (target.front() != '/') {
    const auto rest = path_and_query(target);
    const auto origin = parse_origin(target.substr(0, target.size() - rest.size()));
    const auto base = parse_origin(base_url);
    if (!origin || !base || !same_host(*origin, *base) || rest.empty() || rest.front() != '/') {
      throw core::Error("vendor_bad_response",
                        "GET " + path + ": refusing a next_url on another host: " + net::redact_url(next));
    }
    target = rest;
  }
  return base_url + strip_api_key(target);
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
}

}  // namespace

json stored_contract_json(const json& wire) {
  json out = json::object();
  for (const auto& d : declared_contract_fields()) {
    const json* value = member(wire, d.name);
    if (d.fields.empty()) {
      out[d.name] = value != nullptr ? *value : json(nullptr);
      continue;
    }
    // A nested object the vendor left out is null (as the client's dataclass dump has it);
    // one that is there carries every declared field, absent ones null, extras dropped.
    if (value == nullptr || !value->is_object()) {
      out[d.name] = nullptr;
      continue;
    }
    json nested = json::object();
    for (const char* f : d.fields) {
      const json* v = member(*value, f);
      nested[f] = v != nullptr ? *v : json(nullptr);
    }
    out[d.name] = std::move(nested);
  }
  const json* fmv = member(wire, "fmv");
  if (fmv == nullptr) fmv = member(wire, "fair_market_value");
  out["fair_market_value"] = fmv != nullptr ? *fmv : json(nullptr);
  return out;
}

RestClient::RestClient(net::HttpClient& http, RestClientOptions options, ResponseObserver observer)
    : http_(http), options_(std::move(options)), observer_(std::move(observer)) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
  if (!parse_origin(options_.base_url)) {
    throw core::Error("vendor_bad_config",
                      "vendor base_url must be http(s)://host[:port] without a path, got '" +
                          net::redact_url(options_.base_url) + "'");
  }
  if (options_.page_limit <= 0) options_.page_limit = 250;
  if (options_.max_pages <= 0) options_.max_pages = 1;
}

// `url` is absolute and carries no credentials; auth is added here.
asio::awaitable<json> RestClient::get_json(std::string url, bool not_found_ok) {
  const std::string observed = strip_api_key(path_and_query(url));
  net::HttpClient::Request request;
  request.method = "GET";
  request.url = url;
  if (options_.auth == AuthMode::query_param) {
    const std::vector<std::pair<std::string, std::string>> auth = {{"apiKey", options_.api_key}};
    request.url = net::with_query(request.url, auth);
  } else {
    request.headers.set("Authorization", "Bearer " + options_.api_key);
  }
  request.headers.set("Accept", "application/json");
  request.total_timeout = options_.timeout;
  request.connect_timeout = std::min(options_.timeout, std::chrono::milliseconds(10000));
  const std::string shown = net::redact_url(request.url);

  std::optional<net::HttpClient::Response> response;
  std::exception_ptr failure;
  for (int attempt = 1;; ++attempt) {
    response.reset();
    failure = nullptr;
    std::string code;
    try {
      auto operation = http_.async_perform(request);
      auto r = co_await std::move(operation);
      response = std::move(r);
    } catch (const core::Error& e) {
      failure = std::current_exception();
      code = e.code();
    }
    ++requests_;
    if (response && observer_) observer_(observed, response->status, response->body);
    const auto delay =
        net::retry_delay(options_.retry, attempt, response ? &*response : nullptr, failure ? &code : nullptr);
    if (!delay) break;
    spdlog::debug("vendor GET {}: {}, retry {} in {} ms", shown,
                  response ? "HTTP " + std::to_string(response->status) : code, attempt, delay->count());
    auto pause = sleep_for(*delay);
    co_await std::move(pause);
  }
  if (failure) std::rethrow_exception(failure);

  const int status = response->status;
  if (status == 401 || status == 403) {
    throw core::Error("vendor_unauthorized", "GET " + shown + " answered HTTP " + std::to_string(status) + ": " +
                                                 vendor_error_text(response->body));
  }
  if (status == 404 && not_found_ok) co_return json(nullptr);
  if (!response->ok()) {
    throw core::Error("vendor_http_error", "GET " + shown + " answered HTTP " + std::to_string(status) + ": " +
                                               vendor_error_text(response->body));
  }
  json body = json::parse(response->body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    throw core::Error("vendor_bad_response", "GET " + shown + " answered HTTP " + std::to_string(status) +
                                                 " with a body that is not a JSON object");
  }
  co_return body;
}

asio::awaitable<std::vector<IndexSnapshot>> RestClient::index_snapshots(std::vector<std::string> tickers) {
  std::vector<IndexSnapshot> out;
  if (tickers.empty()) co_return out;
  std::string joined;
  for (const auto& t : tickers) {
    if (!joined.empty()) joined += ',';
    joined += t;
  }
  Query q;
  q.add("ticker.any_of", joined, true);
  std::string url = options_.base_url + std::string(kIndicesPath) + q.text;
  auto operation = get_json(url);
  const json body = co_await std::move(operation);
  const json& results = results_of(body, "GET " + std::string(kIndicesPath));
  for (const auto& r : results) {
    auto ticker = str(r, "ticker");
    if (!ticker) continue;
    IndexSnapshot s;
    s.ticker = std::move(*ticker);
    s.value = num(r, "value");
    s.error = str(r, "error").value_or("");
    s.last_updated_ms = to_ms(num(r, "last_updated"));
    s.previous_close = num(obj(r, "session"), "previous_close");
    out.push_back(std::move(s));
  }
  co_return out;
}

asio::awaitable<StockSnapshot> RestClient::stock_snapshot(std::string ticker) {
  std::string url = options_.base_url + std::string(kStocksPath) + encode_component(ticker);
  auto operation = get_json(url);
  const json body = co_await std::move(operation);
  const json& t = obj(body, "ticker");
  if (!t.is_object()) {
    throw core::Error("vendor_bad_response",
                      "GET " + std::string(kStocksPath) + ticker + ": the response has no ticker object");
  }
  StockSnapshot s;
  s.ticker = str(t, "ticker").value_or(ticker);
  const json& day = obj(t, "day");
  s.open = num(day, "o").value_or(0);
  s.high = num(day, "h").value_or(0);
  s.low = num(day, "l").value_or(0);
  s.close = num(day, "c").value_or(0);
  s.volume = num(day, "v").value_or(0);
  s.minute_ts_ms = to_ms(num(obj(t, "min"), "t"));
  s.last_trade_price = num(obj(t, "lastTrade"), "p");
  s.last_trade_ms = to_ms(num(obj(t, "lastTrade"), "t"));
  s.previous_close = num(obj(t, "prevDay"), "c");
  co_return s;
}

asio::awaitable<std::vector<OptionContractSnapshot>> RestClient::option_chain(OptionChainQuery query) {
  const std::string path = std::string(kOptionsPath) + encode_component(query.underlying);
  Query q;
  if (query.expiration_date) q.add("expiration_date", *query.expiration_date);
  if (query.expiration_gte) q.add("expiration_date.gte", *query.expiration_gte);
  if (query.expiration_lte) q.add("expiration_date.lte", *query.expiration_lte);
  if (query.strike_gte) q.add("strike_price.gte", number_text(*query.strike_gte));
  if (query.strike_lte) q.add("strike_price.lte", number_text(*query.strike_lte));
  q.add("limit", std::to_string(options_.page_limit));
  std::vector<OptionContractSnapshot> out;
  std::string url = options_.base_url + path + q.text;
  for (int page = 1;; ++page) {
    auto operation = get_json(url);
    json body = co_await std::move(operation);
    take_contracts(body, path, out);
    const auto next = str(body, "next_url");
    if (!next || next->empty()) break;
    if (page >= options_.max_pages) {
      throw core::Error("vendor_too_many_pages", "GET " + path + ": still a next_url after " +
                                                     std::to_string(options_.max_pages) + " pages");
    }
    url = follow_next_url(options_.base_url, *next, path);
  }
  co_return out;
}

asio::awaitable<std::optional<DailyOpenClose>> RestClient::daily_open_close(std::string ticker, std::string date) {
  const std::string path = std::string(kOpenClosePath) + encode_component(ticker) + "/" + encode_component(date);
  auto operation = get_json(options_.base_url + path, /*not_found_ok=*/true);
  const json body = co_await std::move(operation);
  if (body.is_null()) co_return std::nullopt;
  const auto status = str(body, "status");
  if (status && *status == "NOT_FOUND") co_return std::nullopt;
  const auto from = str(body, "from");
  if (!from || from->substr(0, 10) != date) {
    throw core::Error("vendor_bad_response", "GET " + path + ": the summary is for " +
                                                 (from ? from->substr(0, 40) : std::string("no date")));
  }
  DailyOpenClose d;
  d.symbol = str(body, "symbol").value_or(ticker);
  d.date = date;
  d.open = num(body, "open");
  d.high = num(body, "high");
  d.low = num(body, "low");
  d.close = num(body, "close");
  d.after_hours = num(body, "afterHours");
  d.pre_market = num(body, "preMarket");
  d.volume = num(body, "volume");
  // A present but unusable price is a broken answer, not a missing one (member() finds it,
  // num() rejected it: a string, a non-finite or non-positive value).
  for (const char* f : {"open", "close"}) {
    const auto v = num(body, f);
    if ((member(body, f) != nullptr && !member(body, f)->is_null() && !v) || (v && *v <= 0)) {
      throw core::Error("vendor_bad_response", "GET " + path + ": unusable " + std::string(f));
    }
  }
  co_return d;
}

asio::awaitable<std::vector<std::string>> RestClient::expirations(std::string underlying, std::string from_date,
                                                                  int count) {
  std::vector<std::string> out;
  const std::string path = std::string(kOptionsPath) + encode_component(underlying);
  for (int i = 0; i < count; ++i) {
    Query q;
    if (out.empty()) {
      q.add("expiration_date.gte", from_date);
    } else {
      q.add("expiration_date.gt", out.back());
    }
    q.add("sort", "expiration_date");
    q.add("order", "asc");
    q.add("limit", "1");
    std::string url = options_.base_url + path + q.text;
    auto operation = get_json(url);
    const json body = co_await std::move(operation);
    const json& results = results_of(body, "GET " + path);
    if (results.empty()) break;
    const auto date = str(obj(results[0], "details"), "expiration_date");
    if (!date || date->empty()) {
      throw core::Error("vendor_bad_response", "GET " + path + ": a contract without details.expiration_date");
    }
    if (!out.empty() && *date <= out.back()) {
      throw core::Error("vendor_bad_response", "GET " + path + ": expiration " + *date + " does not follow " +
                                                   out.back() + " (filter ignored?)");
    }
    out.push_back(*date);
  }
  co_return out;
}

}  // namespace ms::marketdata
