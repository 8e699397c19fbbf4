#pragma once
// The vendor's REST snapshots (spec massive.md §2.1/§2.2b) over net::HttpClient. The same code
// talks to https://api.massive.com and to `marketswarm sim`; only base_url differs.
//
//   index_snapshots   GET /v3/snapshot/indices?ticker.any_of=I:SPX,I:VIX        one request
//   stock_snapshot    GET /v2/snapshot/locale/us/markets/stocks/tickers/{T}
//   option_chain      GET /v3/snapshot/options/{underlying}?strike_price.gte=…&expiration_date=…
//                     &limit=250, then every next_url until there is none
//   daily_open_close  GET /v1/open-close/{ticker}/{YYYY-MM-DD}   the day's summary (official
//                     open and close); 404 NOT_FOUND ("Data not found.") until the vendor has it
//   expirations       the next `count` expiration dates without paging the chain (Q2): one
//                     request per date, `expiration_date.gt=<previous>&sort=expiration_date
//                     &order=asc&limit=1` (the first with .gte=<from>)
//
// Auth: `?apiKey=KEY` on every request, added again to each next_url (the vendor's next_url
// carries only a cursor), or `Authorization: Bearer KEY`. Logs and errors show URLs redacted.
// A next_url is requested on base_url's scheme/host/port, and only when it names base_url's
// host (loopback names count as one host); any other host is refused (vendor_bad_response).
// Retries: 429 and 5xx (Retry-After honoured) with exponential backoff, per RetryPolicy.
//
// Errors (core::Error codes; the message names the redacted URL and the status):
//   vendor_unauthorized   401 / 403
//   vendor_http_error     any other non-2xx after the retries
//   vendor_bad_response   the body is not JSON or lacks the fields the call needs
//   vendor_too_many_pages a chain query still had a next_url after max_pages pages
//   http_*                transport failures from net::HttpClient
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "net/http_client.hpp"

namespace ms::marketdata {

enum class AuthMode { query_param, bearer_header };

struct RestClientOptions {
  std::string base_url = "https://api.massive.com";  // scheme://host[:port], no trailing path
  std::string api_key;
  AuthMode auth = AuthMode::query_param;
  std::chrono::milliseconds timeout{10000};  // per request
  net::RetryPolicy retry{};
  int page_limit = 250;
  int max_pages = 200;
};

struct IndexSnapshot {
  std::string ticker;              // "I:SPX"
  std::optional<double> value;     // absent when the vendor answered an error for this ticker
  std::string error;               // "NOT_FOUND", ...
  std::optional<std::int64_t> last_updated_ms;
  std::optional<double> previous_close;  // session.previous_close when given
};

struct StockSnapshot {
  std::string ticker;  // "SPY"
  double open = 0, high = 0, low = 0, close = 0;
  double volume = 0;
  std::optional<std::int64_t> minute_ts_ms;  // ticker.min.t
  std::optional<double> last_trade_price;    // ticker.lastTrade.p
  std::optional<std::int64_t> last_trade_ms; // ticker.lastTrade.t (the vendor sends ns)
  std::optional<double> previous_close;      // ticker.prevDay.c
};

// The vendor's daily summary of one ticker (indices: I:SPX; stocks: SPY): {"status":"OK",
// "from":"2026-02-10","symbol":"I:SPX","open","high","low","close","afterHours","preMarket"
// [,"volume"]}. The vendor documents no finality flag: a field is absent until the vendor has
// its official value (the simulator answers `open` a few market minutes after the open and
// `close` a few market minutes after the close), and a later answer may restate it.
struct DailyOpenClose {
  std::string symbol;  // as answered ("I:SPX")
  std::string date;    // "from"
  std::optional<double> open, high, low, close, after_hours, pre_market, volume;
};

struct OptionChainQuery {
  std::string underlying;  // "I:SPX" (the bare "SPX" works too)
  std::optional<std::string> expiration_date;  // exact
  std::optional<std::string> expiration_gte, expiration_lte;
  std::optional<double> strike_gte, strike_lte;
};

// One contract of the chain snapshot. The typed fields are what massive computes with; `wire`
// is the vendor's object as received (for the stored chain, see stored_contract_json).
struct OptionContractSnapshot {
  std::string ticker;           // details.ticker "O:SPXW260210C06000000"
  std::string expiration_date;  // details.expiration_date
  double strike = 0;            // details.strike_price
  bool is_call = true;          // details.contract_type
  std::optional<double> implied_volatility;
  std::optional<double> delta, gamma, theta, vega;
  std::optional<double> open_interest;
  std::optional<double> bid, ask, midpoint;  // last_quote
  std::optional<double> last_price;          // last_trade.price
  std::optional<double> day_volume;          // day.volume
  std::optional<double> underlying_value;    // underlying_asset.value
  nlohmann::json wire;
};

// The stored copy of a contract in massive:chain:latest (spec massive.md §2.3): every declared
// field present (absent ones null), the wire's "fmv" renamed "fair_market_value". As in the
// original client's dataclass dump, a nested object the wire omits (e.g. last_trade before the
// first trade) is null, and wire fields outside §2.3 (last_quote.bid_exchange, ...) are dropped.
nlohmann::json stored_contract_json(const nlohmann::json& wire);

// Called with every response the client receives (path with query, apiKey removed; status;
// body), e.g. to write a recording.
using ResponseObserver = std::function<void(std::string_view path, int status, std::string_view body)>;

class RestClient {
 public:
  // Throws core::Error("vendor_bad_config") for a base_url that is not http(s)://host[:port].
  RestClient(net::HttpClient& http, RestClientOptions options, ResponseObserver observer = {});

  boost::asio::awaitable<std::vector<IndexSnapshot>> index_snapshots(std::vector<std::string> tickers);
  boost::asio::awaitable<StockSnapshot> stock_snapshot(std::string ticker);
  boost::asio::awaitable<std::vector<OptionContractSnapshot>> option_chain(OptionChainQuery query);
  // nullopt while the vendor answers 404 (no summary for that day yet); a summary whose
  // "from" is another day, or without a finite positive open or close where given, is
  // vendor_bad_response.
  boost::asio::awaitable<std::optional<DailyOpenClose>> daily_open_close(std::string ticker, std::string date);
  // The first `count` expiration dates on or after `from_date` ("YYYY-MM-DD"), ascending.
  boost::asio::awaitable<std::vector<std::string>> expirations(std::string underlying,
                                                               std::string from_date, int count);

  const RestClientOptions& options() const { return options_; }
  std::uint64_t requests() const { return requests_; }  // HTTP requests sent, retries included

 private:
  struct Page;
  // With not_found_ok, a 404 answers a null json instead of throwing vendor_http_error.
  boost::asio::awaitable<nlohmann::json> get_json(std::string url, bool not_found_ok = false);

  net::HttpClient& http_;
  RestClientOptions options_;
  ResponseObserver observer_;
  std::uint64_t requests_ = 0;
};

}  // namespace ms::marketdata
