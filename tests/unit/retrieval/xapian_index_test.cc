#include "retrieval/xapian_index.h"

#include <gtest/gtest.h>
#include <xapian.h>

#include <algorithm>
#include <string>
#include <vector>

#include "retrieval/query_intents.h"
#include "unit/retrieval/temp_dir.h"

namespace recipe_rag::retrieval {
namespace {

corpus::Recipe MakeRecipe(std::string id, std::string title, std::vector<std::string> ingredients,
                          std::vector<std::string> instructions = {}) {
  corpus::Recipe r;
  r.id = std::move(id);
  r.title = std::move(title);
  r.ingredients = std::move(ingredients);
  r.instructions = std::move(instructions);
  return r;
}

std::vector<std::uint32_t> Docs(const std::vector<LexicalHit>& hits) {
  std::vector<std::uint32_t> docs;
  for (const auto& h : hits) docs.push_back(h.doc);
  std::sort(docs.begin(), docs.end());
  return docs;
}

AnalyzedQuery Concepts(std::vector<Concept> concepts) {
  AnalyzedQuery q;
  q.concepts = std::move(concepts);
  return q;
}

class XapianIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    recipes_ = {
        MakeRecipe("t-0", "Stuffed Bell Peppers", {"4 green peppers", "1 cup rice"}),
        MakeRecipe("t-1", "Pepper Pot", {"1 bell", "2 tsp. pepper", "1 lb. tripe"}),
        MakeRecipe("t-2", "Rice Salad", {"1 bell pepper, chopped", "2 cups rice"},
                   {"Mix the rice with the bell pepper."}),
        MakeRecipe("t-3", "Onion Soup", {"6 Onions", "1 qt. stock"}),
        MakeRecipe("t-4", "Leek Broth", {"3 leeks", "1 qt. water"}),
        MakeRecipe("t-5", "Plain Rice", {"1 cup rice", "2 cups water"}),
    };
    file_ = dir_.path() / "lexical.glass";
    ASSERT_TRUE(XapianIndex::Build(recipes_, {"bell pepper", "green pepper"}, file_).ok());
  }

  std::unique_ptr<XapianIndex> Open(const std::vector<std::string>& common = {}) {
    auto index = XapianIndex::Open(file_, common);
    EXPECT_TRUE(index.ok()) << index.error().message;
    return index.ok() ? std::move(*index) : nullptr;
  }

  testing::TempDir dir_;
  std::vector<corpus::Recipe> recipes_;
  std::filesystem::path file_;
};

// A lexicon phrase is one term: it matches where the words are consecutive within a field
// ("bell pepper" in t-2's ingredients and instructions), not where they are apart (t-1), and
// the singular and plural share it (t-0's title says "Bell Peppers").
TEST_F(XapianIndexTest, PhraseMatchesOnlyConsecutiveWords) {
  auto index = Open();
  ASSERT_NE(index, nullptr);
  auto hits = index->Search(Concepts({{"bell pepper", {}, {}, false}}), nullptr, 10);
  ASSERT_TRUE(hits.ok()) << hits.error().message;
  EXPECT_EQ(Docs(*hits), (std::vector<std::uint32_t>{0, 2}));

  Xapian::Database db(file_.string());
  EXPECT_EQ(db.get_termfreq("XPbell pepper"), 2u);
  EXPECT_EQ(db.get_termfreq("XTbell pepper"), 1u);  // in a title: t-0 only
}

// Without a term of its own (a phrase the index was not built with), a phrase is matched by
// the positions of its words, with the same answer.
TEST_F(XapianIndexTest, PhraseWithoutItsTermMatchesByPosition) {
  ASSERT_TRUE(XapianIndex::Build(recipes_, {}, file_).ok());
  auto index = Open();
  ASSERT_NE(index, nullptr);
  const auto query = Concepts({{"bell pepper", {}, {}, false}});
  auto hits = index->Search(query, nullptr, 10);
  ASSERT_TRUE(hits.ok()) << hits.error().message;
  EXPECT_EQ(Docs(*hits), (std::vector<std::uint32_t>{0, 2}));
  auto coverage = index->Coverage(query, {0, 1, 2});
  ASSERT_TRUE(coverage.ok()) << coverage.error().message;
  EXPECT_DOUBLE_EQ((*coverage)[0].title, 1.0);
  EXPECT_DOUBLE_EQ((*coverage)[1].overall, 0.0);
  EXPECT_DOUBLE_EQ((*coverage)[2].overall, 1.0);
  EXPECT_DOUBLE_EQ((*coverage)[2].title, 0.0);
}

// Coverage says which concepts a recipe has, and which its title has, for words and phrases.
TEST_F(XapianIndexTest, CoverageFindsPhrasesAndTitles) {
  auto index = Open();
  ASSERT_NE(index, nullptr);
  const auto query = Concepts({{"bell pepper", {}, {}, false}, {"rice", {}, {}, false}});
  auto coverage = index->Coverage(query, {0, 1, 2, 5});
  ASSERT_TRUE(coverage.ok()) << coverage.error().message;
  ASSERT_EQ(coverage->size(), 4u);
  const auto& stuffed = (*coverage)[0];
  const auto& pepper_pot = (*coverage)[1];
  const auto& salad = (*coverage)[2];
  const auto& plain = (*coverage)[3];
  EXPECT_DOUBLE_EQ(stuffed.overall, 1.0);  // phrase in the title, rice in the ingredients
  EXPECT_GT(stuffed.title, 0.0);
  EXPECT_LT(stuffed.title, 1.0);
  EXPECT_DOUBLE_EQ(pepper_pot.overall, 0.0);  // "bell" and "pepper" apart, and no rice
  EXPECT_DOUBLE_EQ(salad.overall, 1.0);
  EXPECT_DOUBLE_EQ(salad.title, plain.title);  // both have only "rice" in the title
  EXPECT_LT(plain.overall, 1.0);
  EXPECT_GT(plain.overall, 0.0);
}

// Excluding a food is the same whether its recipes were found at Open or are walked per query.
TEST_F(XapianIndexTest, ReadyIngredientsFilterLikeWalkedOnes) {
  auto walked = Open();
  auto ready = Open(FoodFamilyWords());
  ASSERT_NE(walked, nullptr);
  ASSERT_NE(ready, nullptr);
  Filters filters;
  filters.exclude_ingredients = WithFoodFamily("onion");  // onion, shallot, leek, …
  for (const auto* index : {walked.get(), ready.get()}) {
    auto allowed = index->Allowed(filters);
    ASSERT_TRUE(allowed.ok()) << allowed.error().message;
    std::vector<std::uint32_t> kept;
    for (std::uint32_t d = 0; d < recipes_.size(); ++d) {
      if (allowed->contains(d)) kept.push_back(d);
    }
    // t-3 has "Onions" and t-4 "leeks": plural and capitalised words match their stems.
    EXPECT_EQ(kept, (std::vector<std::uint32_t>{0, 1, 2, 5}));
  }
  Filters include;
  include.include_ingredients = {"rice"};
  auto with_rice = ready->Allowed(include);
  ASSERT_TRUE(with_rice.ok());
  EXPECT_EQ(with_rice->count(), 3u);
}

// A corpus large enough to be indexed in shards merges back in order: document i+1 is
// recipes[i], and spelling data from every shard is there.
TEST(XapianIndexShardTest, ShardedBuildKeepsDocumentOrder) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  constexpr std::size_t kRecipes = 4'500;  // more than two shards' minimum
  std::vector<corpus::Recipe> recipes;
  for (std::size_t i = 0; i < kRecipes; ++i) {
    recipes.push_back(MakeRecipe("s-" + std::to_string(i), "Dish " + std::to_string(i),
                                 {i < kRecipes / 2 ? "1 cup barley" : "1 cup semolina"}));
  }
  const auto file = dir.path() / "lexical.glass";
  ASSERT_TRUE(XapianIndex::Build(recipes, {}, file).ok());
  Xapian::Database db(file.string());
  ASSERT_EQ(db.get_doccount(), kRecipes);
  for (std::size_t i = 0; i < kRecipes; i += 97) {
    auto p = db.postlist_begin("Qs-" + std::to_string(i));
    ASSERT_NE(p, db.postlist_end("Qs-" + std::to_string(i)));
    EXPECT_EQ(*p, i + 1);
  }
  auto index = XapianIndex::Open(file);
  ASSERT_TRUE(index.ok());
  for (const auto* typo : {"barly", "semolena"}) {
    auto query = Concepts({{typo, {}, {}, false}});
    (*index)->Resolve(query);
    EXPECT_FALSE(query.concepts.front().corrected_from.empty()) << typo;
  }
}

}  // namespace
}  // namespace recipe_rag::retrieval
