#include "app/supervisor.hpp"

#include <csignal>
#include <gtest/gtest.h>
#include <sstream>

#include "core/error.hpp"

namespace {

using namespace std::chrono_literals;
using ms::app::ChildSpec;
using ms::app::Supervisor;
using ms::app::SupervisorOptions;

SupervisorOptions fast() {
  SupervisorOptions o;
  o.restart_base = 20ms;
  o.restart_max = 100ms;
  o.max_deaths = 5;
  o.death_window = 60s;
  o.stop_grace = 2s;
  return o;
}

TEST(Supervisor, PrefixesEveryLineWithTheChildName) {
  std::ostringstream out;
  Supervisor sup(fast(), out);
  sup.start({"echoer", {"/bin/sh", "-c", "echo one; echo two >&2; printf tail"}, {}, false});
  ASSERT_TRUE(sup.pump_until([&] { return out.str().find("[up] echoer exited with 0") != std::string::npos; }, 5s))
      << out.str();
  EXPECT_NE(out.str().find("echoer | one\n"), std::string::npos);
  EXPECT_NE(out.str().find("echoer | two\n"), std::string::npos);
  EXPECT_NE(out.str().find("echoer | tail\n"), std::string::npos);  // unterminated last line kept
}

TEST(Supervisor, RestartsADeadChildAndSaysSo) {
  std::ostringstream out;
  Supervisor sup(fast(), out);
  sup.start({"flaky", {"/bin/sh", "-c", "echo hello; exit 3"}, {}, true});
  ASSERT_TRUE(sup.pump_until([&] { return out.str().find("[up] restarted flaky") != std::string::npos; }, 5s))
      << out.str();
  EXPECT_NE(out.str().find("[up] flaky exited with 3; restarting in"), std::string::npos) << out.str();
}

TEST(Supervisor, GivesUpAfterFiveDeathsAndShowsTheLastLines) {
  std::ostringstream out;
  Supervisor sup(fast(), out);
  sup.start({"crasher", {"/bin/sh", "-c", "echo about to fail; exit 7"}, {}, true});
  ASSERT_TRUE(sup.pump_until([&] { return sup.gave_up("crasher"); }, 10s)) << out.str();
  EXPECT_NE(out.str().find("not restarting it"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("  crasher | about to fail"), std::string::npos) << out.str();
  // No further restarts happen once given up.
  const auto before = out.str().size();
  sup.pump_until([] { return false; }, 200ms);
  EXPECT_EQ(out.str().find("[up] restarted crasher", before), std::string::npos);
}

TEST(Supervisor, StopAllEndsEveryChildWithinTheGraceAndKillsStubbornOnes) {
  std::ostringstream out;
  auto o = fast();
  o.stop_grace = 500ms;
  Supervisor sup(o, out);
  sup.start({"sleeper", {"/bin/sleep", "30"}, {}, true});
  // Ignores SIGTERM: must be killed after the grace period.
  sup.start({"stubborn", {"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"}, {}, true});
  ASSERT_TRUE(sup.pump_until([&] { return out.str().find("stubborn | ready") != std::string::npos; }, 5s));
  auto pids = sup.pids();
  const auto t0 = std::chrono::steady_clock::now();
  sup.stop_all();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  for (pid_t pid : pids) EXPECT_NE(::kill(pid, 0), 0) << pid;
  EXPECT_NE(out.str().find("stubborn did not stop in time; killing it"), std::string::npos) << out.str();
}

TEST(Supervisor, HigherTiersStopFirstSoServicesFlushWhileTheirRedisRuns) {
  std::ostringstream out;
  Supervisor sup(fast(), out);
  // The "redis" (tier 0) says when it gets SIGTERM; the "service" (tier 1) takes a while to
  // flush and says when it is done. The service must be done before redis hears anything.
  sup.start({"redis", {"/bin/sh", "-c", "trap 'echo redis-term; exit 0' TERM; echo ready; while :; do sleep 0.05; done"},
             {}, true, 0});
  sup.start({"service",
             {"/bin/sh", "-c", "trap 'sleep 0.3; echo service-flushed; exit 0' TERM; echo ready; while :; do sleep 0.05; done"},
             {}, true, 1});
  ASSERT_TRUE(sup.pump_until(
      [&] {
        const auto s = out.str();
        return s.find("redis | ready") != std::string::npos && s.find("service | ready") != std::string::npos;
      },
      5s));
  sup.stop_all();
  const auto s = out.str();
  const auto flushed = s.find("service | service-flushed");
  const auto term = s.find("redis | redis-term");
  ASSERT_NE(flushed, std::string::npos) << s;
  ASSERT_NE(term, std::string::npos) << s;
  EXPECT_LT(flushed, term) << s;
}

TEST(Supervisor, AMissingBinaryIsAnErrorNotASilentExit) {
  std::ostringstream out;
  Supervisor sup(fast(), out);
  try {
    sup.start({"ghost", {"/nonexistent/ms-binary"}, {}, true});
    FAIL() << "expected spawn_failed";
  } catch (const ms::core::Error& e) {
    EXPECT_EQ(e.code(), "spawn_failed");
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ms-binary"), std::string::npos);
  }
}

}  // namespace
