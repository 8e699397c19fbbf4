#pragma once
// HS256 JSON Web Tokens on libjwt 1.10. Only HS256 is ever produced or accepted: a token whose
// header names any other algorithm (none, HS512, RS256, ...) is refused before its signature is
// looked at, and `exp` is mandatory.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ms::net {

using JwtClock = std::function<std::chrono::system_clock::time_point()>;

enum class JwtError {
  bad_token,        // not three base64url parts, or a part is not a JSON object, or a claim has the wrong type
  wrong_algorithm,  // header alg is not HS256
  bad_signature,    // HS256 signature does not match the secret
  expired,          // now >= exp + skew
  missing_exp,      // no exp claim
  not_yet_valid,    // nbf (or iat) lies more than skew in the future
};

// The stable snake_case code of an error ("bad_token", "wrong_algorithm", ...).
std::string_view to_string(JwtError error) noexcept;

struct JwtVerifyOptions {
  // Tolerated clock difference between issuer and verifier, applied to exp, nbf and iat.
  std::chrono::seconds skew{10};
  // Defaults to the system clock when empty.
  JwtClock clock;
};

struct JwtVerifyResult {
  nlohmann::json claims;          // the payload when ok(), else null
  std::optional<JwtError> error;  // set when the token was refused
  std::string detail;             // human explanation; never contains the secret or the token

  bool ok() const noexcept { return !error.has_value(); }
  std::string_view code() const noexcept { return error ? to_string(*error) : std::string_view{}; }
};

// Signs `claims` (a JSON object) with HS256. Throws core::Error("jwt_bad_secret") for an empty
// secret, core::Error("jwt_bad_claims") when claims is not an object, core::Error("jwt_sign_failed")
// when libjwt refuses.
std::string jwt_sign_hs256(const nlohmann::json& claims, std::string_view secret);

// Verifies signature, algorithm and time claims. Never throws for a bad token (the result says
// why); throws core::Error("jwt_bad_secret") for an empty secret, which is a configuration bug.
JwtVerifyResult jwt_verify_hs256(std::string_view token, std::string_view secret,
                                 const JwtVerifyOptions& options = {});

}  // namespace ms::net
