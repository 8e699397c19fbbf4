#include "net/session.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace ms::net {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

constexpr std::string_view kSecret = "session-secret-0123456789abcdef";
constexpr std::int64_t kT0Ms = 1'760'000'000'250;  // an instant with a sub-second part

SessionOptions at_ms(std::int64_t epoch_ms) {
  SessionOptions options;
  options.clock = [epoch_ms] { return system_clock::time_point(milliseconds(epoch_ms)); };
  return options;
}

SessionClaims ann() {
  SessionClaims c;
  c.uid = 42;
  c.wp_user_id = "123";
  c.issuer = "fotw";
  c.email = "ann@example.com";
  c.display_name = "Ann";
  c.roles = {"subscriber", "activator"};
  c.is_admin = false;
  c.tier = "activator";
  return c;
}

const SessionCutoffLookup kNoCutoff = [](std::int64_t) { return std::optional<std::int64_t>{}; };

TEST(Session, RoundTripKeepsEveryClaim) {
  const auto token = issue_session(ann(), kSecret, seconds(3600), at_ms(kT0Ms));
  const auto result = verify_session(token, kSecret, kNoCutoff, at_ms(kT0Ms + 1000));
  ASSERT_TRUE(result.ok()) << result.detail;
  SessionClaims expected = ann();
  expected.iat = kT0Ms / 1000;
  expected.iat_ms = kT0Ms;
  expected.exp = kT0Ms / 1000 + 3600;
  EXPECT_EQ(*result.claims, expected);
  EXPECT_EQ(result.claims->kind, "ms_session");
}

TEST(Session, AdminFlagAndEmptyOptionalFieldsSurvive) {
  SessionClaims c;
  c.uid = 7;
  c.is_admin = true;
  const auto result = verify_session(issue_session(c, kSecret, seconds(60), at_ms(kT0Ms)), kSecret, nullptr,
                                     at_ms(kT0Ms));
  ASSERT_TRUE(result.ok()) << result.detail;
  EXPECT_TRUE(result.claims->is_admin);
  EXPECT_TRUE(result.claims->roles.empty());
  EXPECT_EQ(result.claims->email, "");
}

TEST(Session, PayloadIsMarkedAsAnAppSession) {
  const auto token = issue_session(ann(), kSecret, seconds(60), at_ms(kT0Ms));
  JwtVerifyOptions options;
  options.clock = at_ms(kT0Ms).clock;
  const auto raw = jwt_verify_hs256(token, kSecret, options);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw.claims["typ"], "ms_session");
  EXPECT_EQ(raw.claims["uid"], 42);
  EXPECT_EQ(raw.claims["wp"]["issuer"], "fotw");
  EXPECT_TRUE(is_session_payload(raw.claims));
}

TEST(Session, SsoTokenIsNeverASession) {
  // What WordPress sends: signed with the same secret (a misconfiguration), valid, but not ours.
  const nlohmann::json sso = {{"iss", "fotw"}, {"sub", "123"}, {"email", "ann@example.com"},
                              {"uid", 42},    {"iat", kT0Ms / 1000}, {"exp", kT0Ms / 1000 + 300}};
  const auto token = jwt_sign_hs256(sso, kSecret);
  const auto result = verify_session(token, kSecret, kNoCutoff, at_ms(kT0Ms));
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.error, SessionError::wrong_kind);
  EXPECT_EQ(result.code(), "wrong_kind");
  EXPECT_FALSE(is_session_payload(sso));
  auto other_typ = sso;
  other_typ["typ"] = "sso";
  EXPECT_EQ(verify_session(jwt_sign_hs256(other_typ, kSecret), kSecret, kNoCutoff, at_ms(kT0Ms)).error,
            SessionError::wrong_kind);
}

TEST(Session, WrongSecretIsBadSignature) {
  const auto token = issue_session(ann(), kSecret, seconds(60), at_ms(kT0Ms));
  EXPECT_EQ(verify_session(token, "another-secret", kNoCutoff, at_ms(kT0Ms)).error, SessionError::bad_signature);
}

TEST(Session, ExpiresAtExpWithoutSkew) {
  const auto token = issue_session(ann(), kSecret, seconds(60), at_ms(kT0Ms));
  const std::int64_t exp_ms = (kT0Ms / 1000 + 60) * 1000;
  EXPECT_TRUE(verify_session(token, kSecret, kNoCutoff, at_ms(exp_ms - 1)).ok());
  EXPECT_EQ(verify_session(token, kSecret, kNoCutoff, at_ms(exp_ms)).error, SessionError::expired);
}

TEST(Session, RevokedWhenIssuedAtOrBeforeTheCutoff) {
  const auto token = issue_session(ann(), kSecret, seconds(3600), at_ms(kT0Ms));
  std::int64_t asked_uid = 0;
  auto cutoff_at = [&](std::optional<std::int64_t> cutoff) {
    return SessionCutoffLookup([&asked_uid, cutoff](std::int64_t uid) {
      asked_uid = uid;
      return cutoff;
    });
  };
  const auto later = at_ms(kT0Ms + 5000);
  EXPECT_EQ(verify_session(token, kSecret, cutoff_at(kT0Ms + 1000), later).error, SessionError::session_revoked);
  EXPECT_EQ(asked_uid, 42);
  EXPECT_EQ(verify_session(token, kSecret, cutoff_at(kT0Ms), later).code(), "session_revoked");
  EXPECT_TRUE(verify_session(token, kSecret, cutoff_at(kT0Ms - 1), later).ok());
  EXPECT_TRUE(verify_session(token, kSecret, cutoff_at(std::nullopt), later).ok());
  EXPECT_TRUE(verify_session(token, kSecret, nullptr, later).ok());
}

TEST(Session, LoggingBackInWithinTheSameSecondGivesAValidSession) {
  const auto old_session = issue_session(ann(), kSecret, seconds(3600), at_ms(kT0Ms));
  const std::int64_t logout_ms = kT0Ms + 300;  // same wall-clock second as both sessions
  const auto new_session = issue_session(ann(), kSecret, seconds(3600), at_ms(kT0Ms + 500));
  const SessionCutoffLookup cutoff = [&](std::int64_t) { return std::optional<std::int64_t>(logout_ms); };
  EXPECT_EQ(verify_session(old_session, kSecret, cutoff, at_ms(kT0Ms + 600)).error, SessionError::session_revoked);
  EXPECT_TRUE(verify_session(new_session, kSecret, cutoff, at_ms(kT0Ms + 600)).ok());
}

TEST(Session, CutoffLookupFailurePropagates) {
  const auto token = issue_session(ann(), kSecret, seconds(60), at_ms(kT0Ms));
  const SessionCutoffLookup broken = [](std::int64_t) -> std::optional<std::int64_t> {
    throw core::Error("bus_unavailable", "system redis down");
  };
  EXPECT_THROW(verify_session(token, kSecret, broken, at_ms(kT0Ms)), core::Error);
}

TEST(Session, TokensWithMistypedClaimsAreBadClaims) {
  const auto base = session_claims_to_json([] {
    auto c = ann();
    c.iat = kT0Ms / 1000;
    c.iat_ms = kT0Ms;
    c.exp = kT0Ms / 1000 + 60;
    return c;
  }());
  auto check = [&](const std::function<void(nlohmann::json&)>& mutate, const std::string& label) {
    auto payload = base;
    mutate(payload);
    const auto result = verify_session(jwt_sign_hs256(payload, kSecret), kSecret, kNoCutoff, at_ms(kT0Ms));
    EXPECT_EQ(result.error, SessionError::bad_claims) << label << ": " << result.detail;
  };
  check([](auto& p) { p.erase("uid"); }, "no uid");
  check([](auto& p) { p["uid"] = "42"; }, "string uid");
  check([](auto& p) { p["uid"] = 0; }, "zero uid");
  check([](auto& p) { p.erase("iat_ms"); }, "no iat_ms");
  check([](auto& p) { p.erase("wp"); }, "no wp");
  check([](auto& p) { p["wp"]["roles"] = "admin,subscriber"; }, "roles as string");
  check([](auto& p) { p["wp"]["roles"] = {1, 2}; }, "numeric roles");
  check([](auto& p) { p["is_admin"] = "true"; }, "is_admin as string");
  check([](auto& p) { p["wp"]["email"] = 5; }, "numeric email");
}

TEST(Session, GarbageAndForeignAlgorithmsKeepTheJwtCode) {
  EXPECT_EQ(verify_session("garbage", kSecret, kNoCutoff).error, SessionError::bad_token);
  EXPECT_EQ(verify_session("", kSecret, kNoCutoff).code(), "bad_token");
  const auto token = jwt_sign_hs256({{"typ", "ms_session"}, {"uid", 1}}, kSecret);
  EXPECT_EQ(verify_session(token, kSecret, kNoCutoff).error, SessionError::missing_exp);
}

TEST(Session, IssueRefusesUnusableInput) {
  auto expect_code = [](const std::function<void()>& f, const std::string& code) {
    try {
      f();
      ADD_FAILURE() << "expected " << code;
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
    }
  };
  auto no_uid = ann();
  no_uid.uid = 0;
  expect_code([&] { issue_session(no_uid, kSecret, seconds(60)); }, "session_bad_claims");
  expect_code([&] { issue_session(ann(), kSecret, seconds(0)); }, "session_bad_claims");
  auto sso_kind = ann();
  sso_kind.kind = "sso";
  expect_code([&] { issue_session(sso_kind, kSecret, seconds(60)); }, "session_bad_claims");
  expect_code([&] { issue_session(ann(), "", seconds(60)); }, "jwt_bad_secret");
}

TEST(SessionCookie, FindsTheSessionAmongSeveralCookies) {
  EXPECT_EQ(session_cookie("theme=dark; ms_session=abc.def.ghi; lang=en"), "abc.def.ghi");
  EXPECT_EQ(session_cookie("ms_session=abc"), "abc");
  EXPECT_EQ(session_cookie("a=1;ms_session=tok;b=2"), "tok");
  EXPECT_EQ(session_cookie("  a=1 ;   ms_session = tok  ; b=2"), "tok");
  EXPECT_EQ(session_cookie("ms_session=\"quoted\""), "quoted");
  EXPECT_EQ(session_cookie("ms_session=first; ms_session=second"), "first");
  EXPECT_EQ(session_cookie("a=b=c; ms_session=x=y"), "x=y");
}

TEST(SessionCookie, AbsentEmptyOrLookalikeIsNone) {
  EXPECT_EQ(session_cookie(""), std::nullopt);
  EXPECT_EQ(session_cookie("theme=dark; lang=en"), std::nullopt);
  EXPECT_EQ(session_cookie("xms_session=1; ms_session_old=2; MS_SESSION=3"), std::nullopt);
  EXPECT_EQ(session_cookie("ms_session="), std::nullopt);
  EXPECT_EQ(session_cookie("ms_session"), std::nullopt);
  EXPECT_EQ(session_cookie(";;; ;"), std::nullopt);
  EXPECT_EQ(cookie_value("sso=abc; other=1", "other"), "1");
}

TEST(SessionCookie, SetCookieCarriesTheSecurityAttributes) {
  const auto plain = session_set_cookie("abc.def.ghi", seconds(86400), false);
  EXPECT_EQ(plain, "ms_session=abc.def.ghi; Max-Age=86400; Path=/; HttpOnly; SameSite=Lax");
  EXPECT_EQ(plain.find("Secure"), std::string::npos);
  EXPECT_EQ(plain.find("Domain"), std::string::npos);
  const auto secure = session_set_cookie("abc.def.ghi", seconds(3600), true);
  EXPECT_EQ(secure, "ms_session=abc.def.ghi; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax; Secure");
}

TEST(SessionCookie, ClearingCookieExpiresImmediately) {
  EXPECT_EQ(session_clear_cookie(false),
            "ms_session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; SameSite=Lax");
  EXPECT_NE(session_clear_cookie(true).find("; Secure"), std::string::npos);
  EXPECT_EQ(session_cookie(session_clear_cookie(true)), std::nullopt);
}

TEST(SessionCookie, RoundTripThroughTheCookieHeader) {
  const auto token = issue_session(ann(), kSecret, seconds(60));
  const auto set_cookie = session_set_cookie(token, seconds(60), true);
  const auto header = "other=1; " + set_cookie.substr(0, set_cookie.find(';'));
  const auto value = session_cookie(header);
  ASSERT_TRUE(value.has_value());
  EXPECT_TRUE(verify_session(*value, kSecret, kNoCutoff).ok());
}

TEST(SessionCookie, UnsafeValuesAreRefused) {
  for (const std::string& bad : {std::string(""), std::string("a;b"), std::string("a b"), std::string("a\"b"),
                                std::string("a,b"), std::string("a\r\nSet-Cookie: x=1"), std::string("a\\b")}) {
    try {
      session_set_cookie(bad, seconds(60), false);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), "session_bad_cookie_value");
    }
  }
  EXPECT_THROW(session_set_cookie("tok", seconds(0), false), core::Error);
}

}  // namespace
}  // namespace ms::net
