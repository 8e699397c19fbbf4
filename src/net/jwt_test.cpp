#include "net/jwt.hpp"

#include <cstdlib>
#include <memory>

#include <gtest/gtest.h>
#include <jwt.h>

#include "core/error.hpp"

namespace ms::net {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

constexpr std::string_view kSecret = "test-secret-0123456789abcdef";
constexpr std::int64_t kNow = 1'760'000'000;

JwtClock fixed_clock(std::int64_t epoch_seconds) {
  return [epoch_seconds] { return system_clock::time_point(seconds(epoch_seconds)); };
}

JwtVerifyOptions at(std::int64_t epoch_seconds, seconds skew = seconds(10)) {
  JwtVerifyOptions options;
  options.clock = fixed_clock(epoch_seconds);
  options.skew = skew;
  return options;
}

std::string b64url(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

// A token with an arbitrary header, signed (if at all) by libjwt with another algorithm.
std::string sign_with(jwt_alg_t alg, const nlohmann::json& claims, std::string_view secret) {
  jwt_t* raw = nullptr;
  EXPECT_EQ(jwt_new(&raw), 0);
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> jwt(raw, jwt_free);
  EXPECT_EQ(jwt_add_grants_json(jwt.get(), claims.dump().c_str()), 0);
  EXPECT_EQ(jwt_set_alg(jwt.get(), alg, reinterpret_cast<const unsigned char*>(secret.data()),
                        static_cast<int>(secret.size())),
            0);
  char* encoded = jwt_encode_str(jwt.get());
  std::string token(encoded);
  std::free(encoded);
  return token;
}

nlohmann::json claims_expiring_at(std::int64_t exp) { return {{"sub", "7"}, {"exp", exp}, {"roles", {"a", "b"}}}; }

TEST(Jwt, RoundTripKeepsClaims) {
  const nlohmann::json claims = {{"sub", "42"}, {"exp", kNow + 60}, {"nested", {{"x", {1, 2, 3}}}}, {"big", 9007199254740993LL}};
  const auto token = jwt_sign_hs256(claims, kSecret);
  const auto result = jwt_verify_hs256(token, kSecret, at(kNow));
  ASSERT_TRUE(result.ok()) << result.detail;
  EXPECT_EQ(result.claims, claims);
  EXPECT_EQ(result.code(), "");
}

TEST(Jwt, WrongSecretIsBadSignature) {
  const auto token = jwt_sign_hs256(claims_expiring_at(kNow + 60), kSecret);
  const auto result = jwt_verify_hs256(token, "another-secret", at(kNow));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error, JwtError::bad_signature);
  EXPECT_EQ(result.code(), "bad_signature");
  EXPECT_TRUE(result.claims.is_null());
}

TEST(Jwt, TamperedPayloadIsBadSignature) {
  const auto token = jwt_sign_hs256(claims_expiring_at(kNow + 60), kSecret);
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  const auto forged_payload = b64url(R"({"sub":"1","exp":9999999999,"roles":["admin"]})");
  const auto forged = token.substr(0, dot1 + 1) + forged_payload + token.substr(dot2);
  EXPECT_EQ(jwt_verify_hs256(forged, kSecret, at(kNow)).error, JwtError::bad_signature);
}

TEST(Jwt, SignatureWithTrailingJunkIsBadSignature) {
  const auto token = jwt_sign_hs256(claims_expiring_at(kNow + 60), kSecret);
  EXPECT_EQ(jwt_verify_hs256(token + "A", kSecret, at(kNow)).error, JwtError::bad_signature);
  EXPECT_EQ(jwt_verify_hs256(token.substr(0, token.size() - 1), kSecret, at(kNow)).error, JwtError::bad_signature);
}

TEST(Jwt, AlgNoneIsRefused) {
  const auto header = b64url(R"({"alg":"none","typ":"JWT"})");
  const auto payload = b64url(claims_expiring_at(kNow + 60).dump());
  EXPECT_EQ(jwt_verify_hs256(header + "." + payload + ".", kSecret, at(kNow)).error, JwtError::wrong_algorithm);
  // Same with a genuine HS256 signature glued on: the header decides and is refused.
  const auto genuine = jwt_sign_hs256(claims_expiring_at(kNow + 60), kSecret);
  const auto sig = genuine.substr(genuine.rfind('.'));
  EXPECT_EQ(jwt_verify_hs256(header + "." + payload + sig, kSecret, at(kNow)).error, JwtError::wrong_algorithm);
}

TEST(Jwt, Hs512WithTheRightSecretIsStillRefused) {
  const auto token = sign_with(JWT_ALG_HS512, claims_expiring_at(kNow + 60), kSecret);
  const auto result = jwt_verify_hs256(token, kSecret, at(kNow));
  EXPECT_EQ(result.error, JwtError::wrong_algorithm);
  EXPECT_EQ(result.code(), "wrong_algorithm");
}

TEST(Jwt, HeaderWithoutAlgIsWrongAlgorithm) {
  const auto token = b64url(R"({"typ":"JWT"})") + "." + b64url(claims_expiring_at(kNow + 60).dump()) + ".abc";
  EXPECT_EQ(jwt_verify_hs256(token, kSecret, at(kNow)).error, JwtError::wrong_algorithm);
}

TEST(Jwt, ExpiredTokenIsRefused) {
  const auto token = jwt_sign_hs256(claims_expiring_at(kNow), kSecret);
  EXPECT_EQ(jwt_verify_hs256(token, kSecret, at(kNow + 11)).error, JwtError::expired);
  EXPECT_EQ(jwt_verify_hs256(token, kSecret, at(kNow, seconds(0))).error, JwtError::expired);  // exp is exclusive
  EXPECT_TRUE(jwt_verify_hs256(token, kSecret, at(kNow - 1, seconds(0))).ok());
}

TEST(Jwt, SkewToleratesSmallClockDifferences) {
  const auto token = jwt_sign_hs256(claims_expiring_at(kNow), kSecret);
  EXPECT_TRUE(jwt_verify_hs256(token, kSecret, at(kNow + 5, seconds(10))).ok());
  EXPECT_EQ(jwt_verify_hs256(token, kSecret, at(kNow + 5, seconds(2))).error, JwtError::expired);
}

TEST(Jwt, MissingExpIsRefused) {
  const auto token = jwt_sign_hs256({{"sub", "1"}, {"iat", kNow}}, kSecret);
  const auto result = jwt_verify_hs256(token, kSecret, at(kNow));
  EXPECT_EQ(result.error, JwtError::missing_exp);
  EXPECT_EQ(result.code(), "missing_exp");
}

TEST(Jwt, NonNumericExpIsBadToken) {
  const auto token = jwt_sign_hs256({{"exp", "tomorrow"}}, kSecret);
  EXPECT_EQ(jwt_verify_hs256(token, kSecret, at(kNow)).error, JwtError::bad_token);
}

TEST(Jwt, NotBeforeInTheFutureIsNotYetValid) {
  const auto token = jwt_sign_hs256({{"exp", kNow + 600}, {"nbf", kNow + 60}}, kSecret);
  EXPECT_EQ(jwt_verify_hs256(token, kSecret, at(kNow)).error, JwtError::not_yet_valid);
  EXPECT_TRUE(jwt_verify_hs256(token, kSecret, at(kNow + 55)).ok());  // within skew
}

TEST(Jwt, IssuedInTheFutureIsNotYetValid) {
  const auto token = jwt_sign_hs256({{"exp", kNow + 600}, {"iat", kNow + 120}}, kSecret);
  EXPECT_EQ(jwt_verify_hs256(token, kSecret, at(kNow)).error, JwtError::not_yet_valid);
}

TEST(Jwt, GarbageIsBadToken) {
  const std::string huge(20000, 'a');
  for (const std::string& token :
       {std::string(""), std::string("abc"), std::string("a.b"), std::string("a.b.c.d"), std::string("!!!.###.$$$"),
        b64url("not json") + "." + b64url("{}") + ".sig", b64url("[1,2]") + "." + b64url("{}") + ".sig",
        std::string("eyJhbGciOiJIUzI1NiJ9.") + b64url("[]") + ".sig", std::string("eyJhbGciOiJIUzI1NiJ9=.e30.sig"),
        std::string(" ") + jwt_sign_hs256(claims_expiring_at(kNow + 60), kSecret), huge}) {
    const auto result = jwt_verify_hs256(token, kSecret, at(kNow));
    EXPECT_EQ(result.error, JwtError::bad_token) << "token: " << token.substr(0, 60);
    EXPECT_FALSE(result.detail.empty());
  }
}

TEST(Jwt, DetailNeverContainsTheSecret) {
  const auto token = jwt_sign_hs256(claims_expiring_at(kNow - 100), kSecret);
  for (const auto& result : {jwt_verify_hs256(token, kSecret, at(kNow)), jwt_verify_hs256(token, "x-secret", at(kNow))}) {
    EXPECT_EQ(result.detail.find(kSecret), std::string::npos);
    EXPECT_EQ(result.detail.find(token), std::string::npos);
  }
}

TEST(Jwt, EmptySecretIsAConfigurationError) {
  try {
    jwt_sign_hs256(claims_expiring_at(kNow), "");
    FAIL() << "expected jwt_bad_secret";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "jwt_bad_secret");
  }
  try {
    jwt_verify_hs256("a.b.c", "");
    FAIL() << "expected jwt_bad_secret";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "jwt_bad_secret");
  }
}

TEST(Jwt, NonObjectClaimsAreRefusedWhenSigning) {
  try {
    jwt_sign_hs256(nlohmann::json::array({1, 2}), kSecret);
    FAIL() << "expected jwt_bad_claims";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "jwt_bad_claims");
  }
}

TEST(Jwt, DefaultClockIsTheSystemClock) {
  const auto now = std::chrono::duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
  EXPECT_TRUE(jwt_verify_hs256(jwt_sign_hs256(claims_expiring_at(now + 300), kSecret), kSecret).ok());
  EXPECT_EQ(jwt_verify_hs256(jwt_sign_hs256(claims_expiring_at(now - 300), kSecret), kSecret).error,
            JwtError::expired);
}

TEST(Jwt, ErrorCodesAreSnakeCase) {
  EXPECT_EQ(to_string(JwtError::bad_token), "bad_token");
  EXPECT_EQ(to_string(JwtError::wrong_algorithm), "wrong_algorithm");
  EXPECT_EQ(to_string(JwtError::bad_signature), "bad_signature");
  EXPECT_EQ(to_string(JwtError::expired), "expired");
  EXPECT_EQ(to_string(JwtError::missing_exp), "missing_exp");
  EXPECT_EQ(to_string(JwtError::not_yet_valid), "not_yet_valid");
}

}  // namespace
}  // namespace ms::net
