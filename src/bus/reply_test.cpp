#include "bus/reply.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace ms::bus {
namespace {

Reply make(Reply::Type t, std::string s = {}, std::int64_t i = 0) {
  Reply r;
  r.type = t;
  r.str = std::move(s);
  r.integer = i;
  return r;
}

std::string code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const core::Error& e) {
    return e.code();
  }
  return "";
}

TEST(Reply, StringAndStatusAreStrings) {
  EXPECT_EQ(make(Reply::Type::string, "abc").as_optional_string(), "abc");
  EXPECT_EQ(make(Reply::Type::status, "OK").as_optional_string(), "OK");
  EXPECT_EQ(make(Reply::Type::string, "").as_optional_string(), "");
}

TEST(Reply, NilIsNullopt) {
  Reply nil;
  EXPECT_TRUE(nil.is_nil());
  EXPECT_EQ(nil.as_optional_string(), std::nullopt);
}

TEST(Reply, NonStringAsStringThrowsRedisType) {
  EXPECT_EQ(code_of([] { make(Reply::Type::integer, "", 3).as_optional_string(); }), "redis_type");
  EXPECT_EQ(code_of([] { make(Reply::Type::array).as_optional_string(); }), "redis_type");
  try {
    make(Reply::Type::error, "ERR boom").as_optional_string();
    FAIL() << "no throw";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("ERR boom"), std::string::npos) << e.what();
  }
}

TEST(Reply, IntegerFromIntegerOrNumericString) {
  EXPECT_EQ(make(Reply::Type::integer, "", -42).as_integer(), -42);
  EXPECT_EQ(make(Reply::Type::string, "1234567890123").as_integer(), 1234567890123);
  EXPECT_EQ(make(Reply::Type::string, "-7").as_integer(), -7);
}

TEST(Reply, BadIntegersThrowRedisType) {
  EXPECT_EQ(code_of([] { make(Reply::Type::string, "12x").as_integer(); }), "redis_type");
  EXPECT_EQ(code_of([] { make(Reply::Type::string, "").as_integer(); }), "redis_type");
  EXPECT_EQ(code_of([] { make(Reply::Type::string, "1.5").as_integer(); }), "redis_type");
  EXPECT_EQ(code_of([] { make(Reply::Type::string, "99999999999999999999").as_integer(); }), "redis_type");
  EXPECT_EQ(code_of([] { Reply().as_integer(); }), "redis_type");
  EXPECT_EQ(code_of([] { make(Reply::Type::error, "ERR x").as_integer(); }), "redis_type");
}

}  // namespace
}  // namespace ms::bus
