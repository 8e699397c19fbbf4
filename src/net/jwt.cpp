#include "net/jwt.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/base64url.hpp"
#include "core/error.hpp"

namespace ms::net {
namespace {

// Far above any session or SSO token; stops a hostile header from costing real work.
constexpr std::size_t kMaxTokenBytes = 16 * 1024;

struct JwtDeleter {
  void operator()(jwt_t* jwt) const noexcept { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

// libjwt hands out malloc'd strings that must go back through free().
struct FreeDeleter {
  void operator()(char* text) const noexcept { std::free(text); }
};
using CString = std::unique_ptr<char, FreeDeleter>;


std::optional<nlohmann::json> decode_json_object(std::string_view part) {
  auto raw = core::base64url_decode(part);
  if (!raw) return std::nullopt;
  auto parsed = nlohmann::json::parse(*raw, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return std::nullopt;
  return parsed;
}

// The expected signature computed here and compared in constant time, so a forger learns nothing
// from timing; libjwt then decodes only tokens already known to be genuine.
bool signature_matches(std::string_view signing_input, std::string_view signature,
                       std::string_view secret) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
           &mac_len) == nullptr) {
    return false;
  }
  const std::string expected = core::base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
  if (expected.size() != signature.size()) return false;
  return CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
}

JwtVerifyResult refuse(JwtError error, std::string detail) {
  JwtVerifyResult result;
  result.error = error;
  result.detail = std::move(detail);
  return result;
}

// NumericDate claims may legally carry fractions; only whole seconds matter here.
std::optional<std::int64_t> numeric_date(const nlohmann::json& value) {
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (!std::isfinite(d) || std::fabs(d) > 9.0e15) return std::nullopt;
    return static_cast<std::int64_t>(std::floor(d));
  }
  return std::nullopt;
}

void require_secret(std::string_view secret) {
  if (secret.empty()) throw core::Error("jwt_bad_secret", "JWT secret is empty");
}

}  // namespace

std::string_view to_string(JwtError error) noexcept {
  switch (error) {
    case JwtError::bad_token: return "bad_token";
    case JwtError::wrong_algorithm: return "wrong_algorithm";
    case JwtError::bad_signature: return "bad_signature";
    case JwtError::expired: return "expired";
    case JwtError::missing_exp: return "missing_exp";
    case JwtError::not_yet_valid: return "not_yet_valid";
  }
  return "bad_token";
}

std::string jwt_sign_hs256(const nlohmann::json& claims, std::string_view secret) {
  require_secret(secret);
  if (!claims.is_object()) throw core::Error("jwt_bad_claims", "JWT claims must be a JSON object");
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0 || raw == nullptr) throw core::Error("jwt_sign_failed", "jwt_new failed");
  JwtPtr jwt(raw);
  if (!claims.empty() && jwt_add_grants_json(jwt.get(), claims.dump().c_str()) != 0) {
    throw core::Error("jwt_sign_failed", "libjwt refused the claims");
  }
  if (jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size())) != 0) {
    throw core::Error("jwt_sign_failed", "libjwt refused the HS256 key");
  }
  CString token(jwt_encode_str(jwt.get()));
  if (!token) throw core::Error("jwt_sign_failed", "jwt_encode_str failed");
  return std::string(token.get());
}

JwtVerifyResult jwt_verify_hs256(std::string_view token, std::string_view secret,
                                 const JwtVerifyOptions& options) {
  require_secret(secret);
  if (token.empty()) return refuse(JwtError::bad_token, "token is empty");
  if (token.size() > kMaxTokenBytes) return refuse(JwtError::bad_token, "token is too long");

  const auto first_dot = token.find('.');
  const auto second_dot = first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) {
    return refuse(JwtError::bad_token, "token does not have three dot-separated parts");
  }
  const auto header_part = token.substr(0, first_dot);
  const auto payload_part = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const auto signature_part = token.substr(second_dot + 1);

  const auto header = decode_json_object(header_part);
  if (!header) return refuse(JwtError::bad_token, "token header is not a base64url JSON object");
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) {
    return refuse(JwtError::wrong_algorithm, "token header has no alg");
  }
  if (alg->get<std::string>() != "HS256") {
    return refuse(JwtError::wrong_algorithm, "token algorithm is not HS256");
  }
  if (!decode_json_object(payload_part)) {
    return refuse(JwtError::bad_token, "token payload is not a base64url JSON object");
  }
  if (!signature_matches(token.substr(0, second_dot), signature_part, secret)) {
    return refuse(JwtError::bad_signature, "token signature does not match");
  }

  const std::string token_z(token);
  jwt_t* raw = nullptr;
  const int rc = jwt_decode(&raw, token_z.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                            static_cast<int>(secret.size()));
  JwtPtr jwt(raw);
  if (rc != 0 || !jwt) return refuse(JwtError::bad_token, "libjwt could not decode the token");
  // Pinned again on libjwt's own reading so no header trick can slip another algorithm past.
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) {
    return refuse(JwtError::wrong_algorithm, "token algorithm is not HS256");
  }
  CString grants(jwt_get_grants_json(jwt.get(), nullptr));
  if (!grants) return refuse(JwtError::bad_token, "token has no claims");
  auto claims = nlohmann::json::parse(grants.get(), nullptr, false);
  if (!claims.is_object()) return refuse(JwtError::bad_token, "token claims are not a JSON object");

  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       (options.clock ? options.clock() : std::chrono::system_clock::now()).time_since_epoch())
                       .count();
  const auto skew = options.skew.count();

  const auto exp_it = claims.find("exp");
  if (exp_it == claims.end()) return refuse(JwtError::missing_exp, "token has no exp claim");
  const auto exp = numeric_date(*exp_it);
  if (!exp) return refuse(JwtError::bad_token, "token exp is not a number");
  if (now >= *exp + skew) return refuse(JwtError::expired, "token expired");

  for (const char* name : {"nbf", "iat"}) {
    const auto it = claims.find(name);
    if (it == claims.end()) continue;
    const auto when = numeric_date(*it);
    if (!when) return refuse(JwtError::bad_token, std::string("token ") + name + " is not a number");
    if (now + skew < *when) {
      return refuse(JwtError::not_yet_valid, std::string("token ") + name + " lies in the future");
    }
  }

  JwtVerifyResult result;
  result.claims = std::move(claims);
  return result;
}

}  // namespace ms::net
