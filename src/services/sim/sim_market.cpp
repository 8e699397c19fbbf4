#include "services/sim/sim_market.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"

namespace ms::sim {

namespace {

constexpr EpochMs kMinuteMs = 60'000;
// SPX/NDX trade on one exchange each in the sim; SPY prints across these venues.
constexpr int kSpyExchanges[] = {4, 10, 11, 12, 15, 19};
constexpr int kSpyTape = 2;           // tape B: NYSE Arca listing
constexpr int kOddLotCondition = 37;  // vendor condition code for odd lots
constexpr int kOptionCondition = 209;

core::Session first_session_of(core::Date d) {
  const auto s = core::session_for(core::trading_day_on_or_after(d));
  return *s;
}

std::uint64_t checked_seed(const SimConfig& c) {
  if (c.tick_ms < kSubstepMs || c.tick_ms % kSubstepMs != 0 || kMinuteMs % c.tick_ms != 0) {
    throw core::Error("bad_sim_config",
                      "tick_ms must be a multiple of 100 that divides one minute, got " +
                          std::to_string(c.tick_ms));
  }
  if (!(c.option_trades_per_second >= 0 && c.option_trades_per_second <= 10 &&
        c.spy_trades_per_second >= 0 && c.spy_trades_per_second <= 10)) {
    throw core::Error("bad_sim_config", "trade rates must be in [0, 10] per second");
  }
  return c.seed;
}

MarketModelConfig seeded(MarketModelConfig m, std::uint64_t seed) {
  m.seed = seed;
  return m;
}

Aggregate aggregate_of(const Bar& bar, EpochMs start, EpochMs end, double day_open) {
  Aggregate a;
  a.open = bar.open;
  a.high = bar.high;
  a.low = bar.low;
  a.close = bar.close;
  a.start_ms = start;
  a.end_ms = end;
  a.day_open = day_open;
  return a;
}

Aggregate traded_aggregate(const Bar& bar, const Bar& day, EpochMs start, EpochMs end) {
  Aggregate a = aggregate_of(bar, start, end, day.open);
  a.has_volume = true;
  a.volume = bar.volume;
  a.day_volume = day.volume;
  a.vwap = bar.vwap();
  a.day_vwap = day.vwap();
  a.average_size = bar.trades > 0 ? bar.volume / bar.trades : 0;
  return a;
}


}  // namespace

void Bar::add(double price, std::int64_t size) {
  if (!has_data) {
    has_data = true;
    open = high = low = close = price;
  } else {
    high = std::max(high, price);
    low = std::min(low, price);
    close = price;
  }
  if (size > 0) {
    volume += size;
    notional += price * double(size);
    ++trades;
  }
}

std::string_view index_ticker(Index i) {
  switch (i) {
    case Index::spx: return "I:SPX";
    case Index::ndx: return "I:NDX";
    case Index::vix: return "I:VIX";
  }
  return "";
}

std::string_view index_name(Index i) {
  switch (i) {
    case Index::spx: return "S&P 500";
    case Index::ndx: return "Nasdaq-100";
    case Index::vix: return "Cboe Volatility Index";
  }
  return "";
}

std::optional<Index> parse_index_ticker(std::string_view t) {
  for (auto i : kAllIndices) {
    if (index_ticker(i) == t) return i;
  }
  return std::nullopt;
}

std::string_view stock_ticker(Stock s) {
  switch (s) {
    case Stock::spy: return "SPY";
    case Stock::qqq: return "QQQ";
    case Stock::iwm: return "IWM";
  }
  return "";
}

std::string_view stock_name(Stock s) {
  switch (s) {
    case Stock::spy: return "SPDR S&P 500 ETF Trust";
    case Stock::qqq: return "Invesco QQQ Trust, Series 1";
    case Stock::iwm: return "iShares Russell 2000 ETF";
  }
  return "";
}

std::optional<Stock> parse_stock_ticker(std::string_view t) {
  for (auto s : kAllStocks) {
    if (stock_ticker(s) == t) return s;
  }
  return std::nullopt;
}

SimMarket::SimMarket(SimConfig config, core::Date first_session,
                     std::chrono::milliseconds start_offset)
    : config_(config),
      session_(first_session_of(first_session)),
      model_(seeded(config.model, checked_seed(config)), session_),
      spy_rng_(mix(config.seed, stable_hash(kSpyTicker))) {
  config_.model.seed = config_.seed;
  config_.chain.seed = config_.seed;
  open_session(session_);
  const EpochMs offset = start_offset.count();
  if (offset < 0 || offset >= session_.close_ms - session_.open_ms) {
    throw core::Error("bad_offset", "start offset " + std::to_string(offset) +
                                        " ms is outside the session of " +
                                        core::format_date(session_.date));
  }
  while (next_tick_ms_ < session_.open_ms + offset) advance_one_tick();
}

void SimMarket::open_session(const core::Session& s) {
  session_ = s;
  next_tick_ms_ = s.open_ms;
  now_ms_ = s.open_ms;
  opened_ = false;
  const auto& st = model_.state();
  chain_ = OptionChain::build(config_.chain, s.date, st.spx, st.ndx, st.vix);
  ++chain_generation_;
  days_.assign(chain_.size(), ContractDay{});
  memo_at_ = -1;
  memo_state_.assign(chain_.size(), 0);
  memo_valuation_.assign(chain_.size(), Valuation{});
  memo_quote_.assign(chain_.size(), OptionQuote{});
  candidates_.clear();
  groups_.clear();
  for (std::uint32_t i = 0; i < chain_.size(); ++i) {
    const auto q = quote(i);
    days_[i].previous_close_cents = (q.bid_cents + q.ask_cents) / 2;
    const auto& c = chain_[i];
    std::size_t g = 0;
    while (g < groups_.size() &&
           (groups_[g].underlying != c.underlying || groups_[g].expiration_ms != c.expiration_ms)) {
      ++g;
    }
    if (g == groups_.size()) groups_.push_back({c.underlying, c.expiration_ms, 0});
    // 0-DTE is where the day's volume is; later expiries trade far less.
    const float expiry_factor = c.dte == 0                             ? 1.0f
                                : c.dte == 1                           ? 0.3f
                                : c.settlement == core::Settlement::am ? 0.12f
                                                                       : 0.08f;
    candidates_.push_back({c.hash, c.strike, expiry_factor, std::uint16_t(g)});
  }
  const auto& prev = model_.previous_close();
  const double prevs[3] = {prev.spx, prev.ndx, prev.vix};
  for (int i = 0; i < 3; ++i) index_days_[i] = IndexDay{prevs[i], {}, {}, {}};
  const double prev_stocks[3] = {prev.spy, prev.qqq, prev.iwm};
  for (int i = 0; i < 3; ++i) {
    stocks_[i] = StockDay{};
    stocks_[i].previous_close = prev_stocks[i];
  }
  traded_this_tick_.clear();
  traded_this_minute_.clear();
}

EpochMs SimMarket::next_tick_ms() const {
  if (next_tick_ms_ > session_.close_ms) {
    return core::session_for(core::next_trading_day(session_.date))->open_ms;
  }
  return next_tick_ms_;
}

double SimMarket::spot(Underlying u) const {
  return u == Underlying::spx ? model_.state().spx : model_.state().ndx;
}

double SimMarket::index_value(Index i) const {
  const auto& s = model_.state();
  return i == Index::spx ? s.spx : i == Index::ndx ? s.ndx : s.vix;
}

void SimMarket::ensure_memo() const {
  if (memo_at_ != now_ms_) {
    memo_at_ = now_ms_;
    std::fill(memo_state_.begin(), memo_state_.end(), std::uint8_t{0});
  }
}

Valuation SimMarket::valuation(std::uint32_t i) const {
  ensure_memo();
  if (memo_state_[i] == 0) {
    const auto& c = chain_[i];
    memo_valuation_[i] =
        value_contract(c, spot(c.underlying), model_.state().vix, now_ms_, config_.chain.rate);
    memo_state_[i] = 1;
  }
  return memo_valuation_[i];
}

OptionQuote SimMarket::quote(std::uint32_t i) const {
  const Valuation v = valuation(i);
  if (memo_state_[i] < 2) {
    const auto& c = chain_[i];
    // Sizes refresh every 10 s per contract, staggered so they do not all move at once.
    const std::uint64_t epoch = std::uint64_t(now_ms_ / 1000 + EpochMs(c.hash % 10)) / 10;
    memo_quote_[i] = make_quote(c, v, now_ms_, mix(config_.seed, c.hash, epoch, 0x51));
    memo_state_[i] = 2;
  }
  return memo_quote_[i];
}

double SimMarket::stock_value(Stock s) const {
  const auto& st = model_.state();
  return s == Stock::spy ? st.spy : s == Stock::qqq ? st.qqq : st.iwm;
}

std::optional<Bar> SimMarket::previous_stock_bar(Stock s) const {
  // The newest closed record of an earlier session.
  for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
    if (!it->closed || it->date == session_.date) continue;
    const auto v = it->values.find(stock_ticker(s));
    if (v != it->values.end() && v->second.day.has_data) return v->second.day;
    return std::nullopt;
  }
  return std::nullopt;
}

QuotePrint SimMarket::stock_quote(Stock s) const {
  const double value = stock_value(s);
  QuotePrint q;
  q.bid_cents = std::int64_t(std::floor(value * 100.0));
  q.ask_cents = q.bid_cents + 1;
  const std::uint64_t h = mix(config_.seed, stable_hash(stock_ticker(s)), std::uint64_t(now_ms_));
  q.bid_size = 100 * std::int64_t(1 + mix(h, 1) % 30);
  q.ask_size = 100 * std::int64_t(1 + mix(h, 2) % 30);
  q.bid_exchange = kSpyExchanges[mix(h, 3) % std::size(kSpyExchanges)];
  q.ask_exchange = kSpyExchanges[mix(h, 4) % std::size(kSpyExchanges)];
  q.tape = kSpyTape;
  return q;
}

const MarketTick& SimMarket::advance_one_tick() {
  if (next_tick_ms_ > session_.close_ms) {
    const auto next = core::session_for(core::next_trading_day(session_.date));
    completed_ms_ += session_.close_ms - session_.open_ms;
    model_.start_session(*next);
    ++session_index_;
    open_session(*next);
  }
  const EpochMs t = next_tick_ms_;
  tick_.t = t;
  tick_.session_date = session_.date;
  tick_.session_index = session_index_;
  tick_.session_opened = !opened_;
  tick_.session_closed = t == session_.close_ms;
  tick_.events.clear();
  traded_this_tick_.clear();

  if (!opened_) {
    opened_ = true;
    for (auto i : kAllIndices) index_days_[static_cast<int>(i)].day.add(index_value(i), 0);
    now_ms_ = t;
    record_open();
  }
  while (model_.state().ts_ms + kSubstepMs <= t) {
    if (!model_.step()) break;
    on_substep(tick_);
  }
  now_ms_ = t;
  if (t > session_.open_ms) trade_options(tick_, t);
  for (auto i : kAllIndices) {
    tick_.events.push_back(
        {Channel::value, std::string(index_ticker(i)), t, IndexValue{index_value(i)}});
  }
  if (t > session_.open_ms) close_second(tick_, t);
  if (t > session_.open_ms && ((t - session_.open_ms) % kMinuteMs == 0 || t == session_.close_ms)) {
    close_minute(tick_, t);
  }
  if (tick_.session_closed) record_close();
  next_tick_ms_ = t + config_.tick_ms;
  ++ticks_;
  return tick_;
}

void SimMarket::advance_to(EpochMs market_ms,
                           const std::function<void(const MarketTick&)>& on_tick) {
  while (next_tick_ms() <= market_ms) {
    const auto& tick = advance_one_tick();
    if (on_tick) on_tick(tick);
  }
}

void SimMarket::on_substep(MarketTick& tick) {
  const auto& s = model_.state();
  for (auto i : kAllIndices) {
    auto& d = index_days_[static_cast<int>(i)];
    const double v = index_value(i);
    d.day.add(v, 0);
    d.second.add(v, 0);
    d.minute.add(v, 0);
  }
  // A fixed number of draws per substep keeps the SPY stream aligned whatever happens.
  const double u_trade = spy_rng_.uniform();
  const double u_lot = spy_rng_.uniform();
  const double u_size = spy_rng_.uniform();
  const double u_price = spy_rng_.uniform();
  const double u_time = spy_rng_.uniform();
  const std::uint64_t u_exchange = spy_rng_.bits();
  const double per_substep =
      config_.spy_trades_per_second * double(kSubstepMs) / 1000.0 * model_.intraday_vol_factor_at(s.ts_ms);
  for (auto st : {Stock::qqq, Stock::iwm}) trade_stock(st, tick, s);
  if (u_trade >= std::min(0.95, per_substep)) return;

  TradePrint p;
  p.price_cents = std::llround(s.spy * 100.0) + (u_price < 0.25 ? -1 : u_price > 0.75 ? 1 : 0);
  const bool odd_lot = u_lot < 0.25;
  if (odd_lot) {
    p.size = 1 + std::int64_t(u_size * 99.0);
    p.conditions = {kOddLotCondition};
  } else {
    p.size = 100 * std::min<std::int64_t>(50, 1 + std::int64_t(-std::log(1.0 - u_size) * 1.5));
  }
  p.exchange = kSpyExchanges[u_exchange % std::size(kSpyExchanges)];
  p.tape = kSpyTape;
  StockDay& spy = stocks_[0];
  ++spy.trade_count;
  p.trade_id = std::to_string(spy.trade_count);
  const EpochMs t = s.ts_ms - EpochMs(u_time * double(kSubstepMs - 1));
  const double price = double(p.price_cents) / 100.0;
  spy.day.add(price, p.size);
  spy.second.add(price, p.size);
  spy.minute.add(price, p.size);
  spy.last_trade = p;
  spy.last_trade_ms = t;
  tick.events.push_back({Channel::trade, std::string(kSpyTicker), t, std::move(p)});
}

void SimMarket::trade_options(MarketTick& tick, EpochMs t) {
  const double uf = model_.intraday_vol_factor_at(t);
  const double per_tick = config_.option_trades_per_second * double(config_.tick_ms) / 1000.0 * uf;
  constexpr double kMsPerYear = 365.0 * 24 * 3600 * 1000;
  constexpr double kMinYears = 15.0 * 60'000 / kMsPerYear;
  for (auto& g : groups_) {
    const double years = std::max(kMinYears, double(g.expiration_ms - t) / kMsPerYear);
    g.scale = spot(g.underlying) * atm_vol(model_.state().vix, years) * std::sqrt(years);
  }
  option_trades_.clear();
  // One full mix per tick, one finaliser per contract: the draw stays a pure function of
  // (seed, contract, tick) at a third of the cost.
  const std::uint64_t tick_key = mix(config_.seed, std::uint64_t(t));
  for (std::uint32_t i = 0; i < candidates_.size(); ++i) {
    const auto& k = candidates_[i];
    const double p_max = std::min(0.9, per_tick * double(k.expiry_factor));
    const std::uint64_t h = splitmix64(tick_key ^ k.hash);
    const double u = unit_from_bits(h);
    if (u >= p_max) continue;  // most contracts stop here, before any pricing
    const auto& g = groups_[k.group];
    // Activity is a bell 1.5 standard deviations wide around the money (linear moneyness is
    // plenty for deciding who trades; prices use the full model).
    const double z = (k.strike - spot(g.underlying)) / (1.5 * g.scale);
    if (std::abs(z) > 6.0) continue;
    if (u >= p_max * std::exp(-0.5 * z * z)) continue;

    const auto& c = chain_[i];
    const OptionQuote q = quote(i);
    TradePrint p;
    const double side = unit_from_bits(mix(h, 1));
    if (q.bid_cents == 0 || side < 0.4) {
      p.price_cents = q.ask_cents;
    } else if (side < 0.8) {
      p.price_cents = q.bid_cents;
    } else {
      const std::int64_t mid = floor_to_tick(double(q.bid_cents + q.ask_cents) / 200.0);
      p.price_cents = mid > q.bid_cents && mid < q.ask_cents ? mid : q.bid_cents;
    }
    p.size = 1 + std::int64_t(-std::log(1.0 - unit_from_bits(mix(h, 2))) * 4.0);
    if (unit_from_bits(mix(h, 3)) < 0.01) p.size *= 10;
    p.size = std::min<std::int64_t>(p.size, 500);
    p.exchange = underlying_spec(c.underlying).exchange_id;
    p.conditions = {kOptionCondition};
    const EpochMs at = t - EpochMs(mix(h, 4) % std::uint64_t(config_.tick_ms));

    auto& d = days_[i];
    const double price = double(p.price_cents) / 100.0;
    d.day.add(price, p.size);
    if (!d.minute.has_data) traded_this_minute_.push_back(i);
    d.minute.add(price, p.size);
    d.last_price_cents = p.price_cents;
    d.last_size = p.size;
    d.last_exchange = p.exchange;
    d.last_trade_ms = at;
    traded_this_tick_.push_back(i);
    option_trades_.push_back({Channel::trade, c.ticker, at, std::move(p)});
  }
  // Merge into the tick's (already time-ordered) SPY trades, moving each event once.
  std::stable_sort(option_trades_.begin(), option_trades_.end(),
                   [](const MarketEvent& a, const MarketEvent& b) { return a.t < b.t; });
  std::vector<MarketEvent> merged;
  merged.reserve(tick.events.size() + option_trades_.size());
  std::merge(std::make_move_iterator(tick.events.begin()), std::make_move_iterator(tick.events.end()),
             std::make_move_iterator(option_trades_.begin()),
             std::make_move_iterator(option_trades_.end()), std::back_inserter(merged),
             [](const MarketEvent& a, const MarketEvent& b) { return a.t < b.t; });
  tick.events = std::move(merged);
}

void SimMarket::close_second(MarketTick& tick, EpochMs t) {
  const EpochMs start = t - config_.tick_ms;
  for (auto i : kAllIndices) {
    auto& d = index_days_[static_cast<int>(i)];
    if (d.second.has_data) {
      tick.events.push_back({Channel::second_agg, std::string(index_ticker(i)), t,
                             aggregate_of(d.second, start, t, d.day.open)});
    }
    d.second = Bar{};
  }
  StockDay& spy = stocks_[0];
  if (spy.second.has_data) {
    tick.events.push_back({Channel::second_agg, std::string(kSpyTicker), t,
                           traded_aggregate(spy.second, spy.day, start, t)});
  }
  for (auto& st : stocks_) st.second = Bar{};
  for (auto i : traded_this_tick_) {
    const auto& d = days_[i];
    Bar b;
    b.add(double(d.last_price_cents) / 100.0, d.last_size);
    tick.events.push_back(
        {Channel::second_agg, chain_[i].ticker, t, traded_aggregate(b, d.day, start, t)});
  }
}

void SimMarket::close_minute(MarketTick& tick, EpochMs t) {
  const EpochMs start = t - (t - session_.open_ms - 1) % kMinuteMs - 1;
  for (auto i : kAllIndices) {
    auto& d = index_days_[static_cast<int>(i)];
    if (d.minute.has_data) {
      tick.events.push_back({Channel::minute_agg, std::string(index_ticker(i)), t,
                             aggregate_of(d.minute, start, t, d.day.open)});
    }
    d.minute = Bar{};
  }
  StockDay& spy = stocks_[0];
  if (spy.minute.has_data) {
    tick.events.push_back({Channel::minute_agg, std::string(kSpyTicker), t,
                           traded_aggregate(spy.minute, spy.day, start, t)});
  }
  for (auto& st : stocks_) {
    if (st.minute.has_data) {
      st.last_minute = st.minute;
      st.last_minute_start = start;
    }
    st.minute = Bar{};
  }
  std::sort(traded_this_minute_.begin(), traded_this_minute_.end());
  for (auto i : traded_this_minute_) {
    auto& d = days_[i];
    tick.events.push_back(
        {Channel::minute_agg, chain_[i].ticker, t, traded_aggregate(d.minute, d.day, start, t)});
    d.minute = Bar{};
  }
  traded_this_minute_.clear();
}

// QQQ and IWM: the same trade process as SPY, drawn counter-based per (stock, substep) so
// SPY's own stream, and every test pinned to it, stay as they were. Not WebSocket events.
void SimMarket::trade_stock(Stock st, MarketTick&, const MarketState& s) {
  const std::uint64_t h = mix(config_.seed, stable_hash(stock_ticker(st)), std::uint64_t(s.ts_ms));
  const double per_substep =
      config_.spy_trades_per_second * double(kSubstepMs) / 1000.0 * model_.intraday_vol_factor_at(s.ts_ms);
  if (unit_from_bits(h) >= std::min(0.95, per_substep)) return;
  StockDay& d = stocks_[static_cast<int>(st)];
  TradePrint p;
  const double u_price = unit_from_bits(mix(h, 1));
  p.price_cents = std::llround(stock_value(st) * 100.0) + (u_price < 0.25 ? -1 : u_price > 0.75 ? 1 : 0);
  p.size = 100 * std::min<std::int64_t>(50, 1 + std::int64_t(-std::log(1.0 - unit_from_bits(mix(h, 2))) * 1.5));
  p.exchange = kSpyExchanges[mix(h, 3) % std::size(kSpyExchanges)];
  p.tape = kSpyTape;
  ++d.trade_count;
  p.trade_id = std::to_string(d.trade_count);
  const double price = double(p.price_cents) / 100.0;
  d.day.add(price, p.size);
  d.second.add(price, p.size);
  d.minute.add(price, p.size);
  d.last_trade = p;
  d.last_trade_ms = s.ts_ms - EpochMs(mix(h, 4) % std::uint64_t(kSubstepMs - 1));
}

// A seeded, never-zero offset of at most max_offset_bp of the value (at least one cent): the
// official value and the tick it follows are told apart by every test.
double SimMarket::offset(std::string_view ticker, double value, std::uint64_t what) const {
  const auto day = std::uint64_t(std::chrono::sys_days(session_.date).time_since_epoch().count());
  const std::uint64_t h = mix(config_.seed, stable_hash(ticker), day, what);
  const double bp = config_.settlement.max_offset_bp * (0.3 + 0.7 * unit_from_bits(h));
  double cents = std::round(value * bp / 1e4 * 100.0);
  if (cents < 1) cents = 1;
  return (mix(h, 1) & 1 ? 1.0 : -1.0) * cents / 100.0;
}

void SimMarket::record_open() {
  SessionRecord r;
  r.date = session_.date;
  r.open_elapsed = elapsed_ms();
  auto add = [&](std::string_view ticker, double value) {
    OfficialValues v;
    v.first_tick = value;
    v.official_open = std::round((value + offset(ticker, value, 0x4F50454E /* OPEN */)) * 100.0) / 100.0;
    r.values.emplace(std::string(ticker), v);
  };
  for (auto i : kAllIndices) add(index_ticker(i), index_value(i));
  for (auto st : kAllStocks) add(stock_ticker(st), stock_value(st));
  records_.push_back(std::move(r));
  while (records_.size() > kKeptSessions) records_.pop_front();
}

void SimMarket::record_close() {
  if (records_.empty() || records_.back().date != session_.date) return;
  SessionRecord& r = records_.back();
  r.closed = true;
  r.close_elapsed = elapsed_ms();
  auto close = [&](std::string_view ticker, double last, const Bar& day) {
    auto& v = r.values[std::string(ticker)];
    v.last_tick = last;
    v.official_close = std::round((last + offset(ticker, last, 0x434C4F5345 /* CLOSE */)) * 100.0) / 100.0;
    v.day = day;
    const auto day_n = std::uint64_t(std::chrono::sys_days(session_.date).time_since_epoch().count());
    const std::uint64_t h = mix(config_.seed, stable_hash(ticker), day_n, 0x434F5252 /* CORR */);
    if (unit_from_bits(h) < config_.settlement.correction_probability) {
      const double c = v.official_close + offset(ticker, v.official_close, 0x5245 /* RE */) / 3.0;
      v.corrected_close = std::round(c * 100.0) / 100.0;
      if (*v.corrected_close == v.official_close) *v.corrected_close += 0.01;
    }
  };
  for (auto i : kAllIndices) close(index_ticker(i), index_value(i), index_days_[static_cast<int>(i)].day);
  for (auto st : kAllStocks) {
    const StockDay& d = stocks_[static_cast<int>(st)];
    const double last = d.last_trade_ms > 0 ? double(d.last_trade.price_cents) / 100.0 : stock_value(st);
    close(stock_ticker(st), last, d.day);
  }
}

const SessionRecord* SimMarket::session_record(core::Date date) const {
  for (const auto& r : records_) {
    if (r.date == date) return &r;
  }
  return nullptr;
}

std::optional<DaySummary> SimMarket::day_summary(std::string_view ticker, core::Date date) const {
  const SessionRecord* r = session_record(date);
  if (!r) return std::nullopt;
  const auto v = r->values.find(ticker);
  if (v == r->values.end()) return std::nullopt;
  const auto& cfg = config_.settlement;
  const EpochMs now = elapsed_ms();
  if (now - r->open_elapsed < cfg.open_final_after_ms) return std::nullopt;
  DaySummary d;
  d.ticker = std::string(ticker);
  d.date = date;
  d.open = v->second.official_open;
  const auto stock = parse_stock_ticker(ticker);
  d.stock = stock.has_value();
  Bar day = v->second.day;
  if (!r->closed) {
    if (const auto i = parse_index_ticker(ticker)) {
      day = index_days_[static_cast<int>(*i)].day;
    } else if (stock) {
      day = stocks_[static_cast<int>(*stock)].day;
    }
  }
  d.high = day.has_data ? day.high : d.open;
  d.low = day.has_data ? day.low : d.open;
  d.volume = day.volume;
  if (r->closed && now - r->close_elapsed >= cfg.close_final_after_ms) {
    d.close = v->second.official_close;
    if (v->second.corrected_close && now - r->close_elapsed >= cfg.correction_after_ms) {
      d.close = v->second.corrected_close;
    }
  }
  // The official values bound the day too.
  d.high = std::max({d.high, d.open, d.close.value_or(d.open)});
  d.low = std::min({d.low, d.open, d.close.value_or(d.open)});
  return d;
}

}  // namespace ms::sim
