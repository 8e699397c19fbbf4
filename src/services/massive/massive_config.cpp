#include "services/massive/massive_config.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/error.hpp"

namespace ms::massive {

namespace {

constexpr std::string_view kId = "massive";

[[noreturn]] void bad(std::string_view name, const std::string& value, std::string_view why) {
  throw core::Error("bad_massive_config",
                    std::string(name) + "=" + value.substr(0, 60) + ": " + std::string(why));
}

double number(const core::Truth& t, std::string_view name, double fallback, double min, double max) {
  const auto v = t.env_value(kId, name);
  if (!v) return fallback;
  double out = 0;
  const auto* end = v->data() + v->size();
  const auto r = std::from_chars(v->data(), end, out);
  if (r.ec != std::errc() || r.ptr != end || !std::isfinite(out)) bad(name, *v, "not a number");
  if (out < min || out > max) bad(name, *v, "out of range");
  return out;
}

std::int64_t integer(const core::Truth& t, std::string_view name, std::int64_t fallback, std::int64_t min,
                     std::int64_t max) {
  const double d = number(t, name, double(fallback), double(min), double(max));
  if (d != std::floor(d)) bad(name, std::to_string(d), "not an integer");
  return std::int64_t(d);
}

std::chrono::milliseconds seconds(const core::Truth& t, std::string_view name, std::chrono::milliseconds fallback) {
  const double s = number(t, name, double(fallback.count()) / 1000.0, 0.001, 86400);
  return std::chrono::milliseconds(std::int64_t(std::llround(s * 1000.0)));
}

std::chrono::milliseconds millis(const core::Truth& t, std::string_view name, std::chrono::milliseconds fallback) {
  return std::chrono::milliseconds(integer(t, name, fallback.count(), 1, 86'400'000));
}

bool boolean(const core::Truth& t, std::string_view name, bool fallback) {
  const auto v = t.env_value(kId, name);
  if (!v) return fallback;
  if (*v == "true" || *v == "1") return true;
  if (*v == "false" || *v == "0") return false;
  bad(name, *v, "not true or false");
}

std::vector<std::string> symbols(const core::Truth& t, std::string_view name, std::string fallback, bool allow_empty) {
  const std::string raw = t.env_or(kId, name, std::move(fallback));
  auto out = split_list(raw);
  if (out.empty() && !allow_empty) bad(name, raw, "no symbols");
  return out;
}

std::vector<int> widths(const core::Truth& t, std::string_view name, std::vector<int> fallback) {
  const auto v = t.env_value(kId, name);
  if (!v) return fallback;
  std::vector<int> out;
  for (const auto& part : split_list(*v)) {
    int w = 0;
    const auto r = std::from_chars(part.data(), part.data() + part.size(), w);
    if (r.ec != std::errc() || r.ptr != part.data() + part.size() || w <= 0) bad(name, *v, "widths must be positive integers");
    out.push_back(w);
  }
  if (out.empty()) bad(name, *v, "no widths");
  return out;
}

// MASSIVE_MODEL_DTES: the exact calendar DTEs the heatmap builds ("0,1,2,5" → those four),
// ascending, each once. A value that is not an integer in 0..60, a repeat or an empty list
// fails the config naming it.
std::vector<int> model_dtes(const core::Truth& t) {
  constexpr std::string_view name = "MASSIVE_MODEL_DTES";
  const std::string raw = t.env_or(kId, name, "0,1,2,3,4");
  std::vector<int> out;
  for (const auto& d : split_list(raw)) {
    int v = 0;
    const auto r = std::from_chars(d.data(), d.data() + d.size(), v);
    if (r.ec != std::errc() || r.ptr != d.data() + d.size() || v < 0 || v > 60) {
      bad(name, d, "not a dte (an integer in 0..60)");
    }
    if (std::find(out.begin(), out.end(), v) != out.end()) bad(name, d, "listed twice");
    out.push_back(v);
  }
  if (out.empty()) bad(name, raw, "no dtes");
  std::sort(out.begin(), out.end());
  return out;
}

bool is_ndx(const std::string& s) { return s == "I:NDX" || s == "NDX"; }

}  // namespace

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(start, end - start);
    const auto b = part.find_first_not_of(" \t");
    const auto e = part.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(part.substr(b, e - b + 1));
    start = end + 1;
  }
  return out;
}

double MassiveConfig::em_mult(const std::string& s) const { return is_ndx(s) ? ndx_em_mult : spx_em_mult; }
double MassiveConfig::strike_increment(const std::string& s) const {
  return is_ndx(s) ? ndx_strike_increment : spx_strike_increment;
}
bool MassiveConfig::filter_strikes(const std::string& s) const { return is_ndx(s) ? ndx_filter_strikes : spx_filter_strikes; }
const std::vector<int>& MassiveConfig::widths(const std::string& s) const { return is_ndx(s) ? ndx_widths : spx_widths; }

MassiveConfig load_massive_config(const core::Truth& truth, bool simulated) {
  MassiveConfig c;
  c.simulated = simulated;
  if (simulated) {
    const auto sim = truth.sim(kId);
    if (!sim) throw core::Error("bad_massive_config", "truth components.massive.sim is missing");
    const std::string host = sim->bind == "0.0.0.0" ? "127.0.0.1" : sim->bind;
    const std::string hostport = host + ":" + std::to_string(sim->port);
    c.endpoints.rest_base_url = "http://" + hostport;
    c.endpoints.options_ws_url = "ws://" + hostport + "/options";
    c.endpoints.stocks_ws_url = "ws://" + hostport + "/stocks";
    c.endpoints.indices_ws_url = "ws://" + hostport + "/indices";
  } else {
    c.endpoints.rest_base_url = truth.env_or(kId, "MASSIVE_REST_BASE_URL", "https://api.massive.com");
    c.endpoints.options_ws_url = truth.env_or(kId, "MASSIVE_WS_URL", "wss://socket.massive.com/options");
    c.endpoints.stocks_ws_url = truth.env_or(kId, "MASSIVE_STOCKS_WS_URL", "wss://socket.massive.com/stocks");
    c.endpoints.indices_ws_url = truth.env_or(kId, "MASSIVE_INDICES_WS_URL", "wss://socket.massive.com/indices");
  }
  c.spot_symbols = symbols(truth, "MASSIVE_SPOT_SYMBOLS", "I:SPX,I:NDX,I:VIX", false);
  c.stock_symbols = symbols(truth, "MASSIVE_STOCK_SYMBOLS", "SPY,QQQ,IWM", true);
  c.chain_symbols = symbols(truth, "MASSIVE_CHAIN_SYMBOLS", "I:SPX,I:NDX", false);
  for (const auto& s : c.chain_symbols) {
    if (s.rfind("I:", 0) != 0) bad("MASSIVE_CHAIN_SYMBOLS", s, "chain symbols are indices spelled with I:");
  }
  c.spot_interval = seconds(truth, "MASSIVE_SPOT_INTERVAL_SEC", c.spot_interval);
  c.chain_interval = seconds(truth, "MASSIVE_CHAIN_INTERVAL_SEC", c.chain_interval);
  c.gex_interval = seconds(truth, "MASSIVE_GEX_INTERVAL_SEC", c.gex_interval);
  c.selector_interval = seconds(truth, "MASSIVE_SELECTOR_INTERVAL_SEC", c.selector_interval);
  c.heatmap_publish_interval = millis(truth, "MASSIVE_HEATMAP_PUBLISH_MS", c.heatmap_publish_interval);
  c.volume_flush_interval = millis(truth, "MASSIVE_VOLUME_FLUSH_MS", c.volume_flush_interval);
  c.ws_reconnect_delay = seconds(truth, "MASSIVE_WS_RECONNECT_DELAY_SEC", c.ws_reconnect_delay);
  c.trail_window_sec = integer(truth, "MASSIVE_SPOT_TRAIL_WINDOW_SEC", c.trail_window_sec, 60, 90LL * 86400);
  c.trail_ttl_sec = integer(truth, "MASSIVE_SPOT_TRAIL_TTL_SEC", c.trail_ttl_sec, 60, 90LL * 86400);
  c.num_expirations = int(integer(truth, "MASSIVE_CHAIN_NUM_EXPIRATIONS", c.num_expirations, 1, 20));
  c.spx_em_mult = number(truth, "MASSIVE_SPX_EM_MULT", c.spx_em_mult, 0.1, 20);
  c.ndx_em_mult = number(truth, "MASSIVE_NDX_EM_MULT", c.ndx_em_mult, 0.1, 20);
  c.spx_strike_increment = number(truth, "MASSIVE_SPX_STRIKE_INCREMENT", c.spx_strike_increment, 0.5, 1000);
  c.ndx_strike_increment = number(truth, "MASSIVE_NDX_STRIKE_INCREMENT", c.ndx_strike_increment, 0.5, 1000);
  c.spx_filter_strikes = boolean(truth, "MASSIVE_SPX_FILTER_STRIKES", c.spx_filter_strikes);
  c.ndx_filter_strikes = boolean(truth, "MASSIVE_NDX_FILTER_STRIKES", c.ndx_filter_strikes);
  c.spx_widths = widths(truth, "MASSIVE_WIDTHS_SPX", c.spx_widths);
  c.ndx_widths = widths(truth, "MASSIVE_WIDTHS_NDX", c.ndx_widths);
  c.model_dtes = model_dtes(truth);
  c.max_dte = c.model_dtes.back();
  c.model_ttl_sec = integer(truth, "MASSIVE_MODEL_LIVE_TTL_SEC", c.model_ttl_sec, 1, 30LL * 86400);
  c.replay_ttl_sec = integer(truth, "MASSIVE_REPLAY_TTL_SEC", c.replay_ttl_sec, 1, 30LL * 86400);
  c.heatmap_model_interval = millis(truth, "MASSIVE_HEATMAP_MODEL_INTERVAL_MS", c.heatmap_model_interval);
  if (c.heatmap_model_interval < c.heatmap_publish_interval) {
    bad("MASSIVE_HEATMAP_MODEL_INTERVAL_MS", std::to_string(c.heatmap_model_interval.count()),
        "shorter than MASSIVE_HEATMAP_PUBLISH_MS");
  }
  c.replay_max_bytes =
      std::size_t(integer(truth, "MASSIVE_REPLAY_MAX_BYTES", std::int64_t(c.replay_max_bytes), 1 << 20, 1LL << 32));
  c.bias_lfi_ttl_sec = integer(truth, "MASSIVE_BIAS_LFI_TTL_SEC", c.bias_lfi_ttl_sec, 1, 30LL * 86400);
  c.selector_ttl_sec = integer(truth, "MASSIVE_SELECTOR_TTL_SEC", c.selector_ttl_sec, 1, 30LL * 86400);
  c.selector_top_n = std::size_t(integer(truth, "MASSIVE_SELECTOR_TOP_N", std::int64_t(c.selector_top_n), 1, 100));
  c.selector_tracking = boolean(truth, "MASSIVE_SELECTOR_TRACKING", c.selector_tracking);
  c.candle_sessions = std::size_t(integer(truth, "MASSIVE_CANDLE_SESSIONS", std::int64_t(c.candle_sessions), 1, 30));
  c.micro_band_pct = number(truth, "MASSIVE_MICRO_BAND_PCT", c.micro_band_pct, 0.01, 10);
  c.max_quote_contracts =
      std::size_t(integer(truth, "MASSIVE_MAX_QUOTE_CONTRACTS", std::int64_t(c.max_quote_contracts), 1, 1000));
  c.close_poll_interval = millis(truth, "MASSIVE_CLOSE_POLL_MS", c.close_poll_interval);
  c.close_max_polls = int(integer(truth, "MASSIVE_CLOSE_MAX_POLLS", c.close_max_polls, 1, 10000));
  c.close_recheck_interval = millis(truth, "MASSIVE_CLOSE_RECHECK_MS", c.close_recheck_interval);
  c.close_rechecks = int(integer(truth, "MASSIVE_CLOSE_RECHECKS", c.close_rechecks, 0, 10000));
  c.close_ttl_sec = integer(truth, "MASSIVE_CLOSE_TTL_SEC", c.close_ttl_sec, 86400, 400LL * 86400);
  c.risk_free_rate = number(truth, "MASSIVE_RISK_FREE_RATE", c.risk_free_rate, -0.1, 0.5);
  c.dividend_yield = number(truth, "MASSIVE_DIVIDEND_YIELD", c.dividend_yield, -0.1, 0.5);
  return c;
}

}  // namespace ms::massive
