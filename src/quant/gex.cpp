#include "quant/gex.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "quant/heatmap_types.hpp"

namespace ms::quant {
namespace {

[[noreturn]] void bad_input(const std::string& what) {
  throw core::Error("invalid_gex_input", "gex input: " + what);
}

bool iso_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

struct Contribution {
  std::uint32_t expiry;  // index into the distinct dates
  std::int64_t milli;
  OptionType type;
  double gex;
};

// Folds contributions sorted by strike into one row per strike, summing every root and (for
// the all-expiry view) every expiry that shares the strike.
std::vector<StrikeGex> fold(const Contribution* first, const Contribution* last) {
  std::vector<StrikeGex> rows;
  for (const auto* c = first; c != last; ++c) {
    if (rows.empty() || rows.back().strike_milli != c->milli) {
      StrikeGex s;
      s.strike_milli = c->milli;
      s.strike = milli_to_strike(c->milli);
      rows.push_back(s);
    }
    auto& s = rows.back();
    if (c->type == OptionType::call) {
      s.call += c->gex;
      s.has_call = true;
    } else {
      s.put += c->gex;
      s.has_put = true;
    }
  }
  return rows;
}

}  // namespace

bool GexModel::has_calls() const {
  return std::any_of(all.begin(), all.end(), [](const StrikeGex& s) { return s.has_call; });
}

bool GexModel::has_puts() const {
  return std::any_of(all.begin(), all.end(), [](const StrikeGex& s) { return s.has_put; });
}

FlipLevels find_flip_levels(const std::vector<StrikeGex>& strikes, double spot) {
  FlipLevels f;
  if (!(spot > 0)) return f;
  const StrikeGex* previous = nullptr;
  for (const auto& s : strikes) {
    const double net = s.net();
    if (net == 0) continue;
    if (previous && (previous->net() > 0) != (net > 0)) {
      const double mid = 0.5 * (previous->strike + s.strike);
      if (mid < spot) f.below = f.below ? std::max(*f.below, mid) : mid;
      else if (mid > spot && !f.above) f.above = mid;
    }
    previous = &s;
  }
  if (f.below && f.above) {
    f.nearest = (*f.above - spot) < (spot - *f.below) ? f.above : f.below;
  } else {
    f.nearest = f.above ? f.above : f.below;
  }
  return f;
}

GexLevels gex_levels(const std::vector<StrikeGex>& strikes, double spot) {
  GexLevels levels;
  const StrikeGex* call_wall = nullptr;
  const StrikeGex* put_wall = nullptr;
  for (const auto& s : strikes) {
    levels.net += s.net();
    // Strict > keeps the first (lowest) strike on ties.
    if (s.has_call && (!call_wall || s.call > call_wall->call)) call_wall = &s;
    if (s.has_put && (!put_wall || s.put > put_wall->put)) put_wall = &s;
  }
  levels.flip = find_flip_levels(strikes, spot).nearest;
  if (call_wall) levels.call_wall = call_wall->strike;
  if (put_wall) levels.put_wall = put_wall->strike;
  return levels;
}

GexModel build_gex(const GexInput& input) {
  if (!(std::isfinite(input.spot) && input.spot >= 0)) bad_input("spot must be a finite number >= 0");
  if (!(std::isfinite(input.contract_multiplier) && input.contract_multiplier > 0)) {
    bad_input("contract_multiplier must be > 0");
  }
  if (!input.min_expiry_date.empty() && !iso_date(input.min_expiry_date)) {
    bad_input("min_expiry_date must be YYYY-MM-DD, got \"" + input.min_expiry_date + "\"");
  }
  GexModel model;
  model.symbol = input.symbol;
  model.spot = input.spot;

  std::vector<std::string> dates;  // distinct, in first-seen order
  std::vector<Contribution> contributions;
  contributions.reserve(input.contracts.size());
  for (std::size_t i = 0; i < input.contracts.size(); ++i) {
    const auto& c = input.contracts[i];
    if (!iso_date(c.expiry_date)) {
      bad_input("contracts[" + std::to_string(i) + "].expiry_date must be YYYY-MM-DD, got \"" +
                c.expiry_date + "\"");
    }
    if (!(std::isfinite(c.strike) && c.strike > 0 && c.strike < 1e11)) {
      bad_input("contracts[" + std::to_string(i) + "].strike must be a finite number > 0");
    }
    if (!input.min_expiry_date.empty() && c.expiry_date < input.min_expiry_date) continue;
    const bool usable = c.gamma && std::isfinite(*c.gamma) && *c.gamma >= 0 && c.open_interest &&
                        std::isfinite(*c.open_interest) && *c.open_interest > 0;
    if (!usable) {
      ++model.contracts_skipped;
      continue;
    }
    auto date = std::find(dates.begin(), dates.end(), c.expiry_date);
    if (date == dates.end()) date = dates.insert(dates.end(), c.expiry_date);
    contributions.push_back({static_cast<std::uint32_t>(date - dates.begin()),
                             strike_to_milli(c.strike), c.type,
                             *c.gamma * *c.open_interest * input.contract_multiplier});
  }
  model.contracts_used = contributions.size();

  // Stable sorts keep the input order within a strike, so sums are reproducible.
  std::stable_sort(contributions.begin(), contributions.end(), [](const auto& a, const auto& b) {
    return a.expiry != b.expiry ? a.expiry < b.expiry : a.milli < b.milli;
  });
  std::vector<std::uint32_t> date_order(dates.size());
  for (std::uint32_t i = 0; i < dates.size(); ++i) date_order[i] = i;
  std::sort(date_order.begin(), date_order.end(),
            [&](auto a, auto b) { return dates[a] < dates[b]; });
  for (auto d : date_order) {
    const auto first = std::partition_point(contributions.begin(), contributions.end(),
                                            [&](const Contribution& c) { return c.expiry < d; });
    const auto last = std::partition_point(first, contributions.end(),
                                           [&](const Contribution& c) { return c.expiry <= d; });
    ExpiryGex e;
    e.date = dates[d];
    e.strikes = fold(contributions.data() + (first - contributions.begin()),
                     contributions.data() + (last - contributions.begin()));
    e.levels = gex_levels(e.strikes, input.spot);
    model.expirations.push_back(std::move(e));
  }
  std::stable_sort(contributions.begin(), contributions.end(),
                   [](const auto& a, const auto& b) { return a.milli < b.milli; });
  model.all = fold(contributions.data(), contributions.data() + contributions.size());
  model.all_levels = gex_levels(model.all, input.spot);
  return model;
}

}  // namespace ms::quant
