#include "http/response_stream.h"

#include <gtest/gtest.h>

namespace recipe_rag::http {
namespace {

TEST(ResponseStreamTest, PiecesComeOutInOrderThenTheEnd) {
  ResponseStream s;
  EXPECT_TRUE(s.Write("a"));
  EXPECT_TRUE(s.Write("b"));
  std::string out;
  EXPECT_EQ(s.Take(&out, nullptr), ResponseStream::Next::kPieces);
  EXPECT_EQ(out, "ab");
  s.Close();
  EXPECT_FALSE(s.Write("late"));
  out.clear();
  EXPECT_EQ(s.Take(&out, nullptr), ResponseStream::Next::kEnd);
}

TEST(ResponseStreamTest, TakeOnAnEmptyStreamWaitsAndIsWokenOnce) {
  ResponseStream s;
  int woken = 0;
  std::string out;
  EXPECT_EQ(s.Take(&out, [&] { ++woken; }), ResponseStream::Next::kWait);
  EXPECT_TRUE(s.Write("x"));
  EXPECT_TRUE(s.Write("y"));
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(s.Take(&out, nullptr), ResponseStream::Next::kPieces);
  EXPECT_EQ(out, "xy");
  EXPECT_EQ(s.Take(&out, [&] { ++woken; }), ResponseStream::Next::kWait);
  s.Close();
  EXPECT_EQ(woken, 2);
}

TEST(ResponseStreamTest, CancelRunsTheCallbackOnceAndRefusesWrites) {
  ResponseStream s;
  int cancelled = 0;
  s.OnCancel([&] { ++cancelled; });
  s.Write("queued");
  s.Cancel();
  s.Cancel();
  EXPECT_EQ(cancelled, 1);
  EXPECT_TRUE(s.cancelled());
  EXPECT_FALSE(s.Write("x"));
  std::string out;
  EXPECT_EQ(s.Take(&out, nullptr), ResponseStream::Next::kEnd);
  EXPECT_TRUE(out.empty());
  // A callback registered after the fact runs at once.
  s.OnCancel([&] { ++cancelled; });
  EXPECT_EQ(cancelled, 2);
}

TEST(ResponseStreamTest, CancelAfterCloseIsNotACancellation) {
  ResponseStream s;
  int cancelled = 0;
  s.OnCancel([&] { ++cancelled; });
  s.Close();
  s.Cancel();
  EXPECT_EQ(cancelled, 0);
}

TEST(ResponseStreamTest, AReaderTooFarBehindIsTreatedAsGone) {
  ResponseStream s(ResponseStream::Options{.max_pending_bytes = 10});
  int cancelled = 0;
  s.OnCancel([&] { ++cancelled; });
  EXPECT_TRUE(s.Write("12345"));
  EXPECT_TRUE(s.Write("67890"));
  EXPECT_FALSE(s.Write("!"));
  EXPECT_EQ(cancelled, 1);
  EXPECT_TRUE(s.cancelled());
}

}  // namespace
}  // namespace recipe_rag::http
