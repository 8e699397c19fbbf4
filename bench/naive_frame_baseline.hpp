#pragma once
// The baseline the ingest benchmark's decoder is measured against: what a naive client does with
// a vendor WebSocket frame — nlohmann::json::parse the whole frame into a DOM, then walk it and
// copy the fields into the same marketdata::FeedEvent structs FrameDecoder produces (same required
// fields, same skip rules for unknown types), so the two outputs can be compared one to one.
#include <string_view>
#include <vector>

#include "marketdata/feed_events.hpp"
#include "marketdata/frame_decoder.hpp"

namespace ms::bench {

// Appends the frame's events to `out`; never throws for bad input (malformed = true instead).
marketdata::DecodeResult naive_decode(std::string_view frame, std::vector<marketdata::FeedEvent>& out);

}  // namespace ms::bench
