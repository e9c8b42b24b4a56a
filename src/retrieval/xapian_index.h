// XapianIndex: the lexical index — BM25 over recipe fields in a single-file Xapian database.
//
// Fields and their weight (within-document frequency multiplier): title ×5, tags ×2,
// ingredients ×2, instructions ×1; English Snowball stemming; spelling data from the
// corpus; boolean terms for tags (filters) and a prefixed copy of ingredient words
// (exclusions). Search() is safe from many threads: each call borrows its own database
// handle (Xapian handles are single-threaded).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/result.h"
#include "corpus/recipe.h"
#include "retrieval/query_analyzer.h"
#include "retrieval/retriever.h"

namespace recipe_rag::retrieval {

class XapianIndex {
 public:
  // Writes the recipes (document i+1 = recipes[i]) to `file` (a single-file database).
  // Internal on a Xapian error.
  static core::Status Build(const std::vector<corpus::Recipe>& recipes,
                            const std::filesystem::path& file);

  // DataLoss when the file is not a readable Xapian database.
  static core::Result<std::unique_ptr<XapianIndex>> Open(const std::filesystem::path& file);

  ~XapianIndex();
  XapianIndex(const XapianIndex&) = delete;
  XapianIndex& operator=(const XapianIndex&) = delete;

  // At most `k` hits, best first; recipe = document id - 1; score = Xapian's percentage / 100.
  // A concept with no indexed word is replaced by its spelling suggestion when there is one.
  core::Result<std::vector<Hit>> Search(const AnalyzedQuery& query, const Filters& filters,
                                        std::size_t k) const;

  std::uint32_t doc_count() const { return doc_count_; }

 private:
  class Pool;
  explicit XapianIndex(std::unique_ptr<Pool> pool, std::uint32_t doc_count);
  std::unique_ptr<Pool> pool_;
  std::uint32_t doc_count_;
};

}  // namespace recipe_rag::retrieval
