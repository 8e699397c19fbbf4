#pragma once
// The simulator's REST surface as a pure function of the market (spec massive.md §2.2b):
//   GET /v3/snapshot/options/{I:SPX|SPX|I:NDX|NDX}   option chain snapshot, paginated
//   GET /v3/snapshot/indices?ticker.any_of=I:SPX,I:VIX   (or ticker=; none = every index)
//   GET /v2/snapshot/locale/us/markets/stocks/tickers/{SPY|QQQ|IWM}
//   GET /v3/snapshot?ticker.any_of=I:SPX,SPY,O:SPXW…   universal snapshot (or ticker=; none =
//                                                     every index and stock)
//   GET /v1/open-close/{ticker}/{YYYY-MM-DD}          daily summary with the official open and
//                                                     close (404 "Data not found." until then)
// Auth: ?apiKey=KEY or "Authorization: Bearer KEY"; missing or unknown -> 401
// {"status":"ERROR","request_id":"…","error":"…"}. Other failures use the same body with
// status "ERROR" (400 bad parameter or cursor, 405 method) or "NOT_FOUND" (404).
// An unknown underlying answers 200 with empty results, as the vendor does.
// The server layer decodes the URL (path and query, percent-escapes resolved) and passes the
// Authorization header; everything else happens here.
#include <cstdint>
#include <string>
#include <string_view>

#include "services/sim/option_query.hpp"
#include "services/sim/sim_market.hpp"

namespace ms::sim {

struct RestRequest {
  std::string method = "GET";
  std::string path;  // decoded, without the query
  QueryParams query;
  std::string authorization;  // the header's value, if any
  std::string request_id;     // empty: the api generates one
};

struct RestResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

struct RestApiConfig {
  std::string api_key;  // empty accepts any non-empty key
  std::string base_url = "http://127.0.0.1:3004";  // for absolute next_url
  bool include_fmv = false;  // the vendor sends fmv only on Business plans
  std::uint64_t seed = 1;    // request ids
};

std::string error_body(std::string_view request_id, std::string_view message,
                       std::string_view status = "ERROR");

class RestApi {
 public:
  explicit RestApi(RestApiConfig config);
  RestResponse handle(const SimMarket& market, const RestRequest& request);
  const RestApiConfig& config() const { return config_; }

 private:
  std::string next_request_id();
  RestResponse options_snapshot(const SimMarket& market, const RestRequest& req,
                                std::string_view underlying, const std::string& id);
  RestResponse indices_snapshot(const SimMarket& market, const RestRequest& req,
                                const std::string& id);
  RestResponse stock_snapshot(const SimMarket& market, std::string_view ticker,
                              const std::string& id);
  RestResponse universal_snapshot(const SimMarket& market, const RestRequest& req, const std::string& id);
  RestResponse open_close(const SimMarket& market, std::string_view rest, const std::string& id);

  RestApiConfig config_;
  std::uint64_t requests_ = 0;
};

}  // namespace ms::sim
