// MassiveEngine: lifecycle, the three feeds and the market clock.
#include "services/massive/massive_engine.hpp"

#include <chrono>
#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bus/keys.hpp"
#include "core/error.hpp"
#include "core/option_ticker.hpp"
#include "services/massive/engine_support.hpp"

namespace ms::massive {

namespace asio = boost::asio;

namespace {

net::HttpClient::Options http_options() {
  net::HttpClient::Options o;
  o.threads = 2;
  o.user_agent = "marketswarm-massive/0.1";
  return o;
}

marketdata::WsFeedOptions feed_options(const MassiveConfig& c, const std::string& name, const std::string& url,
                                   const std::string& key) {
  marketdata::WsFeedOptions o;
  o.name = name;
  o.url = url;
  o.api_key = key;
  o.max_quote_contracts = c.max_quote_contracts;
  o.backoff_initial = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(500), c.ws_reconnect_delay);
  o.backoff_max = c.ws_reconnect_delay * 6;
  return o;
}

runtime::SupervisorOptions supervisor_options(runtime::SupervisorOptions o) {
  o.metric_prefix = "massive";
  return o;
}

}  // namespace

MassiveEngine::MassiveEngine(runtime::ServiceContext& ctx, MassiveConfig config, EngineOptions options)
    : ctx_(ctx),
      config_(std::move(config)),
      options_(std::move(options)),
      strand_(asio::make_strand(ctx.io().get_executor())),
      loops_(strand_, ctx.metrics(), supervisor_options(options_.supervision)),
      http_(http_options()) {
  // A new epoch per process start: consumers refetch every :latest when it changes.
  epoch_ = std::to_string(wall_ms());
  out_ = std::make_shared<CommandQueue>(ctx_.bus(std::string(bus::keys::buses::market)), strand_, ctx_.metrics());

  auto& m = ctx_.metrics();
  ticks_options_ = &m.counter("massive_ticks_in_total", "Market events received", {{"feed", "options"}});
  ticks_indices_ = &m.counter("massive_ticks_in_total", "Market events received", {{"feed", "indices"}});
  ticks_stocks_ = &m.counter("massive_ticks_in_total", "Market events received", {{"feed", "stocks"}});
  const std::vector<double> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5};
  build_heatmap_ = &m.histogram("massive_model_build_seconds", "Time to build and serialise a model", bounds,
                                {{"model", "heatmap"}});
  build_gex_ = &m.histogram("massive_model_build_seconds", "Time to build and serialise a model", bounds,
                            {{"model", "gex"}});
  build_selector_ = &m.histogram("massive_model_build_seconds", "Time to build and serialise a model", bounds,
                                 {{"model", "selector"}});
  rest_errors_ = &m.counter("massive_rest_errors_total", "Vendor REST calls that failed after their retries");
  volume_outside_ = &m.gauge("massive_volume_profile_outside_bins",
                             "Volume buckets left out of the served profile (outside its densest price window)");

  marketdata::RestClientOptions ro;
  ro.base_url = config_.endpoints.rest_base_url;
  ro.api_key = options_.api_key;
  ro.retry.max_attempts = 3;
  ro.retry.base_delay = std::chrono::milliseconds(200);
  marketdata::ResponseObserver observer;
  if (options_.record) {
    observer = [this](std::string_view path, int status, std::string_view body) {
      if (recorder_) recorder_->write_rest(market_now(), path, status, body);
    };
  }
  rest_ = std::make_unique<marketdata::RestClient>(http_, ro, observer);

  auto on_frame = [this](std::string feed) -> marketdata::WsFeed::FrameObserver {
    if (!options_.record) return {};
    return [this, feed](std::string_view frame) { record_ws(feed, frame); };
  };
  options_feed_ = std::make_unique<marketdata::WsFeed>(
      strand_, feed_options(config_, "options", config_.endpoints.options_ws_url, options_.api_key),
      [this](std::vector<marketdata::FeedEvent>& e) { on_option_events(e); }, on_frame("options"));
  indices_feed_ = std::make_unique<marketdata::WsFeed>(
      strand_, feed_options(config_, "indices", config_.endpoints.indices_ws_url, options_.api_key),
      [this](std::vector<marketdata::FeedEvent>& e) { on_index_events(e); }, on_frame("indices"));
  stocks_feed_ = std::make_unique<marketdata::WsFeed>(
      strand_, feed_options(config_, "stocks", config_.endpoints.stocks_ws_url, options_.api_key),
      [this](std::vector<marketdata::FeedEvent>& e) { on_stock_events(e); }, on_frame("stocks"));

  for (const auto& s : config_.chain_symbols) {
    quant::HeatmapConfig hc;
    hc.widths = config_.widths(s);
    hc.max_dte = config_.max_dte;
    hc.dtes = config_.model_dtes;
    hc.rate = config_.risk_free_rate;
    hc.dividend_yield = config_.dividend_yield;
    chains_.emplace(s, std::make_unique<SymbolChain>(s, hc));
  }
}

MassiveEngine::~MassiveEngine() = default;

core::EpochMs MassiveEngine::market_now() const { return ctx_.clock().now_ms(); }

std::int64_t MassiveEngine::next_seq(const std::string& model, const std::string& symbol) {
  auto counter = built_.find(model);
  if (counter == built_.end()) {
    counter = built_.emplace(model, &ctx_.metrics().counter("massive_models_built_total", "Models published",
                                                            {{"model", model}}))
                  .first;
  }
  counter->second->inc();
  return ++seqs_[model + "|" + symbol];
}

void MassiveEngine::record_ws(std::string_view feed, std::string_view frame) {
  if (!recorder_) return;
  try {
    recorder_->write_ws(market_now(), feed, frame);
  } catch (const std::exception& e) {
    spdlog::error("massive: recording stopped: {}", e.what());
    recorder_.reset();
  }
}

void MassiveEngine::open_recording() {
  marketdata::RecordingHeader h;
  h.start_ms = market_now();
  h.symbols = config_.spot_symbols;
  for (const auto& s : config_.chain_symbols) h.symbols.push_back(s);
  h.source = config_.simulated ? "sim" : "live";
  recorder_ = std::make_unique<marketdata::RecordingWriter>(*options_.record, h);
  spdlog::info("massive: recording the feed to {}", options_.record->string());
}

void MassiveEngine::start() {
  // Live, market time is the wall clock from the start. On the simulator it is the simulator's
  // session clock, known only from its first clock frame: a recording starts there, or its
  // timestamps (and a replay's clock) would be wall time, months from the recorded market.
  if (options_.record && !config_.simulated) open_recording();

  std::vector<std::string> index_params, stock_params;
  for (const auto& s : config_.spot_symbols) {
    if (s.rfind("I:", 0) == 0) index_params.push_back("V." + s);
  }
  for (const auto& s : config_.stock_symbols) {
    if (s == "SPY") stock_params.push_back("T." + s);
  }
  indices_feed_->set_subscriptions(index_params);
  stocks_feed_->set_subscriptions(stock_params);

  // Every loop runs under the supervisor with a name (metrics, logs, /readyz).
  auto spawn = [this](std::string name, auto make) {
    loops_.spawn(name, [this, name, make]() -> asio::awaitable<void> {
      if (auto it = options_.loop_failures.find(name); it != options_.loop_failures.end() && it->second > 0) {
        --it->second;
        throw core::Error("injected_failure", "loop " + name + " was told to fail (test hook)");
      }
      co_await make();
    });
  };
  const bool has_indices = !index_params.empty();
  asio::post(strand_, [this, spawn, has_indices] {
    spawn("load_state", [this] { return load_state(); });
    spawn("options_feed", [this] { return run_feed(*options_feed_); });
    if (has_indices) spawn("indices_feed", [this] { return run_feed(*indices_feed_); });
    if (!config_.stock_symbols.empty()) spawn("stocks_feed", [this] { return run_feed(*stocks_feed_); });
    spawn("spot", [this] { return spot_loop(); });
    spawn("chain", [this] { return chain_loop(); });
    spawn("analytics", [this] { return analytics_loop(); });
    spawn("selector", [this] { return selector_loop(); });
    spawn("publish", [this] { return publish_loop(); });
    if (!config_.simulated) spawn("live_clock", [this] { return live_clock_loop(); });
  });
  spdlog::info("massive: market data from {} ({})", config_.simulated ? "the simulator" : "the vendor",
               config_.endpoints.rest_base_url);
}

void MassiveEngine::stop() {
  // One sequence on the strand: stop the feeds and loops, wait (bounded) for the loops to end,
  // then send the last writes (volume flush, closes) before the buses close. The promise is
  // shared with the coroutine, so a wait that times out never leaves it writing into a dead one.
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  asio::co_spawn(
      strand_,
      [this, done]() -> asio::awaitable<void> {
        stopping_ = true;
        options_feed_->stop();
        indices_feed_->stop();
        stocks_feed_->stop();
        for (auto* t : timers_) t->cancel();
        const auto left = co_await loops_.stop(std::chrono::seconds(3));
        if (left > 0) spdlog::warn("massive: {} workers still running at stop", left);
        if (official_watches_running_ > 0) {  // their pauses were cancelled above: they end now
          asio::steady_timer ended(strand_, std::chrono::seconds(2));
          official_watches_ended_ = &ended;
          try {
            co_await ended.async_wait(asio::use_awaitable);
          } catch (const std::exception&) {
          }
          official_watches_ended_ = nullptr;
        }
        // The last diffs, and :latest equal to the newest state for whoever reads it next.
        for (auto& [_, chain] : chains_) {
          if (chain->loaded()) publish_heatmap(*chain, true);
        }
        flush_volume();
        co_await out_->drain();
        if (recorder_) recorder_->flush();
        done->set_value();
      },
      asio::detached);
  finished.wait_for(std::chrono::seconds(8));
}

asio::awaitable<bool> MassiveEngine::pause(std::chrono::milliseconds d, asio::steady_timer** handle) {
  if (stopping_) co_return false;
  asio::steady_timer timer(strand_);
  timer.expires_after(d);
  timers_.insert(&timer);
  if (handle) *handle = &timer;
  try {
    co_await timer.async_wait(asio::use_awaitable);
  } catch (const std::exception&) {
    // cancelled: stop, or a wake-up through `handle`
  }
  if (handle) *handle = nullptr;
  timers_.erase(&timer);
  co_return !stopping_;
}

net::Readiness MassiveEngine::readiness() const {
  // Read from another thread: the flags are written on the strand; a stale read only delays
  // readiness by one probe.
  net::Readiness r;
  const bool feed = options_feed_->authenticated();
  const auto workers = loops_.readiness();  // red while a loop waits to restart, naming it
  r.ok = feed && clock_ready_ && workers.ok;
  r.details["options_feed"] = {{"ok", feed}, {"error", options_feed_->last_error()}};
  r.details["market_clock"] = {{"ok", clock_ready_.load()}};
  r.details["workers"] = workers.details;
  return r;
}

asio::awaitable<void> MassiveEngine::run_feed(marketdata::WsFeed& feed) { co_await feed.run(); }

asio::awaitable<void> MassiveEngine::live_clock_loop() {
  while (!stopping_) {
    on_clock(core::clock_state_at(wall_ms(), core::ClockSource::live, 1.0, 0));
    if (!co_await pause(std::chrono::milliseconds(1000 - wall_ms() % 1000))) break;
  }
}

void MassiveEngine::on_clock_event(const marketdata::ClockEvent& c) {
  const auto date = core::parse_date(c.session_date);
  const auto phase = core::parse_session_phase(c.phase);
  if (!date || !phase || c.ts_ms <= 0 || !(c.speed > 0)) {
    ctx_.metrics().counter("massive_bad_clock_events_total", "Simulator clock events that did not parse").inc();
    return;
  }
  core::ClockState s;
  s.ts_ms = c.ts_ms;
  s.session_date = *date;
  s.phase = *phase;
  s.source = core::ClockSource::sim;
  s.speed = c.speed;
  on_clock(s);
}

void MassiveEngine::on_clock(core::ClockState state) {
  // Every feed carries the simulator's clock; one publication per market second.
  const auto second = state.ts_ms / 1000;
  if (second <= last_clock_second_) return;
  last_clock_second_ = second;
  state.seq = ++clock_seq_;
  ctx_.clock().update(state);
  const std::string payload = core::clock_state_to_json(state).dump();
  out_->set(std::string(bus::keys::clock.tmpl), payload);
  out_->publish(std::string(bus::keys::clock_channel.tmpl), payload);

  if (!clock_ready_) {
    session_ = state.session_date;
    clock_ready_ = true;
    if (options_.record && !recorder_) open_recording();
    wake_chain_loop();
    // Started after the close: the day's official close is still to be read (engine_close.cpp).
    if (state.phase == core::SessionPhase::post_market) watch_official(state.session_date, OfficialKind::close);
  } else if (state.session_date != session_) {
    on_new_session(session_, state.session_date);
  }
  const bool open = state.phase == core::SessionPhase::open;
  if (session_open_ && !open) {
    write_session_close(session_);  // engine_close.cpp: provisional, then the official close
    wake_chain_loop();  // today's series has settled: it leaves the model now
  }
  if (open && !session_open_) on_session_open(state.session_date);  // engine_close.cpp
  session_open_ = open;
  for (auto& [_, chain] : chains_) chain->set_time(state.ts_ms);
}

void MassiveEngine::on_new_session(core::Date previous, core::Date next) {
  write_session_close(previous);
  spdlog::info("massive: new session {} (was {})", core::format_date(next), core::format_date(previous));
  session_ = next;
  expirations_.clear();
  on_session_change();
  wake_chain_loop();
}

void MassiveEngine::wake_chain_loop() {
  chain_refresh_now_ = true;
  if (chain_timer_) chain_timer_->cancel();
}

SymbolChain* MassiveEngine::chain_for_ticker(std::string_view sym) {
  const auto u = underlying_of_option(sym);
  if (u.empty()) return nullptr;
  const auto it = chains_.find(std::string(u));
  return it == chains_.end() ? nullptr : it->second.get();
}

void MassiveEngine::on_option_events(std::vector<marketdata::FeedEvent>& events) {
  // Per event: one ticker lookup, shared by the hydrator and the micro model.
  for (auto& ev : events) {
    if (auto* q = std::get_if<marketdata::QuoteEvent>(&ev)) {
      ticks_options_->inc();
      auto* chain = chain_for_ticker(q->sym);
      const auto i = chain ? chain->index_of(q->sym) : std::nullopt;
      if (!i) {
        screen_unknown_option(q->sym);
        continue;
      }
      if (!admit_option_quote(*chain, chain->contracts()[*i], *q)) continue;
      chain->on_quote(*i, q->bid, q->ask, q->bid_size, q->ask_size);
      on_micro_quote(*chain, chain->contracts()[*i], *q);
    } else if (auto* t = std::get_if<marketdata::TradeEvent>(&ev)) {
      ticks_options_->inc();
      auto* chain = chain_for_ticker(t->sym);
      const auto i = chain ? chain->index_of(t->sym) : std::nullopt;
      if (!i) {
        screen_unknown_option(t->sym);
        continue;
      }
      if (!admit_option_trade(*chain, chain->contracts()[*i], *t)) continue;
      chain->on_trade(*i, t->price);
      on_micro_trade(*chain, chain->contracts()[*i], *t);
    } else if (auto* c = std::get_if<marketdata::ClockEvent>(&ev)) {
      on_clock_event(*c);
    }
  }
}

void MassiveEngine::on_index_events(std::vector<marketdata::FeedEvent>& events) {
  for (auto& ev : events) {
    if (auto* v = std::get_if<marketdata::IndexValueEvent>(&ev)) {
      ticks_indices_->inc();
      if (!clock_ready_) continue;
      on_spot(v->ticker, v->value, v->t_ms > 0 ? v->t_ms : market_now(), "massive/ws");
    } else if (auto* c = std::get_if<marketdata::ClockEvent>(&ev)) {
      on_clock_event(*c);
    }
  }
}

void MassiveEngine::on_stock_events(std::vector<marketdata::FeedEvent>& events) {
  for (auto& ev : events) {
    if (auto* t = std::get_if<marketdata::TradeEvent>(&ev)) {
      ticks_stocks_->inc();
      if (t->sym == "SPY" && admit_stock_trade(*t)) volume_.add_trade(t->price, t->size);
    } else if (auto* c = std::get_if<marketdata::ClockEvent>(&ev)) {
      on_clock_event(*c);
    }
  }
}

void MassiveEngine::update_feed_metrics() {
  auto& m = ctx_.metrics();
  const std::pair<const char*, marketdata::WsFeed*> feeds[] = {
      {"options", options_feed_.get()}, {"indices", indices_feed_.get()}, {"stocks", stocks_feed_.get()}};
  for (const auto& [name, feed] : feeds) {
    const auto s = feed->stats();
    const core::Labels l{{"feed", name}};
    m.gauge("massive_feed_malformed_frames", "Feed frames that were not valid vendor JSON (skipped)", l)
        .set(double(s.malformed_frames));
    m.gauge("massive_feed_skipped_events", "Feed events of unknown type or with bad fields (skipped)", l)
        .set(double(s.skipped_events));
    m.gauge("massive_feed_frames", "Feed frames received", l).set(double(s.frames));
    m.gauge("massive_feed_connects", "Feed connections that authenticated", l).set(double(s.connects));
    m.gauge("massive_feed_disconnects", "Authenticated feed connections that ended", l).set(double(s.disconnects));
    m.gauge("massive_feed_subscribed", "Params the feed connection is subscribed to", l).set(double(s.subscribed));
    m.gauge("massive_feed_over_cap", "Quote params left out by the vendor's per-connection cap", l)
        .set(double(s.over_cap));
    m.gauge("massive_feed_connected", "1 while the feed is authenticated", l).set(feed->authenticated() ? 1 : 0);
  }
}

}  // namespace ms::massive
