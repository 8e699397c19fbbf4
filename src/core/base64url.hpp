#pragma once
// Unpadded base64url (RFC 4648 §5, RFC 7515 §2): JWT parts, the simulator's pagination cursors,
// binary payloads inside recordings.
#include <optional>
#include <string>
#include <string_view>

namespace ms::core {

std::string base64url_encode(std::string_view bytes);
// nullopt for padding, a character outside the alphabet or an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace ms::core
