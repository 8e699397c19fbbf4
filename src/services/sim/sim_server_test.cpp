// SimServer over loopback: REST with net::HttpClient, WebSockets with net::WsClient, the market
// driver on an injected wall clock (time moves only when a test says so), /sim/stats, drops,
// faults and replay of a hand-written recording.
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it

#include "services/sim/sim_server.hpp"

#include <atomic>
#include <future>
#include <memory>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "net/ws_client.hpp"
#include "services/sim/fault_injector.hpp"
#include "services/sim/sim_test_util.hpp"
#include "services/sim/wire.hpp"
#include "testing/temp_dir.hpp"
#include "testing/wait.hpp"
#include "marketdata/recording.hpp"

namespace ms::sim {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kWait = 5000ms;

// ---- a blocking WebSocket client on top of net::WsClient ---------------------------------------

asio::awaitable<void> do_connect(std::shared_ptr<net::WsClient> c, std::string url) { co_await c->connect(url); }
asio::awaitable<std::optional<std::string>> do_receive(std::shared_ptr<net::WsClient> c) {
  co_return co_await c->receive();
}
asio::awaitable<void> do_close(std::shared_ptr<net::WsClient> c) { co_await c->close(); }


class SyncWs {
 public:
  explicit SyncWs(asio::io_context& io) : io_(io), client_(std::make_shared<net::WsClient>(io.get_executor())) {}
  ~SyncWs() {
    if (client_->is_open()) {
      try {
        run_void(do_close(client_));
      } catch (...) {
      }
    }
  }

  void connect(const std::string& url) { run_void(do_connect(client_, url)); }
  void send(const std::string& text) { client_->send_text(text); }
  // The next frame; throws core::Error("ws_closed") when the server ended the connection and
  // std::runtime_error on timeout.
  std::string next() {
    auto p = std::make_shared<std::promise<std::optional<std::string>>>();
    auto f = p->get_future();
    asio::co_spawn(io_, do_receive(client_), [p](std::exception_ptr e, std::optional<std::string> r) {
      if (e) {
        p->set_exception(e);
      } else {
        p->set_value(std::move(r));
      }
    });
    if (f.wait_for(kWait) != std::future_status::ready) throw std::runtime_error("timed out waiting for a frame");
    auto r = f.get();
    if (!r) throw std::runtime_error("closed by us");
    return *r;
  }
  // The next frame that parses as JSON and whose first event satisfies `pred`.
  json next_matching(const std::function<bool(const json&)>& pred, std::vector<std::string>* skipped = nullptr) {
    for (int i = 0; i < 10000; ++i) {
      auto text = next();
      auto j = json::parse(text, nullptr, false);
      if (!j.is_discarded() && j.is_array() && !j.empty() && pred(j[0])) return j;
      if (skipped) skipped->push_back(std::move(text));
    }
    throw std::runtime_error("no matching frame");
  }
  bool is_open() const { return client_->is_open(); }

 private:
  void run_void(asio::awaitable<void> a) {
    auto p = std::make_shared<std::promise<void>>();
    auto f = p->get_future();
    asio::co_spawn(io_, std::move(a), [p](std::exception_ptr e) {
      if (e) {
        p->set_exception(e);
      } else {
        p->set_value();
      }
    });
    if (f.wait_for(kWait) != std::future_status::ready) throw std::runtime_error("timed out");
    f.get();
  }

  asio::io_context& io_;
  std::shared_ptr<net::WsClient> client_;
};

bool is_status(const json& e, const std::string& status) {
  return e.value("ev", "") == "status" && e.value("status", "") == status;
}

// ---- the fixture -----------------------------------------------------------------------------

// 2026-02-10 10:00 ET as the wall clock: a trading day, so the simulator plays that session.
constexpr std::int64_t kWallStart = 1770735600000;

struct Sim {
  explicit Sim(SimServerOptions o = {}, bool small = true) : io(2) {
    o.wall_clock = [this] { return wall.load(); };
    if (!o.first_session) o.first_session = test::tuesday();
    if (small && !o.market) o.market = test::small_config();
    server = std::make_unique<SimServer>(io.context(), std::move(o));
    server->start();
    io.start();
  }
  ~Sim() {
    server->stop(200ms);
    server->wait_stopped(3s);
    server.reset();
    io.stop();
  }
  void advance(std::chrono::milliseconds d) { wall += d.count(); }

  net::HttpClient::Response get(const std::string& path_and_query, const std::string& bearer = {}) {
    net::HttpClient::Request r;
    r.url = path_and_query.rfind("http", 0) == 0 ? path_and_query : server->base_url() + path_and_query;
    if (!bearer.empty()) r.headers.add("Authorization", "Bearer " + bearer);
    r.total_timeout = kWait;
    return http.perform(r);
  }
  net::HttpClient::Response post(const std::string& path) {
    net::HttpClient::Request r;
    r.method = "POST";
    r.url = server->base_url() + path;
    r.total_timeout = kWait;
    return http.perform(r);
  }

  // Connects, authenticates and waits for auth_success.
  std::unique_ptr<SyncWs> client(const std::string& cluster, const std::string& key = "sekret") {
    auto c = std::make_unique<SyncWs>(io.context());
    c->connect(server->ws_url(cluster));
    const auto hello = json::parse(c->next());
    EXPECT_TRUE(is_status(hello[0], "connected")) << hello.dump();
    c->send(json{{"action", "auth"}, {"params", key}}.dump());
    const auto auth = json::parse(c->next());
    EXPECT_TRUE(is_status(auth[0], "auth_success")) << auth.dump();
    return c;
  }

  std::atomic<std::int64_t> wall{kWallStart};
  net::IoRuntime io;
  net::HttpClient http;
  std::unique_ptr<SimServer> server;
};

SimServerOptions keyed() {
  SimServerOptions o;
  o.api_key = "sekret";
  return o;
}

// ---- REST ------------------------------------------------------------------------------------

TEST(SimServer, RestRoundTrips) {
  Sim sim(keyed());
  EXPECT_EQ(sim.server->base_url(), "http://127.0.0.1:" + std::to_string(sim.server->port()));
  EXPECT_EQ(sim.server->ws_url("options"), "ws://127.0.0.1:" + std::to_string(sim.server->port()) + "/options");

  const auto unauth = sim.get("/v3/snapshot/options/I:SPX");
  EXPECT_EQ(unauth.status, 401);
  EXPECT_EQ(unauth.json()["status"], "ERROR");
  EXPECT_TRUE(unauth.json().contains("request_id"));
  EXPECT_EQ(sim.get("/v3/snapshot/options/I:SPX?apiKey=wrong").status, 401);

  // A chain page by ?apiKey=, then its next_url with the Bearer header.
  const auto page = sim.get("/v3/snapshot/options/I%3ASPX?limit=5&apiKey=sekret");
  ASSERT_EQ(page.status, 200) << page.body;
  const auto p1 = page.json();
  EXPECT_EQ(p1["status"], "OK");
  ASSERT_EQ(p1["results"].size(), 5u);
  const std::string next = p1.at("next_url");
  EXPECT_EQ(next.rfind(sim.server->base_url() + "/v3/snapshot/options/", 0), 0u) << next;
  EXPECT_EQ(next.find("apiKey"), std::string::npos);
  const auto page2 = sim.get(next, "sekret");
  ASSERT_EQ(page2.status, 200) << page2.body;
  const auto p2 = page2.json();
  ASSERT_FALSE(p2["results"].empty());
  EXPECT_LT(p1["results"][4]["details"]["ticker"].get<std::string>(),
            p2["results"][0]["details"]["ticker"].get<std::string>());

  const auto idx = sim.get("/v3/snapshot/indices?ticker.any_of=I:SPX,I:VIX", "sekret");
  ASSERT_EQ(idx.status, 200) << idx.body;
  const auto ij = idx.json();
  ASSERT_EQ(ij["results"].size(), 2u);
  EXPECT_EQ(ij["results"][0]["ticker"], "I:SPX");
  EXPECT_GT(ij["results"][0]["value"].get<double>(), 1000.0);

  const auto spy = sim.get("/v2/snapshot/locale/us/markets/stocks/tickers/SPY?apiKey=sekret");
  ASSERT_EQ(spy.status, 200) << spy.body;
  EXPECT_EQ(spy.json()["ticker"]["ticker"], "SPY");
  EXPECT_EQ(sim.get("/v2/snapshot/locale/us/markets/stocks/tickers/IWM?apiKey=sekret").status, 200);

  // The universal snapshot and the daily summary are routed too.
  const auto uni = sim.get("/v3/snapshot?ticker.any_of=I:SPX,QQQ&apiKey=sekret");
  ASSERT_EQ(uni.status, 200) << uni.body;
  EXPECT_EQ(uni.json()["results"][1]["type"], "stocks");
  const auto summary = sim.get("/v1/open-close/I:SPX/" + core::format_date(test::tuesday()) + "?apiKey=sekret");
  EXPECT_EQ(summary.status, 404);  // the first tick: the opening value is not official yet
  EXPECT_EQ(summary.json()["message"], "Data not found.");

  EXPECT_EQ(sim.get("/healthz").status, 200);
  EXPECT_EQ(sim.server->stats()["totals"]["rest_requests"], 9);
}

TEST(SimServer, MarketTimeFollowsTheInjectedWallClock) {
  SimServerOptions o;
  o.speed = 60;
  Sim sim(o);
  const auto s0 = sim.server->stats();
  EXPECT_EQ(s0["mode"], "model");
  EXPECT_EQ(s0["session_date"], "2026-02-10");
  EXPECT_EQ(s0["phase"], "open");
  EXPECT_EQ(s0["ticks"], 1);  // the open tick, run by start()
  const std::int64_t open = s0["market_ms"];
  sim.advance(1000ms);  // one wall second at speed 60 = one market minute
  ASSERT_TRUE(testing::wait_until([&] { return sim.server->stats()["ticks"] == 61; }, kWait));
  EXPECT_EQ(sim.server->stats()["market_ms"].get<std::int64_t>(), open + 60'000);
}

TEST(SimServer, FallingBehindRebasesInsteadOfCatchingUpForever) {
  SimServerOptions o;
  o.batch_budget = 1ms;  // far less than four market hours of ticks take
  Sim sim(o);
  const std::int64_t open = sim.server->stats()["market_ms"];
  sim.advance(4h);
  ASSERT_TRUE(testing::wait_until([&] { return sim.server->stats()["lag_resets"].get<int>() >= 1; }, kWait));
  const std::int64_t behind = sim.server->stats()["market_ms"];
  EXPECT_LT(behind, open + 4 * 3'600'000);
  // From there the market follows the wall clock again. One wall second at a time, so a slow
  // build (sanitizers, a loaded machine) never falls a second behind and rebases once more.
  for (int s = 1; s <= 10; ++s) {
    sim.advance(1s);
    ASSERT_TRUE(testing::wait_until(
        [&] { return sim.server->stats()["market_ms"].get<std::int64_t>() >= behind + s * 1000; }, kWait))
        << s;
  }
  EXPECT_LT(sim.server->stats()["market_ms"].get<std::int64_t>(), open + 4 * 3'600'000);
}

// ---- WebSocket -------------------------------------------------------------------------------

TEST(SimServer, WebSocketHandshakeSubscribeAndData) {
  Sim sim(keyed());
  auto c = sim.client("indices");
  c->send(R"({"action":"subscribe","params":"V.I:SPX"})");
  const auto ack = json::parse(c->next());
  EXPECT_EQ(ack[0]["message"], "subscribed to: V.I:SPX");

  sim.advance(3000ms);
  std::int64_t last_clock = 0, last_value = 0;
  int clocks = 0, values = 0;
  while (clocks < 3 || values < 3) {
    const auto f = json::parse(c->next());
    ASSERT_TRUE(f.is_array());
    for (const auto& e : f) {
      if (is_status(e, "clock")) {
        EXPECT_EQ(e["source"], "sim");
        EXPECT_EQ(e["session_date"], "2026-02-10");
        EXPECT_GT(e["ts_ms"].get<std::int64_t>(), last_clock);
        last_clock = e["ts_ms"];
        ++clocks;
      } else {
        ASSERT_EQ(e["ev"], "V") << e.dump();
        EXPECT_EQ(e["T"], "I:SPX");
        EXPECT_GT(e["t"].get<std::int64_t>(), last_value);
        last_value = e["t"];
        ++values;
      }
    }
  }
  EXPECT_EQ(last_clock, last_value);

  const auto st = sim.server->stats();
  ASSERT_EQ(st["connections"].size(), 1u);
  const auto& conn = st["connections"][0];
  EXPECT_EQ(conn["cluster"], "indices");
  EXPECT_EQ(conn["authenticated"], true);
  EXPECT_EQ(conn["subscribe_messages"], 1);
  EXPECT_EQ(conn["subscriptions"], 1);
  EXPECT_EQ(conn["duplicate_subscribes"], 0);
  EXPECT_GE(conn["frames_sent"].get<int>(), 3 + 6);  // connected, auth, ack, 3 x (clock + V)
  EXPECT_EQ(st["totals"]["connections_opened"], 1);

  // The same param again is a duplicate; the HTTP endpoint reports it like stats().
  c->send(R"({"action":"subscribe","params":"V.I:SPX"})");
  c->next_matching([](const json& e) { return e.value("status", "") == "success"; });
  const auto http_stats = sim.get("/sim/stats");
  ASSERT_EQ(http_stats.status, 200);
  const auto hs = http_stats.json();
  EXPECT_EQ(hs["connections"][0]["duplicate_subscribes"], 1);
  EXPECT_EQ(hs["connections"][0]["subscribe_messages"], 2);
  EXPECT_EQ(hs["totals"]["duplicate_subscribes"], 1);
}

TEST(SimServer, OptionQuotesFlowOnTheOptionsCluster) {
  SimServerOptions o;
  o.speed = 10;
  Sim sim(o);
  const auto chain = sim.get("/v3/snapshot/options/I:SPX?limit=250", "any-key").json();
  ASSERT_FALSE(chain["results"].empty());
  const std::string ticker = chain["results"][chain["results"].size() / 2]["details"]["ticker"];
  auto c = sim.client("options", "any-key");  // no configured key: any non-empty key
  c->send(json{{"action", "subscribe"}, {"params", "Q." + ticker}}.dump());
  c->next_matching([](const json& e) { return e.value("status", "") == "success"; });
  sim.advance(1000ms);
  const auto q = c->next_matching([](const json& e) { return e.value("ev", "") == "Q"; });
  EXPECT_EQ(q[0]["sym"], ticker);
  EXPECT_GT(q[0]["ap"].get<double>(), q[0]["bp"].get<double>() - 1e-9);
}

TEST(SimServer, WrongWebSocketKeyFailsAndCloses) {
  Sim sim(keyed());
  SyncWs c(sim.io.context());
  c.connect(sim.server->ws_url("/stocks"));
  c.next();  // connected
  c.send(R"({"action":"auth","params":"nope"})");
  EXPECT_TRUE(is_status(json::parse(c.next())[0], "auth_failed"));
  EXPECT_THROW(c.next(), core::Error);
}

TEST(SimServer, DropConnectionsClosesTheSockets) {
  Sim sim(keyed());
  auto a = sim.client("options");
  auto b = sim.client("indices");
  EXPECT_EQ(sim.server->drop_connections("indices"), 1u);
  EXPECT_THROW(b->next(), core::Error);  // ws_closed
  EXPECT_TRUE(a->is_open());

  const auto r = sim.post("/sim/drop?cluster=options");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["dropped"], 1);
  EXPECT_THROW(a->next(), core::Error);
  EXPECT_EQ(sim.post("/sim/drop?cluster=bogus").status, 400);
  ASSERT_TRUE(testing::wait_until([&] { return sim.server->stats()["totals"]["connections_closed"] == 2; }, kWait));
  const auto st = sim.server->stats();
  EXPECT_TRUE(st["connections"].empty());
  EXPECT_EQ(st["totals"]["forced_drops"], 2);
  EXPECT_EQ(st["totals"]["connections_open"], 0);

  // A reconnect after a drop starts a fresh connection.
  auto again = sim.client("options");
  EXPECT_EQ(sim.server->stats()["connections"][0]["id"], 3);
}

TEST(SimServer, FaultsAreVisibleAtTheClient) {
  Sim sim(keyed());
  sim.server->set_faults(FaultConfig{2, 3, 0});  // every 2nd data frame garbage, every 3rd cut
  auto c = sim.client("indices");
  c->send(R"({"action":"subscribe","params":"V.I:SPX"})");
  EXPECT_EQ(json::parse(c->next())[0]["status"], "success");
  sim.advance(3000ms);
  // 3 ticks x (clock + V) = 6 data frames: 2, 4, 6 garbage; 3 truncated.
  std::vector<std::string> frames;
  for (int i = 0; i < 6; ++i) frames.push_back(c->next());
  EXPECT_EQ(frames[1], FaultInjector::kGarbage);
  EXPECT_EQ(frames[3], FaultInjector::kGarbage);
  EXPECT_EQ(frames[5], FaultInjector::kGarbage);
  EXPECT_TRUE(json::parse(frames[2], nullptr, false).is_discarded());
  EXPECT_FALSE(json::parse(frames[0], nullptr, false).is_discarded());
  EXPECT_FALSE(json::parse(frames[4], nullptr, false).is_discarded());
  const auto st = sim.server->stats()["connections"][0];
  EXPECT_EQ(st["garbage"], 3);
  EXPECT_EQ(st["truncated"], 1);

  // drop=N closes the connection after N data frames.
  sim.server->set_faults(FaultConfig{0, 0, 2});
  auto d = sim.client("indices");
  d->send(R"({"action":"subscribe","params":"V.I:SPX"})");
  d->next();
  sim.advance(2000ms);
  d->next();
  d->next();
  EXPECT_THROW(d->next(), core::Error);
  ASSERT_TRUE(testing::wait_until([&] { return sim.server->stats()["totals"]["fault_drops"] == 1; }, kWait));
}

TEST(SimServer, StopClosesClientsAndWaitStoppedReturns) {
  auto sim = std::make_unique<Sim>(keyed());
  auto c = sim->client("options");
  sim->server->stop(200ms);
  EXPECT_TRUE(sim->server->wait_stopped(3s));
  EXPECT_THROW(c->next(), core::Error);
}

TEST(SimServer, BadOptionsAreRejected) {
  net::IoRuntime io(1);
  SimServerOptions o;
  o.speed = 0;
  EXPECT_THROW(SimServer(io.context(), o), core::Error);
  o.speed = 1;
  o.start_offset = std::chrono::hours(7);
  o.first_session = test::tuesday();
  SimServer s(io.context(), o);
  EXPECT_THROW(s.start(), core::Error);
}

// ---- replay ----------------------------------------------------------------------------------

TEST(SimServer, ReplayDeliversRecordedFramesInOrderAndAnswersRest) {
  testing::TempDir dir("sim-replay");
  const auto file = dir / "rec.jsonl";
  const std::int64_t start = kWallStart;  // market time of the recording: 2026-02-10 10:00 ET
  {
    marketdata::RecordingHeader h;
    h.start_ms = start;
    h.symbols = {"I:SPX"};
    marketdata::RecordingWriter w(file, h);
    w.write_rest(start + 500, "/v3/snapshot/indices?ticker.any_of=I:SPX&apiKey=K", 200, R"({"status":"OK","first":1})");
    w.write_ws(start + 1000, "options", R"([{"ev":"T","sym":"O:SPXW260210C06000000","p":1.5,"s":1,"t":1,"q":1}])");
    w.write_ws(start + 1200, "options",
               R"([{"ev":"status","status":"clock","message":"market clock","ts_ms":5,"session_date":"2026-02-10","phase":"open","speed":1,"source":"sim"}])");
    w.write_ws(start + 1500, "indices", R"([{"ev":"V","val":6001.5,"T":"I:SPX","t":2}])");
    w.write_ws(start + 2000, "options", R"([{"ev":"T","sym":"O:SPXW260210C06000000","p":1.6,"s":2,"t":3,"q":2}])");
    w.write_rest(start + 3000, "/v3/snapshot/indices?ticker.any_of=I:SPX", 200, R"({"status":"OK","second":2})");
    w.write_rest(start + 3000, "/v3/snapshot/options/I:SPX?cursor=abc", 200,
                 R"({"status":"OK","results":[],"next_url":"https://api.massive.com/v3/snapshot/options/I:SPX?cursor=def"})");
    w.flush();
  }
  SimServerOptions o = keyed();
  o.replay = file;
  Sim sim(o);
  EXPECT_EQ(sim.server->stats()["mode"], "replay");
  EXPECT_EQ(sim.server->stats()["replay_finished"], false);

  // Nothing replayed yet: the first recorded response for that path+query; the key is checked.
  EXPECT_EQ(sim.get("/v3/snapshot/indices?ticker.any_of=I:SPX").status, 401);
  const auto first = sim.get("/v3/snapshot/indices?ticker.any_of=I:SPX&apiKey=sekret");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json()["first"], 1);
  const auto missing = sim.get("/v3/snapshot/options/I:NDX", "sekret");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["status"], "NOT_FOUND");

  auto opt = sim.client("options");
  sim.advance(2500ms);
  std::vector<json> data;
  std::vector<std::int64_t> clocks;
  while (data.size() < 2) {
    const auto f = json::parse(opt->next());
    if (is_status(f[0], "clock")) {
      clocks.push_back(f[0]["ts_ms"]);
      EXPECT_EQ(f[0]["source"], "sim");
      EXPECT_EQ(f[0]["phase"], "open");
    } else {
      data.push_back(f);
    }
  }
  EXPECT_EQ(data[0][0]["p"], 1.5);
  EXPECT_EQ(data[1][0]["p"], 1.6);  // the indices record went to no options client
  EXPECT_EQ(clocks, (std::vector<std::int64_t>{start + 1000, start + 2000}));

  sim.advance(1000ms);
  ASSERT_TRUE(testing::wait_until([&] { return sim.server->stats()["replay_finished"] == true; }, kWait));
  const auto latest = sim.get("/v3/snapshot/indices?ticker.any_of=I:SPX", "sekret");
  EXPECT_EQ(latest.json()["second"], 2);
  // A recorded next_url points back at this server.
  const auto chain = sim.get("/v3/snapshot/options/I:SPX?cursor=abc", "sekret").json();
  EXPECT_EQ(chain["next_url"], sim.server->base_url() + "/v3/snapshot/options/I:SPX?cursor=def");
  // Bare path fallback: any query on a recorded path answers its first recording.
  EXPECT_EQ(sim.get("/v3/snapshot/options/I:SPX?cursor=zzz", "sekret").status, 200);
  EXPECT_TRUE(opt->is_open());
  EXPECT_EQ(sim.server->stats()["replay_records"], 7);
  EXPECT_EQ(sim.server->stats()["replay_clock_frames_skipped"], 1);
}

}  // namespace
}  // namespace ms::sim
