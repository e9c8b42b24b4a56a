// CachingRetriever: a Retriever decorator that remembers recent answers.
//
// An index version is immutable, so a cached answer is exact for as long as the index it
// wraps lives; a new index gets a new cache. Bounded: at most `capacity` answers, least
// recently used evicted first. Thread-safe (one mutex per shard; 16 shards). Failed
// searches are not cached.
#pragma once

#include <array>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "retrieval/retriever.h"

namespace recipe_rag::retrieval {

class CachingRetriever : public Retriever {
 public:
  // capacity >= 1 answers in total.
  CachingRetriever(std::unique_ptr<Retriever> inner, std::size_t capacity);

  core::Result<std::vector<Hit>> Search(const Query& query) const override;
  std::optional<std::vector<Hit>> Cached(const Query& query) const override;
  Interpretation Interpret(const Query& query) const override { return inner_->Interpret(query); }

 private:
  struct Shard {
    std::mutex mu;
    // Most recently used at the front.
    std::list<std::pair<std::string, std::vector<Hit>>> lru;
    std::unordered_map<std::string, decltype(lru)::iterator> by_key;
  };
  static constexpr std::size_t kShards = 16;
  Shard& ShardFor(const std::string& key) const;
  std::optional<std::vector<Hit>> Lookup(const std::string& key) const;

  const std::unique_ptr<Retriever> inner_;
  const std::size_t per_shard_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace recipe_rag::retrieval
