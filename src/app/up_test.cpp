// `marketswarm up` as a user runs it: real redis-servers, a temp data dir, alternate ports.
#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <regex>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "app/up_command.hpp"
#include "bus/blocking_redis.hpp"
#include "core/process.hpp"
#include "testing/command.hpp"
#include "testing/ports.hpp"
#include "testing/temp_dir.hpp"
#include "testing/wait.hpp"

namespace {

using namespace std::chrono_literals;
using ms::testing::TempDir;

struct UpRun {
  ms::core::Process process;
  int fd = -1;
  std::string output;

  void read_available() {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) output.append(buf, static_cast<std::size_t>(n));
  }
  bool saw(const std::string& text) {
    read_available();
    return output.find(text) != std::string::npos;
  }
};

struct Ports {
  std::uint16_t system = ms::testing::reserve_free_port();
  std::uint16_t market = ms::testing::reserve_free_port();
  std::uint16_t intel = ms::testing::reserve_free_port();
  std::uint16_t sim = ms::testing::reserve_free_port();
  std::uint16_t massive = ms::testing::reserve_free_port();
};

std::string url(std::uint16_t port) { return "redis://127.0.0.1:" + std::to_string(port); }

UpRun start_up(const TempDir& dir, const Ports& p) {
  ms::core::ProcessOptions o;
  o.argv = {MS_BINARY_PATH, "up", "--data-dir", (dir.path() / "var").string(), "--truth-dir",
            std::string(MS_SOURCE_DIR) + "/truth"};
  o.env_overrides = {{"MS_BUS_SYSTEM_REDIS_URL", url(p.system)},
                     {"MS_BUS_MARKET_REDIS_URL", url(p.market)},
                     {"MS_BUS_INTEL_REDIS_URL", url(p.intel)},
                     {"MS_SECRETS_FILE", (dir.path() / "var" / "secrets.env").string()},
                     {"MS_SIM_PORT", std::to_string(p.sim)},
                     {"MS_MASSIVE_PORT", std::to_string(p.massive)},
                     {"MASSIVE_API_KEY", ""}};
  o.capture_output = true;
  UpRun run;
  run.process = ms::core::Process::spawn(o);
  run.fd = run.process.release_output_fd();
  ::fcntl(run.fd, F_SETFL, ::fcntl(run.fd, F_GETFL) | O_NONBLOCK);
  return run;
}

std::vector<pid_t> started_pids(const std::string& output) {
  std::vector<pid_t> pids;
  std::regex re(R"(\[up\] (?:re)?started \S+ \(pid (\d+)\))");
  for (auto it = std::sregex_iterator(output.begin(), output.end(), re); it != std::sregex_iterator(); ++it)
    pids.push_back(static_cast<pid_t>(std::stol((*it)[1])));
  return pids;
}

bool process_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

TEST(Up, BusMessagesNeverShowAPassword) {
  const std::string secret_url = "redis://:hunter2@10.0.0.5:6380/1";
  const std::string user_url = "redis://ms:hunter2@127.0.0.1:6381";
  const auto remote = ms::app::up_remote_bus_message("market-redis", secret_url);
  EXPECT_EQ(remote, "[up] market-redis is remote (redis://:***@10.0.0.5:6380/1); not starting a server for it");
  const auto silent = ms::app::up_bus_silent_message("intel-redis", user_url);
  EXPECT_EQ(silent, "up: intel-redis (redis://ms:***@127.0.0.1:6381) did not answer PING within 10 s");
  const auto list = ms::app::up_bus_list({{"system-redis", "redis://127.0.0.1:6379"}, {"intel-redis", user_url}});
  EXPECT_EQ(list, "system-redis=redis://127.0.0.1:6379 intel-redis=redis://ms:***@127.0.0.1:6381 ");
  for (const auto& m : {remote, silent, list}) EXPECT_EQ(m.find("hunter2"), std::string::npos) << m;
}

TEST(Up, StartsRedisLoadsTruthAndStopsEverythingOnSigterm) {
  TempDir dir("ms-up");
  Ports ports;
  auto run = start_up(dir, ports);
  ASSERT_TRUE(ms::testing::wait_until([&] { return run.saw("MarketSwarm is up"); }, 30s)) << run.output;

  for (auto port : {ports.system, ports.market, ports.intel}) {
    ms::bus::BlockingRedis r(url(port), 1000ms);
    EXPECT_EQ(r.command({"PING"}).str, "PONG") << "port " << port;
  }
  ms::bus::BlockingRedis sys(url(ports.system), 1000ms);
  auto truth = sys.command({"GET", "truth"});
  ASSERT_EQ(truth.type, ms::bus::Reply::Type::string);
  auto doc = nlohmann::json::parse(truth.str);
  EXPECT_TRUE(doc.contains("components"));
  EXPECT_TRUE(doc["components"].contains("massive"));
  // The generated development secrets are private to the user.
  struct stat st{};
  ASSERT_EQ(::stat((dir.path() / "var" / "secrets.env").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);

  // No market-data key: the simulator plays a session and massive publishes from it.
  ms::bus::BlockingRedis market(url(ports.market), 1000ms);
  EXPECT_TRUE(ms::testing::wait_until(
      [&] {
        auto clock = market.command({"GET", "massive:clock"});
        auto heatmap = market.command({"EXISTS", "massive:heatmap:model:I:SPX:latest"});
        return clock.type == ms::bus::Reply::Type::string && heatmap.integer == 1;
      },
      60s))
      << run.output;
  auto clock = nlohmann::json::parse(market.command({"GET", "massive:clock"}).str);
  EXPECT_EQ(clock["source"], "sim");

  auto pids = started_pids(run.output);
  ASSERT_GE(pids.size(), 5u) << run.output;  // three redis-servers, sim, massive

  run.process.signal(SIGTERM);
  auto status = run.process.wait_for(7s);
  ASSERT_TRUE(status.has_value()) << "up did not stop within 7 s\n" << run.output;
  run.read_available();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << ms::core::describe_wait_status(*status) << "\n"
                                                               << run.output;
  for (pid_t pid : pids) EXPECT_TRUE(process_gone(pid)) << "child " << pid << " survived";
}

TEST(Up, SecondUpOnTheSameDataDirSaysSoAndExits) {
  TempDir dir("ms-up");
  Ports ports;
  auto first = start_up(dir, ports);
  ASSERT_TRUE(ms::testing::wait_until([&] { return first.saw("MarketSwarm is up"); }, 30s)) << first.output;

  auto second = start_up(dir, ports);
  auto status = second.process.wait_for(10s);
  ASSERT_TRUE(status.has_value());
  second.read_available();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << second.output;
  EXPECT_NE(second.output.find("already running"), std::string::npos) << second.output;

  first.process.signal(SIGTERM);
  ASSERT_TRUE(first.process.wait_for(7s).has_value());
}

TEST(Up, RefusesAPortTakenBySomethingElseAndNamesIt) {
  TempDir dir("ms-up");
  Ports ports;
  // Something that is not ours listens on the market bus port.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(ports.market);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);

  auto run = start_up(dir, ports);
  auto status = run.process.wait_for(20s);
  ASSERT_TRUE(status.has_value());
  run.read_available();
  ::close(fd);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) != 0) << run.output;
  EXPECT_NE(run.output.find("port " + std::to_string(ports.market) + " is taken by"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("(pid " + std::to_string(::getpid()) + ")"), std::string::npos) << run.output;
  // The servers it had already started are stopped again.
  for (pid_t pid : started_pids(run.output)) EXPECT_TRUE(process_gone(pid)) << pid;
}

TEST(Up, BrokenTruthStartsNothing) {
  TempDir dir("ms-up");
  std::filesystem::copy(std::string(MS_SOURCE_DIR) + "/truth", dir.path() / "truth",
                        std::filesystem::copy_options::recursive);
  ms::testing::write_file(dir.path() / "truth" / "node.json", "{ not json");
  auto r = ms::testing::run_command({MS_BINARY_PATH, "up", "--data-dir", (dir.path() / "var").string(),
                                      "--truth-dir", (dir.path() / "truth").string()},
                                     {}, 20s);
  const std::string& out = r.output;
  EXPECT_EQ(r.exit_code, std::optional<int>(1)) << out;
  EXPECT_NE(out.find("node.json"), std::string::npos) << out;
  EXPECT_EQ(out.find("[up] started"), std::string::npos) << out;
}

}  // namespace
