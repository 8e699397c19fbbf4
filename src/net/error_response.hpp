#pragma once
// The one place where an exception escaping a handler becomes an HTTP answer (DESIGN §9 body:
// {"success":false,"error":"<message>","code":"<snake_case>","field"?:…}).
//
// The rule is "the body tells the caller what the caller can act on; the log gets the rest":
//   - HttpError(status, code, message, field?)    → exactly that, it was written for the caller;
//   - core::Error with a caller-fault code (the table in status_for_error_code: bad input,
//     unauthorized, not_found, conflict, …)       → that 4xx with its message;
//   - core::Error whose code is `unavailable` or ends in `_unavailable`, `_timeout`, `_busy`
//                                                  → 503, Retry-After: kRetryAfterSeconds, a
//                                                    generic message, the code and request_id;
//   - nlohmann::json::exception (e.g. j.at("x"))  → 400 "invalid_request" naming the problem;
//   - anything else, including every other core::Error code
//                                                  → 500 "internal_error", a generic message
//                                                    and the request id.
// A 5xx body never carries what(): library messages hold host:port, URLs and driver text.
#include <exception>
#include <string_view>

#include "net/http.hpp"

namespace ms::net {

// Seconds a client is told to wait after a 503 for a dependency that is down, slow or busy:
// long enough for a Redis/DB reconnect (the bus retries within ~1 s), short enough for a UI.
inline constexpr int kRetryAfterSeconds = 2;

// The status for a core::Error code: the caller-fault table (4xx), 503 for the transient
// dependency codes above, 500 for every other code.
int status_for_error_code(std::string_view code) noexcept;

// The answer for an exception, without logging. `request_id` goes into 5xx bodies.
Response response_for_exception(std::exception_ptr error, std::string_view request_id = {});

// response_for_exception() plus one log line with the details the body leaves out (5xx at
// error/warn level with method, route, request id, code and what(); 4xx at debug).
Response error_response(std::exception_ptr error, const Request& req);

// What a readiness check or other ops body may say about a failure: the core::Error code (or
// "check_failed"), never what(). The caller logs what().
std::string public_failure(const std::exception& e);

}  // namespace ms::net
