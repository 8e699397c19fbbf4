#pragma once
// The loaded composite truth as services see it. Built once at start (from system-redis key
// `truth`, or a file) and passed in; no global instance.
//
// Environment overrides of single values (process env > truth > compiled default):
//   bus URL             MS_BUS_<NAME>_URL   (system-redis → MS_BUS_SYSTEM_REDIS_URL)
//   component http      MS_<ID>_BIND, MS_<ID>_PORT   (sse → MS_SSE_BIND, MS_SSE_PORT)
//   simulator           MS_SIM_BIND, MS_SIM_PORT, MS_SIM_SEED, MS_SIM_SPEED
//   node                MS_NODE_ENV, MS_MARKET_SOURCE, MS_DATABASE_URL
//   component env{}     the variable of the same name
// An empty variable counts as set (and is then validated like any other value).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ms::core {

// Reads one environment variable; the default reads the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

struct HttpEndpoint {
  std::string bind;
  int port = 0;
  std::vector<std::string> prefixes;  // paths the gateway proxies to this component
};

struct HeartbeatSettings {
  int interval_sec = 5;
  int ttl_sec = 15;
};

struct SimSettings {
  std::string bind;
  int port = 0;
  std::uint64_t seed = 0;
  double speed = 1.0;
};

class Truth {
 public:
  // `composite` is what `truth build` writes. Throws core::Error("truth_invalid") when it lacks
  // the members services rely on (node, buses, components).
  static Truth from_json(nlohmann::json composite, EnvLookup env = {});
  // Parses the text first (e.g. the value of GET truth); bad JSON → core::Error("truth_invalid").
  static Truth from_string(std::string_view text, EnvLookup env = {});

  const nlohmann::json& json() const noexcept { return doc_; }
  // The composite's sha256 member, or the checksum computed like the builder does.
  const std::string& sha256() const noexcept { return sha256_; }
  std::string version() const;
  std::string node_name() const;

  std::string node_env() const;  // "dev" | "prod"
  bool is_prod() const { return node_env() == "prod"; }
  std::string market_source() const;  // "auto" | "live" | "sim"
  // "sqlite:<file>" (relative to the data dir) or "mysql://user@host:port/db".
  std::string database_url() const;
  // The SQLite file for a sqlite: URL, resolved against `data_dir` when relative; nullopt for MySQL.
  std::optional<std::filesystem::path> sqlite_file(const std::filesystem::path& data_dir) const;

  std::vector<std::string> bus_names() const;
  // Throws core::Error("truth_unknown_bus"); a malformed override → core::Error("bad_env").
  std::string bus_url(std::string_view bus) const;

  std::vector<std::string> component_ids() const;  // sorted by id
  bool has_component(std::string_view id) const;
  // The component block verbatim (structural blocks such as `config` included).
  // Throws core::Error("truth_unknown_component").
  const nlohmann::json& component(std::string_view id) const;
  std::optional<HttpEndpoint> http(std::string_view id) const;
  std::optional<SimSettings> sim(std::string_view id) const;
  HeartbeatSettings heartbeat(std::string_view id) const;
  std::vector<std::string> secret_names(std::string_view id) const;

  // Process env > the component's truth env. Asking for a secret-looking name
  // (*_SECRET, *_KEY, *_TOKEN, *PASSWORD*) throws core::Error("secret_via_env"): use Secrets.
  std::optional<std::string> env_value(std::string_view id, std::string_view name) const;
  std::string env_or(std::string_view id, std::string_view name, std::string fallback) const;

 private:
  Truth(nlohmann::json doc, EnvLookup env);
  std::optional<std::string> lookup(const std::string& name) const;

  nlohmann::json doc_;
  EnvLookup env_;
  std::string sha256_;
};

// Reads a composite truth file. Throws core::Error("truth_file") when unreadable, or as from_json.
Truth load_truth_from_file(const std::filesystem::path& path, EnvLookup env = {});

// "system-redis" → "MS_BUS_SYSTEM_REDIS_URL".
std::string bus_url_env_name(std::string_view bus);
// ("sse", "PORT") → "MS_SSE_PORT".
std::string component_env_name(std::string_view id, std::string_view what);

}  // namespace ms::core
