#include "marketdata/frame_decoder.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <simdjson.h>

namespace ms::marketdata {

namespace {

namespace od = simdjson::ondemand;

// One pass over an event object: every field this client knows is read by the JSON type it
// has, so the fields can come in any order; the event type decides afterwards which ones it
// needs. Unknown fields (and arrays such as a trade's conditions) are never touched, which
// on-demand skips cheaply.
enum class Slot : std::uint8_t { absent, ok, bad };

struct Num {
  Slot slot = Slot::absent;
  bool integral = false;
  std::int64_t i = 0;
  double d = 0;
};

struct Str {
  Slot slot = Slot::absent;
  std::string_view v;
};

struct Fields {
  Str ev, sym, T, status, message, session_date, phase;
  Num p, s, t, x, q, c, bp, ap, bs, as, val, o, h, l, v, e, ts_ms, speed;
};

// Outcome of reading one value: ok, wrong type (the event is skipped), or broken JSON (the
// whole frame is malformed).
enum class Read { ok, wrong, broken };

bool structural(simdjson::error_code e) {
  switch (e) {
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return false;
    default:
      return true;
  }
}

Read read_num(od::value& value, od::json_type type, Num& out) {
  if (type != od::json_type::number) {
    out.slot = Slot::bad;
    return Read::ok;
  }
  od::number n;
  const auto err = value.get_number().get(n);
  if (err) {
    if (structural(err)) return Read::broken;
    out.slot = Slot::bad;
    return Read::ok;
  }
  switch (n.get_number_type()) {
    case od::number_type::signed_integer:
      out.i = n.get_int64();
      out.d = double(out.i);
      out.integral = true;
      break;
    case od::number_type::unsigned_integer: {
      const std::uint64_t u = n.get_uint64();
      out.i = static_cast<std::int64_t>(u);  // only q can be this large; it reads back as uint64
      out.d = double(u);
      out.integral = true;
      break;
    }
    default: {
      out.d = n.get_double();
      // An integer written as a float (6000.0) still counts as an integer.
      out.integral = std::isfinite(out.d) && std::floor(out.d) == out.d && std::fabs(out.d) < 9.2e18;
      out.i = out.integral ? static_cast<std::int64_t>(out.d) : 0;
      break;
    }
  }
  out.slot = Slot::ok;
  return Read::ok;
}

Read read_str(od::value& value, od::json_type type, Str& out) {
  if (type != od::json_type::string) {
    out.slot = Slot::bad;
    return Read::ok;
  }
  const auto err = value.get_string().get(out.v);
  if (err) {
    if (structural(err)) return Read::broken;
    out.slot = Slot::bad;
    return Read::ok;
  }
  out.slot = Slot::ok;
  return Read::ok;
}

Read read_fields(od::object& object, Fields& f) {
  // The simdjson_result<field> is used in place: copying the field out costs a store-forwarding
  // stall per field.
  for (auto field : object) {
    // The raw key between the quotes (on-demand guarantees the closing quote). A key with
    // escapes never matches a known key, which is fine.
    od::raw_json_string rk;
    if (field.key().get(rk)) return Read::broken;
    const char* kp = rk.raw();
    const char* kend = std::strchr(kp, '"');
    const std::string_view key(kp, kend ? std::size_t(kend - kp) : 0);
    od::value value;
    if (field.value().get(value)) return Read::broken;
    od::json_type type;
    if (value.type().get(type)) return Read::broken;
    Read r = Read::ok;
    switch (key.size()) {
      case 1:
        switch (key[0]) {
          case 'T': r = read_str(value, type, f.T); break;
          case 'p': r = read_num(value, type, f.p); break;
          case 's': r = read_num(value, type, f.s); break;
          case 't': r = read_num(value, type, f.t); break;
          case 'x': r = read_num(value, type, f.x); break;
          case 'q': r = read_num(value, type, f.q); break;
          case 'c':
            // A trade's conditions are an array; an aggregate's close is a number.
            if (type == od::json_type::number) r = read_num(value, type, f.c);
            break;
          case 'o': r = read_num(value, type, f.o); break;
          case 'h': r = read_num(value, type, f.h); break;
          case 'l': r = read_num(value, type, f.l); break;
          case 'v': r = read_num(value, type, f.v); break;
          case 'e': r = read_num(value, type, f.e); break;
          default: break;
        }
        break;
      case 2:
        if (key == "ev") r = read_str(value, type, f.ev);
        else if (key == "bp") r = read_num(value, type, f.bp);
        else if (key == "ap") r = read_num(value, type, f.ap);
        else if (key == "bs") r = read_num(value, type, f.bs);
        else if (key == "as") r = read_num(value, type, f.as);
        break;
      case 3:
        if (key == "sym") r = read_str(value, type, f.sym);
        else if (key == "val") r = read_num(value, type, f.val);
        break;
      case 5:
        if (key == "ts_ms") r = read_num(value, type, f.ts_ms);
        else if (key == "phase") r = read_str(value, type, f.phase);
        else if (key == "speed") r = read_num(value, type, f.speed);
        break;
      case 6:
        if (key == "status") r = read_str(value, type, f.status);
        break;
      case 7:
        if (key == "message") r = read_str(value, type, f.message);
        break;
      case 12:
        if (key == "session_date") r = read_str(value, type, f.session_date);
        break;
      default:
        break;
    }
    if (r == Read::broken) return r;
  }
  return Read::ok;
}

bool ok(const Str& s) { return s.slot == Slot::ok; }
bool ok(const Num& n) { return n.slot == Slot::ok; }
bool ok_int(const Num& n) { return n.slot == Slot::ok && n.integral; }
std::int64_t opt_int(const Num& n) { return ok_int(n) ? n.i : 0; }

// Builds the event from the fields; false when it is of an unused type or misses a field.
bool build(const Fields& f, std::vector<FeedEvent>& out) {
  if (!ok(f.ev)) return false;
  const std::string_view ev = f.ev.v;
  if (ev == "T") {
    if (!ok(f.sym) || !ok(f.p) || !ok_int(f.s) || !ok_int(f.t)) return false;
    TradeEvent e;
    e.sym.assign(f.sym.v);
    e.price = f.p.d;
    e.size = f.s.i;
    e.t_ms = f.t.i;
    e.exchange = static_cast<int>(opt_int(f.x));
    e.q = static_cast<std::uint64_t>(opt_int(f.q));
    out.emplace_back(std::move(e));
    return true;
  }
  if (ev == "Q") {
    if (!ok(f.sym) || !ok(f.bp) || !ok(f.ap) || !ok_int(f.t)) return false;
    QuoteEvent e;
    e.sym.assign(f.sym.v);
    e.bid = f.bp.d;
    e.ask = f.ap.d;
    e.bid_size = opt_int(f.bs);
    e.ask_size = opt_int(f.as);
    e.t_ms = f.t.i;
    e.q = static_cast<std::uint64_t>(opt_int(f.q));
    out.emplace_back(std::move(e));
    return true;
  }
  if (ev == "V") {
    if (!ok(f.T) || !ok(f.val) || !ok_int(f.t)) return false;
    IndexValueEvent e;
    e.ticker.assign(f.T.v);
    e.value = f.val.d;
    e.t_ms = f.t.i;
    out.emplace_back(std::move(e));
    return true;
  }
  if (ev == "A" || ev == "AM") {
    if (!ok(f.sym) || !ok(f.o) || !ok(f.h) || !ok(f.l) || !ok(f.c) || !ok_int(f.s) || !ok_int(f.e)) {
      return false;
    }
    AggregateEvent e;
    e.sym.assign(f.sym.v);
    e.minute = ev.size() == 2;
    e.open = f.o.d;
    e.high = f.h.d;
    e.low = f.l.d;
    e.close = f.c.d;
    if (ok_int(f.v)) e.volume = f.v.i;
    e.start_ms = f.s.i;
    e.end_ms = f.e.i;
    out.emplace_back(std::move(e));
    return true;
  }
  if (ev == "status") {
    if (!ok(f.status)) return false;
    if (f.status.v == "clock") {
      if (!ok_int(f.ts_ms)) return false;
      ClockEvent e;
      e.ts_ms = f.ts_ms.i;
      if (ok(f.session_date)) e.session_date.assign(f.session_date.v);
      if (ok(f.phase)) e.phase.assign(f.phase.v);
      if (ok(f.speed)) e.speed = f.speed.d;
      out.emplace_back(std::move(e));
      return true;
    }
    StatusEvent e;
    e.status.assign(f.status.v);
    if (ok(f.message)) e.message.assign(f.message.v);
    out.emplace_back(std::move(e));
    return true;
  }
  return false;
}

}  // namespace

struct FrameDecoder::Impl {
  od::parser parser;
  std::unique_ptr<char[]> buffer;  // the frame plus simdjson's padding
  std::size_t capacity = 0;

  // ok: decoded (or skipped, counted in `skipped`); broken: the frame is malformed.
  Read event(od::value& value, std::vector<FeedEvent>& out, DecodeResult& r) {
    od::json_type type;
    if (value.type().get(type)) return Read::broken;
    if (type != od::json_type::object) {
      ++r.skipped;  // not an event; on-demand skips it when iteration moves on
      return Read::ok;
    }
    od::object object;
    if (value.get_object().get(object)) return Read::broken;
    Fields fields;
    if (read_fields(object, fields) == Read::broken) return Read::broken;
    if (build(fields, out)) {
      ++r.events;
    } else {
      ++r.skipped;
    }
    return Read::ok;
  }

  DecodeResult decode(std::string_view frame, std::vector<FeedEvent>& out) {
    const std::size_t needed = frame.size() + simdjson::SIMDJSON_PADDING;
    if (needed > capacity) {
      capacity = std::max(needed, std::size_t(4096));
      buffer.reset(new char[capacity]);
    }
    std::memcpy(buffer.get(), frame.data(), frame.size());
    std::memset(buffer.get() + frame.size(), 0, simdjson::SIMDJSON_PADDING);

    const std::size_t start = out.size();
    DecodeResult r;
    auto fail = [&] {
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(start), out.end());
      return DecodeResult{true, 0, 0};
    };

    od::document doc;
    if (parser.iterate(buffer.get(), frame.size(), capacity).get(doc)) return fail();
    od::json_type type;
    if (doc.type().get(type)) return fail();
    if (type == od::json_type::array) {
      od::array array;
      if (doc.get_array().get(array)) return fail();
      for (auto element : array) {
        od::value value;
        if (std::move(element).get(value)) return fail();
        if (event(value, out, r) == Read::broken) return fail();
      }
    } else if (type == od::json_type::object) {
      od::object object;
      if (doc.get_object().get(object)) return fail();
      Fields fields;
      if (read_fields(object, fields) == Read::broken) return fail();
      if (build(fields, out)) {
        ++r.events;
      } else {
        ++r.skipped;
      }
    } else {
      return fail();
    }
    // Nothing may follow the array/object: at the end, current_location() says OUT_OF_BOUNDS.
    const char* trailing = nullptr;
    if (doc.current_location().get(trailing) != simdjson::OUT_OF_BOUNDS) return fail();
    return r;
  }
};

FrameDecoder::FrameDecoder() : impl_(std::make_unique<Impl>()) {}
FrameDecoder::~FrameDecoder() = default;
FrameDecoder::FrameDecoder(FrameDecoder&&) noexcept = default;
FrameDecoder& FrameDecoder::operator=(FrameDecoder&&) noexcept = default;

DecodeResult FrameDecoder::decode(std::string_view frame, std::vector<FeedEvent>& out) {
  const std::size_t start = out.size();
  try {
    if (!impl_) impl_ = std::make_unique<Impl>();  // a moved-from decoder still works
    return impl_->decode(frame, out);
  } catch (...) {
    // simdjson reports by error code; only an allocation failure can land here.
    if (out.size() > start) out.erase(out.begin() + static_cast<std::ptrdiff_t>(start), out.end());
    return DecodeResult{true, 0, 0};
  }
}

}  // namespace ms::marketdata
