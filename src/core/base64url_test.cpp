#include "core/base64url.hpp"

#include <gtest/gtest.h>

namespace ms::core {
namespace {

TEST(Base64Url, RoundTripsEveryLengthAndByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += char(c);
  for (std::size_t n = 0; n <= all.size(); n += 7) {
    const std::string s = all.substr(0, n);
    EXPECT_EQ(base64url_decode(base64url_encode(s)), s) << n;
  }
}

TEST(Base64Url, KnownVectorsWithoutPadding) {
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Base64Url, RejectsPaddingForeignCharactersAndImpossibleLengths) {
  EXPECT_FALSE(base64url_decode("a").has_value());
  EXPECT_FALSE(base64url_decode("ab+/").has_value());
  EXPECT_FALSE(base64url_decode("Zg==").has_value());
}

}  // namespace
}  // namespace ms::core
