#include "http/sse_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace recipe_rag::http {
namespace {

std::vector<SseEvent> ParseInPieces(std::string_view stream, std::size_t piece) {
  std::vector<SseEvent> events;
  SseParser parser([&](SseEvent&& e) { events.push_back(std::move(e)); });
  for (std::size_t i = 0; i < stream.size(); i += piece) {
    EXPECT_TRUE(parser.Feed(stream.substr(i, piece)).ok());
  }
  return events;
}

std::vector<SseEvent> Parse(std::string_view stream) {
  return ParseInPieces(stream, stream.size() + 1);
}

TEST(SseParserTest, DataLinesJoinAndBlankLinesDispatch) {
  const auto events = Parse("data: first\n\ndata: two\ndata: lines\n\nevent: done\ndata:x\n\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, "message");
  EXPECT_EQ(events[0].data, "first");
  EXPECT_EQ(events[1].data, "two\nlines");
  EXPECT_EQ(events[2].type, "done");
  EXPECT_EQ(events[2].data, "x");  // no space after the colon: nothing to strip
}

TEST(SseParserTest, EveryLineEndingWorks) {
  for (const std::string_view stream : {"data: a\r\n\r\ndata: b\r\n\r\n", "data: a\r\rdata: b\r\r",
                                        "data: a\n\ndata: b\n\n", "data: a\r\n\ndata: b\n\r\n"}) {
    const auto events = Parse(stream);
    ASSERT_EQ(events.size(), 2u) << stream;
    EXPECT_EQ(events[0].data, "a");
    EXPECT_EQ(events[1].data, "b");
  }
}

// The same events whatever the pieces the bytes arrive in — including a "\r\n" split in two,
// which must not count as two line ends.
TEST(SseParserTest, PiecesDoNotMatter) {
  const std::string stream =
      "\xEF\xBB\xBF: hello\r\nevent: delta\r\ndata: {\"a\": 1}\r\n\r\nid: 7\r\ndata: "
      "\xC3\xA9t\xC3\xA9"
      "\r\n\r\ndata: [DONE]\r\n\r\n";
  const auto whole = Parse(stream);
  ASSERT_EQ(whole.size(), 3u);
  EXPECT_EQ(whole[0].type, "delta");
  EXPECT_EQ(whole[0].data, "{\"a\": 1}");
  EXPECT_EQ(whole[1].data, "\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(whole[1].last_event_id, "7");
  EXPECT_EQ(whole[2].data, "[DONE]");
  for (std::size_t piece = 1; piece <= 7; ++piece) {
    const auto events = ParseInPieces(stream, piece);
    ASSERT_EQ(events.size(), whole.size()) << "pieces of " << piece;
    for (std::size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].type, whole[i].type);
      EXPECT_EQ(events[i].data, whole[i].data) << "pieces of " << piece;
    }
  }
}

TEST(SseParserTest, CommentsFieldsWithoutDataAndUnknownFieldsDispatchNothing) {
  const auto events = Parse(": keep-alive\n\nevent: ping\n\nfoo: bar\n\nretry: 1500\n\n");
  EXPECT_TRUE(events.empty());
  SseParser parser([](SseEvent&&) {});
  ASSERT_TRUE(parser.Feed("retry: 1500\n\nretry: 15x\n\n").ok());
  EXPECT_EQ(parser.retry_ms(), 1500);
}

TEST(SseParserTest, AnEventCutBeforeItsBlankLineIsNotDispatched) {
  const auto events = Parse("data: complete\n\ndata: cut off");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "complete");
}

TEST(SseParserTest, EmptyDataLineIsAnEmptyEvent) {
  const auto events = Parse("data\n\ndata:\ndata:\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "");
  EXPECT_EQ(events[1].data, "\n");
}

TEST(SseParserTest, OversizedLineOrEventIsAnErrorThatSticks) {
  SseParser line_parser([](SseEvent&&) {}, 16);
  EXPECT_FALSE(line_parser.Feed("data: " + std::string(32, 'x')).ok());
  EXPECT_FALSE(line_parser.Feed("\n\n").ok());  // unusable from then on

  int dispatched = 0;
  SseParser event_parser([&](SseEvent&&) { ++dispatched; }, 16);
  EXPECT_TRUE(event_parser.Feed("data: 0123456\n").ok());    // 8 bytes of data so far
  EXPECT_FALSE(event_parser.Feed("data: 01234567\n").ok());  // 17
  EXPECT_EQ(dispatched, 0);
}

}  // namespace
}  // namespace recipe_rag::http
