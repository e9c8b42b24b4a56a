// Embedder: the seam that turns text into vectors for the vector side of hybrid search.
//
// The default is LsaEmbedder (lsa_embedder.h): trained from the corpus when the index is
// built, offline, no downloaded weights. A remote provider (OpenAI embeddings) implements the
// same interface. An index records the embedder's EmbedderInfo in its manifest; vectors are
// only comparable between texts embedded by the same name, version and dimension.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.h"

namespace recipe_rag::retrieval {

struct EmbedderInfo {
  std::string name;     // "lsa"
  std::string version;  // bumped whenever the same input would give different vectors
  int dim = 0;
  friend bool operator==(const EmbedderInfo&, const EmbedderInfo&) = default;
};

class Embedder {
 public:
  virtual ~Embedder() = default;
  virtual const EmbedderInfo& info() const = 0;
  // One vector per text, row-major (texts.size() × info().dim). Each is unit length, or all
  // zeros when the text has nothing the embedder knows. Safe from many threads.
  // Unavailable/DeadlineExceeded are for remote embedders.
  virtual core::Result<std::vector<float>> Embed(const std::vector<std::string>& texts) const = 0;
};

}  // namespace recipe_rag::retrieval
