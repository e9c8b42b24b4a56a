#include "retrieval/lsa_embedder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "unit/retrieval/temp_dir.h"

namespace recipe_rag::retrieval {
namespace {

using core::ErrorCode;

// Short recipe-like texts: soups, cakes, fish, puddings and breads, each family sharing words.
const std::vector<std::string>& RecipeTexts() {
  static const std::vector<std::string> texts = {
      "Tomato soup. Tomatoes, onion, stock, salt, pepper.",
      "Cream of tomato soup. Tomatoes, cream, butter, stock, onion.",
      "Onion soup. Onions, butter, beef stock, bread, cheese.",
      "Pea soup. Split peas, onion, ham bone, stock, carrot.",
      "Potato leek soup. Potatoes, leeks, butter, stock, cream.",
      "Carrot soup. Carrots, onion, stock, butter, parsley.",
      "Chicken broth. Chicken, water, carrot, celery, onion.",
      "Sponge cake. Eggs, sugar, flour, lemon, baking powder.",
      "Chocolate cake. Chocolate, flour, sugar, eggs, butter, cocoa.",
      "Pound cake. Butter, sugar, eggs, flour, vanilla.",
      "Gingerbread cake. Molasses, ginger, flour, butter, eggs, sugar.",
      "Seed cake. Caraway seeds, flour, sugar, butter, eggs.",
      "Fruit cake. Raisins, currants, flour, sugar, butter, eggs, spice.",
      "Coffee cake. Coffee, flour, sugar, butter, cinnamon.",
      "Baked salmon. Salmon, lemon, butter, parsley, salt.",
      "Fried sole. Sole fillets, flour, egg, bread crumbs, lemon.",
      "Boiled cod. Cod, salt, water, parsley sauce, lemon.",
      "Fish pie. Cod, haddock, potatoes, milk, butter, parsley.",
      "Grilled mackerel. Mackerel, butter, lemon, mustard.",
      "Salmon fish cakes. Salmon, potatoes, egg, parsley, flour.",
      "Rice pudding. Rice, milk, sugar, nutmeg, butter.",
      "Bread pudding. Bread, milk, eggs, sugar, raisins.",
      "Baked custard. Eggs, milk, sugar, nutmeg.",
      "Tapioca pudding. Tapioca, milk, sugar, eggs, vanilla.",
      "Lemon pudding. Lemon, eggs, sugar, butter, bread crumbs.",
      "White bread. Flour, yeast, water, salt.",
      "Brown bread. Whole wheat flour, yeast, molasses, salt, water.",
      "Corn bread. Corn meal, flour, milk, eggs, baking powder.",
      "Soda bread. Flour, buttermilk, soda, salt.",
      "Oat bread. Oats, flour, yeast, honey, water.",
  };
  return texts;
}

LsaEmbedder::TrainOptions Options(int dim, std::uint64_t seed = 42) {
  LsaEmbedder::TrainOptions options;
  options.dim = dim;
  options.seed = seed;
  return options;
}

std::unique_ptr<LsaEmbedder> TrainOrDie(const std::vector<std::string>& texts,
                                        const LsaEmbedder::TrainOptions& options) {
  auto trained = LsaEmbedder::Train(texts, options);
  EXPECT_TRUE(trained.ok()) << trained.error().message;
  return trained.ok() ? std::move(trained).value() : nullptr;
}

std::vector<float> EmbedOrDie(const LsaEmbedder& embedder, const std::vector<std::string>& texts) {
  auto vectors = embedder.Embed(texts);
  EXPECT_TRUE(vectors.ok()) << vectors.error().message;
  return vectors.ok() ? std::move(vectors).value() : std::vector<float>{};
}

double Dot(const float* a, const float* b, int dim) {
  double sum = 0;
  for (int i = 0; i < dim; ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

double Norm(const float* v, int dim) { return std::sqrt(Dot(v, v, dim)); }

// Each of the `count` rows of `vectors` is unit length.
void ExpectUnitRows(const std::vector<float>& vectors, std::size_t count, int dim) {
  ASSERT_EQ(vectors.size(), count * static_cast<std::size_t>(dim));
  for (std::size_t i = 0; i < count; ++i) {
    EXPECT_NEAR(Norm(vectors.data() + i * dim, dim), 1.0, 1e-4) << "row " << i;
  }
}

class LsaEmbedderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  testing::TempDir dir_;
};

TEST_F(LsaEmbedderTest, InfoNamesTheEmbedderAndItsDimension) {
  auto embedder = TrainOrDie(RecipeTexts(), Options(24));
  ASSERT_NE(embedder, nullptr);
  EXPECT_EQ(embedder->info().name, "lsa");
  EXPECT_EQ(embedder->info().version, LsaEmbedder::kVersion);
  EXPECT_EQ(embedder->info().dim, 24);
  EXPECT_GT(embedder->vocabulary_size(), 10u);
}

TEST_F(LsaEmbedderTest, EmbeddingsAreUnitLength) {
  for (const int dim : {8, 24, 256}) {
    auto embedder = TrainOrDie(RecipeTexts(), Options(dim));
    ASSERT_NE(embedder, nullptr);
    ExpectUnitRows(EmbedOrDie(*embedder, RecipeTexts()), RecipeTexts().size(), dim);
    const std::vector<std::string> queries = {"tomato soup", "chocolate cake with eggs", "salmon",
                                              "xylophone onion"};
    ExpectUnitRows(EmbedOrDie(*embedder, queries), queries.size(), dim);
  }
}

TEST_F(LsaEmbedderTest, TextWithNoKnownWordEmbedsAsZeros) {
  auto embedder = TrainOrDie(RecipeTexts(), Options(24));
  ASSERT_NE(embedder, nullptr);
  const auto vectors = EmbedOrDie(*embedder, {"xylophone zzz", "", "12 345", "soup"});
  ASSERT_EQ(vectors.size(), 4u * 24);
  for (std::size_t i = 0; i < 3 * 24; ++i) {
    EXPECT_EQ(vectors[i], 0.0f) << "component " << i;
  }
  EXPECT_NEAR(Norm(vectors.data() + 3 * 24, 24), 1.0, 1e-4);
}

TEST_F(LsaEmbedderTest, SameSeedGivesTheSameModelAndVectors) {
  auto a = TrainOrDie(RecipeTexts(), Options(16, 7));
  auto b = TrainOrDie(RecipeTexts(), Options(16, 7));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(EmbedOrDie(*a, RecipeTexts()), EmbedOrDie(*b, RecipeTexts()));
  ASSERT_TRUE(a->Save(dir_.path() / "a.lsa").ok());
  ASSERT_TRUE(b->Save(dir_.path() / "b.lsa").ok());
  const auto bytes = testing::ReadFile(dir_.path() / "a.lsa");
  EXPECT_FALSE(bytes.empty());
  EXPECT_EQ(bytes, testing::ReadFile(dir_.path() / "b.lsa"));
}

TEST_F(LsaEmbedderTest, OtherSeedStillGivesUnitVectors) {
  for (const std::uint64_t seed : {1u, 2u, 12345u}) {
    auto embedder = TrainOrDie(RecipeTexts(), Options(8, seed));
    ASSERT_NE(embedder, nullptr);
    ExpectUnitRows(EmbedOrDie(*embedder, RecipeTexts()), RecipeTexts().size(), 8);
  }
}

TEST_F(LsaEmbedderTest, SaveThenLoadGivesTheSameEmbeddingsBitForBit) {
  auto trained = TrainOrDie(RecipeTexts(), Options(16));
  ASSERT_NE(trained, nullptr);
  const auto file = dir_.path() / "model.lsa";
  ASSERT_TRUE(trained->Save(file).ok());
  auto loaded = LsaEmbedder::Load(file);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ((*loaded)->info(), trained->info());
  EXPECT_EQ((*loaded)->vocabulary_size(), trained->vocabulary_size());
  std::vector<std::string> texts = RecipeTexts();
  texts.push_back("salmon soup with lemon");
  const auto expected = EmbedOrDie(*trained, texts);
  const auto actual = EmbedOrDie(**loaded, texts);
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    // Bit for bit: the same float, not just a close one.
    ASSERT_EQ(std::memcmp(&actual[i], &expected[i], sizeof(float)), 0) << "component " << i;
  }
}

TEST_F(LsaEmbedderTest, LoadOfATruncatedModelIsDataLoss) {
  auto trained = TrainOrDie(RecipeTexts(), Options(16));
  ASSERT_NE(trained, nullptr);
  const auto file = dir_.path() / "model.lsa";
  ASSERT_TRUE(trained->Save(file).ok());
  const auto bytes = testing::ReadFile(file);
  ASSERT_GT(bytes.size(), 40u);
  for (const std::size_t keep :
       {std::size_t{4}, std::size_t{20}, bytes.size() / 2, bytes.size() - 1}) {
    testing::WriteFile(file, bytes.substr(0, keep));
    auto loaded = LsaEmbedder::Load(file);
    ASSERT_FALSE(loaded.ok()) << "kept " << keep << " bytes";
    EXPECT_EQ(loaded.error().code, ErrorCode::kDataLoss) << loaded.error().message;
  }
}

TEST_F(LsaEmbedderTest, LoadOfAModelWithTrailingBytesIsDataLoss) {
  auto trained = TrainOrDie(RecipeTexts(), Options(16));
  ASSERT_NE(trained, nullptr);
  const auto file = dir_.path() / "model.lsa";
  ASSERT_TRUE(trained->Save(file).ok());
  testing::WriteFile(file, testing::ReadFile(file) + "x");
  auto loaded = LsaEmbedder::Load(file);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kDataLoss);
}

TEST_F(LsaEmbedderTest, LoadOfGarbageIsDataLoss) {
  const auto file = dir_.path() / "garbage.lsa";
  for (const std::string& garbage :
       {std::string("this is not a model at all, just some text"), std::string(),
        std::string("RRLSA001") + std::string(12, '\0')}) {
    testing::WriteFile(file, garbage);
    auto loaded = LsaEmbedder::Load(file);
    ASSERT_FALSE(loaded.ok()) << garbage.size() << " bytes";
    EXPECT_EQ(loaded.error().code, ErrorCode::kDataLoss) << loaded.error().message;
  }
}

// A header whose vocabulary × dimension is far larger than the file is refused before
// anything that size is allocated (2 M one-letter words; the projection would be 512 GiB).
TEST_F(LsaEmbedderTest, LoadOfAModelClaimingAHugeProjectionIsDataLoss) {
  constexpr std::uint32_t kVocabulary = 2'000'000;
  constexpr std::uint32_t kDim = 65'536;
  std::string data = "RRLSA001";
  const auto put = [&](const auto value) {
    data.append(reinterpret_cast<const char*>(&value), sizeof value);
  };
  put(kDim);
  put(kVocabulary);
  put(std::uint32_t{0});
  for (std::uint32_t i = 0; i < kVocabulary; ++i) {
    put(std::uint16_t{1});
    data.push_back('a');
    put(1.0f);
  }
  const auto file = dir_.path() / "huge.lsa";
  testing::WriteFile(file, data);
  auto loaded = LsaEmbedder::Load(file);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kDataLoss);
}

TEST_F(LsaEmbedderTest, LoadOfAMissingFileIsNotFound) {
  auto loaded = LsaEmbedder::Load(dir_.path() / "absent.lsa");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kNotFound);
}

TEST_F(LsaEmbedderTest, CorpusSmallerThanTheDimensionIsPaddedWithZeros) {
  const std::vector<std::string> texts = {"tomato soup with onion", "onion soup with cheese",
                                          "cheese cake with tomato"};
  constexpr int kDim = 16;
  auto embedder = TrainOrDie(texts, Options(kDim));
  ASSERT_NE(embedder, nullptr);
  EXPECT_EQ(embedder->info().dim, kDim);
  const auto vectors = EmbedOrDie(*embedder, texts);
  ExpectUnitRows(vectors, texts.size(), kDim);
  // Three documents span at most three directions; the rest are padding.
  for (std::size_t i = 0; i < texts.size(); ++i) {
    for (int k = 3; k < kDim; ++k) {
      EXPECT_EQ(vectors[i * kDim + k], 0.0f) << "row " << i << " component " << k;
    }
  }
}

TEST_F(LsaEmbedderTest, TextIsCloserToADocumentSharingItsWords) {
  auto embedder = TrainOrDie(RecipeTexts(), Options(12));
  ASSERT_NE(embedder, nullptr);
  const auto v = EmbedOrDie(
      *embedder, {"tomato onion soup", RecipeTexts()[0],
                  "Chocolate cake. Chocolate, flour, sugar, eggs, cocoa.", "salmon with lemon",
                  "Baked salmon. Salmon, lemon.", "Rice pudding. Rice, milk, sugar, nutmeg."});
  ASSERT_EQ(v.size(), 6u * 12);
  const auto row = [&](int i) { return v.data() + i * 12; };
  EXPECT_GT(Dot(row(0), row(1), 12), Dot(row(0), row(2), 12));
  EXPECT_GT(Dot(row(0), row(1), 12), 0.5);
  EXPECT_GT(Dot(row(3), row(4), 12), Dot(row(3), row(5), 12));
  EXPECT_GT(Dot(row(3), row(4), 12), Dot(row(3), row(2), 12));
}

TEST_F(LsaEmbedderTest, TrainingOnNothingIsInvalidArgument) {
  auto trained = LsaEmbedder::Train({}, Options(8));
  ASSERT_FALSE(trained.ok());
  EXPECT_EQ(trained.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(LsaEmbedderTest, TrainingWithoutASharedWordIsInvalidArgument) {
  auto trained = LsaEmbedder::Train({"tomato soup", "chocolate cake", "123 456"}, Options(8));
  ASSERT_FALSE(trained.ok());
  EXPECT_EQ(trained.error().code, ErrorCode::kInvalidArgument);
}

TEST(EmbeddingTokensTest, StemsWordsAndDropsTokensWithoutLetters) {
  EXPECT_EQ(EmbeddingTokens("2 cups Tomatoes"), (std::vector<std::string>{"cup", "tomato"}));
  EXPECT_EQ(EmbeddingTokens("1/2 lb. Baking 350 Onions"),
            (std::vector<std::string>{"lb", "bake", "onion"}));
  EXPECT_TRUE(EmbeddingTokens("12 3/4 -- 100").empty());
}

}  // namespace
}  // namespace recipe_rag::retrieval
