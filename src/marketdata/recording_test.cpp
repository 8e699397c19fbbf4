#include "marketdata/recording.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "core/error.hpp"
#include "testing/temp_dir.hpp"

namespace ms::marketdata {
namespace {

RecordingHeader header() {
  RecordingHeader h;
  h.start_ms = 1'770'733'800'000;
  h.symbols = {"I:SPX", "I:NDX", "SPY"};
  h.source = "live";
  return h;
}

std::string code_of_reader(const std::string& content) {
  try {
    RecordingReader r(std::make_unique<std::istringstream>(content));
  } catch (const core::Error& e) {
    return e.code();
  }
  return "ok";
}

TEST(Recording, RoundTripsEveryKindOfRecordByteForByte) {
  testing::TempDir dir;
  const auto file = dir / "session.jsonl";
  const std::string garbage("\x01\x02\xff\xfe garbage{{", 14);
  const std::string frame = R"([{"ev":"T","sym":"O:SPXW260210C06000000","x":65,"p":7.7,"s":1,"c":[209],"t":1770733801000,"q":1}])";
  const std::string tricky = "line1\nline2\t\"quoted\" \\ back \u00e9\u2603";
  {
    RecordingWriter w(file, header());
    w.write_ws(1'770'733'801'000, "options", frame);
    w.write_ws(1'770'733'801'500, "options", garbage);
    w.write_rest(1'770'733'802'000, "/v3/snapshot/options/I:SPX?apiKey=SECRET&limit=250", 200,
                 R"({"results":[],"status":"OK"})");
    w.write_ws(1'770'733'803'000, "indices", tricky);
    w.write_rest(1'770'733'804'000, "/v3/snapshot/indices?ticker.any_of=I:SPX", 401,
                 R"({"status":"ERROR","request_id":"x","error":"Unknown API Key"})");
    w.flush();
    EXPECT_EQ(w.records(), 5u);
  }
  const auto text = testing::read_file(file);
  EXPECT_EQ(text.find("SECRET"), std::string::npos);  // a recording never holds the key

  RecordingReader r(file);
  EXPECT_EQ(r.header(), header());
  std::vector<RecordedEvent> got;
  while (auto e = r.next()) got.push_back(*e);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].payload, frame);
  EXPECT_EQ(got[0].feed, "options");
  EXPECT_EQ(got[0].kind, RecordKind::ws);
  EXPECT_EQ(got[1].payload, garbage);
  EXPECT_EQ(got[2].kind, RecordKind::rest);
  EXPECT_EQ(got[2].path, "/v3/snapshot/options/I:SPX?limit=250");
  EXPECT_EQ(got[3].payload, tricky);
  EXPECT_EQ(got[4].status, 401);
  EXPECT_EQ(r.corrupt_lines(), 0u);
  EXPECT_EQ(r.records_read(), 5u);
}

TEST(Recording, CorruptLinesAreCountedAndSkipped) {
  RecordedEvent ok1{100, RecordKind::ws, "options", "", 200, "[1]"};
  RecordedEvent ok2{200, RecordKind::rest, "", "/v3/x", 200, "{}"};
  std::string content = encode_header_line(header()) + "\n";
  content += encode_record_line(ok1) + "\n";
  content += "this is not json\n";
  content += "\n";                                                       // blank: ignored
  content += R"({"t_ms":"soon","kind":"ws","feed":"options","payload":"x"})" "\n";  // bad type
  content += R"({"t_ms":5,"kind":"telepathy","payload":"x"})" "\n";       // unknown kind
  content += R"({"t_ms":5,"kind":"ws","payload":"x"})" "\n";              // no feed
  content += R"({"t_ms":5,"kind":"rest","feed":"options","payload":"x"})" "\n";  // no path
  content += R"({"t_ms":5,"kind":"ws","feed":"options"})" "\n";           // no payload
  content += R"({"t_ms":5,"kind":"ws","feed":"options","payload_b64":"%%%"})" "\n";
  content += "[1,2,3]\r\n";
  content += encode_record_line(ok2) + "\r\n";                            // CRLF tolerated
  const auto cut = encode_record_line(ok1);
  content += cut.substr(0, cut.size() / 2);  // the recorder died mid-line
  RecordingReader r(std::make_unique<std::istringstream>(content));
  std::vector<RecordedEvent> got;
  while (auto e = r.next()) got.push_back(*e);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], ok1);
  EXPECT_EQ(got[1], ok2);
  EXPECT_EQ(r.corrupt_lines(), 9u);
}

TEST(Recording, HeaderProblemsAreFatal) {
  EXPECT_EQ(code_of_reader(""), "bad_recording");
  EXPECT_EQ(code_of_reader("hello\n"), "bad_recording");
  EXPECT_EQ(code_of_reader(R"({"t_ms":1,"kind":"ws","feed":"options","payload":"x"})" "\n"), "bad_recording");
  EXPECT_EQ(code_of_reader(R"({"format":"marketswarm-recording","version":2,"start_ms":0})" "\n"),
            "bad_recording");
  EXPECT_EQ(code_of_reader(R"({"format":"marketswarm-recording","start_ms":0})" "\n"), "bad_recording");
  EXPECT_EQ(code_of_reader(R"({"format":"marketswarm-recording","version":1})" "\n"), "bad_recording");
  EXPECT_EQ(code_of_reader(R"({"format":"marketswarm-recording","version":1,"start_ms":0,"symbols":"SPX"})" "\n"),
            "bad_recording");
  EXPECT_EQ(code_of_reader(R"({"format":"marketswarm-recording","version":1,"start_ms":0})" "\n"), "ok");
  try {
    RecordingReader r(std::filesystem::path("/nonexistent/dir/x.jsonl"));
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "recording_io");
  }
  try {
    RecordingWriter w(std::filesystem::path("/nonexistent/dir/x.jsonl"), header());
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "recording_io");
  }
}

TEST(Recording, ReplayerPacesByOffsetAndNeverGoesBack) {
  testing::TempDir dir;
  const auto file = dir / "r.jsonl";
  const EpochMs s = header().start_ms;
  {
    RecordingWriter w(file, header());
    w.write_ws(s + 0, "options", "a");
    w.write_ws(s + 1000, "options", "b");
    w.write_ws(s + 900, "options", "c");  // out of order: replayed at 1000
    w.write_rest(s + 2500, "/v3/snapshot/indices?apiKey=K", 200, "first");
    w.write_ws(s + 5000, "stocks", "d");
    w.write_rest(s + 6000, "/v3/snapshot/indices", 200, "second");
    w.write_ws(s - 50, "options", "early");  // before the start: clamped forward
  }
  Replayer r(file);
  EXPECT_EQ(r.header().start_ms, s);
  EXPECT_EQ(r.next_offset(), 0);
  auto first = r.due(999);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].event.payload, "a");
  auto second = r.due(2500);
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(second[1].event.payload, "c");
  EXPECT_EQ(second[1].offset_ms, 1000);
  EXPECT_EQ(second[2].offset_ms, 2500);
  ASSERT_NE(r.latest_rest("/v3/snapshot/indices"), nullptr);
  EXPECT_EQ(r.latest_rest("/v3/snapshot/indices?apiKey=OTHER")->payload, "first");
  EXPECT_EQ(r.latest_rest("/v3/other"), nullptr);
  EXPECT_TRUE(r.due(4999).empty());
  auto rest = r.due(1'000'000);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[2].offset_ms, 6000);
  EXPECT_EQ(r.latest_rest("/v3/snapshot/indices")->payload, "second");
  EXPECT_TRUE(r.finished());
  EXPECT_FALSE(r.next().has_value());
}

TEST(Recording, StripApiKey) {
  EXPECT_EQ(strip_api_key("/a?apiKey=K"), "/a");
  EXPECT_EQ(strip_api_key("/a?apiKey=K&limit=5"), "/a?limit=5");
  EXPECT_EQ(strip_api_key("/a?limit=5&apiKey=K&x=1"), "/a?limit=5&x=1");
  EXPECT_EQ(strip_api_key("/a?apiKeyX=1"), "/a?apiKeyX=1");
  EXPECT_EQ(strip_api_key("/a"), "/a");
}

TEST(Recording, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe2\x98\x83\xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));          // cut short
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // surrogate
}

}  // namespace
}  // namespace ms::marketdata
