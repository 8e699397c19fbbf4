#pragma once
// Turns one WebSocket text frame (a JSON array of events, or a single event object) into
// FeedEvents. The hot path of ingest (≥100k events/s on one core): simdjson on-demand behind a
// pimpl, one reusable parser per decoder, no DOM.
//
// A frame that is not JSON, is cut short, or is neither an array nor an object is malformed:
// decode() appends nothing for it and says so; the caller counts it and goes on. Inside a good
// frame, an event of a type this client does not use, or with a required field missing or of
// the wrong type, is skipped and counted — the other events of the frame still count.
// Required fields: T sym p s t; Q sym bp ap t; V T val t; A/AM sym o h l c s e; status status;
// the simulator's clock (status "clock") ts_ms. Integer fields accept integral floats (6000.0).
#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "marketdata/feed_events.hpp"

namespace ms::marketdata {

struct DecodeResult {
  bool malformed = false;
  std::size_t events = 0;   // appended to `out`
  std::size_t skipped = 0;  // unknown type or bad fields
};

class FrameDecoder {
 public:
  FrameDecoder();
  ~FrameDecoder();
  FrameDecoder(FrameDecoder&&) noexcept;
  FrameDecoder& operator=(FrameDecoder&&) noexcept;

  // Appends the frame's events to `out` (does not clear it). Never throws for bad input.
  DecodeResult decode(std::string_view frame, std::vector<FeedEvent>& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ms::marketdata
