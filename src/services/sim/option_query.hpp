#pragma once
// The query of GET /v3/snapshot/options/{underlying} (spec massive.md §2.2b) and its opaque
// pagination cursor.
//   strike_price[.gte|.gt|.lte|.lt]=<number>    expiration_date[.gte|.gt|.lte|.lt]=YYYY-MM-DD
//   contract_type=call|put   order=asc|desc   sort=ticker|expiration_date|strike_price
//   limit=1..   (default 10; above 250 is clamped to 250)   cursor=<from a next_url>
// A cursor carries the whole normalised query plus the offset, so a next_url needs nothing
// else (and never the key). When a cursor is given every other filter is ignored, as the vendor
// does. Cursors are base64url of the query's JSON plus a checksum: a cursor that does not decode,
// fails the checksum or holds an impossible query is a bad request, never a crash. Unknown
// parameters (apiKey, the original's underlying=SPX) are ignored.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quant/black_scholes.hpp"

namespace ms::sim {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

inline constexpr int kDefaultLimit = 10;
inline constexpr int kMaxLimit = 250;

enum class SortKey { ticker, expiration_date, strike_price };

struct OptionQuery {
  std::optional<double> strike_eq, strike_gte, strike_gt, strike_lte, strike_lt;
  std::optional<std::string> exp_eq, exp_gte, exp_gt, exp_lte, exp_lt;  // YYYY-MM-DD
  std::optional<quant::OptionType> contract_type;
  SortKey sort = SortKey::ticker;
  bool descending = false;
  int limit = kDefaultLimit;
  std::size_t offset = 0;
  bool operator==(const OptionQuery&) const = default;
};

// Throws core::Error("bad_request") naming the parameter.
OptionQuery parse_option_query(const QueryParams& params);

std::string encode_cursor(const OptionQuery& q);
// Throws core::Error("bad_cursor").
OptionQuery decode_cursor(std::string_view cursor);


}  // namespace ms::sim
