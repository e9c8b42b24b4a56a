#include "retrieval/caching_retriever.h"

#include <algorithm>
#include <functional>

namespace recipe_rag::retrieval {
namespace {

// Everything that decides the answer, with separators that cannot occur inside a field.
std::string Key(const Query& q) {
  std::string key;
  key.reserve(q.text.size() + 32);
  key.append(q.text).push_back('\x1f');
  key.append(std::to_string(q.top_k));
  for (const auto* list : {&q.filters.tags, &q.filters.exclude_ingredients,
                           &q.filters.include_ingredients, &q.filters.diets}) {
    key.push_back('\x1e');
    for (const auto& v : *list) key.append(v).push_back('\x1f');
  }
  key.push_back('\x1e');
  if (q.filters.max_total_minutes) key.append(std::to_string(*q.filters.max_total_minutes));
  return key;
}

}  // namespace

CachingRetriever::CachingRetriever(std::unique_ptr<Retriever> inner, std::size_t capacity)
    : inner_(std::move(inner)), per_shard_(std::max<std::size_t>(1, capacity / kShards)) {}

CachingRetriever::Shard& CachingRetriever::ShardFor(const std::string& key) const {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

std::optional<std::vector<Hit>> CachingRetriever::Cached(const Query& query) const {
  return Lookup(Key(query));
}

std::optional<std::vector<Hit>> CachingRetriever::Lookup(const std::string& key) const {
  auto& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  const auto it = shard.by_key.find(key);
  if (it == shard.by_key.end()) return std::nullopt;
  shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  return it->second->second;
}

core::Result<std::vector<Hit>> CachingRetriever::Search(const Query& query) const {
  auto key = Key(query);
  if (auto hits = Lookup(key)) return std::move(*hits);
  auto& shard = ShardFor(key);
  auto hits = inner_->Search(query);
  if (!hits.ok()) return hits;
  // An answer ranked without its vector side is a stopgap: search properly next time.
  if (std::any_of(hits->begin(), hits->end(), [](const Hit& h) { return h.vectorless; })) {
    return hits;
  }
  std::lock_guard lock(shard.mu);
  if (shard.by_key.count(key) == 0) {
    shard.lru.emplace_front(key, *hits);
    shard.by_key.emplace(std::move(key), shard.lru.begin());
    if (shard.lru.size() > per_shard_) {
      shard.by_key.erase(shard.lru.back().first);
      shard.lru.pop_back();
    }
  }
  return hits;
}

}  // namespace recipe_rag::retrieval
