// VectorIndex: nearest recipes to a query vector by inner product (cosine, as every stored
// vector is unit length), in FAISS.
//
// Small corpora get exact search (IndexFlatIP); corpora of `hnsw_threshold` recipes or more
// get an HNSW graph (IndexHNSWFlat, M = 32, efConstruction = 200, efSearch = 128). Exact
// scans of 8,192 vectors or more go coarse-to-fine: int8 codes (a quarter of the bytes)
// choose 4 × k candidates, their float vectors decide. The file is
// FAISS' own format (faiss::write_index), so it can be copied and stored anywhere.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "retrieval/doc_set.h"

namespace faiss {
struct Index;
}

namespace recipe_rag::retrieval {

struct VectorHit {
  std::uint32_t doc = 0;
  float similarity = 0;  // inner product of unit vectors, in [-1, 1]
};

class VectorIndex {
 public:
  // Indexes `vectors` (count × dim, row-major; document i = row i) and writes `file`.
  // Internal on a FAISS error.
  static core::Status Build(const std::vector<float>& vectors, int dim, std::size_t count,
                            std::size_t hnsw_threshold, const std::filesystem::path& file);
  // DataLoss when the file is not a FAISS index of inner-product vectors.
  static core::Result<std::unique_ptr<VectorIndex>> Open(const std::filesystem::path& file);

  ~VectorIndex();
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

  // At most k nearest documents to `query` (dim floats), best first; only documents in
  // `allowed` when given. Safe from many threads.
  core::Result<std::vector<VectorHit>> Search(const float* query, std::size_t k,
                                              const DocSet* allowed) const;
  // Inner product of `query` with stored document `doc`.
  float Similarity(const float* query, std::uint32_t doc) const;

  int dim() const;
  std::size_t size() const;
  // "flat" or "hnsw".
  std::string kind() const;

 private:
  explicit VectorIndex(std::unique_ptr<faiss::Index> index);
  std::vector<VectorHit> ExactSearch(const float* query, std::size_t k,
                                     const DocSet* allowed) const;

  // Indexes this large also keep int8 codes of their vectors for a coarse first pass.
  static constexpr std::size_t kCoarseFrom = 8192;
  static constexpr std::size_t kRefine = 2;  // candidates per wanted result, re-scored exactly
  std::unique_ptr<faiss::Index> index_;
  std::vector<std::int8_t> codes_;  // size × dim, row-major; empty below kCoarseFrom
  std::vector<float> scales_;       // per vector: code × scale ≈ value
};

}  // namespace recipe_rag::retrieval
