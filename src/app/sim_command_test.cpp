// `marketswarm sim` as a process: it serves on the port it was given, answers /healthz and the
// vendor REST paths, and exits 0 on SIGTERM.
#include <csignal>
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/process.hpp"
#include "net/http_client.hpp"
#include "testing/command.hpp"
#include "testing/ports.hpp"
#include "testing/wait.hpp"

namespace {

using namespace std::chrono_literals;

TEST(SimCommand, ServesAndStopsOnSigterm) {
  const std::uint16_t port = ms::testing::reserve_free_port();
  ms::core::ProcessOptions o;
  o.argv = {MS_BINARY_PATH, "sim", "--port", std::to_string(port), "--speed", "60", "--api-key", "k",
            "--start-offset", "30m"};
  o.env_overrides = {{"TRUTH_REDIS_URL", ""}};
  auto p = ms::core::Process::spawn(o);
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  ms::net::HttpClient http;
  auto get = [&](const std::string& path) {
    ms::net::HttpClient::Request r;
    r.url = base + path;
    r.total_timeout = 2s;
    return http.perform(r);
  };
  ASSERT_TRUE(ms::testing::wait_until(
      [&] {
        try {
          return get("/healthz").ok();
        } catch (const std::exception&) {
          return false;
        }
      },
      20s));
  EXPECT_EQ(get("/v3/snapshot/indices").status, 401);
  const auto idx = get("/v3/snapshot/indices?ticker=I:SPX&apiKey=k");
  ASSERT_EQ(idx.status, 200) << idx.body;
  const auto stats = get("/sim/stats").json();
  EXPECT_EQ(stats["mode"], "model");
  EXPECT_EQ(stats["phase"], "open");
  EXPECT_EQ(stats["speed"], 60.0);

  p.signal(SIGTERM);
  const auto status = p.wait_for(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << ms::core::describe_wait_status(*status);
}

TEST(SimCommand, BadFlagsExitNonZero) {
  auto r = ms::testing::run_command({MS_BINARY_PATH, "sim", "--faults", "bogus=1"}, {{"TRUTH_REDIS_URL", ""}}, 10s);
  EXPECT_EQ(r.exit_code, std::optional<int>(2)) << r.output;
  EXPECT_NE(r.output.find("bogus"), std::string::npos) << r.output;
}

}  // namespace
