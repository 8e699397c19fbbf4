// `marketswarm sim`: the market simulator on the network (docs/api/simulator.md).
//
// Settings: flags > truth (components.massive.sim, with MS_SIM_* overrides) > compiled defaults.
// Truth comes from --truth FILE, else from system-redis when TRUTH_REDIS_URL is set (as `up`
// starts it; an empty value counts as unset); without either the defaults apply. The API key clients must send: --api-key, else
// MASSIVE_API_KEY from the environment or the secrets file, else any non-empty key is accepted.
// Runs until SIGINT/SIGTERM, then stops gracefully (exit 0).
#include <utility>  // before Asio headers

#include <pthread.h>

#include <csignal>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

#include "app/commands.hpp"
#include "core/env.hpp"
#include "core/error.hpp"
#include "core/market_calendar.hpp"
#include "core/metrics.hpp"
#include "core/secrets.hpp"
#include "net/io_runtime.hpp"
#include "runtime/service.hpp"
#include "services/sim/fault_injector.hpp"
#include "services/sim/sim_server.hpp"

namespace ms::app {

namespace {

struct SimCliOptions {
  std::string truth_file;
  std::optional<std::string> bind;
  std::optional<int> port;
  std::optional<std::uint64_t> seed;
  std::optional<double> speed;
  std::string start_offset;
  std::string first_session;
  double rate = 0;
  std::string faults;
  std::string replay;
  std::string api_key;
  unsigned threads = 2;
};

// "90" (seconds), "90s", "30m", "1h", "1h30m", "250ms".
std::chrono::milliseconds parse_offset(const std::string& text) {
  if (text.empty()) return std::chrono::milliseconds(0);
  std::int64_t total = 0;
  std::size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    std::size_t j = i;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    if (j == i) throw core::Error("bad_offset", "--start-offset '" + text + "': expected e.g. 30m, 90s, 1h30m");
    const std::int64_t n = std::stoll(text.substr(i, j - i));
    std::size_t k = j;
    while (k < text.size() && std::isalpha(static_cast<unsigned char>(text[k]))) ++k;
    const std::string unit = text.substr(j, k - j);
    std::int64_t ms_per = 0;
    if (unit.empty() || unit == "s") {
      ms_per = 1000;
    } else if (unit == "ms") {
      ms_per = 1;
    } else if (unit == "m") {
      ms_per = 60'000;
    } else if (unit == "h") {
      ms_per = 3'600'000;
    } else {
      throw core::Error("bad_offset", "--start-offset '" + text + "': unknown unit '" + unit + "'");
    }
    if (unit.empty() && k != text.size()) {
      throw core::Error("bad_offset", "--start-offset '" + text + "': a number needs a unit unless it is last");
    }
    total += n * ms_per;
    any = true;
    i = k;
  }
  if (!any) throw core::Error("bad_offset", "--start-offset '" + text + "' is empty");
  return std::chrono::milliseconds(total);
}

int run_sim(const SimCliOptions& o) {
  // Signals are read by this thread only; io threads never see them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);

  sim::SimServerOptions so;
  so.bind = "127.0.0.1";
  so.port = 3004;
  std::vector<std::string> secret_names{"MASSIVE_API_KEY"};
  const auto truth_url = core::env("TRUTH_REDIS_URL");  // empty counts as unset here
  if (!o.truth_file.empty() || (truth_url && !truth_url->empty())) {
    const core::Truth truth = runtime::load_truth(o.truth_file);
    if (truth.has_component("massive")) {
      if (const auto s = truth.sim("massive")) {
        so.bind = s->bind;
        so.port = static_cast<std::uint16_t>(s->port);
        so.seed = s->seed;
        so.speed = s->speed;
      }
      secret_names = truth.secret_names("massive");
    }
  } else {
    spdlog::info("sim: no truth (--truth FILE or TRUTH_REDIS_URL); using defaults");
  }
  if (o.bind) so.bind = *o.bind;
  if (o.port) {
    if (*o.port < 0 || *o.port > 65535) throw core::Error("bad_port", "--port must be 0..65535");
    so.port = static_cast<std::uint16_t>(*o.port);
  }
  if (o.seed) so.seed = *o.seed;
  if (o.speed) so.speed = *o.speed;
  so.start_offset = parse_offset(o.start_offset);
  if (!o.first_session.empty()) so.first_session = core::parse_date_or_throw(o.first_session);
  so.messages_per_second = o.rate;
  so.faults = sim::parse_fault_spec(o.faults);
  if (!o.replay.empty()) so.replay = std::filesystem::path(o.replay);
  if (!o.api_key.empty()) {
    so.api_key = o.api_key;
  } else if (std::find(secret_names.begin(), secret_names.end(), "MASSIVE_API_KEY") != secret_names.end()) {
    if (auto k = core::Secrets::for_component("massive", secret_names).get("MASSIVE_API_KEY")) so.api_key = *k;
  }
  core::MetricsRegistry metrics("sim");
  so.metrics = &metrics;

  net::IoRuntime rt(std::max(1u, o.threads));
  sim::SimServer server(rt.context(), so);
  server.start();
  rt.start();
  spdlog::info("sim: listening on {} (ws {} {} {}); {} speed {} seed {}{}{}", server.base_url(),
               server.ws_url("options"), server.ws_url("stocks"), server.ws_url("indices"),
               so.replay ? "replaying " + so.replay->string() + " at" : std::string("model at"), so.speed, so.seed,
               so.api_key.empty() ? "; any non-empty API key accepted" : "; API key required",
               so.faults.any() ? "; faults " + o.faults : std::string());
  const auto st = server.stats();
  spdlog::info("sim: market {} {} ({})", st.value("session_date", ""), st.value("phase", ""),
               st.value("mode", ""));

  while (true) {
    siginfo_t info;
    const int sig = ::sigwaitinfo(&set, &info);
    if (sig > 0) {
      spdlog::info("sim: {} received, stopping", ::strsignal(sig));
      break;
    }
  }
  server.stop(std::chrono::seconds(2));
  if (!server.wait_stopped(std::chrono::milliseconds(2500))) spdlog::warn("sim: connections still open after the grace");
  rt.stop();
  spdlog::info("sim: stopped");
  return 0;
}

}  // namespace

void add_sim_command(CLI::App& root) {
  auto o = std::make_shared<SimCliOptions>();
  auto* cmd = root.add_subcommand("sim", "Market simulator speaking the vendor's REST + WebSocket protocol");
  cmd->add_option("--truth", o->truth_file, "Composite truth file (default: TRUTH_REDIS_URL if set, else defaults)");
  cmd->add_option("--bind", o->bind, "Listen address (truth components.massive.sim.bind; 127.0.0.1)");
  cmd->add_option("--port", o->port, "Listen port, 0 = ephemeral (truth components.massive.sim.port; 3004)");
  cmd->add_option("--seed", o->seed, "Model seed (truth components.massive.sim.seed)");
  cmd->add_option("--speed", o->speed, "Market ms per wall ms, 0 < speed <= 10000 (truth; 1)");
  cmd->add_option("--start-offset", o->start_offset, "How far into the first session to start: 30m, 90s, 1h30m");
  cmd->add_option("--first-session", o->first_session, "First session date YYYY-MM-DD (default: today or the next trading day)");
  cmd->add_option("--rate", o->rate, "Messages per second per WebSocket connection (load tests; 0 = natural flow)");
  cmd->add_option("--faults", o->faults, "Fault knobs for every connection: garbage=N,truncate=N,drop=N,bad_price=N,bad_size=N,far_strike=N,bad_time=N,rest_bad_price=N");
  cmd->add_option("--replay", o->replay, "Serve this recording (massive --record) instead of the model");
  cmd->add_option("--api-key", o->api_key, "The key clients must send (default MASSIVE_API_KEY, else any non-empty key)");
  cmd->add_option("--threads", o->threads, "I/O threads (default 2)");
  cmd->callback([o] {
    const int code = run_sim(*o);
    if (code != 0) throw CommandExit{code};
  });
}

}  // namespace ms::app
