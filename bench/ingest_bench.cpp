// Ingest throughput, simulator → WebSocket → decode → hydrator, on one client core (issue 3:
// ≥ 100k messages/s). Results and how to read them: bench/README.md.
//
// One process, loopback only:
//   - a sim::SimServer on 127.0.0.1:0, its own io thread, with the per-connection rate knob
//     (messages_per_second) padding the natural flow with re-sent quotes;
//   - massive's ingest path on ONE io thread (net::IoRuntime(1)): marketdata::WsFeed (socket read,
//     FrameDecoder) → a handler that applies every QuoteEvent/TradeEvent to a
//     massive::SymbolChain built from the simulator's REST chain snapshot (hydrator + incremental
//     heatmap), as MassiveEngine::on_option_events does.
// It reports events/s over fixed wall windows after a warm-up, and the client thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID, sampled on that thread) → events per CPU-second of the client core.
// Twice: as streamed (the simulator's load mode re-sends unchanged quotes, so ~95% of them take
// on_quote's no-change exit), and with every quote moved by a tick in the handler so each one
// goes through the incremental heatmap update (worst case; its own rate knob, --forced-rate).
//
// Then, with the simulator stopped, on frames captured from the same connection:
//   - decode: marketdata::FrameDecoder vs nlohmann::json::parse + DOM walk (naive_frame_baseline),
//   - hydrator alone: SymbolChain::on_quote as streamed, and with every quote changing the price.
//
// Plain main() printing a table (the end-to-end part is not a kernel). Flags (all optional):
//   --rate=250000 --speed=20 --warmup=3 --window=5 --reps=5 --frames=2000 --expirations=4
//   --range=0.04 --decode-reps=7 --forced-rate=150000
// Bounded: every wait has a deadline; the simulator, the feed and both io threads are stopped and
// joined before the offline kernels run.
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <future>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/market_calendar.hpp"
#include "naive_frame_baseline.hpp"
#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "services/massive/symbol_chain.hpp"
#include "services/sim/sim_server.hpp"
#include "marketdata/frame_decoder.hpp"
#include "marketdata/rest_client.hpp"
#include "marketdata/ws_feed.hpp"

namespace {

namespace asio = boost::asio;
using namespace ms;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

// ---- small helpers ------------------------------------------------------------------------------

struct Args {
  double rate = 250'000;
  double speed = 20;
  double warmup_s = 3;
  double window_s = 5;
  int reps = 5;
  std::size_t frames = 2000;
  int expirations = 4;
  double range = 0.04;
  int decode_reps = 7;
  double forced_rate = 150'000;  // the rate knob of the every-quote-changes run
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    const auto eq = s.find('=');
    const std::string k = s.substr(0, eq);
    const std::string v = eq == std::string::npos ? "" : s.substr(eq + 1);
    if (k == "--rate") a.rate = std::stod(v);
    else if (k == "--speed") a.speed = std::stod(v);
    else if (k == "--warmup") a.warmup_s = std::stod(v);
    else if (k == "--window") a.window_s = std::stod(v);
    else if (k == "--reps") a.reps = std::stoi(v);
    else if (k == "--frames") a.frames = std::stoul(v);
    else if (k == "--expirations") a.expirations = std::stoi(v);
    else if (k == "--range") a.range = std::stod(v);
    else if (k == "--decode-reps") a.decode_reps = std::stoi(v);
    else if (k == "--forced-rate") a.forced_rate = std::stod(v);
    else {
      std::fprintf(stderr, "unknown flag %s (see the header of bench/ingest_bench.cpp)\n", s.c_str());
      std::exit(2);
    }
  }
  if (a.reps < 1 || a.decode_reps < 1 || a.window_s <= 0 || a.warmup_s < 1 || a.frames == 0) {
    std::fprintf(stderr, "bad flags\n");
    std::exit(2);
  }
  return a;
}

double cpu_seconds(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}
double thread_cpu() { return cpu_seconds(CLOCK_THREAD_CPUTIME_ID); }
double process_cpu() { return cpu_seconds(CLOCK_PROCESS_CPUTIME_ID); }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string read_text(const char* path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string loadavg() {
  auto s = read_text("/proc/loadavg");
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string cpu_model() {
  std::istringstream in(read_text("/proc/cpuinfo"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto c = line.find(':');
      return c == std::string::npos ? line : line.substr(c + 2);
    }
  }
  return "?";
}

// Runs `a` on `io` and waits for its result (at most `timeout`) from a non-io thread.
template <class T>
T run_on(asio::io_context& io, asio::awaitable<T> a, std::chrono::milliseconds timeout, const char* what) {
  auto p = std::make_shared<std::promise<T>>();
  auto f = p->get_future();
  asio::co_spawn(io, std::move(a), [p](std::exception_ptr e, T r) {
    if (e) {
      p->set_exception(e);
    } else {
      p->set_value(std::move(r));
    }
  });
  if (f.wait_for(timeout) != std::future_status::ready) {
    io.stop();  // abandon the coroutine: it must not resume on objects the caller is about to destroy
    throw std::runtime_error(std::string("timed out: ") + what);
  }
  return f.get();
}

// ---- setup: the chain from the simulator's REST snapshot ----------------------------------------

struct ChainSetup {
  std::vector<marketdata::OptionContractSnapshot> contracts;
  double spot = 0;
  double vix = 0;
};

asio::awaitable<ChainSetup> fetch_chain(marketdata::RestClient& rest) {
  ChainSetup out;
  std::vector<std::string> tickers;
  tickers.push_back("I:SPX");
  tickers.push_back("I:VIX");
  auto indices_call = rest.index_snapshots(std::move(tickers));
  const auto indices = co_await std::move(indices_call);
  for (const auto& i : indices) {
    if (i.ticker == "I:SPX" && i.value) out.spot = *i.value;
    if (i.ticker == "I:VIX" && i.value) out.vix = *i.value;
  }
  marketdata::OptionChainQuery q;
  q.underlying = "I:SPX";
  auto chain_call = rest.option_chain(std::move(q));
  out.contracts = co_await std::move(chain_call);
  co_return out;
}

massive::SymbolChain make_chain(const ChainSetup& setup, core::Date session, core::EpochMs now_ms) {
  quant::HeatmapConfig hc;
  hc.widths = {20, 25, 30, 35, 40, 45, 50};  // massive's SPX defaults (massive_config.hpp)
  hc.max_dte = 10;
  massive::SymbolChain chain("I:SPX", hc);
  chain.replace(setup.contracts, session, now_ms, setup.spot, setup.vix);
  return chain;
}

// ---- the live part ------------------------------------------------------------------------------

// Everything the handler touches; used on the client io thread only (read elsewhere only after
// that thread has been joined, or through a sample taken on it).
struct ClientState {
  massive::SymbolChain* chain = nullptr;
  std::uint64_t market_events = 0;  // quotes + trades
  std::uint64_t quotes = 0;
  std::uint64_t quotes_changed = 0;  // on_quote returned true: the heatmap was updated
  std::uint64_t trades = 0;
  std::uint64_t clocks = 0;
  std::uint64_t other = 0;
  bool capturing = false;  // set once market events flow
  std::size_t capture_limit = 0;
  std::vector<std::string> captured;
};

struct Sample {
  double wall = 0;  // seconds since the measurement started
  double thread_cpu = 0;
  double process_cpu = 0;
  std::uint64_t market_events = 0;
  std::uint64_t quotes = 0;
  std::uint64_t quotes_changed = 0;
  std::uint64_t feed_frames = 0;
  std::uint64_t feed_bytes = 0;
  std::uint64_t sim_events = 0;  // sent by the simulator on this connection (padding included)
  std::uint64_t disconnects = 0;
};

struct LiveResult {
  std::vector<Sample> samples;  // [0] = end of warm-up, then one per window
  std::string error;
};

Sample take_sample(const ClientState& st, const marketdata::WsFeed& feed, const sim::SimServer& sim, Steady::time_point t0) {
  Sample s;
  s.wall = std::chrono::duration<double>(Steady::now() - t0).count();
  s.thread_cpu = thread_cpu();
  s.process_cpu = process_cpu();
  s.market_events = st.market_events;
  s.quotes = st.quotes;
  s.quotes_changed = st.quotes_changed;
  const auto fs = feed.stats();
  s.feed_frames = fs.frames;
  s.feed_bytes = fs.bytes;
  s.disconnects = fs.disconnects + fs.connect_failures;
  const auto js = sim.stats();  // a few µs, once per window
  for (const auto& c : js["connections"]) {
    if (c.value("cluster", "") == "options") s.sim_events += c.value("events", std::uint64_t{0});
  }
  return s;
}

// Runs on the client io thread: warm-up, then `reps` windows, sampling at each boundary with a
// steady timer (the thread keeps serving the feed while the timer waits).
asio::awaitable<LiveResult> measure(const Args& a, ClientState& st, const marketdata::WsFeed& feed,
                                    const sim::SimServer& sim) {
  LiveResult r;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto t0 = Steady::now();
  auto at = [&](double seconds) { return t0 + std::chrono::microseconds(std::int64_t(seconds * 1e6)); };
  timer.expires_at(at(a.warmup_s));
  co_await timer.async_wait(asio::use_awaitable);
  if (st.market_events == 0) {
    r.error = "no market events after the warm-up (feed: " + feed.last_error() + ")";
    co_return r;
  }
  r.samples.push_back(take_sample(st, feed, sim, t0));
  for (int i = 1; i <= a.reps; ++i) {
    timer.expires_at(at(a.warmup_s + a.window_s * i));
    co_await timer.async_wait(asio::use_awaitable);
    r.samples.push_back(take_sample(st, feed, sim, t0));
  }
  co_return r;
}

struct Window {
  double events_per_s = 0;        // delivered to the handler, per wall second
  double sim_events_per_s = 0;    // sent by the simulator, per wall second
  double client_cpu_share = 0;    // client thread CPU / wall
  double events_per_cpu_s = 0;    // delivered per CPU-second of the client thread
  double ns_per_event_cpu = 0;
  double process_cpu_share = 0;   // whole process (simulator + client + pools) CPU / wall
  double changed_share = 0;       // quotes that moved the price (heatmap updated)
  double mb_per_s = 0;
  double events_per_frame = 0;
};

Window window_of(const Sample& b, const Sample& e) {
  Window w;
  const double wall = e.wall - b.wall;
  const double cpu = e.thread_cpu - b.thread_cpu;
  const double ev = double(e.market_events - b.market_events);
  w.events_per_s = ev / wall;
  // A reconnect restarts the simulator's per-connection counter: no rate for that window.
  w.sim_events_per_s = e.disconnects == b.disconnects && e.sim_events >= b.sim_events
                           ? double(e.sim_events - b.sim_events) / wall
                           : std::numeric_limits<double>::quiet_NaN();
  w.client_cpu_share = cpu / wall;
  w.events_per_cpu_s = cpu > 0 ? ev / cpu : 0;
  w.ns_per_event_cpu = ev > 0 ? cpu * 1e9 / ev : 0;
  w.process_cpu_share = (e.process_cpu - b.process_cpu) / wall;
  const double q = double(e.quotes - b.quotes);
  w.changed_share = q > 0 ? double(e.quotes_changed - b.quotes_changed) / q : 0;
  w.mb_per_s = double(e.feed_bytes - b.feed_bytes) / wall / 1e6;
  const double frames = double(e.feed_frames - b.feed_frames);
  w.events_per_frame = frames > 0 ? ev / frames : 0;
  return w;
}

struct LiveRun {
  std::vector<Window> windows;
  std::vector<std::string> frames;  // captured from the connection
  ChainSetup setup;
  core::Date session{};
  core::EpochMs market_ms = 0;
  std::size_t contracts = 0;
  std::size_t subscribed_params = 0;
  std::uint64_t backlog_events = 0;  // sent by the simulator but not delivered at the end
  std::uint64_t disconnects = 0;
  std::uint64_t lag_resets = 0;
  std::uint64_t shortfall = 0;
  std::uint64_t malformed = 0;
};

LiveRun run_live(const Args& a, bool force_change) {
  LiveRun out;
  out.session = core::Date{std::chrono::year{2026}, std::chrono::month{2}, std::chrono::day{10}};  // a Tuesday

  // The simulator on its own io thread.
  net::IoRuntime sim_io(1);
  sim::SimServerOptions so;
  so.bind = "127.0.0.1";
  so.port = 0;
  so.seed = 42;
  so.speed = a.speed;
  so.start_offset = 60min;  // 10:30 ET
  so.first_session = out.session;
  so.messages_per_second = force_change ? a.forced_rate : a.rate;
  sim::SimConfig market;
  market.chain.daily_expirations = a.expirations;
  market.chain.include_monthly = true;
  market.chain.strike_range_fraction = a.range;
  market.chain.list_ndx = false;
  so.market = market;
  auto sim = std::make_unique<sim::SimServer>(sim_io.context(), std::move(so));
  sim->start();
  sim_io.start();

  // The client: one io thread = the one core under test.
  net::IoRuntime client_io(1);
  client_io.start();

  // The chain, through massive's REST client (the same calls massive makes).
  {
    net::HttpClient http;
    marketdata::RestClientOptions ro;
    ro.base_url = sim->base_url();
    ro.api_key = "bench";
    marketdata::RestClient rest(http, ro);
    out.setup = run_on(client_io.context(), fetch_chain(rest), 30s, "REST chain snapshot");
  }
  out.market_ms = sim->stats().value("market_ms", core::EpochMs{0});
  auto chain = std::make_unique<massive::SymbolChain>(make_chain(out.setup, out.session, out.market_ms));
  out.contracts = chain->contracts().size();

  // Q. and T. of every contract, nearest expiry and strike first (as massive ranks them).
  std::vector<std::string> params;
  for (const auto& c : chain->ranked_contracts(out.setup.spot)) {
    params.push_back("Q." + c.ticker);
    params.push_back("T." + c.ticker);
  }
  out.subscribed_params = params.size();

  ClientState st;
  st.chain = chain.get();
  st.capture_limit = a.frames;
  st.captured.reserve(a.frames);

  marketdata::WsFeedOptions fo;
  fo.name = "options";
  fo.url = sim->ws_url("options");
  fo.api_key = "bench";
  fo.jitter_seed = 1;
  // force_change: the simulator's load mode re-sends unchanged quotes, which take on_quote's
  // "nothing changed" exit. This variant moves every other quote of a contract (odd q) by one
  // 0.05 tick, so each quote differs from that contract's previous one and goes through the
  // incremental heatmap update: the worst case for the hydrator.
  auto on_events = [&st, force_change](std::vector<marketdata::FeedEvent>& events) {
    for (const auto& ev : events) {
      if (const auto* q = std::get_if<marketdata::QuoteEvent>(&ev)) {
        ++st.quotes;
        ++st.market_events;
        const double d = force_change && (q->q & 1) ? 0.05 : 0.0;
        if (st.chain->on_quote(q->sym, q->bid + d, q->ask + d, q->bid_size, q->ask_size)) ++st.quotes_changed;
      } else if (const auto* t = std::get_if<marketdata::TradeEvent>(&ev)) {
        ++st.trades;
        ++st.market_events;
        st.chain->on_trade(t->sym, t->price);
      } else if (std::holds_alternative<marketdata::ClockEvent>(ev)) {
        ++st.clocks;
      } else {
        ++st.other;
      }
    }
    if (st.market_events > 0 && !st.capturing && st.captured.empty()) st.capturing = true;
  };
  // The frame observer is massive's recording hook; here it captures frames for the offline
  // decode comparison (only until `frames` are held, during the warm-up).
  auto on_frame = [&st](std::string_view frame) {
    if (!st.capturing) return;
    st.captured.emplace_back(frame);
    if (st.captured.size() >= st.capture_limit) st.capturing = false;
  };
  auto feed = std::make_unique<marketdata::WsFeed>(client_io.context().get_executor(), fo, on_events, on_frame);
  feed->set_subscriptions(params);

  auto run_done = std::make_shared<std::promise<void>>();
  auto run_future = run_done->get_future();
  asio::co_spawn(client_io.context(), feed->run(), [run_done](std::exception_ptr) { run_done->set_value(); });

  LiveResult live;
  const auto budget = std::chrono::milliseconds(std::int64_t((a.warmup_s + a.window_s * a.reps) * 1000)) + 30s;
  try {
    live = run_on(client_io.context(), measure(a, st, *feed, *sim), budget, "measurement");
  } catch (const std::exception& e) {
    live.error = e.what();
  }

  // Stop everything we started, in order, each wait bounded.
  const auto fs = feed->stats();
  feed->stop();
  if (run_future.wait_for(10s) != std::future_status::ready) {
    std::fprintf(stderr, "warning: WsFeed::run did not end within 10 s of stop()\n");
  }
  const auto sim_stats = sim->stats();
  sim->stop(200ms);
  sim->wait_stopped(5s);
  client_io.stop();  // joins the client thread: `st` is ours alone from here on
  feed.reset();
  sim.reset();
  sim_io.stop();

  if (!live.error.empty()) throw std::runtime_error(live.error);
  for (std::size_t i = 1; i < live.samples.size(); ++i) out.windows.push_back(window_of(live.samples[i - 1], live.samples[i]));
  out.frames = std::move(st.captured);
  out.disconnects = fs.disconnects + fs.connect_failures;
  out.malformed = fs.malformed_frames;
  out.lag_resets = sim_stats.value("lag_resets", std::uint64_t{0});
  std::uint64_t sent = 0;
  for (const auto& c : sim_stats["connections"]) {
    if (c.value("cluster", "") != "options") continue;
    sent += c.value("events", std::uint64_t{0});
    out.shortfall += c.value("shortfall", std::uint64_t{0});
  }
  out.backlog_events = sent > st.market_events ? sent - st.market_events : 0;
  return out;
}

// ---- offline kernels on the captured frames -----------------------------------------------------

struct Kernel {
  double ns_per_event_cpu = 0;   // median over reps
  double ns_per_event_wall = 0;  // median over reps
  std::uint64_t events = 0;      // per pass
};

template <class Pass>
Kernel time_kernel(int reps, Pass&& pass) {
  std::vector<double> cpu, wall;
  Kernel k;
  k.events = pass();  // warm-up pass (also the event count)
  for (int i = 0; i < reps; ++i) {
    const double c0 = thread_cpu();
    const auto w0 = Steady::now();
    const std::uint64_t n = pass();
    const double c1 = thread_cpu();
    const auto w1 = Steady::now();
    cpu.push_back((c1 - c0) * 1e9 / double(n));
    wall.push_back(std::chrono::duration<double, std::nano>(w1 - w0).count() / double(n));
  }
  k.ns_per_event_cpu = median(cpu);
  k.ns_per_event_wall = median(wall);
  return k;
}

template <class Decode>
std::uint64_t decode_all(const std::vector<std::string>& frames, std::vector<marketdata::FeedEvent>& out, Decode&& decode) {
  std::uint64_t n = 0;
  for (const auto& f : frames) {
    out.clear();
    const auto r = decode(f, out);
    n += r.events;
    benchmark::DoNotOptimize(out.data());
  }
  benchmark::ClobberMemory();
  return n;
}

// Both decoders must produce the same events, or the comparison means nothing.
void check_same_output(const std::vector<std::string>& frames) {
  marketdata::FrameDecoder dec;
  std::vector<marketdata::FeedEvent> a, b;
  for (const auto& f : frames) {
    a.clear();
    b.clear();
    dec.decode(f, a);
    ms::bench::naive_decode(f, b);
    if (a.size() != b.size()) throw std::runtime_error("decoders disagree on the event count of a frame");
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].index() != b[i].index()) throw std::runtime_error("decoders disagree on an event type");
      if (const auto* qa = std::get_if<marketdata::QuoteEvent>(&a[i])) {
        const auto& qb = std::get<marketdata::QuoteEvent>(b[i]);
        if (qa->sym != qb.sym || qa->bid != qb.bid || qa->ask != qb.ask || qa->bid_size != qb.bid_size ||
            qa->ask_size != qb.ask_size || qa->t_ms != qb.t_ms || qa->q != qb.q) {
          throw std::runtime_error("decoders disagree on a quote");
        }
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse_args(argc, argv);
  spdlog::set_level(spdlog::level::warn);  // the table, not the services' info logs

  const std::string load_before = loadavg();
  const auto started = Steady::now();
  std::printf("ms_bench_ingest: rate knob %.0f msg/s, speed %.0f, warm-up %.0f s, %d windows of %.1f s\n", a.rate,
              a.speed, a.warmup_s, a.reps, a.window_s);
  std::printf("machine: %u CPUs (%s), loadavg before: %s\n", std::thread::hardware_concurrency(), cpu_model().c_str(),
              load_before.c_str());
  std::fflush(stdout);

  LiveRun live, forced;
  try {
    live = run_live(a, false);
    forced = run_live(a, true);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "live run failed: %s\n", e.what());
    return 1;
  }
  const std::string load_after_live = loadavg();

  std::printf("\nchain: %zu SPX contracts from the simulator's REST snapshot (spot %.2f, VIX %.2f), %zu params "
              "subscribed (Q.+T.)\n",
              live.contracts, live.setup.spot, live.setup.vix, live.subscribed_params);
  struct Medians {
    double eps = 0, sps = 0, share = 0, epc = 0, nspe = 0, pshare = 0, mbps = 0, changed = 0;
  };
  auto print_live = [](const char* title, double rate, const LiveRun& r) {
    std::printf("\n== end to end%s, rate knob %.0f: sim -> WebSocket -> WsFeed (read + FrameDecoder) -> SymbolChain ==\n",
                title, rate);
    std::printf("%-6s %12s %12s %10s %14s %12s %10s %9s %8s %8s\n", "window", "events/s", "sim sent/s", "client CPU",
                "events/CPU-s", "ns/ev (CPU)", "proc CPU", "MB/s", "ev/frame", "changed");
    std::vector<double> eps, sps, share, epc, nspe, pshare, mbps, changed;
    for (std::size_t i = 0; i < r.windows.size(); ++i) {
      const auto& w = r.windows[i];
      std::printf("%-6zu %12.0f %12.0f %9.0f%% %14.0f %12.0f %9.0f%% %9.1f %8.1f %7.1f%%\n", i + 1, w.events_per_s,
                  w.sim_events_per_s, w.client_cpu_share * 100, w.events_per_cpu_s, w.ns_per_event_cpu,
                  w.process_cpu_share * 100, w.mb_per_s, w.events_per_frame, w.changed_share * 100);
      eps.push_back(w.events_per_s);
      if (!std::isnan(w.sim_events_per_s)) sps.push_back(w.sim_events_per_s);
      share.push_back(w.client_cpu_share);
      epc.push_back(w.events_per_cpu_s);
      nspe.push_back(w.ns_per_event_cpu);
      pshare.push_back(w.process_cpu_share);
      mbps.push_back(w.mb_per_s);
      changed.push_back(w.changed_share);
    }
    Medians m{median(eps), median(sps), median(share), median(epc), median(nspe), median(pshare), median(mbps), median(changed)};
    std::printf("%-6s %12.0f %12.0f %9.0f%% %14.0f %12.0f %9.0f%% %9.1f %8s %7.1f%%\n", "median", m.eps, m.sps,
                m.share * 100, m.epc, m.nspe, m.pshare * 100, m.mbps, "", m.changed * 100);
    std::printf("feed: %llu disconnects, %llu malformed frames; sim: %llu lag resets, %llu shortfall; backlog at the "
                "end %llu events\n",
                (unsigned long long)r.disconnects, (unsigned long long)r.malformed, (unsigned long long)r.lag_resets,
                (unsigned long long)r.shortfall, (unsigned long long)r.backlog_events);
    return m;
  };
  const Medians m_live = print_live("", a.rate, live);
  const Medians m_forced = print_live(" (every quote changes the price)", a.forced_rate, forced);

  // ---- offline kernels ----
  if (live.frames.empty()) {
    std::fprintf(stderr, "no frames captured\n");
    return 1;
  }
  try {
    check_same_output(live.frames);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "decode check failed: %s\n", e.what());
    return 1;
  }
  std::uint64_t bytes = 0;
  for (const auto& f : live.frames) bytes += f.size();

  std::vector<marketdata::FeedEvent> out;
  out.reserve(256);
  marketdata::FrameDecoder decoder;
  const Kernel ours = time_kernel(a.decode_reps, [&] {
    return decode_all(live.frames, out, [&](std::string_view f, std::vector<marketdata::FeedEvent>& o) { return decoder.decode(f, o); });
  });
  const Kernel naive = time_kernel(a.decode_reps, [&] {
    return decode_all(live.frames, out, [](std::string_view f, std::vector<marketdata::FeedEvent>& o) { return ms::bench::naive_decode(f, o); });
  });

  // Hydrator alone: the captured quotes, decoded once, applied to a fresh chain per pass.
  std::vector<marketdata::QuoteEvent> quotes;
  {
    std::vector<marketdata::FeedEvent> all;
    for (const auto& f : live.frames) decoder.decode(f, all);
    for (auto& e : all) {
      if (auto* q = std::get_if<marketdata::QuoteEvent>(&e)) quotes.push_back(std::move(*q));
    }
  }
  // The chain is rebuilt before each pass, outside the timed loop.
  auto hydrate = [&](bool force_change) {
    std::vector<double> cpu;
    std::uint64_t changed = 0;
    for (int r = 0; r <= a.decode_reps; ++r) {
      auto chain = make_chain(live.setup, live.session, live.market_ms);
      changed = 0;
      const double c0 = thread_cpu();
      for (const auto& q : quotes) {
        // force_change: the sim's per-symbol sequence number q alternates the bid and ask by one
        // 0.05 tick, so each quote of a contract differs from its previous one and takes the
        // incremental heatmap update (the "Tick" kernel of ms_bench_quant).
        const double d = force_change && (q.q & 1) ? 0.05 : 0.0;
        changed += chain.on_quote(q.sym, q.bid + d, q.ask + d, q.bid_size, q.ask_size) ? 1 : 0;
      }
      benchmark::DoNotOptimize(changed);
      const double c1 = thread_cpu();
      if (r > 0) cpu.push_back((c1 - c0) * 1e9 / double(quotes.size()));  // r == 0 warms up
    }
    return std::pair<double, double>(median(cpu), double(changed) / double(quotes.size()));
  };
  const auto [hyd_ns, hyd_changed] = hydrate(false);
  const auto [hyd_forced_ns, hyd_forced_changed] = hydrate(true);

  const std::string load_after = loadavg();
  std::printf("\n== offline, on %zu frames captured from the same connection (%llu events, %.1f MB, %.1f events/frame) ==\n",
              live.frames.size(), (unsigned long long)ours.events, double(bytes) / 1e6,
              double(ours.events) / double(live.frames.size()));
  std::printf("%-58s %14s %14s %14s\n", "kernel (median of reps)", "ns/event CPU", "ns/event wall", "events/CPU-s");
  std::printf("%-58s %14.0f %14.0f %14.0f\n", "decode: marketdata::FrameDecoder (simdjson on-demand)", ours.ns_per_event_cpu,
              ours.ns_per_event_wall, 1e9 / ours.ns_per_event_cpu);
  std::printf("%-58s %14.0f %14.0f %14.0f\n", "decode: nlohmann::json::parse + DOM walk (baseline)", naive.ns_per_event_cpu,
              naive.ns_per_event_wall, 1e9 / naive.ns_per_event_cpu);
  std::printf("%-58s %13.1fx\n", "decode ratio (baseline / ours, CPU)", naive.ns_per_event_cpu / ours.ns_per_event_cpu);
  std::printf("%-58s %14.0f %14s %14.0f\n", ("hydrator: SymbolChain::on_quote as streamed (" +
                                             std::to_string(int(hyd_changed * 1000) / 10.0).substr(0, 4) + "% change)").c_str(),
              hyd_ns, "", 1e9 / hyd_ns);
  std::printf("%-58s %14.0f %14s %14.0f\n", ("hydrator: every quote changes the price (" +
                                             std::to_string(int(hyd_forced_changed * 1000) / 10.0).substr(0, 5) + "% change)").c_str(),
              hyd_forced_ns, "", 1e9 / hyd_forced_ns);

  std::printf("\n== summary (medians) ==\n");
  std::printf("end to end, as streamed:        %8.0f events/s wall (rate knob %.0f), %8.0f events per client CPU-second\n",
              m_live.eps, a.rate, m_live.epc);
  std::printf("end to end, every quote moves:  %8.0f events/s wall (rate knob %.0f), %8.0f events per client CPU-second\n",
              m_forced.eps, a.forced_rate, m_forced.epc);
  const bool met = std::min({m_live.eps, m_live.epc, m_forced.eps, m_forced.epc}) >= 100'000;
  std::printf("target >= 100k msg/s on one core: %s\n", met ? "MET" : "NOT MET");
  std::printf("loadavg: before %s | after live part %s | end %s; total %.0f s\n", load_before.c_str(),
              load_after_live.c_str(), load_after.c_str(),
              std::chrono::duration<double>(Steady::now() - started).count());
  return 0;
}
