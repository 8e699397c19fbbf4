#pragma once
// Inputs and values of the heatmap tile builder (massive spec §5.1, DESIGN §9).
//
// The caller turns the chain into plain structs: one ExpiryInput per expiry date (with the
// time to expiry already computed from the market clock and quantised to the minute) and one
// ContractInput per option contract. Nothing here reads a clock or parses a ticker.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quant/black_scholes.hpp"

namespace ms::quant {

// A leg's quote. Absent values are nullopt (a non-finite value counts as absent too).
// Market price rule: mid if > 0 — where mid is the quote's midpoint, or (bid+ask)/2 when the
// caller has both sides but no midpoint — else last if > 0, else no market price.
struct LegQuote {
  std::optional<double> bid;
  std::optional<double> ask;
  std::optional<double> mid;
  std::optional<double> last;
  std::optional<double> iv;  // decimal (0.153); used (smile fit, base IV) only when 0.01 < iv < 5
};

struct ExpiryInput {
  int dte = 0;               // market calendar days to expiry; < 0 = expired (dropped, Q10)
  std::string date;          // "2026-02-10"
  double years = 0;          // time to expiry in years, quantised to the market-clock minute
};

struct ContractInput {
  std::string root;          // SPX, SPXW, NDX, NDXP …
  std::uint32_t expiry = 0;  // index into HeatmapInput::expiries
  double strike = 0;
  OptionType type = OptionType::call;
  LegQuote quote;
};

struct HeatmapInput {
  std::string symbol;        // vendor spelling, "I:SPX"
  double spot = 0;           // <= 0: unknown → no theoretical values, market values only
  double vix = 0;            // <= 0: unknown → "normal" regime, 0.20 fallback IV
  std::vector<ExpiryInput> expiries;
  std::vector<ContractInput> contracts;
  // Epoch ms of the market-clock minute the expiries' years were computed from (published as
  // "pricing_ts" so a consumer can reproduce a theoretical value); 0 when unknown.
  std::int64_t pricing_minute_ms = 0;
};

struct HeatmapConfig {
  std::vector<int> widths;                 // in publishing order, e.g. 20,25,…,50 for SPX
  int max_dte = 10;                        // dtes empty: every dte 0..max_dte
  std::vector<int> dtes;                   // MASSIVE_MODEL_DTES: exactly these (each <= max_dte)
  double rate = 0.05;                      // MASSIVE_RISK_FREE_RATE, continuously compounded
  double dividend_yield = 0.0;             // MASSIVE_DIVIDEND_YIELD, continuous
  // T is quantised to the market-clock minute by the caller; this floor only keeps T > 0 in
  // the expiry's last minute (one minute of a year; the original floored at one hour).
  double min_years = 1.0 / (365.0 * 24.0 * 60.0);
  double base_iv_band_points = 30.0;       // legs with |K−S| < band feed the base IV
  // At a shared (expiry, strike, side) the root listed first wins (Q11: PM-settled SPXW/NDXP
  // over AM-settled SPX/NDX); unlisted roots rank after listed ones, then by name.
  std::vector<std::string> preferred_roots = {"SPXW", "NDXP"};
};

enum class TileStrategy : std::uint8_t { single, butterfly, vertical };
std::string_view tile_strategy_name(TileStrategy s);

// A tile's identity. Strikes are kept in thousandths (the ticker's own resolution) so
// half-point strikes stay distinct.
struct TileKey {
  TileStrategy strategy = TileStrategy::single;
  int dte = 0;
  int width = 0;
  std::int64_t strike_milli = 0;
  friend bool operator==(const TileKey&, const TileKey&) = default;
};

struct TileKeyHash {
  std::size_t operator()(const TileKey& k) const noexcept;
};

// "{strategy}:{dte}:{width}:{strike}". The original wrote int(K); an integral strike is
// still written as an integer ("butterfly:0:30:6000"), a fractional one keeps its decimals
// ("single:0:0:6002.5") so it no longer collides with 6002.
std::string format_tile_key(const TileKey& key);
void append_tile_key(std::string& out, const TileKey& key);
std::optional<TileKey> parse_tile_key(std::string_view text);

// llround without the libm call (it dominated the tile loop): exact half away from zero for
// |x| < 2^62 — x minus its truncation is exact in binary floating point.
inline std::int64_t round_half_away(double x) {
  auto t = static_cast<std::int64_t>(x);
  const double frac = x - static_cast<double>(t);
  if (frac >= 0.5) ++t;
  else if (frac <= -0.5) --t;
  return t;
}

inline std::int64_t strike_to_milli(double strike) { return round_half_away(strike * 1000.0); }
double milli_to_strike(std::int64_t milli);

// Published precision. Values are stored already rounded (half away from zero) as integers, so
// "changed" means "the published text changed": a theoretical value moving in the 6th decimal
// is not a change. Theoretical prices: 4 decimals (the spec's examples: 7.5095). Market
// prices: 3 decimals — a mid of two cent quotes (1.015) is exact at 3 and would not be at 2.
inline constexpr int kTheoDecimals = 4;
inline constexpr std::int64_t kTheoScale = 10000;
inline constexpr int kMarketDecimals = 3;
inline constexpr std::int64_t kMarketScale = 1000;

// One side (call or put) of a tile. theo = "mid" for singles, "debit" for spreads;
// market = "market_mid" / "market_debit".
struct TileSideValue {
  bool present = false;
  bool has_theo = false;
  bool has_market = false;
  std::int64_t theo = 0;    // units of 1/kTheoScale
  std::int64_t market = 0;  // units of 1/kMarketScale
  friend bool operator==(const TileSideValue&, const TileSideValue&) = default;
};

struct TileValue {
  TileSideValue call;
  TileSideValue put;
  friend bool operator==(const TileValue&, const TileValue&) = default;
};

}  // namespace ms::quant
