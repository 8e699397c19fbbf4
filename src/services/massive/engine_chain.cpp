// MassiveEngine: chain geometry (strike windows, expirations), feed subscriptions, GEX with
// levels, Bias/LFI and market mode, the trade selector.
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it
#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bus/keys.hpp"
#include "quant/bias_lfi_json.hpp"
#include "quant/chain_geometry.hpp"
#include "quant/gex_json.hpp"
#include "quant/trade_selector.hpp"
#include "quant/trade_selector_json.hpp"
#include "services/massive/engine_support.hpp"
#include "services/massive/massive_engine.hpp"

namespace ms::massive {

namespace asio = boost::asio;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

asio::awaitable<void> MassiveEngine::chain_loop() {
  std::uint64_t failures = 0;
  while (!stopping_) {
    chain_refresh_now_ = false;
    if (clock_ready_) {
      bool any = false;
      for (const auto& symbol : config_.chain_symbols) {
        try {
          co_await refresh_chain(symbol);
          any = true;
        } catch (const std::exception& e) {
          rest_errors_->inc();
          if (++failures == 1 || failures % 30 == 0) {
            spdlog::warn("massive: chain refresh of {} failed: {}", symbol, e.what());
          }
        }
        if (stopping_) co_return;
      }
      if (any) {
        write_chain_latest();
        update_subscriptions();
      }
      cycle_entered_.clear();
      cycle_exited_.clear();
    }
    if (chain_refresh_now_) continue;
    if (!co_await pause(config_.chain_interval, &chain_timer_)) break;
  }
}

asio::awaitable<void> MassiveEngine::refresh_chain(const std::string& symbol) {
  const double spot = spot_of(symbol);
  if (spot <= 0) co_return;  // no spot yet: the window has no centre
  const core::Date session = session_;
  // Q2: the next N dates, one small request each, cached until the first one settles (after
  // the close the list starts at the next trading day).
  core::Date from = session;
  if (core::expiration_ms(session, core::Settlement::pm) <= market_now()) from = core::next_trading_day(session);
  std::vector<std::string> exps;
  if (const auto it = expirations_.find(symbol); it != expirations_.end() && it->second.from == from) {
    exps = it->second.dates;
  }
  if (exps.empty()) {
    // No reference into expirations_ across the await: a new session clears the map meanwhile.
    // The first N dates (GEX and the selector use every loaded expiry) and, beyond them, the
    // dates whose calendar DTE is in MASSIVE_MODEL_DTES: max_dte + 1 trading dates span at
    // least max_dte calendar days, so one request covers every listed DTE.
    const int n = config_.num_expirations;
    auto dates = co_await rest_->expirations(symbol, core::format_date(from), std::max(n, config_.max_dte + 1));
    const auto& listed = config_.model_dtes;
    for (std::size_t i = 0; i < dates.size(); ++i) {
      const auto d = core::parse_date(dates[i]);
      const bool wanted = d && std::find(listed.begin(), listed.end(), core::calendar_dte(session, *d)) != listed.end();
      if (int(i) < n || wanted) exps.push_back(std::move(dates[i]));
    }
    expirations_[symbol] = Expirations{from, exps};
  }
  quant::ChainSymbolSettings settings;
  settings.em_mult = config_.em_mult(symbol);
  settings.strike_increment = config_.strike_increment(symbol);
  settings.filter_strikes = config_.filter_strikes(symbol);

  std::vector<marketdata::OptionContractSnapshot> contracts;
  for (const auto& e : exps) {
    const auto date = core::parse_date(e);
    if (!date) continue;
    const auto window = quant::strike_window(spot, vix(), std::max(0, core::calendar_dte(session, *date)), settings);
    marketdata::OptionChainQuery q;
    q.underlying = symbol;
    q.expiration_date = e;
    q.strike_gte = window.low;
    q.strike_lte = window.high;
    auto page = co_await rest_->option_chain(q);
    for (auto& c : page) {
      if (settings.filter_strikes && !quant::strike_on_grid(std::llround(c.strike * 1000.0), settings.strike_increment)) {
        continue;
      }
      contracts.push_back(std::move(c));
    }
  }
  if (stopping_ || session != session_) co_return;  // the session rolled while we fetched

  auto& chain = *chains_.at(symbol);
  const auto t0 = std::chrono::steady_clock::now();
  const bool changed = chain.replace(contracts, session, market_now(), spot_of(symbol), vix().value_or(0));
  build_heatmap_->observe(seconds_since(t0));
  if (changed) {
    cycle_entered_.insert(cycle_entered_.end(), chain.entered().begin(), chain.entered().end());
    cycle_exited_.insert(cycle_exited_.end(), chain.exited().begin(), chain.exited().end());
    const auto seq = next_seq("chain", symbol);
    nlohmann::json notice{{"symbol", symbol},        {"epoch", epoch_},
                          {"seq", seq},              {"version", chain.version()},
                          {"contracts", chain.contracts().size()}, {"ts", market_now()}};
    out_->publish(bus::keys::chain_update(symbol), notice.dump());
  }
  run_analytics(symbol);
}

void MassiveEngine::write_chain_latest() {
  // Q3: rewritten every cycle (quotes, greeks and OI move even when the strikes do not).
  std::uint64_t version = 0;
  std::size_t count = 0;
  for (const auto& [_, chain] : chains_) {
    version += chain->version();
    count += chain->contracts().size();
  }
  // The header, and the announcement after the SET: a reader that gets the notice GETs a key at
  // least this new (same seq, or a later one).
  const nlohmann::ordered_json header{{"version", version},
                                      {"ts", market_now()},
                                      {"epoch", epoch_},
                                      {"seq", next_seq("chain_latest", "all")},
                                      {"session_date", core::format_date(session_)},
                                      {"count", count}};
  std::string out = header.dump();
  out.pop_back();  // reopen the object for the contracts
  out += ",\"contracts\":{";
  bool first = true;
  for (const auto& [_, chain] : chains_) {
    for (const auto& c : chain->contracts()) {
      if (!first) out += ',';
      first = false;
      out += nlohmann::json(c.ticker).dump();
      out += ':';
      out += c.stored.dump();
    }
  }
  out += "}}";
  out_->set(std::string(bus::keys::chain_latest.tmpl), std::move(out));
  out_->publish(std::string(bus::keys::chain_latest_update.tmpl), header.dump());
  if (!cycle_entered_.empty() || !cycle_exited_.empty()) {
    const nlohmann::json delta{{"version", version},       {"ts", market_now()},       {"epoch", epoch_},
                               {"entered", cycle_entered_}, {"exited", cycle_exited_}};
    out_->set(std::string(bus::keys::chain_delta.tmpl), delta.dump());
  }
}

void MassiveEngine::update_subscriptions() {
  std::vector<RankedContract> all;
  for (const auto& [symbol, chain] : chains_) {
    auto r = chain->ranked_contracts(spot_of(symbol));
    all.insert(all.end(), std::make_move_iterator(r.begin()), std::make_move_iterator(r.end()));
  }
  // Nearest expiry, then nearest strike (relative to each index's spot), across symbols: the
  // vendor's quote cap cuts the far wings first.
  std::stable_sort(all.begin(), all.end(), [](const RankedContract& a, const RankedContract& b) {
    if (a.dte != b.dte) return a.dte < b.dte;
    return a.distance < b.distance;
  });
  std::vector<std::string> params;
  params.reserve(all.size() * 2);
  for (const auto& c : all) {
    params.push_back("Q." + c.ticker);
    params.push_back("T." + c.ticker);
  }
  if (params == option_subscriptions_) return;
  option_subscriptions_ = params;
  options_feed_->set_subscriptions(std::move(params));
}

asio::awaitable<void> MassiveEngine::analytics_loop() {
  while (!stopping_) {
    if (!co_await pause(config_.gex_interval)) break;
    for (const auto& [symbol, chain] : chains_) {
      if (chain->loaded()) run_analytics(symbol);
    }
  }
}

void MassiveEngine::run_analytics(const std::string& symbol) {
  auto& chain = *chains_.at(symbol);
  if (!chain.loaded()) return;
  const double spot = spot_of(symbol);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    auto gex = quant::build_gex(chain.gex_input(spot));
    const auto now = market_now();
    const auto seq = next_seq("gex", symbol);
    const quant::ModelEnvelope env{now, epoch_, seq, 0};
    std::string text;
    if (gex.has_calls()) {
      quant::write_gex_side_json(text, gex, quant::GexSide::calls, env);
      out_->set(bus::keys::gex_calls(symbol), text, config_.gex_ttl_sec);
    }
    if (gex.has_puts()) {
      text.clear();
      quant::write_gex_side_json(text, gex, quant::GexSide::puts, env);
      out_->set(bus::keys::gex_puts(symbol), text, config_.gex_ttl_sec);
    }
    nlohmann::json levels{{"net", gex.all_levels.net}};
    levels["flip"] = gex.all_levels.flip ? nlohmann::json(*gex.all_levels.flip) : nlohmann::json(nullptr);
    levels["call_wall"] = gex.all_levels.call_wall ? nlohmann::json(*gex.all_levels.call_wall) : nlohmann::json(nullptr);
    levels["put_wall"] = gex.all_levels.put_wall ? nlohmann::json(*gex.all_levels.put_wall) : nlohmann::json(nullptr);
    out_->publish(bus::keys::gex_update(symbol),
                  nlohmann::json{{"symbol", symbol}, {"epoch", epoch_}, {"seq", seq}, {"ts", now}, {"levels", {{"all", levels}}}}
                      .dump());

    // Bias/LFI and market mode from this very GEX (Q20), with this symbol's parameters.
    if (spot > 0 && !gex.all.empty()) {
      // This symbol's own scale (its spot and the gross GEX of this build): never SPX's spot.
      const auto params = quant::BiasLfiParams::for_symbol(symbol, spot);
      const auto bias = quant::compute_bias_lfi(gex.all, spot, params);
      const auto bseq = next_seq("bias_lfi", symbol);
      const quant::ModelEnvelope benv{now, epoch_, bseq, 0};
      std::string b, m;
      quant::write_bias_lfi_json(b, symbol, bias, benv);
      quant::write_market_mode_json(m, symbol, bias, benv);
      out_->set(bus::keys::bias_lfi_model(symbol), b, config_.bias_lfi_ttl_sec);
      out_->set(bus::keys::market_mode_model(symbol), m, config_.bias_lfi_ttl_sec);
      if (symbol == "I:SPX") {
        out_->set(std::string(bus::keys::bias_lfi_latest.tmpl), b, config_.bias_lfi_ttl_sec);
        out_->set(std::string(bus::keys::market_mode_latest.tmpl), m, config_.bias_lfi_ttl_sec);
      }
      out_->publish(bus::keys::bias_lfi_update(symbol), b);
      out_->publish(bus::keys::market_mode_update(symbol), m);
      bias_[symbol] = bias;
    }
    gex_[symbol] = std::move(gex);
  } catch (const std::exception& e) {
    // A malformed chain value: skip this round, keep the last model.
    spdlog::debug("massive: analytics of {} skipped: {}", symbol, e.what());
  }
  build_gex_->observe(seconds_since(t0));
}

asio::awaitable<void> MassiveEngine::selector_loop() {
  while (!stopping_) {
    if (!co_await pause(config_.selector_interval)) break;
    for (const auto& symbol : config_.chain_symbols) {
      try {
        run_selector(symbol);
      } catch (const std::exception& e) {
        spdlog::debug("massive: selector of {} skipped: {}", symbol, e.what());
      }
    }
  }
}

void MassiveEngine::run_selector(const std::string& symbol) {
  auto& chain = *chains_.at(symbol);
  if (!chain.loaded()) return;
  const auto now = market_now();
  const auto t0 = std::chrono::steady_clock::now();
  const double spot = spot_of(symbol);
  const auto seq = next_seq("selector", symbol);
  const quant::ModelEnvelope env{now, epoch_, seq, 0};
  std::string text;
  if (spot <= 0) {
    quant::write_selector_no_spot_json(text, symbol, env);
  } else {
    quant::SelectorInput in;
    in.symbol = symbol;
    in.spot = spot;
    in.vix = vix();
    in.ny_hour = core::new_york_hour(now);
    if (auto g = gex_.find(symbol); g != gex_.end()) in.gex = g->second.all;
    if (auto b = bias_.find(symbol); b != bias_.end()) in.bias_lfi = b->second;
    in.butterflies = chain.heatmap().butterfly_tiles();
    auto params = quant::SelectorParams::for_symbol(symbol, spot, config_.strike_increment(symbol));
    params.top_n = config_.selector_top_n;
    const auto result = quant::select_trades(in, params);
    quant::write_selector_model_json(text, result, env);
    track_ideas(symbol, result);
  }
  out_->set(bus::keys::selector_model(symbol), text, config_.selector_ttl_sec);
  out_->publish(bus::keys::selector_update(symbol),
                nlohmann::json{{"symbol", symbol}, {"epoch", epoch_}, {"seq", seq}, {"ts", now}}.dump());
  build_selector_->observe(seconds_since(t0));
}

}  // namespace ms::massive
