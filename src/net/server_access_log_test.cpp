// Which level each access-log line is written at, through a real server: internal traffic
// (a server marked internal, the probe routes anywhere) is debug when it succeeds, and failures
// stay visible at info/warn.
#include <memory>
#include <optional>
#include <stdexcept>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "net/test_clients.hpp"
#include "testing/wait.hpp"

namespace ms::net {
namespace {

using namespace std::chrono_literals;

struct Line {
  spdlog::level::level_enum level;
  std::string text;
};

class CollectingSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<Line> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    lines_.push_back({msg.level, std::string(msg.payload.data(), msg.payload.size())});
  }
  void flush_() override {}

 private:
  std::vector<Line> lines_;
};

// Swaps the default logger for one that records every line, debug included.
class AccessLogLevelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    sink_ = std::make_shared<CollectingSink>();
    auto logger = std::make_shared<spdlog::logger>("access-log-test", sink_);
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }

  std::unique_ptr<test::RunningServer> start(bool internal) {
    auto o = test::test_server_options();
    o.access_log = true;
    o.internal_traffic = internal;
    auto s = std::make_unique<test::RunningServer>(o);
    s->router().get("/api/ok", [](Request&) { return Response::json(200, {{"ok", true}}); });
    s->router().get("/healthz", [](Request&) { return Response::json(200, {{"ok", true}}); });
    s->router().get("/api/fails", [](Request&) -> Response { throw std::runtime_error("boom"); });
    s->start();
    return s;
  }

  // The level of the access-log line for `path`, once the server has written it.
  std::optional<spdlog::level::level_enum> level_of(const std::string& path) {
    std::optional<spdlog::level::level_enum> found;
    testing::wait_until([&] {
      for (const auto& l : sink_->lines())
        if (l.text.rfind("http GET " + path + " ", 0) == 0) found = l.level;
      return found.has_value();
    }, 5s);
    return found;
  }

  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<CollectingSink> sink_;
};

TEST_F(AccessLogLevelTest, InternalServerLogsSuccessAtDebugAndFailureAtWarn) {
  auto s = start(/*internal=*/true);
  EXPECT_EQ(test::get(s->port(), "/api/ok").status, 200);
  EXPECT_EQ(test::get(s->port(), "/api/fails").status, 500);
  EXPECT_EQ(test::get(s->port(), "/api/none").status, 404);
  EXPECT_EQ(level_of("/api/ok"), spdlog::level::debug);
  EXPECT_EQ(level_of("/api/fails"), spdlog::level::warn);
  EXPECT_EQ(level_of("/api/none"), spdlog::level::info);
}

TEST_F(AccessLogLevelTest, PublicServerLogsAtInfoButProbesAtDebug) {
  auto s = start(/*internal=*/false);
  EXPECT_EQ(test::get(s->port(), "/api/ok").status, 200);
  EXPECT_EQ(test::get(s->port(), "/healthz").status, 200);
  EXPECT_EQ(test::get(s->port(), "/api/fails").status, 500);
  EXPECT_EQ(level_of("/api/ok"), spdlog::level::info);
  EXPECT_EQ(level_of("/healthz"), spdlog::level::debug);
  EXPECT_EQ(level_of("/api/fails"), spdlog::level::warn);
}

}  // namespace
}  // namespace ms::net
