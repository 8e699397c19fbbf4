// The typed helpers: argv in, plain C++ values out. Error replies become
// core::Error("redis_error"); replies of an unexpected shape become core::Error("redis_type").
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "bus/redis_client.hpp"
#include "core/error.hpp"

namespace ms::bus {

namespace {

// Builds argv outside the coroutine frames: g++ 12 rejects braced lists of string literals
// inside coroutines ("array used as initializer").
template <typename... A>
std::vector<std::string> argv_of(A&&... a) {
  std::vector<std::string> v;
  v.reserve(sizeof...(a));
  (v.emplace_back(std::forward<A>(a)), ...);
  return v;
}

void append(std::vector<std::string>& v, std::vector<std::string> more) {
  for (auto& m : more) v.push_back(std::move(m));
}

[[noreturn]] void bad_shape(const char* command, const std::string& what) {
  throw core::Error("redis_type", std::string(command) + ": unexpected reply: " + what);
}

const std::vector<Reply>& array_of(const Reply& r, const char* command) {
  if (r.type != Reply::Type::array) bad_shape(command, "expected an array");
  return r.elements;
}

std::string string_of(const Reply& r, const char* command) {
  if (r.type != Reply::Type::string && r.type != Reply::Type::status) bad_shape(command, "expected a string");
  return r.str;
}

std::string format_score(double v) {
  if (std::isnan(v)) throw core::Error("redis_bad_argument", "sorted-set score is NaN");
  if (std::isinf(v)) return v > 0 ? "+inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

double parse_score(const Reply& r, const char* command) {
  const std::string s = string_of(r, command);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) bad_shape(command, "score '" + s + "' is not a number");
  return v;
}

// [[id, [field, value, ...]], ...]
std::vector<StreamEntry> parse_entries(const Reply& r, const char* command) {
  std::vector<StreamEntry> out;
  if (r.is_nil()) return out;
  for (const auto& e : array_of(r, command)) {
    const auto& parts = array_of(e, command);
    if (parts.size() != 2) bad_shape(command, "a stream entry is not [id, fields]");
    StreamEntry entry;
    entry.id = string_of(parts[0], command);
    if (!parts[1].is_nil()) {  // a trimmed entry can come back with nil fields
      const auto& kv = array_of(parts[1], command);
      if (kv.size() % 2 != 0) bad_shape(command, "odd number of stream fields");
      for (std::size_t i = 0; i < kv.size(); i += 2)
        entry.fields.emplace_back(string_of(kv[i], command), string_of(kv[i + 1], command));
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

const std::string* StreamEntry::field(const std::string& name) const {
  for (const auto& [k, v] : fields)
    if (k == name) return &v;
  return nullptr;
}

Awaitable<Reply> RedisClient::checked(std::vector<std::string> argv) {
  Reply r = co_await command(std::move(argv));
  if (r.is_error()) throw core::Error("redis_error", r.str);
  co_return r;
}

Awaitable<std::optional<std::string>> RedisClient::get(std::string key) {
  const Reply r = co_await checked(argv_of("GET", std::move(key)));
  co_return r.as_optional_string();
}

Awaitable<void> RedisClient::set(std::string key, std::string value, std::optional<std::chrono::seconds> ttl) {
  std::vector<std::string> argv = argv_of("SET", std::move(key), std::move(value));
  if (ttl) {
    if (ttl->count() <= 0) throw core::Error("redis_bad_argument", "SET " + argv[1] + ": TTL must be at least 1 s");
    append(argv, argv_of("EX", std::to_string(ttl->count())));
  }
  co_await checked(std::move(argv));
}

Awaitable<bool> RedisClient::set_nx(std::string key, std::string value, std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) throw core::Error("redis_bad_argument", "SET NX " + key + ": TTL must be positive");
  const Reply r = co_await checked(argv_of("SET", std::move(key), std::move(value), "NX", "PX", std::to_string(ttl.count())));
  co_return !r.is_nil();
}

Awaitable<std::int64_t> RedisClient::del(std::vector<std::string> keys) {
  if (keys.empty()) co_return 0;
  keys.insert(keys.begin(), std::string("DEL"));
  const Reply r = co_await checked(std::move(keys));
  co_return r.as_integer();
}

Awaitable<bool> RedisClient::expire(std::string key, std::chrono::seconds ttl) {
  const Reply r = co_await checked(argv_of("EXPIRE", std::move(key), std::to_string(ttl.count())));
  co_return r.as_integer() == 1;
}

Awaitable<std::int64_t> RedisClient::ttl(std::string key) {
  const Reply r = co_await checked(argv_of("TTL", std::move(key)));
  co_return r.as_integer();
}

Awaitable<bool> RedisClient::exists(std::string key) {
  const Reply r = co_await checked(argv_of("EXISTS", std::move(key)));
  co_return r.as_integer() > 0;
}

Awaitable<std::int64_t> RedisClient::hset(std::string key, std::map<std::string, std::string> fields) {
  if (fields.empty()) throw core::Error("redis_bad_argument", "HSET " + key + ": no fields");
  std::vector<std::string> argv = argv_of("HSET", std::move(key));
  argv.reserve(2 + 2 * fields.size());
  for (auto& [f, v] : fields) {
    argv.push_back(f);
    argv.push_back(std::move(v));
  }
  const Reply r = co_await checked(std::move(argv));
  co_return r.as_integer();
}

Awaitable<std::int64_t> RedisClient::hset(std::string key, std::string field, std::string value) {
  const Reply r = co_await checked(argv_of("HSET", std::move(key), std::move(field), std::move(value)));
  co_return r.as_integer();
}

Awaitable<std::optional<std::string>> RedisClient::hget(std::string key, std::string field) {
  const Reply r = co_await checked(argv_of("HGET", std::move(key), std::move(field)));
  co_return r.as_optional_string();
}

Awaitable<std::map<std::string, std::string>> RedisClient::hgetall(std::string key) {
  const Reply r = co_await checked(argv_of("HGETALL", std::move(key)));
  const auto& kv = array_of(r, "HGETALL");
  if (kv.size() % 2 != 0) bad_shape("HGETALL", "odd number of elements");
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < kv.size(); i += 2) out.emplace(string_of(kv[i], "HGETALL"), string_of(kv[i + 1], "HGETALL"));
  co_return out;
}

Awaitable<std::int64_t> RedisClient::hincrby(std::string key, std::string field, std::int64_t by) {
  const Reply r = co_await checked(argv_of("HINCRBY", std::move(key), std::move(field), std::to_string(by)));
  co_return r.as_integer();
}

Awaitable<std::int64_t> RedisClient::hdel(std::string key, std::vector<std::string> fields) {
  if (fields.empty()) co_return 0;
  fields.insert(fields.begin(), std::string("HDEL"));
  fields.insert(fields.begin() + 1, std::move(key));
  const Reply r = co_await checked(std::move(fields));
  co_return r.as_integer();
}

Awaitable<std::int64_t> RedisClient::zadd(std::string key, std::vector<ScoredMember> members) {
  if (members.empty()) co_return 0;
  std::vector<std::string> argv = argv_of("ZADD", std::move(key));
  argv.reserve(2 + 2 * members.size());
  for (auto& m : members) {
    argv.push_back(format_score(m.score));
    argv.push_back(std::move(m.member));
  }
  const Reply r = co_await checked(std::move(argv));
  co_return r.as_integer();
}

Awaitable<std::vector<ScoredMember>> RedisClient::zrangebyscore(std::string key, double min, double max,
                                                                std::optional<std::size_t> limit) {
  std::vector<std::string> argv = argv_of("ZRANGEBYSCORE", std::move(key), format_score(min), format_score(max), "WITHSCORES");
  if (limit) append(argv, argv_of("LIMIT", "0", std::to_string(*limit)));
  const Reply r = co_await checked(std::move(argv));
  const auto& flat = array_of(r, "ZRANGEBYSCORE");
  if (flat.size() % 2 != 0) bad_shape("ZRANGEBYSCORE", "odd number of elements");
  std::vector<ScoredMember> out;
  out.reserve(flat.size() / 2);
  for (std::size_t i = 0; i < flat.size(); i += 2)
    out.push_back({string_of(flat[i], "ZRANGEBYSCORE"), parse_score(flat[i + 1], "ZRANGEBYSCORE")});
  co_return out;
}

Awaitable<std::int64_t> RedisClient::zremrangebyscore(std::string key, double min, double max) {
  const Reply r = co_await checked(argv_of("ZREMRANGEBYSCORE", std::move(key), format_score(min), format_score(max)));
  co_return r.as_integer();
}

Awaitable<std::int64_t> RedisClient::zcard(std::string key) {
  const Reply r = co_await checked(argv_of("ZCARD", std::move(key)));
  co_return r.as_integer();
}

Awaitable<std::int64_t> RedisClient::publish(std::string channel, std::string payload) {
  const Reply r = co_await checked(argv_of("PUBLISH", std::move(channel), std::move(payload)));
  co_return r.as_integer();
}

Awaitable<std::string> RedisClient::xadd(std::string key, std::vector<std::pair<std::string, std::string>> fields,
                                         std::optional<std::size_t> maxlen_approx, std::string id) {
  if (fields.empty()) throw core::Error("redis_bad_argument", "XADD " + key + ": no fields");
  std::vector<std::string> argv = argv_of("XADD", std::move(key));
  if (maxlen_approx) append(argv, argv_of("MAXLEN", "~", std::to_string(*maxlen_approx)));
  argv.push_back(std::move(id));
  for (auto& [f, v] : fields) {
    argv.push_back(std::move(f));
    argv.push_back(std::move(v));
  }
  const Reply r = co_await checked(std::move(argv));
  co_return string_of(r, "XADD");
}

Awaitable<std::vector<StreamEntry>> RedisClient::xrange(std::string key, std::string start, std::string end,
                                                        std::optional<std::size_t> count) {
  std::vector<std::string> argv = argv_of("XRANGE", std::move(key), std::move(start), std::move(end));
  if (count) append(argv, argv_of("COUNT", std::to_string(*count)));
  const Reply r = co_await checked(std::move(argv));
  co_return parse_entries(r, "XRANGE");
}

Awaitable<std::vector<StreamEntry>> RedisClient::xrevrange(std::string key, std::string end, std::string start,
                                                           std::optional<std::size_t> count) {
  std::vector<std::string> argv = argv_of("XREVRANGE", std::move(key), std::move(end), std::move(start));
  if (count) append(argv, argv_of("COUNT", std::to_string(*count)));
  const Reply r = co_await checked(std::move(argv));
  co_return parse_entries(r, "XREVRANGE");
}

Awaitable<std::vector<StreamEntry>> RedisClient::xread(std::string key, std::string after_id, XReadOptions options) {
  std::vector<std::pair<std::string, std::string>> streams;
  streams.emplace_back(std::move(key), std::move(after_id));
  auto batches = co_await xread_streams(std::move(streams), options);
  if (batches.empty()) co_return std::vector<StreamEntry>{};
  co_return std::move(batches.front().entries);
}

Awaitable<std::vector<StreamBatch>> RedisClient::xread_streams(
    std::vector<std::pair<std::string, std::string>> key_and_after_id, XReadOptions options) {
  if (key_and_after_id.empty()) throw core::Error("redis_bad_argument", "XREAD: no streams");
  std::vector<std::string> argv = argv_of("XREAD");
  if (options.count) append(argv, argv_of("COUNT", std::to_string(*options.count)));
  if (options.block) {
    if (options.block->count() <= 0)
      throw core::Error("redis_bad_argument", "XREAD: block must be positive (0 would wait forever)");
    append(argv, argv_of("BLOCK", std::to_string(options.block->count())));
  }
  argv.push_back(std::string("STREAMS"));
  for (const auto& [k, id] : key_and_after_id) argv.push_back(k);
  for (auto& [k, id] : key_and_after_id) argv.push_back(std::move(id));

  Reply r;
  if (options.block)
    r = co_await blocking_command(std::move(argv), *options.block);
  else
    r = co_await command(std::move(argv));
  if (r.is_error()) throw core::Error("redis_error", r.str);
  std::vector<StreamBatch> out;
  if (r.is_nil()) co_return out;  // nothing new before the block timeout
  for (const auto& s : array_of(r, "XREAD")) {
    const auto& parts = array_of(s, "XREAD");
    if (parts.size() != 2) bad_shape("XREAD", "a stream is not [key, entries]");
    out.push_back({string_of(parts[0], "XREAD"), parse_entries(parts[1], "XREAD")});
  }
  co_return out;
}

}  // namespace ms::bus
