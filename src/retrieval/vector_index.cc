#include "retrieval/vector_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/impl/FaissException.h>
#include <faiss/index_io.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <new>
#include <string_view>

namespace recipe_rag::retrieval {
namespace {

constexpr int kHnswM = 32;
constexpr int kHnswEfConstruction = 200;
constexpr int kHnswEfSearch = 128;

// The stored vectors, row-major: both index kinds keep them flat.
const float* StoredVectors(const faiss::Index& index) {
  if (const auto* flat = dynamic_cast<const faiss::IndexFlat*>(&index)) return flat->get_xb();
  const auto* hnsw = dynamic_cast<const faiss::IndexHNSW*>(&index);
  return static_cast<const faiss::IndexFlat*>(hnsw->storage)->get_xb();
}

// Inner products of `query` with `count` consecutive stored rows, into out[0..count). FAISS'
// own loop is scalar in Debian's build (it targets baseline x86-64), so this is compiled
// twice — for Haswell-class CPUs (AVX2, FMA) and for the baseline — and the loader picks what
// the CPU has. Four rows at a time give four independent sums, so the adds overlap; `omp
// simd` lets the compiler vectorise each sum without -ffast-math.
__attribute__((target_clones("arch=haswell", "default"))) void DotRows(
    const float* query, const float* rows, std::size_t count, std::size_t dim, float* out) {
  std::size_t r = 0;
  for (; r + 4 <= count; r += 4) {
    const float* a = rows + r * dim;
    const float* b = a + dim;
    const float* c = b + dim;
    const float* d = c + dim;
    float sa = 0, sb = 0, sc = 0, sd = 0;
#pragma omp simd reduction(+ : sa, sb, sc, sd)
    for (std::size_t i = 0; i < dim; ++i) {
      sa += query[i] * a[i];
      sb += query[i] * b[i];
      sc += query[i] * c[i];
      sd += query[i] * d[i];
    }
    out[r] = sa;
    out[r + 1] = sb;
    out[r + 2] = sc;
    out[r + 3] = sd;
  }
  for (; r < count; ++r) {
    const float* a = rows + r * dim;
    float sum = 0;
#pragma omp simd reduction(+ : sum)
    for (std::size_t i = 0; i < dim; ++i) sum += query[i] * a[i];
    out[r] = sum;
  }
}

// The same for rows of int8 codes, each scaled by its own factor: an approximate inner
// product from a quarter of the bytes (the scan is limited by memory bandwidth, not arithmetic).
__attribute__((target_clones("arch=haswell", "default"))) void DotCodes(
    const float* query, const std::int8_t* codes, const float* scales, std::size_t count,
    std::size_t dim, float* out) {
  for (std::size_t r = 0; r < count; ++r) {
    const std::int8_t* a = codes + r * dim;
    float sum = 0;
#pragma omp simd reduction(+ : sum)
    for (std::size_t i = 0; i < dim; ++i) sum += query[i] * static_cast<float>(a[i]);
    out[r] = sum * scales[r];
  }
}

// The best k of `scored` (doc, similarity) pairs, best first.
std::vector<VectorHit> TopK(std::vector<VectorHit> scored, std::size_t k) {
  const auto better = [](const VectorHit& a, const VectorHit& b) {
    return a.similarity != b.similarity ? a.similarity > b.similarity : a.doc < b.doc;
  };
  k = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k), scored.end(),
                    better);
  scored.resize(k);
  return scored;
}

}  // namespace

// Exact top k by inner product, among the allowed documents when given. FAISS 1.7.3's
// searches ignore ID selectors, and a filtered search must be exact, so this scan is ours.
// Large indexes are scanned in two passes: int8 codes pick kRefine × k candidates, whose
// float vectors then decide (coarse-to-fine, as FAISS' IndexRefine does); the true top k is
// among the candidates unless quantisation error reorders more than (kRefine − 1) × k recipes.
std::vector<VectorHit> VectorIndex::ExactSearch(const float* query, std::size_t k,
                                                const DocSet* allowed) const {
  const auto n = static_cast<std::size_t>(index_->ntotal);
  const auto dim = static_cast<std::size_t>(index_->d);
  const float* stored = StoredVectors(*index_);
  std::vector<float> scores(n);
  const bool coarse = !codes_.empty() && kRefine * k < n;
  if (coarse) {
    DotCodes(query, codes_.data(), scales_.data(), n, dim, scores.data());
  } else {
    DotRows(query, stored, n, dim, scores.data());
  }
  std::vector<VectorHit> scored;
  scored.reserve(allowed == nullptr ? n : std::min<std::size_t>(n, 4096));
  for (std::size_t d = 0; d < n; ++d) {
    if (allowed == nullptr || allowed->contains(d)) {
      scored.push_back({static_cast<std::uint32_t>(d), scores[d]});
    }
  }
  if (!coarse) return TopK(std::move(scored), k);
  auto candidates = TopK(std::move(scored), kRefine * k);
  for (auto& c : candidates) DotRows(query, stored + c.doc * dim, 1, dim, &c.similarity);
  return TopK(std::move(candidates), k);
}

VectorIndex::VectorIndex(std::unique_ptr<faiss::Index> index) : index_(std::move(index)) {
  const auto n = static_cast<std::size_t>(index_->ntotal);
  if (n < kCoarseFrom) return;
  // Symmetric int8 per vector: code = round(x / scale), scale = max |x| / 127.
  const auto dim = static_cast<std::size_t>(index_->d);
  const float* stored = StoredVectors(*index_);
  codes_.resize(n * dim);
  scales_.resize(n);
  for (std::size_t d = 0; d < n; ++d) {
    const float* x = stored + d * dim;
    float max = 0;
    for (std::size_t i = 0; i < dim; ++i) max = std::max(max, std::abs(x[i]));
    scales_[d] = max > 0 ? max / 127.0f : 1.0f;
    for (std::size_t i = 0; i < dim; ++i) {
      codes_[d * dim + i] = static_cast<std::int8_t>(std::lround(x[i] / scales_[d]));
    }
  }
}
VectorIndex::~VectorIndex() = default;

core::Status VectorIndex::Build(const std::vector<float>& vectors, int dim, std::size_t count,
                                std::size_t hnsw_threshold, const std::filesystem::path& file) {
  if (dim <= 0 || vectors.size() != count * static_cast<std::size_t>(dim)) {
    return core::Error::InvalidArgument("vector count does not match the dimension");
  }
  try {
    std::unique_ptr<faiss::Index> index;
    if (count >= hnsw_threshold) {
      auto hnsw = std::make_unique<faiss::IndexHNSWFlat>(dim, kHnswM, faiss::METRIC_INNER_PRODUCT);
      hnsw->hnsw.efConstruction = kHnswEfConstruction;
      hnsw->hnsw.efSearch = kHnswEfSearch;
      index = std::move(hnsw);
    } else {
      index = std::make_unique<faiss::IndexFlatIP>(dim);
    }
    index->add(static_cast<faiss::Index::idx_t>(count), vectors.data());
    faiss::write_index(index.get(), file.c_str());
  } catch (const faiss::FaissException& e) {
    return core::Error::Internal(std::string("vector index build failed: ") + e.what());
  }
  return core::Status::Ok();
}

core::Result<std::unique_ptr<VectorIndex>> VectorIndex::Open(const std::filesystem::path& file) {
  // Every FAISS index file starts with a four-byte type, the dimension (int32) and the vector
  // count (int64), and holds at least count × dimension floats. Checked before FAISS reads
  // it, because FAISS allocates what the header claims first.
  {
    std::ifstream in(file, std::ios::binary);
    char fourcc[4];
    std::int32_t dim = 0;
    std::int64_t count = 0;
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(file, ec);
    if (!in || ec) return core::Error::DataLoss("vector index cannot be read");
    if (!in.read(fourcc, sizeof fourcc) || !in.read(reinterpret_cast<char*>(&dim), sizeof dim) ||
        !in.read(reinterpret_cast<char*>(&count), sizeof count) || dim <= 0 || dim > 65'536 ||
        count < 0 ||
        static_cast<std::uint64_t>(count) > bytes / (static_cast<std::uint64_t>(dim) * 4)) {
      return core::Error::DataLoss("vector index cannot be read");
    }
    // An exact index ("IxFI", FAISS 1.7.3) then has two unused words, is_trained and the
    // metric (37 bytes in all), and the number of stored floats: it must fit the file too.
    std::uint64_t floats = 0;
    if (std::string_view(fourcc, sizeof fourcc) == "IxFI" &&
        (!in.seekg(37) || !in.read(reinterpret_cast<char*>(&floats), sizeof floats) ||
         floats > bytes / 4)) {
      return core::Error::DataLoss("vector index cannot be read");
    }
  }
  try {
    std::unique_ptr<faiss::Index> index(faiss::read_index(file.c_str()));
    if (index->metric_type != faiss::METRIC_INNER_PRODUCT ||
        (dynamic_cast<faiss::IndexFlatIP*>(index.get()) == nullptr &&
         dynamic_cast<faiss::IndexHNSWFlat*>(index.get()) == nullptr)) {
      return core::Error::DataLoss("vector index is not an inner-product flat or HNSW index");
    }
    return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(index)));
  } catch (const faiss::FaissException&) {
    return core::Error::DataLoss("vector index cannot be read");
  } catch (const std::bad_alloc&) {
    // A corrupt header can claim more vectors than any file holds; FAISS allocates first.
    return core::Error::DataLoss("vector index cannot be read");
  }
}

core::Result<std::vector<VectorHit>> VectorIndex::Search(const float* query, std::size_t k,
                                                         const DocSet* allowed) const {
  const auto total = static_cast<std::size_t>(index_->ntotal);
  k = std::min(k, total);
  if (k == 0) return std::vector<VectorHit>{};
  const bool hnsw = dynamic_cast<const faiss::IndexHNSW*>(index_.get()) != nullptr;
  if (!hnsw) return ExactSearch(query, k, allowed);
  // HNSW with a filter: ask for more, keep the allowed; scan when too few remain.
  const std::size_t fetch =
      allowed == nullptr ? k : std::min(total, std::max<std::size_t>(8 * k, 256));
  std::vector<float> distances(fetch);
  std::vector<faiss::Index::idx_t> labels(fetch);
  try {
    faiss::SearchParametersHNSW hnsw_params;
    hnsw_params.efSearch = std::max<int>(kHnswEfSearch, static_cast<int>(fetch));
    index_->search(1, query, static_cast<faiss::Index::idx_t>(fetch), distances.data(),
                   labels.data(), hnsw ? &hnsw_params : nullptr);
  } catch (const faiss::FaissException& e) {
    return core::Error::Internal(std::string("vector search failed: ") + e.what());
  }
  std::vector<VectorHit> hits;
  hits.reserve(k);
  for (std::size_t i = 0; i < fetch && hits.size() < k; ++i) {
    if (labels[i] < 0) break;
    const auto doc = static_cast<std::uint32_t>(labels[i]);
    if (allowed == nullptr || allowed->contains(doc)) hits.push_back({doc, distances[i]});
  }
  if (allowed != nullptr && hits.size() < k && fetch < total) {
    return ExactSearch(query, k, allowed);
  }
  return hits;
}

float VectorIndex::Similarity(const float* query, std::uint32_t doc) const {
  const auto dim = static_cast<std::size_t>(index_->d);
  float similarity = 0;
  DotRows(query, StoredVectors(*index_) + doc * dim, 1, dim, &similarity);
  return similarity;
}

int VectorIndex::dim() const { return index_->d; }
std::size_t VectorIndex::size() const { return static_cast<std::size_t>(index_->ntotal); }
std::string VectorIndex::kind() const {
  return dynamic_cast<const faiss::IndexHNSW*>(index_.get()) != nullptr ? "hnsw" : "flat";
}

}  // namespace recipe_rag::retrieval
