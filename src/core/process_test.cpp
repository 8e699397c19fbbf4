#include "core/process.hpp"

#include <cerrno>
#include <cstdlib>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace ms::core {
namespace {

// Everything the child writes, until it closes the pipe by exiting.
std::string read_all(int fd) {
  std::string out;
  char buf[512];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    else if (n == 0 || errno != EINTR) break;
  }
  return out;
}

TEST(BuildChildEnv, ReplacesAndAddsKeys) {
  std::string a = "A=1", b = "B=2", ab = "AB=3";
  char* inherited[] = {a.data(), b.data(), ab.data(), nullptr};
  const auto env = build_child_env(inherited, {{"B", "x"}, {"C", "y"}, {"C", "z"}});
  EXPECT_EQ(env, (std::vector<std::string>{"A=1", "AB=3", "B=x", "C=z"}));
  EXPECT_EQ(build_child_env(nullptr, {}), std::vector<std::string>{});
}

TEST(Process, ChildSeesOverridesAndParentEnvironmentIsUnchanged) {
  ::setenv("MS_PROCESS_TEST_KEPT", "kept", 1);
  ::setenv("MS_PROCESS_TEST_REPLACED", "parent", 1);
  ::unsetenv("MS_PROCESS_TEST_ADDED");
  ProcessOptions o;
  o.argv = {"/bin/sh", "-c",
            "printf '%s|%s|%s' \"$MS_PROCESS_TEST_KEPT\" \"$MS_PROCESS_TEST_REPLACED\" \"$MS_PROCESS_TEST_ADDED\""};
  o.env_overrides = {{"MS_PROCESS_TEST_REPLACED", "child"}, {"MS_PROCESS_TEST_ADDED", "new value"}};
  o.capture_output = true;
  Process p = Process::spawn(o);
  const std::string out = read_all(p.output_fd());
  const auto status = p.wait_for(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_wait_status(*status);
  EXPECT_EQ(out, "kept|child|new value");
  EXPECT_STREQ(std::getenv("MS_PROCESS_TEST_REPLACED"), "parent");
  EXPECT_EQ(std::getenv("MS_PROCESS_TEST_ADDED"), nullptr);
}

TEST(Process, MissingBinaryIsAnError) {
  ProcessOptions o;
  o.argv = {"/nonexistent/marketswarm-no-such-binary"};
  EXPECT_THROW(Process::spawn(o), Error);
}

}  // namespace
}  // namespace ms::core
