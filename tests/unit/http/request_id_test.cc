#include "http/request_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace recipe_rag::http {
namespace {

TEST(IsValidRequestIdTest, AcceptsEveryAllowedCharacterClass) {
  EXPECT_TRUE(IsValidRequestId("a"));
  EXPECT_TRUE(IsValidRequestId("abcXYZ019"));
  EXPECT_TRUE(IsValidRequestId("req.1_2:3-4"));
  EXPECT_TRUE(IsValidRequestId("0123456789abcdef-1"));
  EXPECT_TRUE(IsValidRequestId("550e8400-e29b-41d4-a716-446655440000"));
  EXPECT_TRUE(IsValidRequestId("._:-"));
}

TEST(IsValidRequestIdTest, AcceptsExactly128CharactersAndRejects129) {
  EXPECT_TRUE(IsValidRequestId(std::string(128, 'a')));
  EXPECT_FALSE(IsValidRequestId(std::string(129, 'a')));
}

TEST(IsValidRequestIdTest, RejectsEmpty) { EXPECT_FALSE(IsValidRequestId("")); }

TEST(IsValidRequestIdTest, RejectsSpacesAndLineBreaks) {
  EXPECT_FALSE(IsValidRequestId("abc def"));
  EXPECT_FALSE(IsValidRequestId(" abc"));
  EXPECT_FALSE(IsValidRequestId("abc\r\nX-Injected: 1"));
  EXPECT_FALSE(IsValidRequestId("abc\n"));
  EXPECT_FALSE(IsValidRequestId("abc\r"));
  EXPECT_FALSE(IsValidRequestId("abc\t"));
}

TEST(IsValidRequestIdTest, RejectsOtherPunctuationAndNonAscii) {
  for (const char* id : {"a/b", "a\"b", "a\\b", "a;b", "a=b", "a+b", "a{b}", "a%20", "a@b", "a,b",
                         "caf\xc3\xa9", "a\x7f"}) {
    EXPECT_FALSE(IsValidRequestId(id)) << id;
  }
  EXPECT_FALSE(IsValidRequestId(std::string("a\0b", 3)));
}

TEST(NewRequestIdTest, GeneratedIdsAreValid) {
  for (int i = 0; i < 100; ++i) {
    const auto id = NewRequestId();
    EXPECT_TRUE(IsValidRequestId(id)) << id;
  }
}

TEST(NewRequestIdTest, GeneratedIdsAreUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) {
    ids.insert(NewRequestId());
  }
  EXPECT_EQ(ids.size(), 10000u);
}

TEST(NewRequestIdTest, GeneratedIdsAreUniqueAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::vector<std::string>> per_thread(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&per_thread, t] {
      for (int i = 0; i < kPerThread; ++i) {
        per_thread[t].push_back(NewRequestId());
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  std::set<std::string> ids;
  for (const auto& v : per_thread) {
    ids.insert(v.begin(), v.end());
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace recipe_rag::http
