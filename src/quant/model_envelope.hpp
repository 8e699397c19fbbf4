#pragma once
// What every published market model carries besides its payload (DESIGN §9 "Market
// sequence"): the publish time, the producer's epoch and per-symbol sequence number, and for a
// diff the sequence it applies on. The service fills it; the writers only print it.
#include <cstdint>
#include <string>
#include <string_view>

namespace ms::quant {

struct ModelEnvelope {
  std::int64_t ts_ms = 0;     // integer epoch milliseconds (UTC)
  std::string_view epoch;
  std::int64_t seq = 0;
  std::int64_t base_seq = 0;  // diffs only
};

// "2026-02-10T15:30:00Z" (seconds precision, like the original's ts_iso).
void append_iso8601_utc(std::string& out, std::int64_t epoch_ms);
std::string iso8601_utc(std::int64_t epoch_ms);

}  // namespace ms::quant
