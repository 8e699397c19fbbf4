#pragma once
// The app session: an HS256 JWT in the `ms_session` cookie, issued by the gateway after SSO and
// verified by every service (gateway, journal, copilot) with the shared session secret.
//
// Token payload (all times epoch seconds except iat_ms):
//   {"typ":"ms_session", "uid":42, "iat":..., "iat_ms":..., "exp":...,
//    "wp":{"issuer":"fotw","id":"123","email":"..","name":"..","roles":[..]},
//    "tier":"activator", "is_admin":false}
// `typ` marks the token as an app session: a WordPress SSO token (no typ) is never a session,
// and an SSO verifier must refuse any token carrying typ "ms_session" (is_session_payload).
//
// Logout revocation: `sse:session_cutoff:{uid}` holds an epoch-MILLISECONDS cutoff; a session whose
// iat_ms is at or before it is revoked. Milliseconds, so logging out and back in within the same
// second still yields a valid new session.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/jwt.hpp"

namespace ms::net {

inline constexpr std::string_view kSessionKind = "ms_session";
inline constexpr std::string_view kSessionCookieName = "ms_session";

struct SessionClaims {
  std::int64_t uid = 0;            // users.id
  std::string wp_user_id;          // WordPress user id (the SSO `sub`), as a string
  std::string issuer;              // SSO issuer: "fotw", "0-dte", "dev"
  std::string email;
  std::string display_name;
  std::vector<std::string> roles;
  bool is_admin = false;
  std::string tier;                // resolved tier name; may be empty
  std::int64_t iat = 0;            // epoch seconds; set by issue_session
  std::int64_t iat_ms = 0;         // epoch milliseconds; set by issue_session, compared to the cutoff
  std::int64_t exp = 0;            // epoch seconds; set by issue_session
  std::string kind{kSessionKind};  // always "ms_session" for a session

  bool operator==(const SessionClaims&) const = default;
};

enum class SessionError {
  bad_token,
  wrong_algorithm,
  bad_signature,
  expired,
  missing_exp,
  not_yet_valid,
  wrong_kind,       // a valid JWT that is not an app session (e.g. an SSO token)
  bad_claims,       // a session JWT whose claims are missing or mistyped
  session_revoked,  // issued at or before the user's logout cutoff
};

std::string_view to_string(SessionError error) noexcept;

struct SessionVerifyResult {
  std::optional<SessionClaims> claims;
  std::optional<SessionError> error;
  std::string detail;  // for logs; never contains the token or the secret

  bool ok() const noexcept { return claims.has_value(); }
  std::string_view code() const noexcept { return error ? to_string(*error) : std::string_view{}; }
};

// Returns the user's logout cutoff in epoch MILLISECONDS, or nullopt when there is none.
// Exceptions it throws propagate out of verify_session (the caller answers 503, not 401).
using SessionCutoffLookup = std::function<std::optional<std::int64_t>(std::int64_t uid)>;

struct SessionOptions {
  JwtClock clock;                 // system clock when empty
  std::chrono::seconds skew{0};   // sessions are ours: no tolerance by default
};

// Signs a session for `claims` valid for `ttl`; iat, iat_ms and exp are taken from the clock.
// Throws core::Error("session_bad_claims") for uid <= 0, a kind other than ms_session or ttl <= 0,
// and the jwt_* errors of jwt_sign_hs256 (empty secret).
std::string issue_session(const SessionClaims& claims, std::string_view secret, std::chrono::seconds ttl,
                          const SessionOptions& options = {});

// Verifies signature (HS256 only), expiry, kind and claims, then asks `cutoff_lookup` (may be
// empty: no revocation check) whether the user logged out after this session was issued.
SessionVerifyResult verify_session(std::string_view token, std::string_view secret,
                                   const SessionCutoffLookup& cutoff_lookup, const SessionOptions& options = {});

// The claims as JSON (the token payload shape above), e.g. for GET /api/auth/me.
nlohmann::json session_claims_to_json(const SessionClaims& claims);

// True when a verified JWT payload is an app session; SSO verifiers refuse such tokens.
bool is_session_payload(const nlohmann::json& payload);

// The value of cookie `name` in a Cookie request header (first occurrence; surrounding double
// quotes removed). nullopt when absent or empty.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);
inline std::optional<std::string> session_cookie(std::string_view cookie_header) {
  return cookie_value(cookie_header, kSessionCookieName);
}

// Set-Cookie values. `secure` comes from configuration, never from request headers.
// Throws core::Error("session_bad_cookie_value") when the token holds characters a cookie cannot.
std::string session_set_cookie(std::string_view token, std::chrono::seconds max_age, bool secure);
std::string session_clear_cookie(bool secure);

}  // namespace ms::net
