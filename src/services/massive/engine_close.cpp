// MassiveEngine: the official close and the AM settlement value (issue 7 item 3, DESIGN §11
// "Settlement uses official values").
//
//   close          at the market clock's close of a session every spot symbol's last tick is
//                  written to massive:close:{SYM}:{date} as provisional (source "last_tick",
//                  final:false). A watch then polls the vendor's daily summary
//                  (GET /v1/open-close/{SYM}/{date}) every close_poll_interval (doubled after a
//                  failed request, up to 8x) until it carries `close`, at most close_max_polls
//                  times; the official close is written final (source "vendor", revision 1).
//                  The watch goes on checking every close_recheck_interval, close_rechecks
//                  times, and rewrites the key (revision + 1) only when the vendor restated it.
//   AM settlement  on the open of an AM expiry day (core::is_monthly_expiration: the SPX/NDX
//                  monthlies) each chain symbol's first tick is written to
//                  massive:settlement:{SYM}:{date} as provisional (source "first_tick"), then
//                  the same watch takes the summary's `open` — the vendor's official opening
//                  value — as the opening settlement value.
// Ideas settle on these values: PM ideas (every tracked idea: tiles use the PM roots) on the
// close of their expiry day, AM ideas on the settlement value. If the vendor never answers,
// the provisional value settles them once the polls are exhausted (settlement_source
// "last_tick"), so nothing waits forever.
//
// The vendor documents no finality flag; a field of the summary is taken as final when it is
// there, and the recheck window is what catches a restatement. Why wall time between polls:
// it is load on the vendor; with the simulator (speed x) the same waits cover speed x more
// market time, which its finality delays are written in.
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it

#include <algorithm>
#include <cmath>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bus/keys.hpp"
#include "core/market_calendar.hpp"
#include "core/metrics.hpp"
#include "services/massive/massive_engine.hpp"

namespace ms::massive {

namespace asio = boost::asio;

namespace {

std::string_view kind_name(bool am) { return am ? "am_settlement" : "close"; }

// The key of official_: the date first, so the map's first entries are the oldest sessions.
std::string official_id(bool am, const std::string& symbol, const std::string& date) {
  return date + "|" + std::string(kind_name(am)) + "|" + symbol;
}

core::Counter& official_counter(core::MetricsRegistry& m, std::string_view kind, std::string_view event) {
  return m.counter("massive_official_values_total",
                   "Official closes and AM settlement values: provisional, final, corrected, missed",
                   {{"kind", std::string(kind)}, {"event", std::string(event)}});
}

}  // namespace

void MassiveEngine::write_session_close(core::Date session) {
  if (!closed_sessions_.insert(session).second) return;
  while (closed_sessions_.size() > 8) closed_sessions_.erase(closed_sessions_.begin());
  const std::string date = core::format_date(session);
  for (const auto& [symbol, spot] : spots_) {
    if (spot.value <= 0) continue;
    OfficialValue v;
    v.value = spot.value;
    v.source = "last_tick";
    write_official(symbol, session, OfficialKind::close, v, spot.t_ms);
  }
  watch_official(session, OfficialKind::close);
}

void MassiveEngine::on_session_open(core::Date session) {
  if (!opened_sessions_.insert(session).second) return;
  while (opened_sessions_.size() > 8) opened_sessions_.erase(opened_sessions_.begin());
  if (!core::is_monthly_expiration(session)) return;
  watch_official(session, OfficialKind::am_settlement);
}

void MassiveEngine::watch_official(core::Date session, OfficialKind kind) {
  if (stopping_ || !watches_.insert({session, kind}).second) return;
  while (watches_.size() > 32) watches_.erase(watches_.begin());  // dates long past
  ++official_watches_running_;
  asio::co_spawn(
      strand_,
      [this, session, kind]() -> asio::awaitable<void> {
        try {
          co_await official_watch(session, kind);
        } catch (const std::exception& e) {
          spdlog::error("massive: the {} watch of {} ended: {}", kind_name(kind == OfficialKind::am_settlement),
                        core::format_date(session), e.what());
        }
        if (--official_watches_running_ == 0 && official_watches_ended_) official_watches_ended_->cancel();
      },
      asio::detached);
}

asio::awaitable<void> MassiveEngine::official_watch(core::Date session, OfficialKind kind) {
  const bool am = kind == OfficialKind::am_settlement;
  const std::string date = core::format_date(session);
  auto& polls = ctx_.metrics().counter("massive_official_polls_total", "Vendor daily-summary requests",
                                       {{"kind", std::string(kind_name(am))}});
  std::vector<std::string> symbols;
  if (am) {
    symbols = config_.chain_symbols;
  } else {
    for (const auto& s : config_.spot_symbols) symbols.push_back(s);
    for (const auto& s : config_.stock_symbols) symbols.push_back(s);
  }
  const auto session_times = core::session_for(session);
  std::vector<std::string> pending = symbols, done;
  bool provisional_written = !am;  // the close's provisional was written at the close

  // 1. Until the official value is there.
  int failures = 0;
  for (int poll = 0; poll < config_.close_max_polls && !pending.empty(); ++poll) {
    if (!provisional_written && session_times) {
      // AM: the first tick after the open, as soon as there is one.
      provisional_written = true;
      for (const auto& symbol : pending) {
        const auto it = spots_.find(symbol);
        if (it == spots_.end() || it->second.value <= 0 || it->second.t_ms < session_times->open_ms) {
          provisional_written = false;
          continue;
        }
        // Started later in the day (a restart): the spot is no opening tick; wait for the vendor.
        if (it->second.t_ms > session_times->open_ms + core::kMsPerMinute) continue;
        if (official_.count(official_id(true, symbol, date))) continue;
        OfficialValue v;
        v.value = it->second.value;
        v.source = "first_tick";
        write_official(symbol, session, kind, v, it->second.t_ms);
      }
    }
    bool failed = false;
    for (auto it = pending.begin(); it != pending.end();) {
      std::optional<marketdata::DailyOpenClose> summary;
      try {
        polls.inc();
        auto op = rest_->daily_open_close(*it, date);
        summary = co_await std::move(op);
      } catch (const std::exception& e) {
        failed = true;
        rest_errors_->inc();
        spdlog::warn("massive: daily summary {} {}: {}", *it, date, e.what());
      }
      if (stopping_) co_return;
      const std::optional<double> value = summary ? (am ? summary->open : summary->close) : std::nullopt;
      if (!value) {
        ++it;
        continue;
      }
      OfficialValue v;
      v.value = *value;
      v.source = "vendor";
      v.final = true;
      v.revision = 1;
      write_official(*it, session, kind, v, market_now());
      done.push_back(*it);
      it = pending.erase(it);
    }
    if (pending.empty()) break;
    failures = failed ? std::min(failures + 1, 3) : 0;
    if (!co_await pause(config_.close_poll_interval * (1 << failures))) co_return;
  }
  for (const auto& symbol : pending) {
    // The vendor never had it: the provisional value stays, marked so, and settles the ideas.
    official_counter(ctx_.metrics(), kind_name(am), "missed").inc();
    spdlog::warn("massive: no official {} of {} for {} after {} polls; the provisional value stays",
                 kind_name(am), symbol, date, config_.close_max_polls);
    const auto it = official_.find(official_id(am, symbol, date));
    if (it != official_.end() && session_times) {
      settle_ideas(symbol, am ? session_times->open_ms : session_times->close_ms, it->second, kind);
    }
  }

  auto rechecks = recheck_official(session, kind, std::move(done));
  co_await std::move(rechecks);
}

// 2. Corrections, for a bounded window.
asio::awaitable<void> MassiveEngine::recheck_official(core::Date session, OfficialKind kind,
                                                      std::vector<std::string> done) {
  const bool am = kind == OfficialKind::am_settlement;
  const std::string date = core::format_date(session);
  auto& polls = ctx_.metrics().counter("massive_official_polls_total", "Vendor daily-summary requests",
                                       {{"kind", std::string(kind_name(am))}});
  for (int r = 0; r < config_.close_rechecks && !done.empty(); ++r) {
    if (!co_await pause(config_.close_recheck_interval)) co_return;
    for (const auto& symbol : done) {
      std::optional<marketdata::DailyOpenClose> summary;
      try {
        polls.inc();
        auto op = rest_->daily_open_close(symbol, date);
        summary = co_await std::move(op);
      } catch (const std::exception& e) {
        rest_errors_->inc();
        spdlog::warn("massive: daily summary {} {} (recheck): {}", symbol, date, e.what());
        continue;
      }
      if (stopping_) co_return;
      const std::optional<double> value = summary ? (am ? summary->open : summary->close) : std::nullopt;
      if (!value) continue;  // the vendor answering nothing is no correction
      const auto it = official_.find(official_id(am, symbol, date));
      if (it != official_.end() && it->second.source == "vendor" && it->second.value == *value) continue;
      OfficialValue v;
      v.value = *value;
      v.source = "vendor";
      v.final = true;
      v.revision = it != official_.end() ? it->second.revision + 1 : 1;
      spdlog::info("massive: the vendor restated the {} of {} for {}: {} -> {}", kind_name(am), symbol, date,
                   it != official_.end() ? it->second.value : 0.0, *value);
      write_official(symbol, session, kind, v, market_now());
    }
  }
}

void MassiveEngine::write_official(const std::string& symbol, core::Date session, OfficialKind kind,
                                   OfficialValue v, core::EpochMs tick_ms) {
  if (!std::isfinite(v.value) || v.value <= 0) return;
  const bool am = kind == OfficialKind::am_settlement;
  const std::string date = core::format_date(session);
  const std::string id = official_id(am, symbol, date);
  const auto previous = official_.find(id);
  // A provisional value never replaces a vendor value.
  if (!v.final && previous != official_.end() && previous->second.final) return;
  nlohmann::json j{{"symbol", symbol},
                   {"session_date", date},
                   {"source", v.source},
                   {"final", v.final},
                   {"revision", v.revision},
                   {"ts_ms", tick_ms},
                   {"market_source", config_.simulated ? "sim" : "live"}};
  j[am ? "value" : "close"] = v.value;
  if (am) j["settlement"] = "am";
  // What the value replaced, so a reader sees the provisional and the official side by side.
  if (previous != official_.end()) {
    j[previous->second.final ? "previous_value" : "provisional_value"] = previous->second.value;
  }
  const std::string key = am ? bus::keys::session_settlement(symbol, date) : bus::keys::session_close(symbol, date);
  out_->set(key, j.dump(), config_.close_ttl_sec);
  official_counter(ctx_.metrics(), kind_name(am),
                   !v.final ? "provisional" : (v.revision > 1 ? "corrected" : "final"))
      .inc();
  official_[id] = v;
  while (official_.size() > 256) official_.erase(official_.begin());  // the oldest sessions go first
  if (v.final) {
    if (const auto s = core::session_for(session)) {
      settle_ideas(symbol, am ? s->open_ms : s->close_ms, v, kind);
    }
  }
}

void MassiveEngine::watch_awaiting_ideas() {
  // Restored ideas whose expiration passed while massive was down: their dates' values.
  for (const auto& [symbol, tracker] : trackers_) {
    for (const auto instant : tracker.awaiting_settlement(market_now())) {
      const core::Date day = core::session_date(instant);
      const auto s = core::session_for(day);
      if (!s) continue;
      if (instant == s->close_ms) watch_official(day, OfficialKind::close);
      if (instant == s->open_ms) watch_official(day, OfficialKind::am_settlement);
    }
  }
}

}  // namespace ms::massive
