#pragma once
// One chain symbol's option chain in memory (the hydrator): the contracts of the last REST
// snapshot inside the strike window, live quotes and trades from the options feed applied on
// top, and the heatmap builder fed incrementally. Pure state: no I/O, no clock reads (the
// caller passes market time). One owner (massive's strand).
//
// Roots stay apart: SPX (AM monthly) and SPXW (PM), NDX and NDXP are separate contracts; the
// heatmap prefers the PM root at a shared strike and GEX sums both (quant). Expired contracts are
// dropped on replace() (Q10): after the close they leave the model instead of merging into 0-DTE.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/market_calendar.hpp"
#include "quant/gex.hpp"
#include "quant/heatmap_builder.hpp"
#include "marketdata/rest_client.hpp"

namespace ms::massive {

struct ChainContract {
  std::string ticker;
  std::string root;
  core::Date expiry{};
  std::string expiry_text;  // "2026-02-10"
  double strike = 0;
  quant::OptionType type = quant::OptionType::call;
  std::optional<double> gamma;
  std::optional<double> open_interest;
  quant::LegQuote quote;
  std::int64_t bid_size = 0, ask_size = 0;
  bool feed_quote = false;  // a feed quote arrived since the last snapshot
  nlohmann::json stored;  // spec §2.3 shape, for massive:chain:latest
};

// A wanted feed subscription, ranked for the vendor's quote-contract cap.
struct RankedContract {
  int dte = 0;
  double distance = 0;  // |K − S| / S
  std::string ticker;
};

class SymbolChain {
 public:
  SymbolChain(std::string symbol, quant::HeatmapConfig config);

  const std::string& symbol() const { return symbol_; }

  // A fresh snapshot (every expiry of the window). Left out: expired contracts (expiry before
  // `session`, or settled by `now_ms`: a PM series at the close, an AM series at the open of
  // its expiry day), unparseable tickers and roots of another symbol. A quote the feed delivered
  // since the previous snapshot wins over the snapshot's (it is fresher); an older one does not,
  // so a contract that left the feed's subscriptions goes back to snapshot quotes. Rebuilds the
  // heatmap; returns true when the set of tickers changed (the chain geometry).
  bool replace(const std::vector<marketdata::OptionContractSnapshot>& snapshot, core::Date session,
               core::EpochMs now_ms, double spot, double vix);

  // Feed events. False when the ticker is not in the chain or nothing changed. The hot path
  // looks the ticker up once (index_of) and passes the index; indices are valid until the next
  // replace().
  std::optional<std::uint32_t> index_of(std::string_view ticker) const;
  bool on_quote(std::string_view ticker, double bid, double ask, std::int64_t bid_size,
                std::int64_t ask_size);
  bool on_quote(std::uint32_t index, double bid, double ask, std::int64_t bid_size, std::int64_t ask_size);
  bool on_trade(std::string_view ticker, double price);
  bool on_trade(std::uint32_t index, double price);

  // Spot / VIX moved: re-prices theory (no-op when unchanged or not positive).
  void set_market(double spot, double vix);
  // Market time moved: time to expiry is quantised to the minute, so this re-prices only when
  // the minute changes — and then refits the stale smiles (at most once per minute).
  void set_time(core::EpochMs now_ms);

  quant::HeatmapBuilder& heatmap() { return heatmap_; }
  const quant::HeatmapBuilder& heatmap() const { return heatmap_; }
  const std::vector<ChainContract>& contracts() const { return contracts_; }
  const ChainContract* find(std::string_view ticker) const;
  core::Date session() const { return session_; }
  bool loaded() const { return loaded_; }
  std::uint64_t version() const { return version_; }
  // Tickers that entered / left the chain at the last replace() (everything enters at the first).
  const std::vector<std::string>& entered() const { return entered_; }
  const std::vector<std::string>& exited() const { return exited_; }

  // GEX over the chain (gamma and open interest of the snapshot), expired expiries dropped.
  quant::GexInput gex_input(double spot) const;
  // Contracts to subscribe on the options feed, nearest expiry first, then nearest strike.
  std::vector<RankedContract> ranked_contracts(double spot) const;
  // Contracts expiring at `session` (0-DTE), for the microstructure model.
  bool is_zero_dte(const ChainContract& c) const { return c.expiry == session_; }

 private:
  void rebuild(double spot, double vix);
  std::vector<double> years_for(core::EpochMs minute_ms) const;

  std::string symbol_;
  quant::HeatmapBuilder heatmap_;
  std::vector<ChainContract> contracts_;
  // Looked up per feed event with a string_view: no allocation on the hot path.
  struct TickerHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::uint32_t, TickerHash, std::equal_to<>> index_;
  std::vector<core::Date> expiries_;  // ascending, the heatmap's expiry inputs
  core::Date session_{};
  core::EpochMs minute_ms_ = -1;
  double spot_ = 0, vix_ = 0;
  bool loaded_ = false;
  std::uint64_t version_ = 0;  // +1 per geometry change
  std::vector<std::string> entered_, exited_;
};

}  // namespace ms::massive
