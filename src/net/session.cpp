#include "net/session.hpp"

#include "core/error.hpp"

namespace ms::net {
namespace {

SessionError from_jwt(JwtError error) {
  switch (error) {
    case JwtError::bad_token: return SessionError::bad_token;
    case JwtError::wrong_algorithm: return SessionError::wrong_algorithm;
    case JwtError::bad_signature: return SessionError::bad_signature;
    case JwtError::expired: return SessionError::expired;
    case JwtError::missing_exp: return SessionError::missing_exp;
    case JwtError::not_yet_valid: return SessionError::not_yet_valid;
  }
  return SessionError::bad_token;
}

SessionVerifyResult refuse(SessionError error, std::string detail) {
  SessionVerifyResult result;
  result.error = error;
  result.detail = std::move(detail);
  return result;
}

std::chrono::system_clock::time_point now_of(const SessionOptions& options) {
  return options.clock ? options.clock() : std::chrono::system_clock::now();
}

// Reads claims written by issue_session; any deviation means the token was not made by us
// (or by an incompatible version), so it is refused as bad_claims rather than half-trusted.
std::optional<SessionClaims> claims_from_json(const nlohmann::json& payload, std::string& why) {
  SessionClaims c;
  auto int_field = [&](const char* name, std::int64_t& out) {
    const auto it = payload.find(name);
    if (it == payload.end() || !it->is_number_integer()) {
      why = std::string(name) + " is missing or not an integer";
      return false;
    }
    out = it->get<std::int64_t>();
    return true;
  };
  if (!int_field("uid", c.uid) || !int_field("iat", c.iat) || !int_field("iat_ms", c.iat_ms) ||
      !int_field("exp", c.exp)) {
    return std::nullopt;
  }
  if (c.uid <= 0) {
    why = "uid is not positive";
    return std::nullopt;
  }
  const auto wp = payload.find("wp");
  if (wp == payload.end() || !wp->is_object()) {
    why = "wp is missing or not an object";
    return std::nullopt;
  }
  auto string_field = [&](const nlohmann::json& obj, const char* name, std::string& out) {
    const auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) return true;
    if (!it->is_string()) {
      why = std::string(name) + " is not a string";
      return false;
    }
    out = it->get<std::string>();
    return true;
  };
  if (!string_field(*wp, "issuer", c.issuer) || !string_field(*wp, "id", c.wp_user_id) ||
      !string_field(*wp, "email", c.email) || !string_field(*wp, "name", c.display_name) ||
      !string_field(payload, "tier", c.tier)) {
    return std::nullopt;
  }
  if (const auto roles = wp->find("roles"); roles != wp->end() && !roles->is_null()) {
    if (!roles->is_array()) {
      why = "roles is not an array";
      return std::nullopt;
    }
    for (const auto& role : *roles) {
      if (!role.is_string()) {
        why = "roles holds a non-string";
        return std::nullopt;
      }
      c.roles.push_back(role.get<std::string>());
    }
  }
  if (const auto admin = payload.find("is_admin"); admin != payload.end()) {
    if (!admin->is_boolean()) {
      why = "is_admin is not a boolean";
      return std::nullopt;
    }
    c.is_admin = admin->get<bool>();
  }
  c.kind = std::string(kSessionKind);
  return c;
}

// RFC 6265 cookie-octet: what a cookie value may hold without quoting.
bool is_cookie_octet(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == 0x21 || (u >= 0x23 && u <= 0x2B) || (u >= 0x2D && u <= 0x3A) || (u >= 0x3C && u <= 0x5B) ||
         (u >= 0x5D && u <= 0x7E);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string cookie_attributes(bool secure) {
  std::string attrs = "; Path=/; HttpOnly; SameSite=Lax";
  if (secure) attrs += "; Secure";
  return attrs;
}

}  // namespace

std::string_view to_string(SessionError error) noexcept {
  switch (error) {
    case SessionError::bad_token: return "bad_token";
    case SessionError::wrong_algorithm: return "wrong_algorithm";
    case SessionError::bad_signature: return "bad_signature";
    case SessionError::expired: return "expired";
    case SessionError::missing_exp: return "missing_exp";
    case SessionError::not_yet_valid: return "not_yet_valid";
    case SessionError::wrong_kind: return "wrong_kind";
    case SessionError::bad_claims: return "bad_claims";
    case SessionError::session_revoked: return "session_revoked";
  }
  return "bad_token";
}

nlohmann::json session_claims_to_json(const SessionClaims& c) {
  return nlohmann::json{
      {"typ", kSessionKind},
      {"uid", c.uid},
      {"iat", c.iat},
      {"iat_ms", c.iat_ms},
      {"exp", c.exp},
      {"wp", {{"issuer", c.issuer}, {"id", c.wp_user_id}, {"email", c.email}, {"name", c.display_name},
              {"roles", c.roles}}},
      {"tier", c.tier},
      {"is_admin", c.is_admin},
  };
}

bool is_session_payload(const nlohmann::json& payload) {
  if (!payload.is_object()) return false;
  const auto typ = payload.find("typ");
  return typ != payload.end() && typ->is_string() && typ->get<std::string>() == kSessionKind;
}

std::string issue_session(const SessionClaims& claims, std::string_view secret, std::chrono::seconds ttl,
                          const SessionOptions& options) {
  if (claims.uid <= 0) throw core::Error("session_bad_claims", "session uid must be positive");
  if (claims.kind != kSessionKind) {
    throw core::Error("session_bad_claims", "session kind must be ms_session, got '" + claims.kind + "'");
  }
  if (ttl.count() <= 0) throw core::Error("session_bad_claims", "session ttl must be positive");
  const auto now = now_of(options).time_since_epoch();
  SessionClaims stamped = claims;
  stamped.iat = std::chrono::duration_cast<std::chrono::seconds>(now).count();
  stamped.iat_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  stamped.exp = stamped.iat + ttl.count();
  return jwt_sign_hs256(session_claims_to_json(stamped), secret);
}

SessionVerifyResult verify_session(std::string_view token, std::string_view secret,
                                   const SessionCutoffLookup& cutoff_lookup, const SessionOptions& options) {
  JwtVerifyOptions jwt_options;
  jwt_options.skew = options.skew;
  jwt_options.clock = options.clock;
  auto verified = jwt_verify_hs256(token, secret, jwt_options);
  if (!verified.ok()) return refuse(from_jwt(*verified.error), "session " + verified.detail);
  if (!is_session_payload(verified.claims)) {
    return refuse(SessionError::wrong_kind, "token is not an app session");
  }
  std::string why;
  auto claims = claims_from_json(verified.claims, why);
  if (!claims) return refuse(SessionError::bad_claims, "session claims: " + why);
  if (cutoff_lookup) {
    if (const auto cutoff_ms = cutoff_lookup(claims->uid); cutoff_ms && claims->iat_ms <= *cutoff_ms) {
      return refuse(SessionError::session_revoked, "session issued before the user's logout");
    }
  }
  SessionVerifyResult result;
  result.claims = std::move(claims);
  return result;
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    const auto pair = trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (trim(pair.substr(0, eq)) != name) continue;
    auto value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (value.empty()) return std::nullopt;
    return std::string(value);
  }
  return std::nullopt;
}

std::string session_set_cookie(std::string_view token, std::chrono::seconds max_age, bool secure) {
  if (token.empty()) throw core::Error("session_bad_cookie_value", "session cookie value is empty");
  for (char c : token) {
    if (!is_cookie_octet(c)) {
      throw core::Error("session_bad_cookie_value", "session token holds a character a cookie cannot carry");
    }
  }
  if (max_age.count() <= 0) throw core::Error("session_bad_cookie_value", "session cookie Max-Age must be positive");
  return std::string(kSessionCookieName) + "=" + std::string(token) +
         "; Max-Age=" + std::to_string(max_age.count()) + cookie_attributes(secure);
}

std::string session_clear_cookie(bool secure) {
  return std::string(kSessionCookieName) + "=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT" +
         cookie_attributes(secure);
}

}  // namespace ms::net
