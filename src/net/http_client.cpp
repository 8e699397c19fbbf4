#include "net/http_client.hpp"
#include "net/url.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <thread>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <curl/curl.h>

#include "core/error.hpp"

namespace ms::net {
namespace {

namespace asio = boost::asio;

bool ci_equal(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// RFC 9110 token characters: what a method or a header name may consist of.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool has_control_chars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7F;
  });
}

bool is_sensitive_param(std::string_view name) {
  static constexpr std::string_view kNames[] = {"apikey", "api_key", "key",       "token", "access_token",
                                                "secret", "password", "signature", "sig",   "sso"};
  const auto l = ascii_lower(name);
  return std::find(std::begin(kNames), std::end(kNames), l) != std::end(kNames);
}

bool is_sensitive_header(std::string_view name) {
  static constexpr std::string_view kNames[] = {"authorization", "proxy-authorization", "x-api-key", "api-key",
                                                "x-internal-token", "cookie"};
  const auto l = ascii_lower(name);
  return std::find(std::begin(kNames), std::end(kNames), l) != std::end(kNames);
}

// Secret values that must never reach a message, even through curl's own error text.
std::vector<std::string> secrets_of(const HttpClient::Request& request) {
  std::vector<std::string> secrets;
  auto remember = [&](std::string_view value) {
    value = trim(value);
    if (value.size() >= 4) secrets.emplace_back(value);
    if (const auto space = value.rfind(' '); space != std::string_view::npos && value.size() - space > 4) {
      secrets.emplace_back(value.substr(space + 1));  // the credential after "Bearer "
    }
  };
  for (const auto& [name, value] : request.headers) {
    if (is_sensitive_header(name)) remember(value);
  }
  std::string_view url(request.url);
  if (const auto q = url.find('?'); q != std::string_view::npos) {
    auto query = url.substr(q + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty()) {
      const auto amp = query.find('&');
      const auto pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && is_sensitive_param(pair.substr(0, eq))) remember(pair.substr(eq + 1));
    }
  }
  return secrets;
}

std::string scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3)) {
      text.replace(pos, secret.size(), "***");
    }
  }
  return text;
}

std::once_flag g_curl_init;

struct TransferState {
  HttpClient::Response response;
  std::size_t max_bytes = 0;
  bool too_large = false;
  const std::atomic<bool>* stopping = nullptr;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  const std::size_t n = size * count;
  if (state->response.body.size() + n > state->max_bytes) {
    state->too_large = true;
    return 0;  // curl aborts with CURLE_WRITE_ERROR
  }
  state->response.body.append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after 100 Continue or a redirect): only the last block counts.
    state->response.headers = {};
    return n;
  }
  const auto content = trim(line);
  if (content.empty()) return n;
  const auto colon = content.find(':');
  if (colon == std::string_view::npos) return n;
  state->response.headers.add(std::string(trim(content.substr(0, colon))),
                              std::string(trim(content.substr(colon + 1))));
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* state = static_cast<TransferState*>(user);
  return state->stopping->load() ? 1 : 0;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};

void validate(const HttpClient::Request& r) {
  const auto where = r.method + " " + redact_url(r.url);
  if (!is_token(r.method)) throw core::Error("http_bad_request", "invalid HTTP method in request to " + redact_url(r.url));
  const auto scheme_end = r.url.find("://");
  if (r.url.empty() || scheme_end == std::string::npos ||
      !(ci_equal(std::string_view(r.url).substr(0, scheme_end), "http") ||
        ci_equal(std::string_view(r.url).substr(0, scheme_end), "https"))) {
    throw core::Error("http_bad_request", where + ": URL must be http:// or https://");
  }
  if (has_control_chars(r.url) || r.url.find(' ') != std::string::npos) {
    throw core::Error("http_bad_request", where + ": URL holds spaces or control characters");
  }
  if (r.connect_timeout.count() <= 0 || r.total_timeout.count() <= 0) {
    throw core::Error("http_bad_request", where + ": timeouts must be positive");
  }
  for (const auto& [name, value] : r.headers) {
    if (!is_token(name)) throw core::Error("http_bad_request", where + ": invalid header name '" + name + "'");
    if (has_control_chars(value)) {
      throw core::Error("http_bad_request", where + ": header " + name + " holds control characters");
    }
  }
}

std::string no_proxy_list() {
  // Loopback never goes through a proxy, whatever the environment says; the user's NO_PROXY stays.
  std::string list = "localhost,127.0.0.1,::1";
  for (const char* name : {"NO_PROXY", "no_proxy"}) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') {
      list += ",";
      list += value;
      break;
    }
  }
  return list;
}

}  // namespace

// ---- Headers ---------------------------------------------------------------------------------

void HttpClient::Headers::set(std::string name, std::string value) {
  remove(name);
  add(std::move(name), std::move(value));
}

std::optional<std::string> HttpClient::Headers::get(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (ci_equal(n, name)) return v;
  }
  return std::nullopt;
}

std::vector<std::string> HttpClient::Headers::get_all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : fields_) {
    if (ci_equal(n, name)) out.push_back(v);
  }
  return out;
}

void HttpClient::Headers::remove(std::string_view name) {
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(), [&](const auto& f) { return ci_equal(f.first, name); }),
                fields_.end());
}

nlohmann::json HttpClient::Response::json() const {
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    throw core::Error("http_bad_json", "response body (status " + std::to_string(status) + ", " +
                                           std::to_string(body.size()) + " bytes) is not JSON");
  }
  return parsed;
}

// ---- Client ----------------------------------------------------------------------------------

struct HttpClient::Impl {
  explicit Impl(Options o) : options(std::move(o)), pool(std::max<std::size_t>(1, options.threads)) {}

  ~Impl() {
    for (CURL* handle : idle) curl_easy_cleanup(handle);
  }

  // Each thread needs its own easy handle; returned handles keep their live connections, so the
  // next request to the same host skips the TCP and TLS handshakes.
  CURL* acquire() {
    {
      std::lock_guard lock(mutex);
      if (!idle.empty()) {
        CURL* handle = idle.back();
        idle.pop_back();
        curl_easy_reset(handle);
        return handle;
      }
    }
    CURL* handle = curl_easy_init();
    if (handle == nullptr) throw core::Error("http_failed", "curl_easy_init failed");
    return handle;
  }

  void release(CURL* handle) {
    std::lock_guard lock(mutex);
    if (idle.size() < kMaxIdleHandles) {
      idle.push_back(handle);
      return;
    }
    curl_easy_cleanup(handle);
  }

  static constexpr std::size_t kMaxIdleHandles = 8;
  Options options;
  std::string no_proxy = no_proxy_list();
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::vector<CURL*> idle;
  asio::thread_pool pool;
};

HttpClient::HttpClient() : HttpClient(Options{}) {}

HttpClient::HttpClient(Options options) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  impl_ = std::make_unique<Impl>(std::move(options));
}

HttpClient::~HttpClient() {
  impl_->stopping = true;
  impl_->pool.join();
}

HttpClient::Response HttpClient::perform(const Request& request) {
  validate(request);
  const auto where = request.method + " " + redact_url(request.url);
  if (impl_->stopping) throw core::Error("http_cancelled", where + ": client is shutting down");

  CURL* handle = impl_->acquire();
  struct Releaser {
    Impl* impl;
    CURL* handle;
    ~Releaser() { impl->release(handle); }
  } releaser{impl_.get(), handle};

  TransferState state;
  state.max_bytes = impl_->options.max_response_bytes;
  state.stopping = &impl_->stopping;
  char error_buffer[CURL_ERROR_SIZE] = {0};

  std::unique_ptr<curl_slist, SlistDeleter> header_list;
  auto append_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(header_list.get(), line.c_str());
    if (next == nullptr) throw core::Error("http_failed", where + ": out of memory building headers");
    (void)header_list.release();
    header_list.reset(next);
  };
  for (const auto& [name, value] : request.headers) {
    // "Name;" is curl's way to send a header with an empty value.
    append_header(value.empty() ? name + ";" : name + ": " + value);
  }
  // 100-continue would stall every larger POST for a second on servers that ignore it.
  if (!request.headers.contains("Expect")) append_header("Expect:");

  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_USERAGENT, impl_->options.user_agent.c_str());
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &state);
  curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &state);
  curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(handle, CURLOPT_NOPROXY, impl_->no_proxy.c_str());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list.get());
  if (!impl_->options.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, impl_->options.ca_file.c_str());

  if (request.method == "GET" && request.body.empty()) {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else {
    if (request.method != "POST") {
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.c_str());
    }
  }

  const CURLcode rc = curl_easy_perform(handle);
  if (rc != CURLE_OK) {
    const auto secrets = secrets_of(request);
    const std::string curl_text = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    const auto detail = scrub(" (" + curl_text + ")", secrets);
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        throw core::Error("http_timeout", where + ": timed out (connect timeout " +
                                              std::to_string(request.connect_timeout.count()) + " ms, total " +
                                              std::to_string(request.total_timeout.count()) + " ms)" + detail);
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_COULDNT_CONNECT:
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_GOT_NOTHING:
      case CURLE_PARTIAL_FILE:
        throw core::Error("http_unreachable", where + ": unreachable" + detail);
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CACERT_BADFILE:
        throw core::Error("http_tls_error", where + ": TLS failure" + detail);
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        throw core::Error("http_bad_request", where + ": bad URL" + detail);
      case CURLE_ABORTED_BY_CALLBACK:
        throw core::Error("http_cancelled", where + ": client is shutting down");
      case CURLE_WRITE_ERROR:
        if (state.too_large) {
          throw core::Error("http_response_too_large",
                            where + ": response exceeds " + std::to_string(state.max_bytes) + " bytes");
        }
        [[fallthrough]];
      default:
        throw core::Error("http_failed", where + ": transfer failed" + detail);
    }
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  state.response.status = static_cast<int>(status);
  return std::move(state.response);
}

asio::awaitable<HttpClient::Response> HttpClient::async_perform(Request request) {
  // Not a coroutine and no co_spawn(use_awaitable): with g++ 12 and Boost 1.74 both paths
  // double-destroy captured state (closure temporaries in co_await expressions; co_spawn onto
  // another executor). A capture-less initiation plus plain callbacks is what works.
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, Response)>(
      [](auto handler, HttpClient* client, Request request) {
        // The caller's executor must stay alive (and resume us) while a pool thread blocks on curl.
        auto caller = asio::prefer(asio::get_associated_executor(handler), asio::execution::outstanding_work.tracked);
        asio::post(client->impl_->pool, [client, handler = std::move(handler), caller = std::move(caller),
                                         request = std::move(request)]() mutable {
          std::exception_ptr failure;
          Response response;
          try {
            response = client->perform(request);
          } catch (...) {
            failure = std::current_exception();
          }
          asio::post(caller, [handler = std::move(handler), failure, response = std::move(response)]() mutable {
            std::move(handler)(failure, std::move(response));
          });
        });
      },
      asio::use_awaitable, this, std::move(request));
}

// ---- URL helpers -----------------------------------------------------------------------------

std::string url_encode(std::string_view text) { return percent_encode(text); }

std::string build_query(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += url_encode(name);
    out.push_back('=');
    out += url_encode(value);
  }
  return out;
}

std::string with_query(std::string url, const std::vector<std::pair<std::string, std::string>>& params) {
  if (params.empty()) return url;
  const auto hash = url.find('#');
  std::string fragment;
  if (hash != std::string::npos) {
    fragment = url.substr(hash);
    url.resize(hash);
  }
  const auto q = url.find('?');
  if (q == std::string::npos) {
    url.push_back('?');
  } else if (q + 1 != url.size() && url.back() != '&') {
    url.push_back('&');
  }
  return url + build_query(params) + fragment;
}

std::string redact_url(std::string_view url) {
  std::string out;
  const auto scheme_end = url.find("://");
  std::string_view rest = url;
  if (scheme_end != std::string_view::npos) {
    out.append(url.substr(0, scheme_end + 3));
    rest = url.substr(scheme_end + 3);
    const auto authority_end = rest.find_first_of("/?#");
    const auto authority = rest.substr(0, authority_end);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
      out.append("***@");
      out.append(authority.substr(at + 1));
    } else {
      out.append(authority);
    }
    rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  }
  const auto q = rest.find('?');
  if (q == std::string_view::npos) {
    out.append(rest);
    return out;
  }
  out.append(rest.substr(0, q + 1));
  const auto hash = rest.find('#', q);
  auto query = rest.substr(q + 1, hash == std::string_view::npos ? std::string_view::npos : hash - q - 1);
  bool first = true;
  while (true) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    if (!first) out.push_back('&');
    first = false;
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && is_sensitive_param(pair.substr(0, eq))) {
      out.append(pair.substr(0, eq + 1));
      out.append("***");
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  if (hash != std::string_view::npos) out.append(rest.substr(hash));
  return out;
}

HttpClient::Request json_request(std::string method, std::string url, const nlohmann::json& body) {
  HttpClient::Request request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.body = body.dump();
  request.headers.set("Content-Type", "application/json");
  request.headers.set("Accept", "application/json");
  return request;
}

// ---- Retry -----------------------------------------------------------------------------------

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return std::chrono::milliseconds(std::chrono::hours(24 * 365));  // absurd: "very long"
    return std::chrono::milliseconds(std::stoll(std::string(value)) * 1000);
  }
  std::tm tm{};
  const std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (when <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
}

std::optional<std::chrono::milliseconds> retry_delay(const RetryPolicy& policy, int attempt,
                                                     const HttpClient::Response* response,
                                                     const std::string* error_code) {
  if (attempt >= policy.max_attempts) return std::nullopt;
  if (response != nullptr) {
    const int s = response->status;
    const bool retryable = s == 429 || (s >= 500 && s <= 599 && s != 501 && s != 505);
    if (!retryable) return std::nullopt;
  } else if (error_code != nullptr) {
    const bool retryable = *error_code == "http_timeout" || (policy.retry_unreachable && *error_code == "http_unreachable");
    if (!retryable) return std::nullopt;
  } else {
    return std::nullopt;
  }
  const double factor = std::pow(std::max(1.0, policy.multiplier), attempt - 1);
  const double backoff_ms = std::min(static_cast<double>(policy.max_delay.count()),
                                     static_cast<double>(policy.base_delay.count()) * factor);
  auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(std::max(0.0, backoff_ms)));
  if (response != nullptr) {
    if (const auto header = response->headers.get("Retry-After")) {
      const auto now = policy.clock ? policy.clock() : std::chrono::system_clock::now();
      if (const auto asked = parse_retry_after(*header, now)) {
        if (*asked > policy.max_retry_after) return std::nullopt;
        delay = std::max(delay, *asked);
      }
    }
  }
  return delay;
}

HttpClient::Response perform_with_retry(HttpClient& client, const HttpClient::Request& request,
                                        const RetryPolicy& policy, const RetrySleep& sleep) {
  for (int attempt = 1;; ++attempt) {
    std::optional<HttpClient::Response> response;
    std::exception_ptr failure;
    std::string code;
    try {
      response = client.perform(request);
    } catch (const core::Error& e) {
      failure = std::current_exception();
      code = e.code();
    }
    const auto delay = retry_delay(policy, attempt, response ? &*response : nullptr, failure ? &code : nullptr);
    if (!delay) {
      if (failure) std::rethrow_exception(failure);
      return std::move(*response);
    }
    if (sleep) {
      sleep(*delay);
    } else {
      std::this_thread::sleep_for(*delay);
    }
  }
}

asio::awaitable<HttpClient::Response> async_perform_with_retry(HttpClient& client, HttpClient::Request request,
                                                               RetryPolicy policy, AsyncRetrySleep sleep) {
  for (int attempt = 1;; ++attempt) {
    std::optional<HttpClient::Response> response;
    std::exception_ptr failure;
    std::string code;
    try {
      response = co_await client.async_perform(request);
    } catch (const core::Error& e) {
      failure = std::current_exception();
      code = e.code();
    }
    const auto delay = retry_delay(policy, attempt, response ? &*response : nullptr, failure ? &code : nullptr);
    if (!delay) {
      if (failure) std::rethrow_exception(failure);
      co_return std::move(*response);
    }
    if (sleep) {
      co_await sleep(*delay);
    } else {
      asio::steady_timer timer(co_await asio::this_coro::executor, *delay);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
}

}  // namespace ms::net
