#include "retrieval/vector_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "retrieval/doc_set.h"
#include "unit/retrieval/temp_dir.h"

namespace recipe_rag::retrieval {
namespace {

using core::ErrorCode;

constexpr int kDim = 32;
constexpr std::size_t kCount = 300;

// `count` random unit vectors of `dim` floats, row-major, the same for a seed.
std::vector<float> RandomUnitVectors(std::size_t count, int dim, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> gaussian;
  std::vector<float> out(count * static_cast<std::size_t>(dim));
  for (std::size_t i = 0; i < count; ++i) {
    float* row = out.data() + i * dim;
    double norm = 0;
    for (int k = 0; k < dim; ++k) {
      row[k] = gaussian(rng);
      norm += static_cast<double>(row[k]) * row[k];
    }
    const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
    for (int k = 0; k < dim; ++k) row[k] *= scale;
  }
  return out;
}

double Dot(const float* a, const float* b, int dim) {
  double sum = 0;
  for (int k = 0; k < dim; ++k) sum += static_cast<double>(a[k]) * b[k];
  return sum;
}

// Documents by descending inner product with `query`, among `allowed` when given.
std::vector<std::uint32_t> BruteForce(const std::vector<float>& vectors, std::size_t count,
                                      const float* query, const DocSet* allowed) {
  std::vector<std::uint32_t> docs;
  for (std::uint32_t d = 0; d < count; ++d) {
    if (allowed == nullptr || allowed->contains(d)) docs.push_back(d);
  }
  std::sort(docs.begin(), docs.end(), [&](std::uint32_t a, std::uint32_t b) {
    return Dot(query, vectors.data() + a * kDim, kDim) >
           Dot(query, vectors.data() + b * kDim, kDim);
  });
  return docs;
}

std::vector<std::uint32_t> Docs(const std::vector<VectorHit>& hits) {
  std::vector<std::uint32_t> docs;
  for (const auto& h : hits) docs.push_back(h.doc);
  return docs;
}

// Both index kinds over the same vectors: the parameter is the kind expected.
class VectorIndexTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    vectors_ = RandomUnitVectors(kCount, kDim, 2024);
    queries_ = RandomUnitVectors(20, kDim, 99);
    index_ = BuildAndOpen(vectors_, kCount);
    ASSERT_NE(index_, nullptr);
  }

  bool hnsw() const { return GetParam() == "hnsw"; }

  // Builds an index of the kind under test from `vectors` and opens it.
  std::unique_ptr<VectorIndex> BuildAndOpen(const std::vector<float>& vectors, std::size_t count) {
    const auto file = dir_.path() / ("vectors-" + std::to_string(count) + ".faiss");
    const std::size_t threshold = hnsw() ? count : count + 1;
    const auto built = VectorIndex::Build(vectors, kDim, count, threshold, file);
    EXPECT_TRUE(built.ok()) << built.error().message;
    auto opened = VectorIndex::Open(file);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  std::vector<VectorHit> Search(const VectorIndex& index, const float* query, std::size_t k,
                                const DocSet* allowed) {
    auto hits = index.Search(query, k, allowed);
    EXPECT_TRUE(hits.ok()) << hits.error().message;
    return hits.ok() ? std::move(hits).value() : std::vector<VectorHit>{};
  }

  const float* Row(std::size_t doc) const { return vectors_.data() + doc * kDim; }

  // Every hit is allowed, its similarity is the true inner product, and they are best first.
  void ExpectConsistent(const std::vector<VectorHit>& hits, const float* query,
                        const DocSet* allowed) {
    std::set<std::uint32_t> seen;
    for (std::size_t i = 0; i < hits.size(); ++i) {
      const auto& h = hits[i];
      ASSERT_LT(h.doc, kCount);
      EXPECT_TRUE(seen.insert(h.doc).second) << "doc " << h.doc << " returned twice";
      if (allowed != nullptr) {
        EXPECT_TRUE(allowed->contains(h.doc)) << "doc " << h.doc << " is not allowed";
      }
      EXPECT_NEAR(h.similarity, Dot(query, Row(h.doc), kDim), 1e-5) << "doc " << h.doc;
      if (i > 0) {
        EXPECT_GE(hits[i - 1].similarity, h.similarity) << "rank " << i;
      }
    }
  }

  testing::TempDir dir_;
  std::vector<float> vectors_;
  std::vector<float> queries_;
  std::unique_ptr<VectorIndex> index_;
};

INSTANTIATE_TEST_SUITE_P(Kinds, VectorIndexTest, ::testing::Values("flat", "hnsw"),
                         [](const auto& test) { return test.param; });

TEST_P(VectorIndexTest, OpenedIndexHasItsKindSizeAndDimension) {
  EXPECT_EQ(index_->kind(), GetParam());
  EXPECT_EQ(index_->size(), kCount);
  EXPECT_EQ(index_->dim(), kDim);
}

TEST_P(VectorIndexTest, StoredVectorsNearestNeighbourIsItself) {
  for (std::size_t doc = 0; doc < kCount; doc += 7) {
    const auto hits = Search(*index_, Row(doc), 3, nullptr);
    ASSERT_EQ(hits.size(), 3u);
    EXPECT_EQ(hits[0].doc, doc);
    EXPECT_NEAR(hits[0].similarity, 1.0, 1e-5);
    ExpectConsistent(hits, Row(doc), nullptr);
  }
}

TEST_P(VectorIndexTest, SearchMatchesBruteForceOrdering) {
  for (std::size_t q = 0; q < 20; ++q) {
    const float* query = queries_.data() + q * kDim;
    const auto hits = Search(*index_, query, 10, nullptr);
    ASSERT_EQ(hits.size(), 10u);
    ExpectConsistent(hits, query, nullptr);
    auto expected = BruteForce(vectors_, kCount, query, nullptr);
    expected.resize(10);
    if (!hnsw()) {
      EXPECT_EQ(Docs(hits), expected) << "query " << q;
    } else {
      // Approximate: at most one of the true ten missed (300 vectors, efSearch 128).
      std::vector<std::uint32_t> found = Docs(hits), truth = expected, common;
      std::sort(found.begin(), found.end());
      std::sort(truth.begin(), truth.end());
      std::set_intersection(found.begin(), found.end(), truth.begin(), truth.end(),
                            std::back_inserter(common));
      EXPECT_GE(common.size(), 9u) << "query " << q;
      EXPECT_EQ(hits[0].doc, expected[0]) << "query " << q;
    }
  }
}

TEST_P(VectorIndexTest, FilterWithThreeAllowedReturnsExactlyThose) {
  DocSet allowed(kCount, false);
  for (const std::uint32_t d : {5u, 150u, 299u}) allowed.insert(d);
  for (std::size_t q = 0; q < 5; ++q) {
    const float* query = queries_.data() + q * kDim;
    const auto hits = Search(*index_, query, 10, &allowed);
    ExpectConsistent(hits, query, &allowed);
    EXPECT_EQ(Docs(hits), BruteForce(vectors_, kCount, query, &allowed)) << "query " << q;
  }
}

TEST_P(VectorIndexTest, FilterWithNothingAllowedReturnsNothing) {
  const DocSet none(kCount, false);
  for (std::size_t q = 0; q < 5; ++q) {
    EXPECT_TRUE(Search(*index_, queries_.data() + q * kDim, 10, &none).empty());
  }
  EXPECT_TRUE(Search(*index_, Row(3), 10, &none).empty());
}

TEST_P(VectorIndexTest, FilterWithHalfAllowedReturnsOnlyAllowed) {
  DocSet allowed(kCount, false);
  for (std::uint32_t d = 0; d < kCount; d += 2) allowed.insert(d);
  for (std::size_t q = 0; q < 20; ++q) {
    const float* query = queries_.data() + q * kDim;
    const auto hits = Search(*index_, query, 10, &allowed);
    ASSERT_EQ(hits.size(), 10u);
    ExpectConsistent(hits, query, &allowed);
    if (!hnsw()) {
      auto expected = BruteForce(vectors_, kCount, query, &allowed);
      expected.resize(10);
      EXPECT_EQ(Docs(hits), expected) << "query " << q;
    }
  }
  // A disallowed document is not found even by its own vector.
  const auto hits = Search(*index_, Row(1), 10, &allowed);
  ExpectConsistent(hits, Row(1), &allowed);
  EXPECT_EQ(hits.size(), 10u);
}

TEST_P(VectorIndexTest, SimilarityIsTheInnerProduct) {
  for (std::size_t q = 0; q < 5; ++q) {
    const float* query = queries_.data() + q * kDim;
    for (std::uint32_t d = 0; d < kCount; d += 13) {
      EXPECT_NEAR(index_->Similarity(query, d), Dot(query, Row(d), kDim), 1e-5) << d;
    }
  }
  EXPECT_NEAR(index_->Similarity(Row(42), 42), 1.0, 1e-5);
}

TEST_P(VectorIndexTest, KLargerThanTheIndexReturnsEveryDocument) {
  const float* query = queries_.data();
  const auto hits = Search(*index_, query, kCount + 50, nullptr);
  ExpectConsistent(hits, query, nullptr);
  EXPECT_EQ(hits.size(), kCount);
}

TEST_P(VectorIndexTest, SmallIndexWithFilterFindsEveryAllowedDocument) {
  // Fewer documents than a filtered search fetches: every one is a candidate.
  constexpr std::size_t kSmall = 100;
  const auto vectors = RandomUnitVectors(kSmall, kDim, 7);
  auto index = BuildAndOpen(vectors, kSmall);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->kind(), GetParam());
  DocSet allowed(kSmall, false);
  for (const std::uint32_t d : {3u, 50u, 97u}) allowed.insert(d);
  for (std::size_t q = 0; q < 5; ++q) {
    const float* query = queries_.data() + q * kDim;
    EXPECT_EQ(Docs(Search(*index, query, 10, &allowed)),
              BruteForce(vectors, kSmall, query, &allowed))
        << "query " << q;
  }
  EXPECT_EQ(Search(*index, queries_.data(), kSmall + 1, nullptr).size(), kSmall);
}

TEST_P(VectorIndexTest, KZeroReturnsNothing) {
  EXPECT_TRUE(Search(*index_, queries_.data(), 0, nullptr).empty());
}

// Large exact indexes scan int8 codes first and re-score the best candidates in float: the
// answer must still be the exact top k, with exact similarities, with and without a filter.
TEST(VectorIndexCoarseTest, LargeExactIndexGivesTheExactTopK) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  constexpr std::size_t kLarge = 10'000;  // above the coarse pass' threshold (8,192)
  const auto vectors = RandomUnitVectors(kLarge, kDim, 7);
  const auto file = dir.path() / "large.faiss";
  ASSERT_TRUE(VectorIndex::Build(vectors, kDim, kLarge, kLarge + 1, file).ok());
  auto index = VectorIndex::Open(file);
  ASSERT_TRUE(index.ok()) << index.error().message;
  ASSERT_EQ((*index)->kind(), "flat");
  // Half the rows (scanned with the rest, then dropped) and a few (scored one by one).
  DocSet odd(kLarge, false), few(kLarge, false);
  for (std::uint32_t d = 1; d < kLarge; d += 2) odd.insert(d);
  for (std::uint32_t d = 3; d < kLarge; d += 37) few.insert(d);
  const auto queries = RandomUnitVectors(25, kDim, 8);
  for (const DocSet* allowed : std::vector<const DocSet*>{nullptr, &odd, &few}) {
    for (std::size_t q = 0; q < 25; ++q) {
      const float* query = queries.data() + q * kDim;
      auto hits = (*index)->Search(query, 10, allowed);
      ASSERT_TRUE(hits.ok()) << hits.error().message;
      auto expected = BruteForce(vectors, kLarge, query, allowed);
      expected.resize(10);
      EXPECT_EQ(Docs(*hits), expected) << "query " << q
                                       << (allowed == &odd   ? " (odd)"
                                           : allowed == &few ? " (few)"
                                                             : "");
      for (const auto& h : *hits) {
        EXPECT_NEAR(h.similarity, Dot(query, vectors.data() + h.doc * kDim, kDim), 1e-5);
      }
    }
  }
}

TEST(VectorIndexFileTest, OpenOfGarbageIsDataLoss) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const auto file = dir.path() / "vectors.faiss";
  for (const std::string& garbage : {std::string("not a faiss index"), std::string(),
                                     std::string(64, '\0'), std::string("IxFI") + "\x20"}) {
    testing::WriteFile(file, garbage);
    auto opened = VectorIndex::Open(file);
    ASSERT_FALSE(opened.ok()) << garbage.size() << " bytes";
    EXPECT_EQ(opened.error().code, ErrorCode::kDataLoss) << opened.error().message;
  }
}

TEST(VectorIndexFileTest, OpenOfATruncatedIndexIsDataLoss) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const auto file = dir.path() / "vectors.faiss";
  ASSERT_TRUE(VectorIndex::Build(RandomUnitVectors(20, kDim, 1), kDim, 20, 1000, file).ok());
  const auto bytes = testing::ReadFile(file);
  testing::WriteFile(file, bytes.substr(0, bytes.size() / 2));
  auto opened = VectorIndex::Open(file);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kDataLoss) << opened.error().message;
}

// A flat index whose stored vector count is far larger than the file: FAISS allocates before
// reading, and the failed allocation is reported as DataLoss, not thrown.
TEST(VectorIndexFileTest, OpenOfAnIndexClaimingHugeStorageIsDataLoss) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const auto file = dir.path() / "vectors.faiss";
  ASSERT_TRUE(VectorIndex::Build(RandomUnitVectors(1, 4, 1), 4, 1, 1000, file).ok());
  auto bytes = testing::ReadFile(file);
  // "IxFI", then d, ntotal, two unused words, is_trained and the metric: 37 bytes; then the
  // number of stored floats (here 1 × 4).
  constexpr std::size_t kCountAt = 37;
  ASSERT_GE(bytes.size(), kCountAt + sizeof(std::uint64_t));
  ASSERT_EQ(bytes.substr(0, 4), "IxFI");
  std::uint64_t floats = 0;
  std::memcpy(&floats, bytes.data() + kCountAt, sizeof floats);
  ASSERT_EQ(floats, 4u);
  floats = std::uint64_t{1} << 38;  // 1 TiB of floats, within FAISS' own size check
  std::memcpy(bytes.data() + kCountAt, &floats, sizeof floats);
  testing::WriteFile(file, bytes);
  auto opened = VectorIndex::Open(file);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kDataLoss);
}

TEST(VectorIndexFileTest, BuildWithMismatchedCountIsInvalidArgument) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const auto built = VectorIndex::Build(RandomUnitVectors(20, kDim, 1), kDim, 21, 1000,
                                        dir.path() / "vectors.faiss");
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.error().code, ErrorCode::kInvalidArgument);
}

// ---- DocSet ----

TEST(DocSetTest, AllAndNoneCoverExactlyTheirSize) {
  for (const std::size_t size : {1u, 7u, 13u, 21u, 64u}) {
    const DocSet all(size, true);
    const DocSet none(size, false);
    EXPECT_EQ(all.size(), size);
    for (std::size_t d = 0; d < size; ++d) {
      EXPECT_TRUE(all.contains(d)) << size << "/" << d;
      EXPECT_FALSE(none.contains(d)) << size << "/" << d;
    }
    // Past the end, even within the last byte's spare bits.
    for (std::size_t d = size; d < size + 10; ++d) {
      EXPECT_FALSE(all.contains(d)) << size << "/" << d;
    }
  }
}

TEST(DocSetTest, InsertAndEraseChangeOnlyTheirDocument) {
  DocSet set(13, false);
  set.insert(0);
  set.insert(8);
  set.insert(12);
  set.insert(13);  // out of range: ignored
  set.insert(40);
  for (std::size_t d = 0; d < 16; ++d) {
    EXPECT_EQ(set.contains(d), d == 0 || d == 8 || d == 12) << d;
  }
  set.erase(8);
  set.erase(13);
  set.erase(100);
  for (std::size_t d = 0; d < 16; ++d) {
    EXPECT_EQ(set.contains(d), d == 0 || d == 12) << d;
  }
  set.insert(12);  // already there
  EXPECT_TRUE(set.contains(12));
  set.erase(12);
  set.erase(12);
  EXPECT_FALSE(set.contains(12));
  EXPECT_EQ(set.size(), 13u);
}

TEST(DocSetTest, IntersectKeepsDocumentsInBoth) {
  DocSet a(21, true);
  DocSet b(21, false);
  for (std::size_t d = 0; d < 21; d += 3) b.insert(d);
  a.erase(6);
  a.intersect(b);
  for (std::size_t d = 0; d < 24; ++d) {
    EXPECT_EQ(a.contains(d), d < 21 && d % 3 == 0 && d != 6) << d;
  }
  a.intersect(DocSet(21, false));
  for (std::size_t d = 0; d < 21; ++d) EXPECT_FALSE(a.contains(d)) << d;
}

TEST(DocSetTest, CountUniteSubtract) {
  DocSet a(20, false), b(20, false);
  for (const std::size_t d : {1, 5, 9, 19}) a.insert(d);
  for (const std::size_t d : {5, 6, 19}) b.insert(d);
  EXPECT_EQ(a.count(), 4u);
  DocSet u = a;
  u.unite(b);
  EXPECT_EQ(u.count(), 5u);
  a.subtract(b);
  EXPECT_EQ(a.count(), 2u);
  EXPECT_TRUE(a.contains(1) && a.contains(9) && !a.contains(5) && !a.contains(19));
  EXPECT_EQ(DocSet(20, true).count(), 20u);
}

}  // namespace
}  // namespace recipe_rag::retrieval
