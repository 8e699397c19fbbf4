#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it

#include "services/sim/sim_server.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/market_clock.hpp"
#include "core/metrics.hpp"
#include "net/ops_routes.hpp"
#include "net/server.hpp"
#include "net/url.hpp"
#include "services/sim/data_faults.hpp"
#include "services/sim/rest_api.hpp"
#include "services/sim/wire.hpp"
#include "services/sim/ws_session.hpp"
#include "marketdata/recording.hpp"

namespace ms::sim {

namespace asio = boost::asio;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

constexpr std::uint16_t kCloseGoingAway = 1001;
constexpr std::uint16_t kClosePolicy = 1008;
constexpr std::uint16_t kCloseInternal = 1011;
constexpr EpochMs kMaxClockCatchUpMs = 60'000;  // replay: older missed clock seconds are skipped

std::string_view cluster_name(Cluster c) { return cluster_path(c).substr(1); }

std::optional<Cluster> parse_cluster_name(std::string_view s) {
  if (!s.empty() && s.front() == '/') s.remove_prefix(1);
  for (auto c : {Cluster::options, Cluster::stocks, Cluster::indices}) {
    if (s == cluster_name(c)) return c;
  }
  return std::nullopt;
}

std::int64_t system_wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string url_host(const std::string& bind) {
  if (bind.empty() || bind == "0.0.0.0") return "127.0.0.1";
  if (bind == "::") return "[::1]";
  if (bind.find(':') != std::string::npos) return "[" + bind + "]";
  return bind;
}

// "/v3/x%3Ay?b=1&apiKey=K" -> "/v3/x:y?b=1": the key replay answers by.
std::string normalise_target(std::string_view target) {
  const std::string stripped = marketdata::strip_api_key(target);
  const auto [path, query] = net::split_target(stripped);
  std::string out = net::percent_decode(path).value_or(std::string(path));
  if (!query.empty()) {
    out += '?';
    out += query;
  }
  return out;
}

// The simulator's own clock status frame (wire.hpp), as recorded from a simulator session.
bool is_clock_frame(std::string_view frame) {
  static constexpr std::string_view kPrefix = R"([{"ev":"status","status":"clock")";
  return frame.substr(0, kPrefix.size()) == kPrefix && frame.find("},{") == std::string_view::npos;
}

std::string path_of(std::string_view normalised) {
  return std::string(normalised.substr(0, normalised.find('?')));
}

// A recorded next_url points at the vendor's host; point it at this server instead.
std::string rewrite_next_url(std::string body, const std::string& base_url) {
  static constexpr std::string_view kKey = "\"next_url\":\"";
  const auto at = body.find(kKey);
  if (at == std::string::npos) return body;
  const auto url_begin = at + kKey.size();
  const auto scheme_end = body.find("://", url_begin);
  if (scheme_end == std::string::npos) return body;
  const auto path_begin = body.find_first_of("/\"", scheme_end + 3);
  if (path_begin == std::string::npos || body[path_begin] != '/') return body;
  body.replace(url_begin, path_begin - url_begin, base_url);
  return body;
}

struct Conn {
  std::uint64_t id = 0;
  Cluster cluster = Cluster::options;
  std::shared_ptr<net::WebSocketSession> ws;
  WsSession session;
  FaultInjector replay_faults;  // replay mode: the faults on recorded frames
  std::uint64_t frames_sent = 0;
  bool closing = false;
  bool forced = false;  // closed by drop_connections

  Conn(std::uint64_t i, Cluster c, std::shared_ptr<net::WebSocketSession> w, WsSessionConfig cfg,
       FaultConfig replay_fault_config)
      : id(i), cluster(c), ws(std::move(w)), session(std::move(cfg)), replay_faults(replay_fault_config) {}

  const FaultStats& fault_stats(bool replay) const {
    return replay ? replay_faults.stats() : session.faults().stats();
  }
};

struct Totals {
  std::uint64_t subscribe_messages = 0;
  std::uint64_t unsubscribe_messages = 0;
  std::uint64_t duplicate_subscribes = 0;
  std::uint64_t frames_sent = 0;
  std::uint64_t garbage = 0;
  std::uint64_t truncated = 0;
  std::uint64_t fault_drops = 0;
  std::uint64_t bad_data = 0;  // events rewritten by the data knobs (bad_price, ...)
};

}  // namespace

struct SimServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, SimServerOptions o)
      : io(io), opt(std::move(o)), strand(asio::make_strand(io)), timer(strand) {}

  asio::io_context& io;
  SimServerOptions opt;
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer timer;  // used on `strand` only
  std::unique_ptr<net::HttpServer> http;
  std::string base;

  mutable std::mutex mu;  // everything below
  bool started = false;
  bool stopping = false;
  FaultConfig faults;
  // model
  std::unique_ptr<SimMarket> market;
  std::unique_ptr<core::SimSessionMap> map;
  std::unique_ptr<RestApi> rest;
  std::uint64_t ticks = 0;
  std::uint64_t lag_resets = 0;
  bool lag_logged = false;
  // replay
  std::unique_ptr<marketdata::Replayer> replayer;
  EpochMs replay_start_ms = 0;
  EpochMs replay_wall_start = 0;
  EpochMs replay_elapsed = 0;
  EpochMs next_clock_offset = 0;
  std::uint64_t replay_records = 0;
  std::uint64_t replay_clock_skipped = 0;
  bool replay_finished = false;
  std::map<std::string, marketdata::RecordedEvent, std::less<>> rest_latest;       // normalised target
  std::map<std::string, marketdata::RecordedEvent, std::less<>> rest_first;        // normalised target
  std::map<std::string, marketdata::RecordedEvent, std::less<>> rest_first_path;   // path only
  std::uint64_t rest_seq = 0;
  // connections
  std::unordered_map<const net::WebSocketSession*, std::unique_ptr<Conn>> conns;
  std::uint64_t next_conn_id = 1;
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_closed = 0;
  std::uint64_t forced_drops = 0;
  std::uint64_t rest_requests = 0;
  std::uint64_t rest_spot_responses = 0;  // for faults.rest_bad_price_every
  std::uint64_t rest_bad_price = 0;       // spot responses rewritten
  Totals closed_totals;
  // metrics (null without a registry)
  core::Counter* m_ticks = nullptr;
  core::Counter* m_frames = nullptr;
  core::Gauge* m_conns = nullptr;

  bool replay_mode() const { return opt.replay.has_value(); }
  EpochMs wall_now() const { return opt.wall_clock(); }

  // ---- sending ------------------------------------------------------------------------------

  void deliver(Conn& c, WsOutput&& out, std::uint16_t close_code) {
    for (auto& f : out.frames) {
      if (!c.ws->send(std::move(f))) break;
      ++c.frames_sent;
      if (m_frames) m_frames->inc();
    }
    if (out.close && !c.closing) {
      c.closing = true;
      c.ws->close(close_code, out.close_reason);
    }
  }

  bool live(const Conn& c) const { return !c.closing && c.session.authenticated() && !c.session.closed(); }

  // ---- model driver -------------------------------------------------------------------------

  void run_ticks_locked() {
    const EpochMs target = map->market_ms(wall_now());
    const auto t0 = Steady::now();
    std::uint64_t n = 0;
    while (market->next_tick_ms() <= target) {
      const MarketTick& tick = market->advance_one_tick();
      ++ticks;
      if (m_ticks) m_ticks->inc();
      for (auto& [key, c] : conns) {
        if (!live(*c)) continue;
        deliver(*c, c->session.on_tick(*market, tick), kCloseInternal);
      }
      if ((++n & 7) == 0 && Steady::now() - t0 > opt.batch_budget) break;
    }
    if (market->next_tick_ms() > target) return;
    const double behind_wall_ms = double(target - market->now_ms()) / opt.speed;
    if (behind_wall_ms <= 1000.0) return;
    // Falling behind: rebase the wall->market mapping onto where the market is.
    const EpochMs next = market->next_tick_ms();
    const auto session = core::session_for(core::session_date(next));
    const core::Date date = session ? session->date : market->session().date;
    const EpochMs open = session ? session->open_ms : market->session().open_ms;
    const EpochMs len = session ? session->close_ms - session->open_ms : 1;
    const EpochMs offset = std::clamp<EpochMs>(next - open, 0, std::max<EpochMs>(len - 1, 0));
    map = std::make_unique<core::SimSessionMap>(wall_now(), date, opt.speed, std::chrono::milliseconds(offset));
    ++lag_resets;
    if (!lag_logged) {
      lag_logged = true;
      spdlog::warn("sim: the market fell {:.0f} ms (wall) behind at speed {}; market time now follows "
                   "what the machine can compute (logged once, see /sim/stats lag_resets)",
                   behind_wall_ms, opt.speed);
    }
  }

  // ---- replay driver ------------------------------------------------------------------------

  void send_replay_frame(Conn& c, std::string frame) {
    if (c.replay_faults.apply(frame) == FaultAction::drop) {
      WsOutput out;
      out.close = true;
      out.close_reason = "fault injection: drop after " + std::to_string(c.replay_faults.config().drop_after) + " frames";
      deliver(c, std::move(out), kCloseInternal);
      return;
    }
    WsOutput out;
    out.frames.push_back(std::move(frame));
    deliver(c, std::move(out), kCloseInternal);
  }

  void emit_clock_locked(EpochMs ts) {
    ClockStatus status;
    status.ts_ms = ts;
    status.session_date = core::session_date(ts);
    status.phase = core::session_phase_at(ts);
    status.speed = opt.speed;
    const std::string frame = "[" + clock_event(status) + "]";
    ++ticks;
    if (m_ticks) m_ticks->inc();
    for (auto& [key, c] : conns) {
      if (live(*c)) send_replay_frame(*c, frame);
    }
  }

  void record_rest(const marketdata::RecordedEvent& e) {
    rest_latest[normalise_target(e.path)] = e;
  }

  void run_replay_locked() {
    const EpochMs elapsed = static_cast<EpochMs>(double(wall_now() - replay_wall_start) * opt.speed);
    replay_elapsed = std::max(replay_elapsed, elapsed);
    if (replay_elapsed - next_clock_offset > kMaxClockCatchUpMs) {
      next_clock_offset = replay_elapsed / 1000 * 1000;
    }
    const auto t0 = Steady::now();
    std::uint64_t n = 0;
    while (true) {
      const auto rec = replayer->next_offset();
      const bool clock_due = next_clock_offset <= replay_elapsed;
      const bool rec_due = rec && *rec <= replay_elapsed;
      if (!clock_due && !rec_due) break;
      if (clock_due && (!rec_due || next_clock_offset <= *rec)) {
        emit_clock_locked(replay_start_ms + next_clock_offset);
        next_clock_offset += 1000;
      } else {
        auto ev = replayer->next();
        ++replay_records;
        if (ev->event.kind == marketdata::RecordKind::rest) {
          record_rest(ev->event);
        } else if (is_clock_frame(ev->event.payload)) {
          ++replay_clock_skipped;  // a recording of the simulator: its clock is synthesised anew
        } else if (const auto cl = parse_cluster_name(ev->event.feed)) {
          for (auto& [key, c] : conns) {
            if (c->cluster == *cl && live(*c)) send_replay_frame(*c, ev->event.payload);
          }
        }
      }
      if ((++n & 63) == 0 && Steady::now() - t0 > opt.batch_budget) break;
    }
    if (!replay_finished && replayer->finished()) {
      replay_finished = true;
      spdlog::info("sim: the recording has ended after {} records; connections stay open", replay_records);
    }
  }

  // ---- timer --------------------------------------------------------------------------------

  void drive_locked() {
    if (replay_mode()) {
      run_replay_locked();
    } else {
      run_ticks_locked();
    }
  }

  void schedule() {
    timer.expires_after(opt.driver_interval);
    timer.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = w.lock()) self->on_wake();
    });
  }

  void on_wake() {
    {
      std::lock_guard lk(mu);
      if (stopping) return;
      try {
        drive_locked();
      } catch (const std::exception& e) {
        spdlog::error("sim: market driver failed: {}", e.what());
      }
    }
    schedule();
  }

  // ---- REST ---------------------------------------------------------------------------------

  static std::optional<std::string> request_key(const net::Request& req) {
    if (auto k = req.query_param("apiKey"); k && !k->empty()) return k;
    if (auto h = req.header("Authorization")) {
      std::string_view v = *h;
      if (v.size() > 7 && net::iequals(v.substr(0, 7), "Bearer ")) {
        v.remove_prefix(7);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        if (!v.empty()) return std::string(v);
      }
    }
    return std::nullopt;
  }

  std::string next_request_id() {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx",
                  static_cast<unsigned long long>(opt.seed * 0x9E3779B97F4A7C15ULL + ++rest_seq));
    return buf;
  }

  net::Response rest_model(net::Request& req) {
    std::lock_guard lk(mu);
    ++rest_requests;
    if (!rest || !market) {
      return net::Response(503, error_body(next_request_id(), "the simulator is not running"), "application/json");
    }
    RestRequest r;
    r.method = req.method == "HEAD" ? "GET" : req.method;
    r.path = net::percent_decode(req.path).value_or(req.path);
    for (const auto& [k, v] : req.query) r.query.emplace_back(k, v);
    r.authorization = req.header("Authorization").value_or("");
    auto res = rest->handle(*market, r);
    const bool spot_snapshot = r.path == "/v3/snapshot/indices" || r.path.rfind("/v2/snapshot/locale/us/markets/stocks/tickers/", 0) == 0;
    if (faults.rest_bad_price_every && res.status == 200 && spot_snapshot &&
        ++rest_spot_responses % faults.rest_bad_price_every == 0 && apply_rest_price_fault(res.body, rest_bad_price)) {
      ++rest_bad_price;
    }
    return net::Response(res.status, std::move(res.body), std::move(res.content_type));
  }

  net::Response rest_replay(net::Request& req) {
    std::lock_guard lk(mu);
    ++rest_requests;
    const std::string id = next_request_id();
    const auto key = request_key(req);
    if (!key || (!opt.api_key.empty() && *key != opt.api_key)) {
      return net::Response(401, error_body(id, key ? "Unknown API Key" : "API Key was not provided"),
                           "application/json");
    }
    const std::string norm = normalise_target(req.target);
    const marketdata::RecordedEvent* hit = nullptr;
    if (auto it = rest_latest.find(norm); it != rest_latest.end()) {
      hit = &it->second;
    } else if (auto f = rest_first.find(norm); f != rest_first.end()) {
      hit = &f->second;
    } else if (auto p = rest_first_path.find(path_of(norm)); p != rest_first_path.end()) {
      hit = &p->second;
    }
    if (!hit) {
      return net::Response(404, error_body(id, "no recorded response for " + path_of(norm).substr(0, 200), "NOT_FOUND"),
                           "application/json");
    }
    return net::Response(hit->status, rewrite_next_url(hit->payload, base), "application/json");
  }

  net::Response handle_rest(net::Request& req) { return replay_mode() ? rest_replay(req) : rest_model(req); }

  // ---- WebSocket ----------------------------------------------------------------------------

  void ws_open(Cluster cluster, const std::shared_ptr<net::WebSocketSession>& ws) {
    std::lock_guard lk(mu);
    if (stopping) {
      ws->close(kCloseGoingAway, "simulator stopping");
      return;
    }
    WsSessionConfig cfg;
    cfg.cluster = cluster;
    cfg.api_key = opt.api_key;
    cfg.scheduler.messages_per_second = opt.messages_per_second;
    cfg.scheduler.speed = opt.speed;
    cfg.scheduler.clock_events = !replay_mode();  // replay synthesises its own clock
    cfg.faults = replay_mode() ? FaultConfig{} : faults;
    auto conn = std::make_unique<Conn>(next_conn_id++, cluster, ws, std::move(cfg),
                                       replay_mode() ? faults : FaultConfig{});
    ++connections_opened;
    if (m_conns) m_conns->add(1);
    auto& c = *conn;
    conns[ws.get()] = std::move(conn);
    deliver(c, c.session.on_open(), kClosePolicy);
  }

  void ws_message(const std::shared_ptr<net::WebSocketSession>& ws, const std::string& text) {
    std::lock_guard lk(mu);
    const auto it = conns.find(ws.get());
    if (it == conns.end() || it->second->closing) return;
    deliver(*it->second, it->second->session.on_text(text), kClosePolicy);
  }

  void add_to(Totals& t, const Conn& c) const {
    const auto& s = c.session.stats();
    const auto& f = c.fault_stats(replay_mode());
    t.subscribe_messages += s.subscribe_messages;
    t.unsubscribe_messages += s.unsubscribe_messages;
    t.duplicate_subscribes += s.duplicate_subscribes;
    t.frames_sent += c.frames_sent;
    t.garbage += f.garbage;
    t.truncated += f.truncated;
    t.fault_drops += f.dropped ? 1 : 0;
    t.bad_data += f.bad_price + f.bad_size + f.far_strike + f.bad_time;
  }

  void ws_close(const std::shared_ptr<net::WebSocketSession>& ws) {
    std::lock_guard lk(mu);
    const auto it = conns.find(ws.get());
    if (it == conns.end()) return;
    add_to(closed_totals, *it->second);
    ++connections_closed;
    if (m_conns) m_conns->add(-1);
    conns.erase(it);
  }

  std::size_t drop_locked(std::optional<Cluster> cluster) {
    std::size_t n = 0;
    for (auto& [key, c] : conns) {
      if (c->closing || (cluster && c->cluster != *cluster)) continue;
      c->closing = true;
      c->forced = true;
      c->ws->close(kCloseGoingAway, "dropped by the simulator");
      ++forced_drops;
      ++n;
    }
    return n;
  }

  // ---- stats --------------------------------------------------------------------------------

  json stats_locked() const {
    json j;
    j["mode"] = replay_mode() ? "replay" : "model";
    EpochMs now = 0;
    if (replay_mode()) {
      now = replay_start_ms + replay_elapsed;
    } else if (market) {
      now = market->now_ms();
    }
    j["market_ms"] = now;
    if (!replay_mode() && market) {
      j["session_date"] = core::format_date(market->session().date);
      j["session_index"] = market->session_index();
    } else {
      j["session_date"] = core::format_date(core::session_date(now));
    }
    j["phase"] = std::string(core::to_string(core::session_phase_at(now)));
    j["speed"] = opt.speed;
    j["seed"] = opt.seed;
    j["ticks"] = ticks;
    j["lag_resets"] = lag_resets;
    j["faults"] = {{"garbage_every", faults.garbage_every},
                   {"truncate_every", faults.truncate_every},
                   {"drop_after", faults.drop_after},
                   {"bad_price_every", faults.bad_price_every},
                   {"bad_size_every", faults.bad_size_every},
                   {"far_strike_every", faults.far_strike_every},
                   {"bad_time_every", faults.bad_time_every},
                   {"rest_bad_price_every", faults.rest_bad_price_every}};
    if (replay_mode()) {
      j["replay_finished"] = replay_finished;
      j["replay_records"] = replay_records;
      j["replay_clock_frames_skipped"] = replay_clock_skipped;
      j["replay_corrupt_lines"] = replayer ? replayer->corrupt_lines() : 0;
    }
    Totals t = closed_totals;
    std::vector<const Conn*> open;
    for (const auto& [key, c] : conns) {
      add_to(t, *c);
      if (!c->closing) open.push_back(c.get());
    }
    std::sort(open.begin(), open.end(), [](const Conn* a, const Conn* b) { return a->id < b->id; });
    json list = json::array();
    for (const Conn* c : open) {
      const auto& s = c->session.stats();
      const auto& f = c->fault_stats(replay_mode());
      const auto& sched = c->session.scheduler().stats();
      list.push_back({{"id", c->id},
                      {"cluster", std::string(cluster_name(c->cluster))},
                      {"authenticated", c->session.authenticated()},
                      {"subscribe_messages", s.subscribe_messages},
                      {"unsubscribe_messages", s.unsubscribe_messages},
                      {"subscriptions", c->session.scheduler().subscription_count()},
                      {"duplicate_subscribes", s.duplicate_subscribes},
                      {"frames_sent", c->frames_sent},
                      {"events", sched.events},
                      {"padded", sched.padded},
                      {"shortfall", sched.shortfall},
                      {"garbage", f.garbage},
                      {"truncated", f.truncated},
                      {"dropped", f.dropped},
                      {"bad_data", {{"bad_price", f.bad_price},
                                    {"bad_size", f.bad_size},
                                    {"far_strike", f.far_strike},
                                    {"bad_time", f.bad_time}}}});
    }
    j["connections"] = std::move(list);
    j["totals"] = {{"connections_opened", connections_opened},
                   {"connections_closed", connections_closed},
                   {"connections_open", open.size()},
                   {"forced_drops", forced_drops},
                   {"fault_drops", t.fault_drops},
                   {"subscribe_messages", t.subscribe_messages},
                   {"unsubscribe_messages", t.unsubscribe_messages},
                   {"duplicate_subscribes", t.duplicate_subscribes},
                   {"frames_sent", t.frames_sent},
                   {"garbage", t.garbage},
                   {"truncated", t.truncated},
                   {"bad_data", t.bad_data},
                   {"rest_bad_price", rest_bad_price},
                   {"rest_requests", rest_requests}};
    return j;
  }

  // ---- setup --------------------------------------------------------------------------------

  void add_routes(net::Router& r) {
    const std::weak_ptr<Impl> w = weak_from_this();
    auto rest_handler = [w](net::Request& req) -> net::Response {
      auto self = w.lock();
      if (!self) return net::Response(503, error_body("0", "the simulator is stopping"), "application/json");
      return self->handle_rest(req);
    };
    r.get("/v3/snapshot/options/{underlying}", rest_handler);
    r.get("/v3/snapshot/indices", rest_handler);
    r.get("/v2/snapshot/locale/us/markets/stocks/tickers/{ticker}", rest_handler);
    r.get("/v3/snapshot", rest_handler);
    r.get("/v1/open-close/{ticker}/{date}", rest_handler);
    for (auto cluster : {Cluster::options, Cluster::stocks, Cluster::indices}) {
      net::WebSocketHandler h;
      h.on_open = [w, cluster](const std::shared_ptr<net::WebSocketSession>& ws) {
        if (auto self = w.lock()) self->ws_open(cluster, ws);
      };
      h.on_message = [w](const std::shared_ptr<net::WebSocketSession>& ws, std::string m) {
        if (auto self = w.lock()) self->ws_message(ws, m);
      };
      h.on_close = [w](const std::shared_ptr<net::WebSocketSession>& ws, std::uint16_t) {
        if (auto self = w.lock()) self->ws_close(ws);
      };
      r.websocket(std::string(cluster_path(cluster)), std::move(h));
    }
    r.get("/sim/stats", [w](net::Request&) -> net::Response {
      auto self = w.lock();
      if (!self) return net::Response::error(503, "stopping", "the simulator is stopping");
      std::lock_guard lk(self->mu);
      return net::Response::json(200, self->stats_locked());
    });
    r.post("/sim/drop", [w](net::Request& req) -> net::Response {
      auto self = w.lock();
      if (!self) return net::Response::error(503, "stopping", "the simulator is stopping");
      std::optional<Cluster> cluster;
      const std::string name = req.query_param("cluster").value_or("");
      if (!name.empty() && name != "all") {
        cluster = parse_cluster_name(name);
        if (!cluster) {
          return net::Response::error(400, "bad_cluster", "cluster must be options, stocks or indices");
        }
      }
      std::lock_guard lk(self->mu);
      const auto n = self->drop_locked(cluster);
      return net::Response::json(200, json{{"dropped", n}, {"cluster", name.empty() ? "all" : name}});
    });
    net::OpsOptions ops;
    ops.service = "sim";
    ops.metrics = opt.metrics;
    net::add_ops_routes(r, std::move(ops));
  }

  void prescan_recording(const std::filesystem::path& file) {
    marketdata::RecordingReader reader(file);
    while (auto e = reader.next()) {
      if (e->kind != marketdata::RecordKind::rest) continue;
      const std::string norm = normalise_target(e->path);
      rest_first.try_emplace(norm, *e);
      rest_first_path.try_emplace(path_of(norm), *e);
    }
  }

  void start() {
    std::lock_guard lk(mu);
    if (started) throw core::Error("already_started", "the simulator server was already started");
    if (opt.metrics) {
      m_ticks = &opt.metrics->counter("sim_ticks_total", "Market ticks (replay: clock seconds) simulated");
      m_frames = &opt.metrics->counter("sim_ws_frames_total", "WebSocket frames sent to clients");
      m_conns = &opt.metrics->gauge("sim_ws_connections", "Open simulator WebSocket connections");
    }
    net::ServerOptions so;
    so.bind_address = opt.bind;
    so.port = opt.port;
    so.metrics = opt.metrics;
    so.internal_traffic = true;  // its callers are massive and tests: successful requests log at debug
    so.websocket.max_queued_messages = 16384;
    so.websocket.max_queued_bytes = std::size_t{256} << 20;
    http = std::make_unique<net::HttpServer>(io, so);
    add_routes(http->router());

    const EpochMs wall = wall_now();
    if (replay_mode()) {
      replayer = std::make_unique<marketdata::Replayer>(*opt.replay);
      prescan_recording(*opt.replay);
      replay_start_ms = replayer->header().start_ms;
      replay_wall_start = wall;
    } else {
      SimConfig cfg = opt.market.value_or(SimConfig{});
      cfg.seed = opt.seed;
      const core::Date first = opt.first_session.value_or(core::sim_session_date(wall));
      map = std::make_unique<core::SimSessionMap>(wall, first, opt.speed, opt.start_offset);
      market = std::make_unique<SimMarket>(cfg, first, opt.start_offset);
    }
    http->start();
    base = "http://" + url_host(opt.bind) + ":" + std::to_string(http->port());
    if (!replay_mode()) {
      RestApiConfig rc;
      rc.api_key = opt.api_key;
      rc.base_url = base;
      rc.seed = opt.seed;
      rest = std::make_unique<RestApi>(rc);
    }
    drive_locked();  // the first tick before anyone is served
    started = true;
    asio::post(strand, [w = weak_from_this()] {
      if (auto self = w.lock()) self->schedule();
    });
  }

  void stop(std::chrono::milliseconds grace) {
    {
      std::lock_guard lk(mu);
      if (stopping) return;
      stopping = true;
    }
    asio::post(strand, [w = weak_from_this()] {
      if (auto self = w.lock()) self->timer.cancel();
    });
    if (http) http->stop(grace);
  }
};

SimServer::SimServer(boost::asio::io_context& io, SimServerOptions options) {
  if (!(std::isfinite(options.speed) && options.speed > 0 && options.speed <= 10000)) {
    throw core::Error("bad_speed", "speed must be > 0 and <= 10000");
  }
  if (options.start_offset.count() < 0) throw core::Error("bad_offset", "start offset must be >= 0");
  if (!std::isfinite(options.messages_per_second) || options.messages_per_second < 0) {
    throw core::Error("bad_options", "messages_per_second must be >= 0");
  }
  if (options.driver_interval.count() <= 0 || options.batch_budget.count() <= 0) {
    throw core::Error("bad_options", "driver_interval and batch_budget must be > 0");
  }
  if (!options.wall_clock) options.wall_clock = system_wall_ms;
  impl_ = std::make_shared<Impl>(io, std::move(options));
  impl_->faults = impl_->opt.faults;
}

SimServer::~SimServer() {
  if (impl_) impl_->stop(std::chrono::milliseconds(0));
}

void SimServer::start() { impl_->start(); }

std::uint16_t SimServer::port() const { return impl_->http ? impl_->http->port() : 0; }

std::string SimServer::base_url() const { return impl_->base; }

std::string SimServer::ws_url(std::string_view cluster) const {
  std::string c(cluster);
  if (!c.empty() && c.front() == '/') c.erase(0, 1);
  return "ws://" + url_host(impl_->opt.bind) + ":" + std::to_string(port()) + "/" + c;
}

void SimServer::stop(std::chrono::milliseconds grace) { impl_->stop(grace); }

bool SimServer::wait_stopped(std::chrono::milliseconds timeout) {
  return impl_->http ? impl_->http->wait_stopped(timeout) : true;
}

nlohmann::json SimServer::stats() const {
  std::lock_guard lk(impl_->mu);
  return impl_->stats_locked();
}

std::size_t SimServer::drop_connections(std::string_view cluster) {
  std::optional<Cluster> c;
  if (!cluster.empty() && cluster != "all") {
    c = parse_cluster_name(cluster);
    if (!c) throw core::Error("bad_cluster", "cluster must be options, stocks or indices");
  }
  std::lock_guard lk(impl_->mu);
  return impl_->drop_locked(c);
}

void SimServer::set_faults(FaultConfig faults) {
  std::lock_guard lk(impl_->mu);
  impl_->faults = faults;
}

}  // namespace ms::sim
