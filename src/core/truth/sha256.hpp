#pragma once
// SHA-256 (FIPS 180-4) for the truth checksum; ms_core does not link OpenSSL.
#include <string>
#include <string_view>

namespace ms::core {

std::string sha256_hex(std::string_view data);  // 64 lowercase hex digits

}  // namespace ms::core
