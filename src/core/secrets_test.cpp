#include "core/secrets.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/error.hpp"
#include "core/truth/test_support.hpp"
#include "testing/temp_dir.hpp"

namespace ms::core {
namespace {

using ms::core::truth::testing::ScopedEnv;
namespace fs = std::filesystem;

fs::path private_file(const ms::testing::TempDir& dir, const std::string& content, mode_t mode = 0600) {
  auto path = dir / "secrets.env";
  ms::testing::write_file(path, content);
  ::chmod(path.c_str(), mode);
  return path;
}

std::string code_of(const std::function<void()>& fn, std::string* message = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  return "no error";
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 07777;
}

TEST(Secrets, ReadsTheFileIgnoringCommentsAndBlankLines) {
  ms::testing::TempDir dir;
  auto path = private_file(dir,
                           "# comment\n"
                           "\n"
                           "  APP_SESSION_SECRET = abc123  \n"
                           "SSO_0DTE_SECRET=\"quoted value\"\n"
                           "INTERNAL_SERVICE_TOKEN='$HOME'\n"
                           "DATABASE_PASSWORD=a=b#c\n");
  auto values = read_secrets_file(path);
  EXPECT_EQ(values.at("APP_SESSION_SECRET"), "abc123");
  EXPECT_EQ(values.at("SSO_0DTE_SECRET"), "quoted value");
  EXPECT_EQ(values.at("INTERNAL_SERVICE_TOKEN"), "$HOME");  // never expanded
  EXPECT_EQ(values.at("DATABASE_PASSWORD"), "a=b#c");
  EXPECT_EQ(values.size(), 4u);
}

TEST(Secrets, RefusesAFileOthersCanRead) {
  ms::testing::TempDir dir;
  for (mode_t mode : {0644, 0640, 0604, 0620}) {
    auto path = private_file(dir, "APP_SESSION_SECRET=x\n", mode);
    std::string message;
    EXPECT_EQ(code_of([&] { read_secrets_file(path); }, &message), "secrets_file_permissions") << std::oct << mode;
    EXPECT_NE(message.find("chmod 600"), std::string::npos) << message;
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  }
  auto path = private_file(dir, "APP_SESSION_SECRET=x\n", 0400);
  EXPECT_EQ(read_secrets_file(path).at("APP_SESSION_SECRET"), "x");
}

TEST(Secrets, BadLinesNameTheLineNotTheContent) {
  ms::testing::TempDir dir;
  auto path = private_file(dir, "APP_SESSION_SECRET=ok\nthis-is-a-secret-without-name\n");
  std::string message;
  EXPECT_EQ(code_of([&] { read_secrets_file(path); }, &message), "secrets_file_syntax");
  EXPECT_NE(message.find(":2:"), std::string::npos) << message;
  EXPECT_EQ(message.find("this-is-a-secret"), std::string::npos) << message;
  EXPECT_EQ(code_of([&] { read_secrets_file(dir / "absent.env"); }), "secrets_file_missing");
}

TEST(Secrets, EnvironmentWinsOverTheFile) {
  ms::testing::TempDir dir;
  auto path = private_file(dir, "APP_SESSION_SECRET=from-file\nSSO_0DTE_SECRET=file-sso\n");
  ScopedEnv a("APP_SESSION_SECRET", "from-env");
  ScopedEnv b("SSO_0DTE_SECRET", "");  // empty counts as unset for secrets
  Secrets secrets("sse", {"APP_SESSION_SECRET", "SSO_0DTE_SECRET"}, path);
  EXPECT_EQ(secrets.require("APP_SESSION_SECRET"), "from-env");
  EXPECT_EQ(secrets.require("SSO_0DTE_SECRET"), "file-sso");
}

TEST(Secrets, UndeclaredNameIsRefused) {
  ScopedEnv a("OPENAI_API_KEY", "sk-test");
  Secrets secrets("journal", {"APP_SESSION_SECRET"});
  std::string message;
  EXPECT_EQ(code_of([&] { secrets.get("OPENAI_API_KEY"); }, &message), "secret_not_declared");
  EXPECT_NE(message.find("journal"), std::string::npos);
  EXPECT_NE(message.find("OPENAI_API_KEY"), std::string::npos);
  EXPECT_EQ(message.find("sk-test"), std::string::npos);
}

TEST(Secrets, RequireNamesTheVariableAndWhereItLooked) {
  ms::testing::TempDir dir;
  auto path = private_file(dir, "OTHER=1\n");
  ScopedEnv a("SSO_FOTW_SECRET", std::nullopt);
  Secrets with_file("sse", {"SSO_FOTW_SECRET"}, path);
  std::string message;
  EXPECT_EQ(code_of([&] { with_file.require("SSO_FOTW_SECRET"); }, &message), "missing_secret");
  EXPECT_NE(message.find("SSO_FOTW_SECRET"), std::string::npos);
  EXPECT_NE(message.find(path.string()), std::string::npos);
  EXPECT_FALSE(with_file.get("SSO_FOTW_SECRET"));

  Secrets env_only("sse", {"SSO_FOTW_SECRET"});
  EXPECT_EQ(code_of([&] { env_only.require("SSO_FOTW_SECRET"); }, &message), "missing_secret");
  EXPECT_NE(message.find("MS_SECRETS_FILE"), std::string::npos) << message;
}

TEST(Secrets, ForComponentReadsTheFileNamedByTheEnvironment) {
  ms::testing::TempDir dir;
  auto path = private_file(dir, "INTERNAL_SERVICE_TOKEN=tok\n");
  ScopedEnv file("MS_SECRETS_FILE", path.string());
  ScopedEnv token("INTERNAL_SERVICE_TOKEN", std::nullopt);
  auto secrets = Secrets::for_component("copilot", {"INTERNAL_SERVICE_TOKEN"});
  EXPECT_EQ(secrets.require("INTERNAL_SERVICE_TOKEN"), "tok");
  ::chmod(path.c_str(), 0644);
  EXPECT_EQ(code_of([&] { Secrets::for_component("copilot", {}); }), "secrets_file_permissions");
}

TEST(Secrets, GeneratesDevSecretsPrivatelyAndOnlyOnce) {
  ms::testing::TempDir dir;
  auto path = dir / "var" / "secrets.env";
  auto added = generate_dev_secrets(path);
  EXPECT_EQ(added, dev_secret_names());
  EXPECT_EQ(mode_of(path), 0600u);
  auto first = read_secrets_file(path);
  ASSERT_EQ(first.size(), 3u);
  for (const auto& [name, value] : first) {
    EXPECT_EQ(value.size(), 64u) << name;
    EXPECT_EQ(value.find_first_not_of("0123456789abcdef"), std::string::npos) << name;
  }
  EXPECT_NE(first.at("APP_SESSION_SECRET"), first.at("INTERNAL_SERVICE_TOKEN"));

  EXPECT_TRUE(generate_dev_secrets(path).empty());
  EXPECT_EQ(read_secrets_file(path), first);
  EXPECT_EQ(mode_of(path), 0600u);
}

TEST(Secrets, GenerationKeepsExistingValuesAndAddsMissingOnes) {
  ms::testing::TempDir dir;
  auto path = private_file(dir, "# mine\nAPP_SESSION_SECRET=keep-me\nMASSIVE_API_KEY=abc");  // no final newline
  auto added = generate_dev_secrets(path);
  EXPECT_EQ(added, (std::vector<std::string>{"SSO_0DTE_SECRET", "INTERNAL_SERVICE_TOKEN"}));
  auto values = read_secrets_file(path);
  EXPECT_EQ(values.at("APP_SESSION_SECRET"), "keep-me");
  EXPECT_EQ(values.at("MASSIVE_API_KEY"), "abc");
  EXPECT_EQ(values.size(), 4u);
  EXPECT_NE(ms::testing::read_file(path).find("# mine"), std::string::npos);
  EXPECT_EQ(mode_of(path), 0600u);
}

TEST(Secrets, GenerationRefusesAnOpenFile) {
  ms::testing::TempDir dir;
  auto path = private_file(dir, "APP_SESSION_SECRET=x\n", 0644);
  EXPECT_EQ(code_of([&] { generate_dev_secrets(path); }), "secrets_file_permissions");
  EXPECT_EQ(ms::testing::read_file(path), "APP_SESSION_SECRET=x\n");
}

}  // namespace
}  // namespace ms::core
