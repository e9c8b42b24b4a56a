// Index directories: building one from a corpus, and loading a verified one to serve.
//
// Layout (format version 2):
//   manifest.json   what is here, with checksums and the embedder (see manifest.h)
//   recipes.json    the validated corpus, the records every hit refers to
//   lexicon.tsv     the modern ↔ period vocabulary used for query expansion
//   lexical.glass   the Xapian BM25 index (single file), with diet tags as boolean terms
//   model.lsa       the embedder's model, trained from this corpus (lsa_embedder.h); absent
//                   when a remote embedder (openai_embedder.h) made the vectors
//   vectors.faiss   one unit vector per recipe (faiss::write_index; vector_index.h)
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "corpus/loader.h"
#include "retrieval/hybrid_retriever.h"
#include "retrieval/manifest.h"
#include "retrieval/retriever.h"

namespace recipe_rag::retrieval {

struct BuildRequest {
  std::filesystem::path corpus_file;
  std::filesystem::path lexicon_file;
  std::filesystem::path out_dir;
  // Reject records with no instructions (the bundled corpus has 6 such records; the large
  // modern corpus has none at all), so this is off by default.
  bool require_instructions = false;
  int embedding_dim = 256;
  std::uint64_t embedder_seed = 42;
  std::size_t hnsw_threshold = 50'000;  // at this many recipes or more, HNSW; else exact
  // A remote embedder (OpenAiEmbedder) to embed the recipes with; null trains the LSA model
  // (and embedding_dim / embedder_seed apply). Must outlive the call.
  const Embedder* embedder = nullptr;
};

// Builds into a sibling temporary directory, then moves it into place, so a reader never
// sees a half-built index. Returns the manifest. DataLoss for a bad corpus (the message
// lists records and fields), InvalidArgument for a bad lexicon, Internal for I/O errors.
core::Result<Manifest> BuildIndex(const BuildRequest& request);

// A loaded, verified index: immutable, shared by every request that uses it.
struct LoadedIndex {
  Manifest manifest;
  std::vector<corpus::Recipe> recipes;
  std::unique_ptr<Retriever> retriever;
};

// Reads the manifest, verifies every file's checksum, loads recipes and opens the search
// structures. NotFound when there is no index; DataLoss when it is corrupt or incompatible
// (the message says why, without the directory's path).
struct LoadOptions {
  std::size_t cache_entries = 10'000;  // answers remembered per index; 0 disables the cache
  HybridOptions search;
  // The embedder the configuration asks for; an index made by another is refused (DataLoss).
  // Unset: any.
  std::optional<std::pair<std::string, int>> expected_embedder;  // name, dimension
  // Makes the query-time embedder for an index whose vectors came from a remote embedder
  // (the manifest's name, model as version, dimension). Unset: such an index is refused.
  std::function<core::Result<std::unique_ptr<Embedder>>(const EmbedderInfo&)> remote_embedder;
};
core::Result<std::shared_ptr<const LoadedIndex>> LoadIndex(const std::filesystem::path& dir,
                                                           const LoadOptions& options = {});

}  // namespace recipe_rag::retrieval
