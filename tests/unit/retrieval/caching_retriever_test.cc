#include "retrieval/caching_retriever.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace recipe_rag::retrieval {
namespace {

// Answers with one hit whose recipe number is the call count, so a cached answer shows.
class CountingRetriever : public Retriever {
 public:
  Interpretation Interpret(const Query&) const override { return {}; }
  core::Result<std::vector<Hit>> Search(const Query& query) const override {
    const auto n = ++calls;
    if (query.text == "fail") return core::Error::Internal("boom");
    Hit hit;
    hit.recipe = static_cast<std::uint32_t>(n);
    hit.score = 0.5;
    hit.vectorless = query.text == "embedder down";
    return std::vector<Hit>{hit};
  }
  mutable std::atomic<int> calls{0};
};

Query MakeQuery(std::string text, std::size_t k = 3) {
  Query q;
  q.text = std::move(text);
  q.top_k = k;
  return q;
}

TEST(CachingRetrieverTest, SecondSearchIsAnsweredFromMemory) {
  auto inner = std::make_unique<CountingRetriever>();
  auto* counter = inner.get();
  CachingRetriever cache(std::move(inner), 100);
  EXPECT_FALSE(cache.Cached(MakeQuery("tomato soup")).has_value());
  auto first = cache.Search(MakeQuery("tomato soup"));
  ASSERT_TRUE(first.ok());
  auto cached = cache.Cached(MakeQuery("tomato soup"));
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ((*cached)[0].recipe, (*first)[0].recipe);
  auto second = cache.Search(MakeQuery("tomato soup"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)[0].recipe, (*first)[0].recipe);
  EXPECT_EQ(counter->calls.load(), 1);
}

TEST(CachingRetrieverTest, AnswersRankedWithoutVectorsAreNotRemembered) {
  auto inner = std::make_unique<CountingRetriever>();
  auto* counter = inner.get();
  CachingRetriever cache(std::move(inner), 100);
  ASSERT_TRUE(cache.Search(MakeQuery("embedder down")).ok());
  EXPECT_FALSE(cache.Cached(MakeQuery("embedder down")).has_value());
  ASSERT_TRUE(cache.Search(MakeQuery("embedder down")).ok());
  EXPECT_EQ(counter->calls.load(), 2);
}

TEST(CachingRetrieverTest, TopKAndFiltersArePartOfTheKey) {
  auto inner = std::make_unique<CountingRetriever>();
  auto* counter = inner.get();
  CachingRetriever cache(std::move(inner), 100);
  ASSERT_TRUE(cache.Search(MakeQuery("cake", 3)).ok());
  ASSERT_TRUE(cache.Search(MakeQuery("cake", 5)).ok());
  auto filtered = MakeQuery("cake", 3);
  filtered.filters.diets = {"vegetarian"};
  ASSERT_TRUE(cache.Search(filtered).ok());
  auto tagged = MakeQuery("cake", 3);
  tagged.filters.tags = {"vegetarian"};
  ASSERT_TRUE(cache.Search(tagged).ok());
  EXPECT_EQ(counter->calls.load(), 4);
}

TEST(CachingRetrieverTest, FailuresAreNotRemembered) {
  auto inner = std::make_unique<CountingRetriever>();
  auto* counter = inner.get();
  CachingRetriever cache(std::move(inner), 100);
  EXPECT_FALSE(cache.Search(MakeQuery("fail")).ok());
  EXPECT_FALSE(cache.Cached(MakeQuery("fail")).has_value());
  EXPECT_FALSE(cache.Search(MakeQuery("fail")).ok());
  EXPECT_EQ(counter->calls.load(), 2);
}

TEST(CachingRetrieverTest, HoldsAtMostItsCapacity) {
  auto inner = std::make_unique<CountingRetriever>();
  CachingRetriever cache(std::move(inner), 16);  // one answer per shard
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(cache.Search(MakeQuery("q" + std::to_string(i))).ok());
  int remembered = 0;
  for (int i = 0; i < 1000; ++i)
    remembered += cache.Cached(MakeQuery("q" + std::to_string(i))).has_value();
  EXPECT_LE(remembered, 16);
  EXPECT_GE(remembered, 1);
}

TEST(CachingRetrieverTest, SafeFromManyThreads) {
  auto inner = std::make_unique<CountingRetriever>();
  CachingRetriever cache(std::move(inner), 64);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        if (!cache.Search(MakeQuery("q" + std::to_string((i * 7 + t) % 200))).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace recipe_rag::retrieval
