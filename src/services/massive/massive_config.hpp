#pragma once
// massive's settings: truth's components.massive.env (each overridable by the process
// environment, core::Truth::env_value), the market source, and the vendor endpoints. With the
// simulator the endpoints are the simulator's loopback URLs (truth components.massive.sim) —
// the vendor client and every worker are the same code either way.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/truth/truth.hpp"

namespace ms::massive {

struct VendorEndpoints {
  std::string rest_base_url;   // https://api.massive.com | http://127.0.0.1:3004
  std::string options_ws_url;  // wss://socket.massive.com/options
  std::string stocks_ws_url;
  std::string indices_ws_url;
};

struct MassiveConfig {
  bool simulated = true;  // node.market.source resolved (auto = sim without MASSIVE_API_KEY)
  VendorEndpoints endpoints;

  std::vector<std::string> spot_symbols;   // I:SPX,I:NDX,I:VIX
  std::vector<std::string> stock_symbols;  // SPY,QQQ,IWM (only SPY's trades are subscribed: volume profile)
  std::vector<std::string> chain_symbols;  // I:SPX,I:NDX

  std::chrono::milliseconds spot_interval{1000};
  std::chrono::milliseconds chain_interval{10000};
  std::chrono::milliseconds gex_interval{5000};
  std::chrono::milliseconds selector_interval{1000};
  std::chrono::milliseconds heatmap_publish_interval{250};  // coalesces per-tick updates
  // The full heatmap model is a snapshot: SET at most this often (and on geometry changes);
  // the replay stream bridges from it (replay_window.hpp).
  std::chrono::milliseconds heatmap_model_interval{2000};
  std::chrono::milliseconds volume_flush_interval{1000};
  std::chrono::milliseconds ws_reconnect_delay{5000};

  std::int64_t trail_window_sec = 604800;
  std::int64_t trail_ttl_sec = 691200;
  int num_expirations = 4;
  double spx_em_mult = 2.25, ndx_em_mult = 3.5;
  double spx_strike_increment = 5, ndx_strike_increment = 10;
  bool spx_filter_strikes = false, ndx_filter_strikes = true;
  std::vector<int> spx_widths{20, 25, 30, 35, 40, 45, 50};
  std::vector<int> ndx_widths{50, 60, 70, 80, 100, 120, 130};
  // MASSIVE_MODEL_DTES: exactly the calendar DTEs the heatmap builds, ascending; the chain also
  // loads the expirations they need beyond the first MASSIVE_CHAIN_NUM_EXPIRATIONS.
  std::vector<int> model_dtes{0, 1, 2, 3, 4};
  int max_dte = 4;  // model_dtes.back()
  std::int64_t model_ttl_sec = 259200;
  std::int64_t replay_ttl_sec = 300;            // the stream outlives a stopped massive this long
  std::size_t replay_max_bytes = 32u << 20;     // per symbol (plus at most two diffs)
  std::int64_t gex_ttl_sec = 86400;
  std::int64_t bias_lfi_ttl_sec = 3600;
  std::int64_t selector_ttl_sec = 3600;
  std::size_t selector_top_n = 10;
  bool selector_tracking = true;
  std::size_t candle_sessions = 7;
  double micro_band_pct = 0.5;
  std::size_t max_quote_contracts = 1000;  // the vendor's cap per options connection
  // Theoretical values (quant::HeatmapConfig): continuously compounded, decimals.
  double risk_free_rate = 0.05;   // MASSIVE_RISK_FREE_RATE
  double dividend_yield = 0.0;    // MASSIVE_DIVIDEND_YIELD

  // ---- official close and AM settlement (engine_close.cpp) ----
  // Wall time between polls of the vendor's daily summary until the official value is there
  // (doubled after a failed request, up to 8x), at most close_max_polls polls; then rechecks
  // for corrections every close_recheck_interval, close_rechecks times ("that evening").
  std::chrono::milliseconds close_poll_interval{30000};
  int close_max_polls = 120;
  std::chrono::milliseconds close_recheck_interval{300000};
  int close_rechecks = 48;
  std::int64_t close_ttl_sec = 35LL * 86400;  // massive:close:* and massive:settlement:*

  // Per chain symbol.
  double em_mult(const std::string& symbol) const;
  double strike_increment(const std::string& symbol) const;
  bool filter_strikes(const std::string& symbol) const;
  const std::vector<int>& widths(const std::string& symbol) const;
};

// Reads every setting; throws core::Error("bad_massive_config") naming the variable and the
// value for anything unusable (a non-number, an empty symbol list, a zero interval).
// `simulated` comes from the caller (the resolved market source).
MassiveConfig load_massive_config(const core::Truth& truth, bool simulated);

// "I:SPX,I:NDX" → {"I:SPX","I:NDX"} (blanks dropped).
std::vector<std::string> split_list(const std::string& text);

}  // namespace ms::massive
