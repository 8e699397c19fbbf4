#include "core/truth/truth.hpp"

#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

#include "core/env.hpp"
#include "core/error.hpp"
#include "core/truth/addresses.hpp"
#include "core/truth/builder.hpp"

namespace ms::core {
namespace {

std::string upper_env_token(std::string_view text) {
  std::string out;
  for (char c : text) {
    out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                                                       : '_';
  }
  return out;
}

const nlohmann::json& object_at(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_object()) {
    throw Error("truth_invalid", std::string("truth has no '") + name + "' object");
  }
  return *it;
}

std::string string_at(const nlohmann::json& obj, const char* name, std::string fallback = {}) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

int parse_port(const std::string& variable, const std::string& text) {
  int port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) {
    throw Error("bad_env", variable + "='" + text + "' is not a port number (1..65535)");
  }
  return port;
}

std::string checked_choice(const std::string& variable, const std::string& value,
                           std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (value == a) return value;
  }
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : "|") + std::string(a);
  throw Error("bad_env", variable + "='" + value + "' must be one of " + list);
}

}  // namespace

std::string bus_url_env_name(std::string_view bus) { return "MS_BUS_" + upper_env_token(bus) + "_URL"; }

std::string component_env_name(std::string_view id, std::string_view what) {
  return "MS_" + upper_env_token(id) + "_" + upper_env_token(what);
}

Truth::Truth(nlohmann::json doc, EnvLookup env) : doc_(std::move(doc)), env_(std::move(env)) {
  if (!env_) env_ = [](const std::string& name) { return core::env(name.c_str()); };
  if (!doc_.is_object()) throw Error("truth_invalid", "truth is not a JSON object");
  object_at(doc_, "node");
  object_at(doc_, "buses");
  object_at(doc_, "components");
  sha256_ = string_at(doc_, "sha256");
  if (sha256_.empty()) sha256_ = truth::composite_sha256(doc_);
}

Truth Truth::from_json(nlohmann::json composite, EnvLookup env) { return Truth(std::move(composite), std::move(env)); }

Truth Truth::from_string(std::string_view text, EnvLookup env) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error("truth_invalid", std::string("truth is not valid JSON: ") + e.what());
  }
  return Truth(std::move(doc), std::move(env));
}

Truth load_truth_from_file(const std::filesystem::path& path, EnvLookup env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("truth_file", "cannot read truth file " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return Truth::from_string(buffer.str(), std::move(env));
}

std::optional<std::string> Truth::lookup(const std::string& name) const { return env_(name); }

std::string Truth::version() const { return string_at(doc_, "version"); }

std::string Truth::node_name() const { return string_at(object_at(doc_, "node"), "name"); }

std::string Truth::node_env() const {
  if (auto v = lookup("MS_NODE_ENV")) return checked_choice("MS_NODE_ENV", *v, {"dev", "prod"});
  return string_at(object_at(doc_, "node"), "env", "dev");
}

std::string Truth::market_source() const {
  if (auto v = lookup("MS_MARKET_SOURCE")) return checked_choice("MS_MARKET_SOURCE", *v, {"auto", "live", "sim"});
  const auto& node = object_at(doc_, "node");
  auto market = node.find("market");
  if (market != node.end() && market->is_object()) return string_at(*market, "source", "auto");
  return "auto";
}

std::string Truth::database_url() const {
  std::string url;
  if (auto v = lookup("MS_DATABASE_URL")) {
    if (auto problem = truth::database_url_problem(*v)) throw Error("bad_env", "MS_DATABASE_URL: " + *problem);
    return *v;
  }
  const auto& node = object_at(doc_, "node");
  auto db = node.find("database");
  if (db != node.end() && db->is_object()) url = string_at(*db, "url");
  if (url.empty()) throw Error("truth_invalid", "truth has no node.database.url");
  return url;
}

std::optional<std::filesystem::path> Truth::sqlite_file(const std::filesystem::path& data_dir) const {
  std::string url = database_url();
  if (url.rfind("sqlite:", 0) != 0) return std::nullopt;
  std::filesystem::path file = url.substr(7);
  return file.is_absolute() ? file : data_dir / file;
}

std::vector<std::string> Truth::bus_names() const {
  std::vector<std::string> names;
  for (const auto& [name, bus] : object_at(doc_, "buses").items()) names.push_back(name);
  return names;
}

std::string Truth::bus_url(std::string_view bus) const {
  const auto& buses = object_at(doc_, "buses");
  auto it = buses.find(std::string(bus));
  if (it == buses.end()) throw Error("truth_unknown_bus", "truth declares no bus '" + std::string(bus) + "'");
  const std::string variable = bus_url_env_name(bus);
  if (auto v = lookup(variable)) {
    std::string why;
    if (!truth::parse_redis_url(*v, &why, /*allow_credentials=*/true)) throw Error("bad_env", variable + ": " + why);
    return *v;
  }
  std::string url = it->is_object() ? string_at(*it, "url") : std::string();
  if (url.empty()) throw Error("truth_invalid", "bus '" + std::string(bus) + "' has no url");
  return url;
}

std::vector<std::string> Truth::component_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, c] : object_at(doc_, "components").items()) ids.push_back(id);
  return ids;
}

bool Truth::has_component(std::string_view id) const {
  return object_at(doc_, "components").contains(std::string(id));
}

const nlohmann::json& Truth::component(std::string_view id) const {
  const auto& components = object_at(doc_, "components");
  auto it = components.find(std::string(id));
  if (it == components.end() || !it->is_object()) {
    throw Error("truth_unknown_component", "truth has no component '" + std::string(id) + "'");
  }
  return *it;
}

std::optional<HttpEndpoint> Truth::http(std::string_view id) const {
  const auto& c = component(id);
  auto it = c.find("http");
  if (it == c.end() || !it->is_object()) return std::nullopt;
  HttpEndpoint out;
  out.bind = string_at(*it, "bind", "127.0.0.1");
  out.port = it->value("port", 0);
  if (auto p = it->find("prefixes"); p != it->end() && p->is_array()) {
    for (const auto& prefix : *p) {
      if (prefix.is_string()) out.prefixes.push_back(prefix.get<std::string>());
    }
  }
  const std::string bind_var = component_env_name(id, "BIND");
  const std::string port_var = component_env_name(id, "PORT");
  if (auto v = lookup(bind_var)) {
    if (!truth::is_ip_address(*v)) throw Error("bad_env", bind_var + "='" + *v + "' is not an IP address");
    out.bind = *v;
  }
  if (auto v = lookup(port_var)) out.port = parse_port(port_var, *v);
  return out;
}

std::optional<SimSettings> Truth::sim(std::string_view id) const {
  const auto& c = component(id);
  auto it = c.find("sim");
  if (it == c.end() || !it->is_object()) return std::nullopt;
  SimSettings out;
  out.bind = string_at(*it, "bind", "127.0.0.1");
  out.port = it->value("port", 0);
  out.seed = it->value("seed", std::uint64_t{0});
  out.speed = it->value("speed", 1.0);
  if (auto v = lookup("MS_SIM_BIND")) {
    if (!truth::is_ip_address(*v)) throw Error("bad_env", "MS_SIM_BIND='" + *v + "' is not an IP address");
    out.bind = *v;
  }
  if (auto v = lookup("MS_SIM_PORT")) out.port = parse_port("MS_SIM_PORT", *v);
  if (auto v = lookup("MS_SIM_SEED")) {
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out.seed);
    if (ec != std::errc() || end != v->data() + v->size()) {
      throw Error("bad_env", "MS_SIM_SEED='" + *v + "' is not a non-negative integer");
    }
  }
  if (auto v = lookup("MS_SIM_SPEED")) {
    try {
      std::size_t used = 0;
      out.speed = std::stod(*v, &used);
      if (used != v->size() || !(out.speed > 0)) throw std::invalid_argument("range");
    } catch (const std::exception&) {
      throw Error("bad_env", "MS_SIM_SPEED='" + *v + "' is not a positive number");
    }
  }
  return out;
}

HeartbeatSettings Truth::heartbeat(std::string_view id) const {
  const auto& c = component(id);
  HeartbeatSettings out;
  auto it = c.find("heartbeat");
  if (it != c.end() && it->is_object()) {
    out.interval_sec = it->value("interval_sec", out.interval_sec);
    out.ttl_sec = it->value("ttl_sec", out.ttl_sec);
  }
  return out;
}

std::vector<std::string> Truth::secret_names(std::string_view id) const {
  const auto& c = component(id);
  std::vector<std::string> out;
  auto it = c.find("secrets");
  if (it != c.end() && it->is_array()) {
    for (const auto& s : *it) {
      if (s.is_string()) out.push_back(s.get<std::string>());
    }
  }
  return out;
}

std::optional<std::string> Truth::env_value(std::string_view id, std::string_view name) const {
  const std::string n(name);
  if (truth::is_secret_name(n)) {
    throw Error("secret_via_env", n + " is a secret: read it through core::Secrets, not the truth env");
  }
  if (auto v = lookup(n)) return v;
  const auto& c = component(id);
  auto env = c.find("env");
  if (env != c.end() && env->is_object()) {
    auto v = env->find(n);
    if (v != env->end() && v->is_string()) return v->get<std::string>();
  }
  return std::nullopt;
}

std::string Truth::env_or(std::string_view id, std::string_view name, std::string fallback) const {
  auto v = env_value(id, name);
  return v ? *v : std::move(fallback);
}

}  // namespace ms::core
