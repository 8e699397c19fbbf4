#pragma once
// Percent-decoding and query-string parsing for request targets.
#include <optional>
#include <string>
#include <string_view>

#include "net/http.hpp"

namespace ms::net {

// Decodes %XX escapes (and '+' as a space when `plus_is_space`). nullopt on a malformed
// escape ("%G1", a trailing "%").
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space = false);

// Encodes everything but unreserved characters (RFC 3986 §2.3) and the characters in `keep`
// (e.g. ":," so tickers like "I:SPX,I:VIX" stay readable in a query value).
std::string percent_encode(std::string_view in, std::string_view keep = {});

// "a=1&b=x%20y" → decoded pairs. A malformed escape keeps that piece verbatim rather than
// failing the whole request: a query is data for the handler, which validates its own fields.
QueryParams parse_query(std::string_view query);

// Splits a request-target into its path and query (without the '?').
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

}  // namespace ms::net
