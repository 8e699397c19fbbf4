#pragma once
// Outbound HTTP(S) on libcurl: the market-data vendor's REST API, local services, AI providers.
//
// perform() blocks; async_perform() runs the same call on a small thread pool owned by the client
// and resumes the awaiting coroutine on its own executor, so an I/O thread never blocks on the
// network. Connections are kept alive and reused between calls of one client.
//
// Failures without an HTTP answer throw core::Error with one of these codes:
//   http_bad_request   the request itself is unusable (URL, method, header, timeout)
//   http_unreachable   refused, DNS failure, reset, nothing received
//   http_timeout       connect or total timeout
//   http_tls_error     certificate or TLS handshake failure
//   http_response_too_large, http_cancelled (client shutting down), http_failed (anything else)
// Messages name the method and the URL with secrets redacted (redact_url); an HTTP status, even
// 500, is a Response, not an exception.
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

namespace ms::net {

class HttpClient {
 public:
  // Header fields in order, looked up case-insensitively; repeated names are kept (Set-Cookie).
  class Headers {
   public:
    Headers() = default;
    Headers(std::initializer_list<std::pair<std::string, std::string>> fields) : fields_(fields) {}

    void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
    // Replaces every field of that name by one.
    void set(std::string name, std::string value);
    std::optional<std::string> get(std::string_view name) const;  // the first one
    std::vector<std::string> get_all(std::string_view name) const;
    bool contains(std::string_view name) const { return get(name).has_value(); }
    void remove(std::string_view name);
    std::size_t size() const noexcept { return fields_.size(); }
    auto begin() const noexcept { return fields_.begin(); }
    auto end() const noexcept { return fields_.end(); }

   private:
    std::vector<std::pair<std::string, std::string>> fields_;
  };

  struct Request {
    std::string method = "GET";
    std::string url;
    Headers headers;
    std::string body;
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds total_timeout{30000};
  };

  struct Response {
    int status = 0;
    Headers headers;
    std::string body;

    bool ok() const noexcept { return status >= 200 && status < 300; }
    // Parses the body; throws core::Error("http_bad_json") naming the status when it is not JSON.
    nlohmann::json json() const;
  };

  struct Options {
    std::size_t threads = 2;                             // async_perform pool size
    std::string user_agent = "marketswarm/0.1";
    std::string ca_file;                                 // extra CA bundle; empty = system store
    std::size_t max_response_bytes = 64 * 1024 * 1024;
  };

  HttpClient();
  explicit HttpClient(Options options);
  // Aborts transfers still running (they end with http_cancelled) and joins the pool.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Blocking; safe to call from several threads at once.
  Response perform(const Request& request);
  // Runs perform() on the client's pool; resumes on the awaiting coroutine's executor.
  boost::asio::awaitable<Response> async_perform(Request request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);
// "a=1&b=x%20y" from ordered pairs.
std::string build_query(const std::vector<std::pair<std::string, std::string>>& params);
// Appends params to url with '?' or '&'.
std::string with_query(std::string url, const std::vector<std::pair<std::string, std::string>>& params);
// The URL with credentials hidden: userinfo, and the values of query parameters such as apiKey,
// api_key, key, token, access_token, secret, password, sig, signature, sso.
std::string redact_url(std::string_view url);

// A request with a JSON body and JSON Content-Type/Accept headers.
HttpClient::Request json_request(std::string method, std::string url, const nlohmann::json& body);

// Retries with exponential backoff on 429, 5xx (but 501/505), http_timeout and, unless turned off,
// http_unreachable. Retry-After (seconds or HTTP-date) is honoured as a minimum delay; when it asks
// for more than max_retry_after the last response is returned instead of waiting.
// The caller decides whether a request is safe to repeat (e.g. a POST to a non-idempotent route).
struct RetryPolicy {
  int max_attempts = 3;
  std::chrono::milliseconds base_delay{200};
  double multiplier = 2.0;
  std::chrono::milliseconds max_delay{10000};
  std::chrono::milliseconds max_retry_after{60000};
  bool retry_unreachable = true;
  // Wall clock for HTTP-date Retry-After values; system clock when empty.
  std::function<std::chrono::system_clock::time_point()> clock;
};

// The delay before attempt `attempt + 1` (attempt counts from 1) after this outcome, or nullopt
// when the outcome is final. Exactly one of response / error_code is given.
std::optional<std::chrono::milliseconds> retry_delay(const RetryPolicy& policy, int attempt,
                                                     const HttpClient::Response* response,
                                                     const std::string* error_code);
// Parses a Retry-After value; nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

using RetrySleep = std::function<void(std::chrono::milliseconds)>;
using AsyncRetrySleep = std::function<boost::asio::awaitable<void>(std::chrono::milliseconds)>;

// sleep defaults to std::this_thread::sleep_for; tests inject a recorder.
HttpClient::Response perform_with_retry(HttpClient& client, const HttpClient::Request& request,
                                        const RetryPolicy& policy, const RetrySleep& sleep = {});
// sleep defaults to a steady_timer on the awaiting coroutine's executor.
boost::asio::awaitable<HttpClient::Response> async_perform_with_retry(HttpClient& client,
                                                                      HttpClient::Request request,
                                                                      RetryPolicy policy,
                                                                      AsyncRetrySleep sleep = {});

}  // namespace ms::net
