#include "net/error_response.hpp"

#include <string>

#include <spdlog/spdlog.h>

namespace ms::net {

namespace {

// nlohmann's messages start with "[json.exception.type_error.302] "; the client needs the rest.
std::string strip_json_prefix(std::string_view s) {
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find("] ");
    if (close != std::string_view::npos) s.remove_prefix(close + 2);
  }
  return std::string(s);
}

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A dependency that is down, slow or saturated: the request may succeed if retried.
bool is_transient(std::string_view code) noexcept {
  return code == "unavailable" || ends_with(code, "_unavailable") || ends_with(code, "_timeout") ||
         ends_with(code, "_busy");
}

Response server_error(int status, std::string_view code, std::string_view request_id) {
  std::string message = status == 503 ? "temporarily unavailable; retry in " + std::to_string(kRetryAfterSeconds) + " s"
                                      : std::string("internal server error");
  nlohmann::json extras = nlohmann::json::object();
  if (!request_id.empty()) {
    message += " (request id " + std::string(request_id) + ")";
    extras["request_id"] = request_id;
  }
  Response res = Response::error(status, code, message, std::nullopt, extras);
  if (status == 503) res.headers.set("Retry-After", std::to_string(kRetryAfterSeconds));
  return res;
}

// What the log line says about an exception: its code (when it has one) and what().
struct Details {
  std::string code;
  std::string what;
};

Details details_of(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const core::Error& e) {
    return {e.code(), e.what()};
  } catch (const std::exception& e) {
    return {"", e.what()};
  } catch (...) {
    return {"", "non-standard exception"};
  }
}

}  // namespace

int status_for_error_code(std::string_view code) noexcept {
  struct Entry {
    std::string_view code;
    int status;
  };
  // The caller's fault: the message is written for the caller and stays in the body. A code
  // not listed here is the server's problem (500), so a new caller-fault code must be added
  // here or thrown as HttpError.
  static constexpr Entry kTable[] = {
      {"bad_request", 400},           {"invalid_request", 400},
      {"missing_path_param", 400},    {"bad_symbol", 400},
      {"bad_date", 400},              {"bad_money", 400},
      {"money_out_of_range", 400},    {"bad_option_ticker", 400},
      {"unauthorized", 401},          {"forbidden", 403},
      {"not_found", 404},             {"method_not_allowed", 405},
      {"conflict", 409},              {"gone", 410},
      {"precondition_failed", 412},   {"payload_too_large", 413},
      {"unsupported_media_type", 415}, {"unprocessable", 422},
      {"precondition_required", 428}, {"too_many_requests", 429},
  };
  for (const auto& e : kTable)
    if (e.code == code) return e.status;
  return is_transient(code) ? 503 : 500;
}

Response response_for_exception(std::exception_ptr error, std::string_view request_id) {
  try {
    std::rethrow_exception(error);
  } catch (const HttpError& e) {
    Response res = Response::error(e.status(), e.code(), e.what(), e.field(), e.extras());
    if (e.status() == 503 && !res.headers.has("Retry-After"))
      res.headers.set("Retry-After", std::to_string(kRetryAfterSeconds));
    return res;
  } catch (const core::Error& e) {
    const int status = status_for_error_code(e.code());
    if (status == 503) return server_error(503, e.code(), request_id);
    if (status >= 500) return server_error(500, "internal_error", request_id);
    return Response::error(status, e.code(), e.what());
  } catch (const nlohmann::json::exception& e) {
    return Response::error(400, "invalid_request", strip_json_prefix(e.what()));
  } catch (...) {
    return server_error(500, "internal_error", request_id);
  }
}

Response error_response(std::exception_ptr error, const Request& req) {
  Response res = response_for_exception(error, req.request_id);
  const Details d = details_of(error);
  const std::string_view route = req.route_pattern.empty() ? std::string_view(req.path) : req.route_pattern;
  const auto level = res.status == 503   ? spdlog::level::warn
                     : res.status >= 500 ? spdlog::level::err
                                         : spdlog::level::debug;
  spdlog::log(level, "{} {} answered {} (rid={}): {}{}{}", req.method, route, res.status, req.request_id, d.code,
              d.code.empty() ? "" : ": ", d.what);
  return res;
}

std::string public_failure(const std::exception& e) {
  if (const auto* ce = dynamic_cast<const core::Error*>(&e)) return ce->code();
  return "check_failed";
}

}  // namespace ms::net
