#include "quant/json_text.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

#include "quant/rounding.hpp"

namespace ms::quant::json {
namespace {

std::string fixed(std::int64_t scaled, int decimals) {
  std::string s;
  append_fixed(s, scaled, decimals);
  return s;
}

std::string dbl(double v) {
  std::string s;
  append_double(s, v);
  return s;
}

std::string rounded(double v, int decimals) {
  std::string s;
  append_rounded(s, v, decimals);
  return s;
}

TEST(JsonText, FixedTrimsZerosButKeepsOneDecimal) {
  EXPECT_EQ(fixed(60000000, 4), "6000.0");
  EXPECT_EQ(fixed(192059, 4), "19.2059");
  EXPECT_EQ(fixed(75095, 4), "7.5095");
  EXPECT_EQ(fixed(110410, 4), "11.041");
  EXPECT_EQ(fixed(-5000, 4), "-0.5");
  EXPECT_EQ(fixed(-1, 4), "-0.0001");
  EXPECT_EQ(fixed(0, 3), "0.0");
  EXPECT_EQ(fixed(46, 1), "4.6");
  EXPECT_EQ(fixed(7, 0), "7.0");
  EXPECT_EQ(fixed(std::numeric_limits<std::int64_t>::min(), 4), "-922337203685477.5808");
}

TEST(JsonText, DoubleLooksLikePythonRepr) {
  EXPECT_EQ(dbl(10.0), "10.0");
  EXPECT_EQ(dbl(6000.0), "6000.0");
  EXPECT_EQ(dbl(-52.5), "-52.5");
  EXPECT_EQ(dbl(0.1), "0.1");
  EXPECT_EQ(dbl(0.0001), "0.0001");
  EXPECT_EQ(dbl(1e-05), "1e-05");
  EXPECT_EQ(dbl(1e16), "1e+16");
  EXPECT_EQ(dbl(123456789012345.0), "123456789012345.0");
  EXPECT_EQ(dbl(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(dbl(0.0), "0.0");
  EXPECT_EQ(dbl(std::nan("")), "null");
  EXPECT_EQ(dbl(std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonText, RoundedIsHalfAwayFromZero) {
  EXPECT_EQ(rounded(19.205891, 4), "19.2059");
  EXPECT_EQ(rounded(2.5, 0), "3.0");
  EXPECT_EQ(rounded(-2.5, 0), "-3.0");
  EXPECT_EQ(rounded(4.6000000001, 3), "4.6");
  EXPECT_EQ(rounded(std::nan(""), 2), "null");
  EXPECT_EQ(rounded(1e300, 2), "null");
}

TEST(JsonText, StringsAreEscaped) {
  std::string s;
  append_string(s, "a\"b\\c\nd\x01" "e");
  EXPECT_EQ(s, R"("a\"b\\c\nd\u0001e")");
  EXPECT_EQ(nlohmann::json::parse(s).get<std::string>(), "a\"b\\c\nd\x01" "e");
}

TEST(JsonWriter, NestsAndSeparates) {
  std::string out;
  Writer w(out);
  w.begin_object()
      .key("a").integer(1)
      .key("b").begin_array().number(1.5).null().boolean(true).string("x").end_array()
      .key("c").begin_object().end_object()
      .key("d").rounded_or_null(std::nullopt, 2)
      .key("e").number_or_null(2.0)
      .key("f").raw(R"({"k":[]})")
      .key("g").string_or_null(std::string("y"))
      .end_object();
  EXPECT_EQ(out, R"({"a":1,"b":[1.5,null,true,"x"],"c":{},"d":null,"e":2.0,"f":{"k":[]},"g":"y"})");
  EXPECT_TRUE(nlohmann::json::accept(out));
}

TEST(PythonRound, TiesToEvenOnTheExactBinaryValue) {
  EXPECT_EQ(round_half_even(91.25, 1), 91.2);   // exact tie → even
  EXPECT_EQ(round_half_even(72.5, 0), 72.0);
  EXPECT_EQ(round_half_even(73.5, 0), 74.0);
  EXPECT_EQ(round_half_even(2.675, 2), 2.67);   // binary 2.67499999…
  EXPECT_EQ(round_half_even(-52.5179, 1), -52.5);
  EXPECT_EQ(round_half_even(13.44, 1), 13.4);
  EXPECT_EQ(round_half_even(0.586, 2), 0.59);
  EXPECT_TRUE(std::isnan(round_half_even(std::nan(""), 1)));
}

}  // namespace
}  // namespace ms::quant::json
