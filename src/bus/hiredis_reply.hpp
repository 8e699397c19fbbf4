#pragma once
// Internal: hiredis replies copied into the library's own Reply value.
#include "bus/reply.hpp"

struct redisReply;

namespace ms::bus::detail {

Reply to_reply(const redisReply& reply);

}  // namespace ms::bus::detail
