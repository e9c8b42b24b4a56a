#include "retrieval/vector_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/impl/FaissException.h>
#include <faiss/index_io.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <new>
#include <string_view>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

// Inner products of an int16 query with `count` consecutive rows of int8 codes, each scaled by
// its row's factor: an approximate inner product from a quarter of the bytes. Integer
// multiply-adds (vpmaddwd, 16 codes per instruction) keep the scan at memory speed; GCC 12
// does not find them on its own (it widens to floats or multiplies in halves), so the AVX2
// loop is written with intrinsics and the baseline one stays portable. No overflow: |code| ≤ 127
// and |query| ≤ kQueryCodeMax, so a 65,536-dimension sum stays below 2^31.
constexpr float kQueryCodeMax = 255.0f;

void DotCodesPortable(const std::int16_t* query, const std::int8_t* codes, const float* scales,
                      std::size_t count, std::size_t dim, float* out) {
  for (std::size_t r = 0; r < count; ++r) {
    const std::int8_t* a = codes + r * dim;
    std::int32_t sum = 0;
    for (std::size_t i = 0; i < dim; ++i) sum += query[i] * a[i];
    out[r] = static_cast<float>(sum) * scales[r];
  }
}

#if defined(__x86_64__)
constexpr std::size_t kPrefetchRows = 8;

__attribute__((target("avx2"))) void DotCodesAvx2(const std::int16_t* query,
                                                  const std::int8_t* codes, const float* scales,
                                                  std::size_t count, std::size_t dim, float* out) {
  const std::size_t body = dim - dim % 16;
  for (std::size_t r = 0; r < count; ++r) {
    const std::int8_t* a = codes + r * dim;
    // The scan streams from memory: ask for the rows a few ahead.
    if (r + kPrefetchRows < count) {
      for (std::size_t o = 0; o < dim; o += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(a + kPrefetchRows * dim + o), _MM_HINT_T0);
      }
    }
    __m256i acc = _mm256_setzero_si256();
    for (std::size_t i = 0; i < body; i += 16) {
      const __m256i c =
          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
      const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(query + i));
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(c, q));
    }
    __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0x4e));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0xb1));
    std::int32_t total = _mm_cvtsi128_si32(sum);
    for (std::size_t i = body; i < dim; ++i) total += query[i] * a[i];
    out[r] = static_cast<float>(total) * scales[r];
  }
}
#endif

void DotCodes(const std::int16_t* query, const std::int8_t* codes, const float* scales,
              std::size_t count, std::size_t dim, float* out) {
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) return DotCodesAvx2(query, codes, scales, count, dim, out);
#endif
  DotCodesPortable(query, codes, scales, count, dim, out);
}

// The largest |x[i]|: the scale of a symmetric quantisation.
float MaxAbs(const float* x, std::size_t dim) {
  float max = 0;
  for (std::size_t i = 0; i < dim; ++i) max = std::max(max, std::abs(x[i]));
  return max;
}

// Rows re-scored ahead of the one being re-scored: enough to overlap their memory reads.
constexpr std::size_t kRefinePrefetch = 4;

// Orders hits best first: higher similarity, then lower document index.
bool Better(const VectorHit& a, const VectorHit& b) {
  return a.similarity != b.similarity ? a.similarity > b.similarity : a.doc < b.doc;
}

// The best k of `scored`, best first.
std::vector<VectorHit> TopK(std::vector<VectorHit> scored, std::size_t k) {
  k = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k), scored.end(),
                    Better);
  scored.resize(k);
  return scored;
}

}  // namespace

// Exact top k by inner product, among the allowed documents when given. FAISS 1.7.3's
// searches ignore ID selectors, and a filtered search must be exact, so this scan is ours; a
// filter that leaves few rows has only those scored. Large indexes are scanned in two passes: int8
// codes pick kRefine × k candidates, whose float vectors then decide (coarse-to-fine, as FAISS'
// IndexRefine does); the true top k is among the candidates unless quantisation error reorders
// more than (kRefine − 1) × k recipes.
std::vector<VectorHit> VectorIndex::ExactSearch(const float* query, std::size_t k,
                                                const DocSet* allowed) const {
  const auto n = static_cast<std::size_t>(index_->ntotal);
  const auto dim = static_cast<std::size_t>(index_->d);
  const float* stored = StoredVectors(*index_);
  const bool coarse = !codes_.empty() && kRefine * k < n;
  std::vector<std::int16_t> query_codes;
  if (coarse) {
    const float max = MaxAbs(query, dim);
    const float scale = max > 0 ? kQueryCodeMax / max : 1.0f;
    query_codes.resize(dim);
    for (std::size_t i = 0; i < dim; ++i) {
      query_codes[i] = static_cast<std::int16_t>(std::lround(query[i] * scale));
    }
  }
  // Scores `count` rows from `first` into out[0..count).
  const auto score = [&](std::size_t first, std::size_t count, float* out) {
    if (coarse) {
      DotCodes(query_codes.data(), codes_.data() + first * dim, scales_.data() + first, count, dim,
               out);
    } else {
      DotRows(query, stored + first * dim, count, dim, out);
    }
  };
  const std::size_t wanted = coarse ? kRefine * k : k;
  // The best `wanted` rows so far, in a heap whose front is the worst of them: past the first
  // few hundred rows almost every row is rejected by one comparison with the front.
  std::vector<VectorHit> scored;
  scored.reserve(wanted);
  const auto offer = [&](std::uint32_t doc, float similarity) {
    if (scored.size() == wanted && similarity < scored.front().similarity) return;
    const VectorHit hit{doc, similarity};
    if (scored.size() < wanted) {
      scored.push_back(hit);
      std::push_heap(scored.begin(), scored.end(), Better);
    } else if (Better(hit, scored.front())) {
      std::pop_heap(scored.begin(), scored.end(), Better);
      scored.back() = hit;
      std::push_heap(scored.begin(), scored.end(), Better);
    }
  };
  // A scan of every row runs at memory speed, so a filter only pays for itself by skipping
  // rows when it leaves few of them.
  if (allowed != nullptr && allowed->count() * 4 < n) {
    for (std::size_t d = 0; d < n; ++d) {
      if (!allowed->contains(d)) continue;
      float similarity = 0;
      score(d, 1, &similarity);
      offer(static_cast<std::uint32_t>(d), similarity);
    }
  } else {
    thread_local std::vector<float> scores;  // per thread: a warm scan allocates nothing
    scores.resize(n);
    score(0, n, scores.data());
    // Rows below the heap's worst are skipped right here, without a call.
    float floor = -std::numeric_limits<float>::infinity();
    for (std::size_t d = 0; d < n; ++d) {
      if (scores[d] < floor || (allowed != nullptr && !allowed->contains(d))) continue;
      offer(static_cast<std::uint32_t>(d), scores[d]);
      if (scored.size() == wanted) floor = scored.front().similarity;
    }
  }
  if (!coarse) return TopK(std::move(scored), k);
  auto candidates = TopK(std::move(scored), wanted);
  // The candidates' rows are scattered over the vectors: each is asked for a few candidates
  // ahead, so the memory reads overlap instead of waiting one after another.
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (i + kRefinePrefetch < candidates.size()) {
      const float* ahead = stored + candidates[i + kRefinePrefetch].doc * dim;
      for (std::size_t o = 0; o < dim; o += 16) __builtin_prefetch(ahead + o);
    }
    auto& c = candidates[i];
    DotRows(query, stored + c.doc * dim, 1, dim, &c.similarity);
  }
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
    const float max = MaxAbs(x, dim);
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
