// FrameDecoder: every event type as the simulator writes it (services/sim/wire.hpp), status and
// clock events, garbage, truncation, single objects, wrong field types, unknown events.
#include "marketdata/frame_decoder.hpp"

#include <chrono>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace ms::marketdata {
namespace {

std::vector<FeedEvent> decode_ok(std::string_view frame, DecodeResult* result = nullptr) {
  FrameDecoder d;
  std::vector<FeedEvent> out;
  const auto r = d.decode(frame, out);
  EXPECT_FALSE(r.malformed) << frame;
  EXPECT_EQ(r.events, out.size());
  if (result) *result = r;
  return out;
}

TEST(FrameDecoder, OptionTrade) {
  auto out = decode_ok(
      R"([{"ev":"T","sym":"O:SPXW260210C06000000","x":65,"p":7.7,"s":1,"c":[209],"t":1770733800123,"q":42}])");
  ASSERT_EQ(out.size(), 1u);
  const auto& t = std::get<TradeEvent>(out[0]);
  EXPECT_EQ(t.sym, "O:SPXW260210C06000000");
  EXPECT_DOUBLE_EQ(t.price, 7.7);
  EXPECT_EQ(t.size, 1);
  EXPECT_EQ(t.t_ms, 1770733800123);
  EXPECT_EQ(t.exchange, 65);
  EXPECT_EQ(t.q, 42u);
}

TEST(FrameDecoder, StockTradeWithExtraFieldsAndWholePrice) {
  auto out = decode_ok(
      R"([{"ev":"T","sym":"SPY","i":"123","x":11,"p":697,"s":100,"c":[37,12],"t":1770733800000,"q":7,"z":2}])");
  ASSERT_EQ(out.size(), 1u);
  const auto& t = std::get<TradeEvent>(out[0]);
  EXPECT_EQ(t.sym, "SPY");
  EXPECT_DOUBLE_EQ(t.price, 697.0);
  EXPECT_EQ(t.size, 100);
  EXPECT_EQ(t.q, 7u);
}

TEST(FrameDecoder, OptionalTradeFieldsMayBeAbsent) {
  auto out = decode_ok(R"([{"ev":"T","sym":"O:X","p":1.5,"s":3,"t":5}])");
  ASSERT_EQ(out.size(), 1u);
  const auto& t = std::get<TradeEvent>(out[0]);
  EXPECT_EQ(t.exchange, 0);
  EXPECT_EQ(t.q, 0u);
}

TEST(FrameDecoder, OptionAndStockQuotes) {
  auto out = decode_ok(
      R"([{"ev":"Q","sym":"O:SPXW260210P05990000","bx":65,"ax":65,"bp":7.6,"ap":7.8,"bs":12,"as":30,"t":1770733800001,"q":9},)"
      R"({"ev":"Q","sym":"SPY","bx":11,"bp":697.5,"bs":3,"ax":12,"ap":697.52,"as":4,"t":1770733800002,"q":10,"z":2}])");
  ASSERT_EQ(out.size(), 2u);
  const auto& q = std::get<QuoteEvent>(out[0]);
  EXPECT_EQ(q.sym, "O:SPXW260210P05990000");
  EXPECT_DOUBLE_EQ(q.bid, 7.6);
  EXPECT_DOUBLE_EQ(q.ask, 7.8);
  EXPECT_EQ(q.bid_size, 12);
  EXPECT_EQ(q.ask_size, 30);
  EXPECT_EQ(q.t_ms, 1770733800001);
  EXPECT_EQ(q.q, 9u);
  const auto& s = std::get<QuoteEvent>(out[1]);
  EXPECT_EQ(s.sym, "SPY");
  EXPECT_DOUBLE_EQ(s.ask, 697.52);
  EXPECT_EQ(s.ask_size, 4);
}

TEST(FrameDecoder, IndexValue) {
  auto out = decode_ok(R"([{"ev":"V","val":6001.23,"T":"I:SPX","t":1770733800000}])");
  ASSERT_EQ(out.size(), 1u);
  const auto& v = std::get<IndexValueEvent>(out[0]);
  EXPECT_EQ(v.ticker, "I:SPX");
  EXPECT_DOUBLE_EQ(v.value, 6001.23);
  EXPECT_EQ(v.t_ms, 1770733800000);
}

TEST(FrameDecoder, AggregatesWithAndWithoutVolume) {
  auto out = decode_ok(
      R"([{"ev":"A","sym":"SPY","v":1200,"av":50000,"op":695.1,"vw":697.4,"o":697.3,"c":697.5,"h":697.6,"l":697.2,"a":696.9,"z":40,"s":1770733800000,"e":1770733801000},)"
      R"({"ev":"AM","sym":"I:SPX","op":5990,"o":6000.5,"c":6001,"h":6002.25,"l":5999.75,"s":1770733740000,"e":1770733800000}])");
  ASSERT_EQ(out.size(), 2u);
  const auto& a = std::get<AggregateEvent>(out[0]);
  EXPECT_FALSE(a.minute);
  EXPECT_EQ(a.sym, "SPY");
  EXPECT_DOUBLE_EQ(a.open, 697.3);
  EXPECT_DOUBLE_EQ(a.high, 697.6);
  EXPECT_DOUBLE_EQ(a.low, 697.2);
  EXPECT_DOUBLE_EQ(a.close, 697.5);
  ASSERT_TRUE(a.volume);
  EXPECT_EQ(*a.volume, 1200);
  EXPECT_EQ(a.start_ms, 1770733800000);
  EXPECT_EQ(a.end_ms, 1770733801000);
  const auto& m = std::get<AggregateEvent>(out[1]);
  EXPECT_TRUE(m.minute);
  EXPECT_EQ(m.sym, "I:SPX");
  EXPECT_DOUBLE_EQ(m.close, 6001.0);
  EXPECT_FALSE(m.volume);
}

TEST(FrameDecoder, StatusEvents) {
  auto out = decode_ok(
      R"([{"ev":"status","status":"connected","message":"Connected Successfully"},)"
      R"({"ev":"status","status":"success","message":"subscribed to: T.O:SPXW260210C06000000"},)"
      R"({"ev":"status","status":"auth_failed"}])");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(std::get<StatusEvent>(out[0]).status, "connected");
  EXPECT_EQ(std::get<StatusEvent>(out[0]).message, "Connected Successfully");
  EXPECT_EQ(std::get<StatusEvent>(out[1]).message, "subscribed to: T.O:SPXW260210C06000000");
  EXPECT_EQ(std::get<StatusEvent>(out[2]).status, "auth_failed");
  EXPECT_EQ(std::get<StatusEvent>(out[2]).message, "");
}

TEST(FrameDecoder, EscapedStringsAreUnescaped) {
  auto out = decode_ok(R"([{"ev":"status","status":"error","message":"bad \"param\"\n\u00e9"}])");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<StatusEvent>(out[0]).message, "bad \"param\"\n\xc3\xa9");
}

TEST(FrameDecoder, SimulatorClock) {
  auto out = decode_ok(
      R"([{"ev":"status","status":"clock","message":"market clock","ts_ms":1770733800000,)"
      R"("session_date":"2026-02-10","phase":"open","speed":60,"source":"sim"}])");
  ASSERT_EQ(out.size(), 1u);
  const auto& c = std::get<ClockEvent>(out[0]);
  EXPECT_EQ(c.ts_ms, 1770733800000);
  EXPECT_EQ(c.session_date, "2026-02-10");
  EXPECT_EQ(c.phase, "open");
  EXPECT_DOUBLE_EQ(c.speed, 60.0);

  auto half = decode_ok(R"([{"ev":"status","status":"clock","ts_ms":1,"session_date":"2026-02-10","phase":"pre_market","speed":0.5}])");
  EXPECT_DOUBLE_EQ(std::get<ClockEvent>(half.at(0)).speed, 0.5);

  DecodeResult r;
  auto missing = decode_ok(R"([{"ev":"status","status":"clock","session_date":"2026-02-10"}])", &r);
  EXPECT_TRUE(missing.empty());
  EXPECT_EQ(r.skipped, 1u);
}

TEST(FrameDecoder, SingleObjectFrame) {
  auto out = decode_ok(R"({"ev":"V","val":18000.5,"T":"I:NDX","t":3})");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<IndexValueEvent>(out[0]).ticker, "I:NDX");
}

TEST(FrameDecoder, FieldOrderDoesNotMatter) {
  auto out = decode_ok(R"([{"t":5,"p":2.5,"s":4,"sym":"O:X","ev":"T"}])");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<TradeEvent>(out[0]).size, 4);
}

TEST(FrameDecoder, IntegralFloatsCountAsIntegers) {
  auto out = decode_ok(R"([{"ev":"T","sym":"O:X","p":2.5,"s":4.0,"t":1770733800000.0}])");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<TradeEvent>(out[0]).t_ms, 1770733800000);
}

TEST(FrameDecoder, LargeSequenceNumber) {
  auto out = decode_ok(R"([{"ev":"T","sym":"O:X","p":2.5,"s":4,"t":1,"q":18446744073709551615}])");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<TradeEvent>(out[0]).q, 18446744073709551615ull);
}

TEST(FrameDecoder, UnknownEventsAndBadFieldsAreSkippedOthersKept) {
  DecodeResult r;
  auto out = decode_ok(
      R"([{"ev":"XQ","sym":"O:X"},)"                                   // unknown type
      R"({"ev":"T","sym":"O:X","p":"7.7","s":1,"t":1},)"               // price as string
      R"({"ev":"T","sym":"O:X","p":7.7,"t":1},)"                       // size missing
      R"({"ev":"T","sym":42,"p":7.7,"s":1,"t":1},)"                    // sym a number
      R"({"ev":"T","sym":"O:X","p":7.7,"s":1.5,"t":1},)"               // fractional size
      R"({"ev":"Q","sym":"O:X","bp":null,"ap":1,"t":1},)"              // null bid
      R"({"ev":"V","sym":"I:SPX","val":1,"t":1},)"                     // ticker in sym, not T
      R"({"ev":"A","sym":"SPY","o":1,"h":1,"l":1,"c":[1],"s":1,"e":2},)"  // close an array
      R"({"ev":7},{"sym":"O:X"},"text",17,null,[1,2],)"               // no usable ev / not objects
      R"({"ev":"status"},)"                                           // status missing
      R"({"ev":"T","sym":"O:GOOD","p":1.25,"s":2,"t":9,"x":"bad","q":true}])",  // bad optionals ignored
      &r);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(r.events, 1u);
  EXPECT_EQ(r.skipped, 15u);
  const auto& t = std::get<TradeEvent>(out[0]);
  EXPECT_EQ(t.sym, "O:GOOD");
  EXPECT_EQ(t.exchange, 0);
  EXPECT_EQ(t.q, 0u);
}

TEST(FrameDecoder, MalformedFramesAppendNothing) {
  FrameDecoder d;
  std::vector<FeedEvent> out;
  out.emplace_back(StatusEvent{"keep", ""});  // decode appends, never clears
  const std::vector<std::string> bad = {
      "",
      "   ",
      "not json",
      "\xff\xfe garbage \x01",
      "42",
      "\"a string\"",
      "null",
      "true",
      R"([{"ev":"T","sym":"O:X","p":1,"s":1,"t":1},{"ev":"T","sym":"O:Y","p":1)",  // truncated
      R"([{"ev":"T","sym":"O:X","p":1,"s":1,"t":1})",                            // no closing ]
      R"([{"ev":"T","sym":"O:X","p":1,"s":1,"t":1}] trailing)",
      R"([{"ev":"T","sym":"O:X","p":1,"s":1,"t":1}][])",
      R"({"ev":"T","sym":"O:X" "p":1})",                                          // missing comma
      R"([{"ev":"T","sym":"O:X,"p":1}])",                                         // broken string
      R"([{"ev":"T","sym":"O:X","p":1,"s":1,"t":1},])",                           // trailing comma
      R"([{"ev":"T","sym":"O:X","p":01,"s":1,"t":1}])",                           // leading zero
      "[{\"ev\":\"T\",\"sym\":\"O:\xc3\x28\",\"p\":1,\"s\":1,\"t\":1}]",        // invalid UTF-8
  };
  for (const auto& frame : bad) {
    const auto r = d.decode(frame, out);
    EXPECT_TRUE(r.malformed) << frame;
    EXPECT_EQ(r.events, 0u) << frame;
    EXPECT_EQ(out.size(), 1u) << frame;
  }
  // The decoder is still usable afterwards.
  const auto r = d.decode(R"([{"ev":"V","val":1,"T":"I:SPX","t":1}])", out);
  EXPECT_FALSE(r.malformed);
  EXPECT_EQ(out.size(), 2u);
}

TEST(FrameDecoder, EmptyArrayIsFine) {
  DecodeResult r;
  auto out = decode_ok("[]", &r);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(r.skipped, 0u);
}

TEST(FrameDecoder, LargeFramesAndReuse) {
  FrameDecoder d;
  std::string frame = "[";
  for (int i = 0; i < 5000; ++i) {
    if (i) frame += ',';
    frame += R"({"ev":"Q","sym":"O:SPXW260210C0)" + std::to_string(5000000 + i) +
             R"(","bx":65,"ax":65,"bp":7.6,"ap":7.8,"bs":12,"as":30,"t":1770733800000,"q":)" + std::to_string(i) + "}";
  }
  frame += "]";
  std::vector<FeedEvent> out;
  for (int round = 0; round < 3; ++round) {
    out.clear();
    const auto r = d.decode(frame, out);
    ASSERT_FALSE(r.malformed);
    ASSERT_EQ(out.size(), 5000u);
    EXPECT_EQ(std::get<QuoteEvent>(out[4999]).q, 4999u);
    // A small frame after a big one still decodes with the grown buffer.
    out.clear();
    ASSERT_EQ(d.decode(R"([{"ev":"V","val":1,"T":"I:SPX","t":1}])", out).events, 1u);
  }
  FrameDecoder moved(std::move(d));
  out.clear();
  EXPECT_EQ(moved.decode(frame, out).events, 5000u);
}

// One decoder reused over many large frames (its buffer is kept between calls) decodes every
// event of every frame, never a stale one. How fast: bench/ingest_bench.cpp (decode kernel).
TEST(FrameDecoder, AReusedDecoderDecodesEveryEventOfEveryFrame) {
  FrameDecoder d;
  std::vector<FeedEvent> out;
  for (int round = 0; round < 50; ++round) {
    std::string frame = "[";
    const int n = 100 - round;  // shrinking frames: a longer previous frame must not leak through
    for (int i = 0; i < n; ++i) {
      if (i) frame += ',';
      const std::string q = std::to_string(round * 1000 + i);
      if (i % 2) {
        frame += R"({"ev":"Q","sym":"O:SPXW260210C06000000","bx":65,"ax":65,"bp":7.6,"ap":7.8,"bs":12,"as":30,"t":1770733800000,"q":)" + q + "}";
      } else {
        frame += R"({"ev":"T","sym":"O:SPXW260210P05990000","x":65,"p":7.7,"s":1,"c":[209],"t":1770733800000,"q":)" + q + "}";
      }
    }
    frame += "]";
    out.clear();
    const auto r = d.decode(frame, out);
    ASSERT_FALSE(r.malformed) << round;
    ASSERT_EQ(r.events, std::size_t(n)) << round;
    ASSERT_EQ(out.size(), std::size_t(n)) << round;
    for (int i = 0; i < n; ++i) {
      const std::uint64_t want = std::uint64_t(round * 1000 + i);
      if (i % 2) {
        ASSERT_EQ(std::get<QuoteEvent>(out[i]).q, want);
        EXPECT_EQ(std::get<QuoteEvent>(out[i]).ask, 7.8);
      } else {
        ASSERT_EQ(std::get<TradeEvent>(out[i]).q, want);
        EXPECT_EQ(std::get<TradeEvent>(out[i]).price, 7.7);
      }
    }
  }
}

}  // namespace
}  // namespace ms::marketdata
