// LexicalRetriever: Retriever over the Xapian index, with lexicon query expansion.
#pragma once

#include <memory>

#include "retrieval/lexicon.h"
#include "retrieval/query_analyzer.h"
#include "retrieval/retriever.h"
#include "retrieval/xapian_index.h"

namespace recipe_rag::retrieval {

class LexicalRetriever : public Retriever {
 public:
  LexicalRetriever(Lexicon lexicon, std::unique_ptr<XapianIndex> index)
      : lexicon_(std::move(lexicon)), analyzer_(lexicon_), index_(std::move(index)) {}

  core::Result<std::vector<Hit>> Search(const Query& query) const override {
    return index_->Search(analyzer_.Analyze(query.text), query.filters, query.top_k);
  }

 private:
  const Lexicon lexicon_;
  const QueryAnalyzer analyzer_;
  const std::unique_ptr<XapianIndex> index_;
};

}  // namespace recipe_rag::retrieval
