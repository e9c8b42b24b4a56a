#include "observability/span.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace recipe_rag::observability {
namespace {

TEST(TraceIdTest, DefaultIsInvalid) {
  EXPECT_FALSE(TraceId{}.valid());
  EXPECT_EQ(TraceId{}.Hex(), std::string(32, '0'));
}

TEST(TraceIdTest, HexIsLowerCaseAndRoundTrips) {
  TraceId id;
  for (std::size_t i = 0; i < id.bytes.size(); ++i) {
    id.bytes[i] = static_cast<std::uint8_t>(0x0F + 16 * i);
  }
  EXPECT_EQ(id.Hex(), "0f1f2f3f4f5f6f7f8f9fafbfcfdfefff");
  EXPECT_TRUE(id.valid());
  EXPECT_EQ(TraceId::FromHex(id.Hex()), id);
}

TEST(TraceIdTest, FromHexAcceptsEitherCase) {
  const auto lower = TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  ASSERT_TRUE(lower.has_value());
  EXPECT_EQ(lower->bytes[0], 0x4B);
  EXPECT_EQ(lower->bytes[15], 0x36);
  EXPECT_EQ(TraceId::FromHex("4BF92F3577B34DA6A3CE929D0E0E4736"), lower);
}

TEST(TraceIdTest, FromHexRejectsWrongLengthNonHexAndAllZero) {
  EXPECT_FALSE(TraceId::FromHex(""));
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e473"));    // 31
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e47360"));  // 33
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e473g"));
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6-3ce929d0e0e4736"));
  EXPECT_FALSE(TraceId::FromHex(" bf92f3577b34da6a3ce929d0e0e4736"));
  EXPECT_FALSE(TraceId::FromHex(std::string(32, '0')));
  EXPECT_TRUE(TraceId::FromHex(std::string(31, '0') + "1"));
}

TEST(TraceIdTest, RandomIdsAreValidAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) {
    const TraceId id = TraceId::Random();
    ASSERT_TRUE(id.valid());
    seen.insert(id.Hex());
  }
  EXPECT_EQ(seen.size(), 10'000u);
}

TEST(SpanIdTest, DefaultIsInvalid) {
  EXPECT_FALSE(SpanId{}.valid());
  EXPECT_EQ(SpanId{}.Hex(), "0000000000000000");
}

TEST(SpanIdTest, HexIsLowerCaseAndRoundTrips) {
  const SpanId id{{0x00, 0xF0, 0x67, 0xAA, 0x0B, 0xA9, 0x02, 0xB7}};
  EXPECT_EQ(id.Hex(), "00f067aa0ba902b7");
  EXPECT_TRUE(id.valid());
  EXPECT_EQ(SpanId::FromHex("00f067aa0ba902b7"), id);
  EXPECT_EQ(SpanId::FromHex("00F067AA0BA902B7"), id);
}

TEST(SpanIdTest, FromHexRejectsWrongLengthNonHexAndAllZero) {
  EXPECT_FALSE(SpanId::FromHex(""));
  EXPECT_FALSE(SpanId::FromHex("00f067aa0ba902b"));
  EXPECT_FALSE(SpanId::FromHex("00f067aa0ba902b70"));
  EXPECT_FALSE(SpanId::FromHex("00f067aa0ba902bz"));
  EXPECT_FALSE(SpanId::FromHex("0000000000000000"));
  // A trace id is not a span id.
  EXPECT_FALSE(SpanId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"));
}

TEST(SpanIdTest, RandomIdsAreValidAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) {
    const SpanId id = SpanId::Random();
    ASSERT_TRUE(id.valid());
    seen.insert(id.Hex());
  }
  EXPECT_EQ(seen.size(), 10'000u);
}

TEST(SpanIdTest, ThreadsDrawDifferentIds) {
  // Each thread seeds its own generator: two threads must not repeat each other.
  constexpr int kThreads = 4, kPerThread = 1000;
  std::vector<std::vector<std::string>> drawn(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&drawn, t] {
      for (int i = 0; i < kPerThread; ++i) drawn[t].push_back(SpanId::Random().Hex());
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> seen;
  for (const auto& ids : drawn) seen.insert(ids.begin(), ids.end());
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace recipe_rag::observability
