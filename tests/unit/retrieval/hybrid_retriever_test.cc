// HybridRetriever through LoadIndex: explain, calibrated scores, components, fusion, hard
// filters and query intents, over a built index of recipes whose diets and times are known.
#include "retrieval/hybrid_retriever.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "corpus/diet.h"
#include "retrieval/index.h"
#include "unit/retrieval/temp_dir.h"
#include "unit/retrieval/test_corpus.h"

namespace recipe_rag::retrieval {
namespace {

using testing::Contains;
using testing::HitIds;
using testing::Record;
using testing::Timed;

// The small corpus plus soups with and without the onion family, cakes, fish, breads and
// salads; most with a total time, some without.
nlohmann::json HybridCorpus() {
  auto records = testing::SmallCorpus();
  const nlohmann::json more = {
      Timed(Record("h-leek-soup", "Potato and Leek Soup",
                   {"3 leeks", "4 potatoes", "1 quart vegetable stock", "2 oz. butter"},
                   {"Simmer the leeks and potatoes in the stock, add the butter."}, {"Soups"}),
            45),
      Timed(Record("h-onion-soup", "French Onion Soup",
                   {"6 onions", "2 oz. butter", "1 quart beef stock", "4 slices bread",
                    "grated cheese"},
                   {"Brown the onions in butter, add the stock, serve on bread with cheese."},
                   {"Soups"}),
            60),
      Timed(Record("h-pea-soup", "Green Pea Soup",
                   {"1 quart green peas", "2 shallots", "1 pint milk", "mint"},
                   {"Boil the peas with the shallots, rub through a sieve, add the milk."},
                   {"Soups", "Vegetarian"}),
            25),
      Timed(Record("h-carrot-soup", "Carrot Soup",
                   {"6 carrots", "1 quart vegetable stock", "parsley", "salt"},
                   {"Simmer the carrots in the stock and sieve."}, {"Soups"}),
            20),
      Record("h-mushroom-soup", "Mushroom Soup",
             {"1 lb. mushrooms", "1 pint cream", "2 tablespoons flour", "chopped chives"},
             {"Stew the mushrooms, thicken with flour, add the cream and chives."}, {"Soups"}),
      Timed(Record("h-lentil-soup", "Lentil Soup",
                   {"1 cup lentils", "1 carrot", "2 cloves garlic", "1 quart water"},
                   {"Simmer the lentils with the carrot and garlic until soft."}, {"Soups"}),
            40),
      Timed(Record("h-fish-soup", "Fish Soup",
                   {"1 lb. cod", "2 potatoes", "1 pint milk", "1 scallion"},
                   {"Simmer the cod and potatoes in the milk."}, {"Soups", "Fish"}),
            35),
      Timed(
          Record("h-cucumber-soup", "Cold Cucumber Soup", {"2 cucumbers", "1 pint yogurt", "dill"},
                 {"Grate the cucumbers into the yogurt and chill."}, {"Soups"}),
          10),
      Timed(Record("h-tomato-rice-soup", "Tomato Rice Soup",
                   {"1 quart tomatoes", "½ cup rice", "salt", "1 pint water"},
                   {"Boil the rice in the water, add the tomatoes."}, {"Soups"}),
            30),
      Timed(Record("h-chicken-soup", "Chicken Soup",
                   {"1 chicken", "2 carrots", "1 leek", "½ cup rice"},
                   {"Simmer the chicken with the vegetables and rice."}, {"Soups"}),
            90),
      Timed(Record("h-sponge-cake", "Sponge Cake",
                   {"4 eggs", "1 cup sugar", "1 cup flour", "1 lemon"},
                   {"Beat the eggs and sugar, fold in the flour, bake."}, {"Cakes"}),
            50),
      Record("h-almond-cake", "Almond Cake",
             {"1 cup ground almonds", "3 eggs", "1 cup sugar", "2 oz. butter"},
             {"Beat the eggs and sugar, add the almonds and butter, bake."}, {"Cakes"}),
      Timed(Record("h-chocolate-cake", "Chocolate Cake",
                   {"2 cups flour", "1 cup sugar", "½ cup cocoa", "1 cup water", "⅓ cup oil"},
                   {"Mix everything and bake in a moderate oven."}, {"Cakes"}),
            45),
      Timed(Record("h-honey-cake", "Honey Cake",
                   {"1 cup honey", "2 cups flour", "1 teaspoon ginger", "1 cup water"},
                   {"Warm the honey, stir in the flour and ginger, bake."}, {"Cakes"}),
            60),
      Timed(Record("h-salmon", "Baked Salmon", {"1 salmon", "1 lemon", "2 oz. butter", "parsley"},
                   {"Bake the salmon with butter and lemon."}, {"Fish"}),
            30),
      Timed(Record("h-sole", "Fried Sole", {"2 soles", "1 egg", "bread crumbs", "lard"},
                   {"Egg and crumb the soles and fry in the lard."}, {"Fish"}),
            15),
      Record("h-cod-pie", "Cod and Potato Pie",
             {"1 lb. cod", "6 potatoes", "1 pint milk", "1 onion"},
             {"Flake the cod, cover with mashed potatoes and bake."}, {"Fish"}),
      Timed(Record("h-bread-rolls", "Bread Rolls",
                   {"4 cups flour", "1 yeast cake", "1 pint milk", "salt"},
                   {"Make a dough, shape into rolls and bake."}, {"Breads"}),
            90),
      Timed(
          Record("h-cinnamon-rolls", "Cinnamon Rolls",
                 {"3 cups flour", "½ cup sugar", "cinnamon", "2 oz. butter"},
                 {"Roll out the dough, spread with butter, sugar and cinnamon, bake."}, {"Breads"}),
          120),
      Timed(Record("h-tomato-salad", "Tomato Salad", {"4 tomatoes", "1 shallot", "oil", "vinegar"},
                   {"Slice the tomatoes and the shallot and dress with oil and vinegar."},
                   {"Salads", "Vegetarian"}),
            10),
      Timed(Record("h-potato-salad", "Potato Salad", {"6 potatoes", "½ cup mayonnaise", "chives"},
                   {"Boil and dice the potatoes, mix with mayonnaise and chives."}, {"Salads"}),
            25),
      Timed(Record("h-rice-peas", "Rice with Peas", {"1 cup rice", "1 cup peas", "salt", "water"},
                   {"Boil the rice and peas together."}, {"Vegetarian"}),
            25),
      Timed(Record("h-walnut-salad", "Walnut and Apple Salad",
                   {"1 cup walnuts", "3 apples", "celery", "oil"},
                   {"Chop the apples, celery and walnuts and dress with oil."}, {"Salads"}),
            15),
      Timed(Record("h-ham", "Glazed Ham", {"1 ham", "brown sugar", "cloves"},
                   {"Boil the ham, glaze with sugar and stick with cloves."}, {"Meat"}),
            180),
  };
  for (const auto& r : more) records.push_back(r);
  return records;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// True when some ingredient line of `recipe` contains one of `words` (lower-case).
bool HasIngredient(const corpus::Recipe& recipe, const std::vector<std::string>& words) {
  for (const auto& line : recipe.ingredients) {
    const auto lower = Lower(line);
    for (const auto& w : words) {
      if (lower.find(w) != std::string::npos) return true;
    }
  }
  return false;
}

const std::vector<std::string> kOnionFamily = {"onion", "shallot", "leek", "chive", "scallion"};

bool Suits(const corpus::Recipe& recipe, std::string_view diet) {
  const auto diets = corpus::ClassifyDiets(recipe);
  return std::find(diets.begin(), diets.end(), diet) != diets.end();
}

// A query that matches most of the corpus.
constexpr char kBroadQuery[] = "soup cake salad fish bread rice potatoes eggs sugar";

class HybridRetrieverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    auto loaded = testing::BuildAndLoadIndex(dir_->path(), HybridCorpus(), testing::kLexicon);
    if (!loaded.ok()) {
      error_ = new std::string(loaded.error().message);
      return;
    }
    index_ = new std::shared_ptr<const LoadedIndex>(std::move(loaded).value());
  }

  static void TearDownTestSuite() {
    delete index_;
    delete error_;
    delete dir_;
    index_ = nullptr;
    error_ = nullptr;
    dir_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(index_, nullptr) << (error_ ? *error_ : "no temp dir"); }

  static const LoadedIndex& index() { return **index_; }
  static const corpus::Recipe& RecipeOf(const Hit& hit) { return index().recipes.at(hit.recipe); }

  // The same index loaded again with other search options (uncached).
  static std::shared_ptr<const LoadedIndex> Reload(const HybridOptions& search) {
    LoadOptions options;
    options.cache_entries = 0;
    options.search = search;
    auto loaded = LoadIndex(dir_->path() / "index", options);
    EXPECT_TRUE(loaded.ok()) << loaded.error().message;
    return loaded.ok() ? std::move(loaded).value() : nullptr;
  }

  static std::vector<Hit> Search(const Retriever& retriever, const std::string& text,
                                 std::size_t top_k = 10, Filters filters = {}) {
    Query q;
    q.text = text;
    q.top_k = top_k;
    q.filters = std::move(filters);
    auto hits = retriever.Search(q);
    EXPECT_TRUE(hits.ok()) << hits.error().message;
    return hits.ok() ? std::move(hits).value() : std::vector<Hit>{};
  }

  std::vector<Hit> Search(const std::string& text, std::size_t top_k = 10, Filters filters = {}) {
    return Search(*index().retriever, text, top_k, std::move(filters));
  }

  Interpretation Interpret(const std::string& text, Filters filters = {}) {
    Query q;
    q.text = text;
    q.filters = std::move(filters);
    return index().retriever->Interpret(q);
  }

  // Every hit is explained and calibrated, best first.
  static void ExpectExplainedBestFirst(const std::vector<Hit>& hits) {
    for (std::size_t i = 0; i < hits.size(); ++i) {
      const auto& h = hits[i];
      EXPECT_TRUE(h.explain.lexical_rank > 0 || h.explain.vector_rank > 0) << i;
      EXPECT_GT(h.explain.coverage, 0.0) << i;
      EXPECT_LE(h.explain.coverage, 1.0) << i;
      EXPECT_GE(h.explain.title_coverage, 0.0) << i;
      EXPECT_LE(h.explain.title_coverage, h.explain.coverage + 1e-9) << i;
      EXPECT_GE(h.explain.fused, 0.0) << i;
      EXPECT_GE(h.score, 0.0) << i;
      EXPECT_LE(h.score, 1.0) << i;
      EXPECT_EQ(h.low_confidence, h.score < 0.5) << i << " score " << h.score;
      if (i > 0) {
        EXPECT_GE(hits[i - 1].score, h.score) << i;
      }
    }
  }

  static testing::TempDir* dir_;
  static std::string* error_;
  static std::shared_ptr<const LoadedIndex>* index_;
};

testing::TempDir* HybridRetrieverTest::dir_ = nullptr;
std::string* HybridRetrieverTest::error_ = nullptr;
std::shared_ptr<const LoadedIndex>* HybridRetrieverTest::index_ = nullptr;

// ---- Explain and calibration ----

TEST_F(HybridRetrieverTest, EveryHitIsExplainedAndOrderedByScore) {
  for (const char* query :
       {"tomato soup", "chocolate cake", kBroadQuery, "baked salmon lemon", "pasta", "cheese"}) {
    SCOPED_TRACE(query);
    const auto hits = Search(query, 20);
    ASSERT_FALSE(hits.empty());
    ExpectExplainedBestFirst(hits);
  }
}

TEST_F(HybridRetrieverTest, BothComponentsRankAClearMatch) {
  const auto hits = Search("tomato soup", 5);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(RecipeOf(hits[0]).id, "t-tomato-soup");
  EXPECT_EQ(hits[0].explain.lexical_rank, 1);
  EXPECT_GT(hits[0].explain.vector_rank, 0);
  EXPECT_GT(hits[0].explain.vector_score, 0.0);
  EXPECT_GT(hits[0].explain.lexical_score, 0.0);
  EXPECT_DOUBLE_EQ(hits[0].explain.coverage, 1.0);
  EXPECT_DOUBLE_EQ(hits[0].explain.title_coverage, 1.0);
}

TEST_F(HybridRetrieverTest, ClearQueryTopHitIsConfident) {
  const auto hits = Search("tomato soup", 5);
  ASSERT_FALSE(hits.empty());
  EXPECT_FALSE(hits[0].low_confidence) << hits[0].score;
  EXPECT_GE(hits[0].score, 0.5);
}

TEST_F(HybridRetrieverTest, UnknownRareWordMakesPartialMatchesLowConfidence) {
  // "sushi" is in no recipe; "rolls" is in two titles.
  const auto hits = Search("sushi rolls", 5);
  const auto ids = HitIds(index(), hits);
  ASSERT_FALSE(hits.empty());
  EXPECT_TRUE(Contains(ids, "h-bread-rolls")) << ::testing::PrintToString(ids);
  for (const auto& h : hits) {
    EXPECT_TRUE(h.low_confidence) << RecipeOf(h).id << " score " << h.score;
    EXPECT_LT(h.explain.coverage, 0.5) << RecipeOf(h).id;
  }
  ExpectExplainedBestFirst(hits);
}

TEST_F(HybridRetrieverTest, MinScoreDecidesLowConfidence) {
  HybridOptions strict;
  strict.min_score = 1.01;
  auto reloaded = Reload(strict);
  ASSERT_NE(reloaded, nullptr);
  const auto hits = Search(*reloaded->retriever, "tomato soup", 5);
  ASSERT_FALSE(hits.empty());
  for (const auto& h : hits) EXPECT_TRUE(h.low_confidence) << h.score;
}

// ---- Components and fusion ----

TEST_F(HybridRetrieverTest, LexicalOnlyFindsByBm25Alone) {
  HybridOptions options;
  options.components = HybridOptions::Components::kLexical;
  auto reloaded = Reload(options);
  ASSERT_NE(reloaded, nullptr);
  const auto hits = Search(*reloaded->retriever, "tomato soup", 10);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(reloaded->recipes.at(hits[0].recipe).id, "t-tomato-soup");
  for (const auto& h : hits) {
    EXPECT_GT(h.explain.lexical_rank, 0);
    EXPECT_EQ(h.explain.vector_rank, 0);
  }
  ExpectExplainedBestFirst(hits);
}

TEST_F(HybridRetrieverTest, VectorOnlyFindsByEmbeddingAlone) {
  HybridOptions options;
  options.components = HybridOptions::Components::kVector;
  auto reloaded = Reload(options);
  ASSERT_NE(reloaded, nullptr);
  const auto hits = Search(*reloaded->retriever, "tomato soup", 10);
  ASSERT_FALSE(hits.empty());
  EXPECT_TRUE(Contains(HitIds(*reloaded, hits), "t-tomato-soup"));
  for (const auto& h : hits) {
    EXPECT_EQ(h.explain.lexical_rank, 0);
    EXPECT_GT(h.explain.vector_rank, 0);
  }
  ExpectExplainedBestFirst(hits);
}

TEST_F(HybridRetrieverTest, WeightedFusionRanksAndCalibrates) {
  HybridOptions options;
  options.fusion = HybridOptions::Fusion::kWeighted;
  auto reloaded = Reload(options);
  ASSERT_NE(reloaded, nullptr);
  const auto hits = Search(*reloaded->retriever, "tomato soup", 10);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(reloaded->recipes.at(hits[0].recipe).id, "t-tomato-soup");
  EXPECT_FALSE(hits[0].low_confidence);
  ExpectExplainedBestFirst(hits);
  // Normalised scores, shared 0.7 / 0.3: at most 1, and the BM25 leader has at least 0.7.
  EXPECT_EQ(hits[0].explain.lexical_rank, 1);
  EXPECT_GE(hits[0].explain.fused, 0.7 - 1e-9);
  for (const auto& h : hits) EXPECT_LE(h.explain.fused, 1.0 + 1e-9);
}

// ---- Filters are hard ----

TEST_F(HybridRetrieverTest, DietFiltersNeverReturnARecipeOutsideTheDiet) {
  const auto unfiltered = Search(kBroadQuery, 50);
  for (const auto diet : corpus::KnownDiets()) {
    SCOPED_TRACE(diet);
    // The filter has something to remove, and something to keep.
    EXPECT_TRUE(std::any_of(unfiltered.begin(), unfiltered.end(),
                            [&](const Hit& h) { return !Suits(RecipeOf(h), diet); }));
    Filters filters;
    filters.diets = {std::string(diet)};
    const auto hits = Search(kBroadQuery, 50, filters);
    EXPECT_FALSE(hits.empty());
    EXPECT_LT(hits.size(), unfiltered.size());
    for (const auto& h : hits) EXPECT_TRUE(Suits(RecipeOf(h), diet)) << RecipeOf(h).id;
  }
}

TEST_F(HybridRetrieverTest, UnknownDietFindsNothing) {
  Filters filters;
  filters.diets = {"carnivore"};
  EXPECT_TRUE(Search(kBroadQuery, 50, filters).empty());
}

TEST_F(HybridRetrieverTest, TimeLimitKeepsOnlyRecipesKnownToFit) {
  const auto unfiltered = Search(kBroadQuery, 50);
  ASSERT_TRUE(std::any_of(unfiltered.begin(), unfiltered.end(),
                          [](const Hit& h) { return !RecipeOf(h).time_minutes.has_value(); }));
  for (const int limit : {10, 25, 30, 60}) {
    SCOPED_TRACE(limit);
    Filters filters;
    filters.max_total_minutes = limit;
    const auto hits = Search(kBroadQuery, 50, filters);
    EXPECT_FALSE(hits.empty());
    for (const auto& h : hits) {
      const auto& minutes = RecipeOf(h).time_minutes;
      ASSERT_TRUE(minutes.has_value()) << RecipeOf(h).id << " has no known time";
      EXPECT_LE(*minutes, limit) << RecipeOf(h).id;
    }
  }
}

TEST_F(HybridRetrieverTest, IncludedIngredientsMustAllBeThere) {
  Filters filters;
  filters.include_ingredients = {"potato"};
  auto hits = Search(kBroadQuery, 50, filters);
  ASSERT_FALSE(hits.empty());
  for (const auto& h : hits) EXPECT_TRUE(HasIngredient(RecipeOf(h), {"potato"})) << RecipeOf(h).id;

  filters.include_ingredients = {"eggs", "sugar"};
  hits = Search(kBroadQuery, 50, filters);
  ASSERT_FALSE(hits.empty());
  for (const auto& h : hits) {
    EXPECT_TRUE(HasIngredient(RecipeOf(h), {"egg"})) << RecipeOf(h).id;
    EXPECT_TRUE(HasIngredient(RecipeOf(h), {"sugar"})) << RecipeOf(h).id;
  }
}

TEST_F(HybridRetrieverTest, ExcludingAFoodExcludesItsFamily) {
  const auto unfiltered = Search("soup", 50);
  ASSERT_TRUE(std::any_of(unfiltered.begin(), unfiltered.end(),
                          [](const Hit& h) { return HasIngredient(RecipeOf(h), {"leek"}); }));
  ASSERT_TRUE(std::any_of(unfiltered.begin(), unfiltered.end(),
                          [](const Hit& h) { return HasIngredient(RecipeOf(h), {"shallot"}); }));
  Filters filters;
  filters.exclude_ingredients = {"onion"};
  const auto hits = Search("soup", 50, filters);
  ASSERT_FALSE(hits.empty());
  for (const auto& h : hits) {
    EXPECT_FALSE(HasIngredient(RecipeOf(h), kOnionFamily)) << RecipeOf(h).id;
  }
}

TEST_F(HybridRetrieverTest, TagFilterKeepsOnlyTaggedRecipesEvenWhenFewRemain) {
  Filters filters;
  filters.tags = {"salads"};
  const auto hits = Search(kBroadQuery, 50, filters);
  EXPECT_EQ(hits.size(), 3u) << ::testing::PrintToString(HitIds(index(), hits));
  for (const auto& h : hits) {
    const auto& tags = RecipeOf(h).tags;
    EXPECT_TRUE(std::any_of(tags.begin(), tags.end(), [](const std::string& t) {
      return Lower(t) == "salads";
    })) << RecipeOf(h).id;
  }
}

TEST_F(HybridRetrieverTest, CombinedFiltersAllHold) {
  Filters filters;
  filters.tags = {"Soups"};
  filters.diets = {"vegetarian"};
  filters.max_total_minutes = 45;
  filters.exclude_ingredients = {"onions"};
  const auto hits = Search(kBroadQuery, 50, filters);
  ASSERT_FALSE(hits.empty());
  for (const auto& h : hits) {
    const auto& r = RecipeOf(h);
    EXPECT_TRUE(Suits(r, "vegetarian")) << r.id;
    EXPECT_FALSE(HasIngredient(r, kOnionFamily)) << r.id;
    ASSERT_TRUE(r.time_minutes.has_value()) << r.id;
    EXPECT_LE(*r.time_minutes, 45) << r.id;
    EXPECT_TRUE(std::find(r.tags.begin(), r.tags.end(), "Soups") != r.tags.end()) << r.id;
  }
}

TEST_F(HybridRetrieverTest, FiltersHoldForEachComponentAndFusion) {
  for (const auto components :
       {HybridOptions::Components::kLexical, HybridOptions::Components::kVector}) {
    for (const auto fusion : {HybridOptions::Fusion::kRrf, HybridOptions::Fusion::kWeighted}) {
      SCOPED_TRACE(static_cast<int>(components) * 10 + static_cast<int>(fusion));
      HybridOptions options;
      options.components = components;
      options.fusion = fusion;
      auto reloaded = Reload(options);
      ASSERT_NE(reloaded, nullptr);
      Filters filters;
      filters.diets = {"egg_free"};
      filters.exclude_ingredients = {"onion"};
      filters.max_total_minutes = 40;
      const auto hits = Search(*reloaded->retriever, kBroadQuery, 50, filters);
      EXPECT_FALSE(hits.empty());
      for (const auto& h : hits) {
        const auto& r = reloaded->recipes.at(h.recipe);
        EXPECT_TRUE(Suits(r, "egg_free")) << r.id;
        EXPECT_FALSE(HasIngredient(r, kOnionFamily)) << r.id;
        ASSERT_TRUE(r.time_minutes.has_value()) << r.id;
        EXPECT_LE(*r.time_minutes, 40) << r.id;
      }
    }
  }
}

// ---- Query intents ----

TEST_F(HybridRetrieverTest, SoupWithoutOnionReturnsNoRecipeWithTheOnionFamily) {
  const auto hits = Search("soup without onion", 50);
  ASSERT_FALSE(hits.empty());
  for (const auto& h : hits) {
    EXPECT_FALSE(HasIngredient(RecipeOf(h), kOnionFamily)) << RecipeOf(h).id;
  }
  const auto ids = HitIds(index(), hits);
  EXPECT_TRUE(Contains(ids, "h-carrot-soup")) << ::testing::PrintToString(ids);
  EXPECT_TRUE(Contains(ids, "h-tomato-rice-soup")) << ::testing::PrintToString(ids);
}

TEST_F(HybridRetrieverTest, QuickMeansAKnownTimeOfHalfAnHourAtMost) {
  const auto hits = Search("quick soup", 50);
  ASSERT_FALSE(hits.empty());
  for (const auto& h : hits) {
    const auto& minutes = RecipeOf(h).time_minutes;
    ASSERT_TRUE(minutes.has_value()) << RecipeOf(h).id;
    EXPECT_LE(*minutes, 30) << RecipeOf(h).id;
  }
  EXPECT_TRUE(Contains(HitIds(index(), hits), "h-carrot-soup"));
}

TEST_F(HybridRetrieverTest, InterpretReportsACorrection) {
  const auto interpretation = Interpret("tomatto soup");
  ASSERT_EQ(interpretation.corrections.size(), 1u);
  EXPECT_EQ(interpretation.corrections[0].first, "tomatto");
  EXPECT_EQ(interpretation.corrections[0].second, "tomato");
  EXPECT_EQ(interpretation.concepts, (std::vector<std::string>{"tomato", "soup"}));
  const auto hits = Search("tomatto soup", 3);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(RecipeOf(hits[0]).id, "t-tomato-soup");
}

TEST_F(HybridRetrieverTest, MisspellingThatStemsLikeACorpusWordStillFinds) {
  const auto hits = Search("tomatoe soup", 3);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(RecipeOf(hits[0]).id, "t-tomato-soup");
  EXPECT_DOUBLE_EQ(hits[0].explain.coverage, 1.0);
}

// A misspelling the stemmer already folds ("tomatoe" stems like "tomato") is a known word:
// nothing is corrected, and the search still finds tomato recipes (the test above).
TEST_F(HybridRetrieverTest, InterpretCorrectsNothingTheStemmerAlreadyFolds) {
  const auto interpretation = Interpret("tomatoe soup");
  EXPECT_TRUE(interpretation.corrections.empty());
  EXPECT_EQ(interpretation.concepts, (std::vector<std::string>{"tomatoe", "soup"}));
}

TEST_F(HybridRetrieverTest, InterpretReportsConceptsExpansionsAndFilters) {
  Filters request;
  request.tags = {"Soups"};
  request.max_total_minutes = 20;
  const auto interpretation = Interpret("quick vegetarian pasta without onion", request);
  EXPECT_EQ(interpretation.concepts, (std::vector<std::string>{"vegetarian", "pasta"}));
  EXPECT_EQ(interpretation.expansions,
            (std::vector<std::string>{"macaroni", "spaghetti", "vermicelli"}));
  EXPECT_TRUE(interpretation.corrections.empty());
  const auto& f = interpretation.filters;
  EXPECT_EQ(f.tags, (std::vector<std::string>{"Soups"}));
  EXPECT_EQ(f.diets, (std::vector<std::string>{"vegetarian"}));
  ASSERT_TRUE(f.max_total_minutes.has_value());
  EXPECT_EQ(*f.max_total_minutes, 20);  // the request's limit is smaller than "quick"
  for (const auto& food : kOnionFamily) {
    EXPECT_TRUE(std::find(f.exclude_ingredients.begin(), f.exclude_ingredients.end(), food) !=
                f.exclude_ingredients.end())
        << food;
  }
}

TEST_F(HybridRetrieverTest, InterpretTakesTheSmallerTimeLimit) {
  Filters request;
  request.max_total_minutes = 90;
  const auto interpretation = Interpret("soup in under 45 minutes", request);
  EXPECT_EQ(interpretation.concepts, (std::vector<std::string>{"soup"}));
  ASSERT_TRUE(interpretation.filters.max_total_minutes.has_value());
  EXPECT_EQ(*interpretation.filters.max_total_minutes, 45);
}

TEST_F(HybridRetrieverTest, QueryIntentsOffSearchesTheWordsWithoutFilters) {
  HybridOptions options;
  options.query_intents = false;
  auto reloaded = Reload(options);
  ASSERT_NE(reloaded, nullptr);
  Query q;
  q.text = "quick vegetarian soup";
  const auto interpretation = reloaded->retriever->Interpret(q);
  EXPECT_TRUE(interpretation.filters.diets.empty());
  EXPECT_FALSE(interpretation.filters.max_total_minutes.has_value());
}

}  // namespace
}  // namespace recipe_rag::retrieval
