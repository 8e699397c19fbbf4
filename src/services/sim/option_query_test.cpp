#include "services/sim/option_query.hpp"

#include <gtest/gtest.h>

#include "core/base64url.hpp"

#include "core/error.hpp"

namespace ms::sim {
namespace {

std::string code_of(const QueryParams& p) {
  try {
    parse_option_query(p);
  } catch (const core::Error& e) {
    return e.code();
  }
  return "ok";
}

TEST(OptionQuery, Defaults) {
  const auto q = parse_option_query({});
  EXPECT_EQ(q.limit, 10);
  EXPECT_EQ(q.sort, SortKey::ticker);
  EXPECT_FALSE(q.descending);
  EXPECT_EQ(q.offset, 0u);
}

TEST(OptionQuery, ParsesEveryFilter) {
  const auto q = parse_option_query({{"strike_price.gte", "5900"},
                                     {"strike_price.lt", "6100.5"},
                                     {"expiration_date", "2026-02-10"},
                                     {"expiration_date.lte", "2026-02-20"},
                                     {"contract_type", "put"},
                                     {"order", "desc"},
                                     {"sort", "strike_price"},
                                     {"limit", "250"},
                                     {"apiKey", "ignored"},
                                     {"underlying", "SPX"}});
  EXPECT_EQ(q.strike_gte, 5900.0);
  EXPECT_EQ(q.strike_lt, 6100.5);
  EXPECT_EQ(q.exp_eq, "2026-02-10");
  EXPECT_EQ(q.exp_lte, "2026-02-20");
  EXPECT_EQ(q.contract_type, quant::OptionType::put);
  EXPECT_TRUE(q.descending);
  EXPECT_EQ(q.sort, SortKey::strike_price);
  EXPECT_EQ(q.limit, 250);
}

TEST(OptionQuery, LimitIsClampedTo250) {
  EXPECT_EQ(parse_option_query({{"limit", "251"}}).limit, 250);
  EXPECT_EQ(parse_option_query({{"limit", "99999999999999999999"}}).limit, 250);
  EXPECT_EQ(parse_option_query({{"limit", "007"}}).limit, 7);
  EXPECT_EQ(parse_option_query({{"limit", "1"}}).limit, 1);
}

TEST(OptionQuery, BadValuesAreBadRequests) {
  for (const QueryParams& p : std::vector<QueryParams>{
           {{"limit", "0"}}, {{"limit", "-3"}}, {{"limit", "ten"}}, {{"limit", ""}},
           {{"limit", "1.5"}}, {{"strike_price", "abc"}}, {{"strike_price.gte", "-1"}},
           {{"strike_price.lte", "nan"}}, {{"strike_price.lt", "inf"}},
           {{"expiration_date", "2026-2-10"}}, {{"expiration_date.gt", "2026-02-30"}},
           {{"contract_type", "calls"}}, {{"order", "up"}}, {{"sort", "volume"}}}) {
    EXPECT_EQ(code_of(p), "bad_request") << p[0].first << "=" << p[0].second;
  }
}

TEST(OptionQuery, CursorRoundTripsTheWholeQuery) {
  OptionQuery q;
  q.strike_gt = 5000.5;
  q.exp_gte = "2026-02-11";
  q.contract_type = quant::OptionType::call;
  q.sort = SortKey::expiration_date;
  q.descending = true;
  q.limit = 42;
  q.offset = 1234;
  const auto c = encode_cursor(q);
  EXPECT_EQ(c.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_EQ(decode_cursor(c), q);
  // A cursor replaces every other filter.
  EXPECT_EQ(parse_option_query({{"limit", "3"}, {"cursor", c}, {"contract_type", "put"}}), q);
}

TEST(OptionQuery, BadCursorsAreRefused) {
  const auto good = encode_cursor(OptionQuery{});
  auto code = [](std::string_view c) {
    try {
      decode_cursor(c);
    } catch (const core::Error& e) {
      return e.code();
    }
    return std::string("ok");
  };
  EXPECT_EQ(code(good), "ok");
  EXPECT_EQ(code(""), "bad_cursor");
  EXPECT_EQ(code("not a cursor!"), "bad_cursor");
  EXPECT_EQ(code("abcd"), "bad_cursor");
  EXPECT_EQ(code(core::base64url_encode("{\"o\":5}")), "bad_cursor");
  std::string tampered = good;
  tampered[3] = tampered[3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(code(tampered), "bad_cursor");
  EXPECT_EQ(code(good.substr(0, good.size() - 2)), "bad_cursor");
  EXPECT_EQ(code(std::string(5000, 'A')), "bad_cursor");
}

}  // namespace
}  // namespace ms::sim
