#include "llm/extractive_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace recipe_rag::llm {
namespace {

bool Has(const std::string& text, std::string_view needle) {
  return text.find(needle) != std::string::npos;
}

// ---- IngredientName ----

TEST(IngredientNameTest, StripsQuantityUnitAndPreparationNote) {
  EXPECT_EQ(IngredientName("2 cups stewed tomatoes, strained"), "stewed tomatoes");
}

TEST(IngredientNameTest, StripsVulgarFractionsAndAbbreviatedUnits) {
  EXPECT_EQ(IngredientName("½ lb. butter"), "butter");
  EXPECT_EQ(IngredientName("¼ lb. grated cheese"), "grated cheese");
  EXPECT_EQ(IngredientName("1 ½ oz. sugar"), "sugar");
}

TEST(IngredientNameTest, BareIngredientIsLowerCased) {
  EXPECT_EQ(IngredientName("Salt"), "salt");
  EXPECT_EQ(IngredientName("  Pepper  "), "pepper");
}

TEST(IngredientNameTest, StripsFractionsRangesAndArticles) {
  EXPECT_EQ(IngredientName("1/2 teaspoon salt"), "salt");
  EXPECT_EQ(IngredientName("2-3 large onions"), "onions");
  EXPECT_EQ(IngredientName("A pinch of cayenne"), "cayenne");
  EXPECT_EQ(IngredientName("3 tablespoonfuls of flour"), "flour");
}

TEST(IngredientNameTest, DropsParentheticalNotes) {
  EXPECT_EQ(IngredientName("1 cup milk (scalded)"), "milk");
  EXPECT_EQ(IngredientName("4 eggs (well beaten), yolks only"), "eggs");
}

TEST(IngredientNameTest, OnlyQuantitiesGiveAnEmptyName) {
  EXPECT_EQ(IngredientName("2 cups"), "");
  EXPECT_EQ(IngredientName(""), "");
  EXPECT_EQ(IngredientName("   "), "");
}

// ---- WriteExtractiveAnswer ----

const std::vector<std::string> kMacaroniIngredients = {"½ lb. macaroni", "¼ lb. grated cheese",
                                                       "1 pint milk", "Salt"};
const std::vector<std::string> kSpaghettiIngredients = {"1 lb. spaghetti",
                                                        "2 cups stewed tomatoes, strained"};

TEST(WriteExtractiveAnswerTest, NoSourcesSaysNoRecipeMatches) {
  const auto text = WriteExtractiveAnswer("unicorn steak", {});
  EXPECT_TRUE(Has(text, "No recipe")) << text;
  EXPECT_TRUE(Has(text, "unicorn steak")) << text;
}

TEST(WriteExtractiveAnswerTest, NamesEachSourceTitleAndIdInOrder) {
  const std::vector<SourceRecipe> sources = {
      {"farmer-0101", "Macaroni with Cheese", &kMacaroniIngredients},
      {"beeton-0013", "Spaghetti à l'Italienne", &kSpaghettiIngredients},
      {"fulton-0007", "Vermicelli Pudding", nullptr},
  };
  const auto text = WriteExtractiveAnswer("pasta", sources);
  EXPECT_FALSE(Has(text, "No recipe")) << text;
  std::size_t last = 0;
  for (const auto& s : sources) {
    const auto title = text.find(s.title);
    const auto id = text.find(s.id);
    ASSERT_NE(title, std::string::npos) << s.title << " missing from: " << text;
    ASSERT_NE(id, std::string::npos) << s.id << " missing from: " << text;
    EXPECT_GT(title, last) << s.title << " out of order in: " << text;
    EXPECT_GT(id, title) << s.id << " should follow its title in: " << text;
    last = id;
  }
  EXPECT_TRUE(Has(text, "3 recipes")) << text;
}

TEST(WriteExtractiveAnswerTest, NamesNoRecipeOutsideTheSources) {
  const std::vector<SourceRecipe> sources = {
      {"farmer-0101", "Macaroni with Cheese", &kMacaroniIngredients},
  };
  const auto text = WriteExtractiveAnswer("macaroni cheese lasagne", sources);
  for (const char* other : {"Lasagne", "Spaghetti", "Vermicelli Pudding", "beeton-", "fulton-"}) {
    EXPECT_FALSE(Has(text, other)) << other << " in: " << text;
  }
  EXPECT_TRUE(Has(text, "1 recipe")) << text;
}

TEST(WriteExtractiveAnswerTest, NamesKeyIngredientsWithoutQuantities) {
  const std::vector<SourceRecipe> sources = {
      {"farmer-0101", "Macaroni with Cheese", &kMacaroniIngredients},
  };
  const auto text = WriteExtractiveAnswer("macaroni", sources);
  EXPECT_TRUE(Has(text, "macaroni, grated cheese and milk")) << text;
  EXPECT_FALSE(Has(text, "½")) << text;
  EXPECT_FALSE(Has(text, "lb.")) << text;
  // Only the first three distinct ingredients are named.
  EXPECT_FALSE(Has(text, "salt")) << text;
}

TEST(WriteExtractiveAnswerTest, LongQueryIsTruncatedInTheEcho) {
  std::string query;
  for (int i = 0; i < 50; ++i) {
    query += "word" + std::to_string(i) + " ";
  }
  const auto text = WriteExtractiveAnswer(query, {});
  EXPECT_TRUE(Has(text, "No recipe")) << text;
  EXPECT_TRUE(Has(text, query.substr(0, 40))) << text;
  EXPECT_FALSE(Has(text, "word49")) << text;
  EXPECT_TRUE(Has(text, "\u2026")) << text;
  EXPECT_LT(text.size(), query.size() + 200);
}

TEST(WriteExtractiveAnswerTest, TruncationKeepsMultiByteCharactersWhole) {
  std::string query;
  for (int i = 0; i < 200; ++i) {
    query += "é";
  }
  const auto text = WriteExtractiveAnswer(query, {});
  EXPECT_FALSE(Has(text, query)) << text;
  // Every 0xC3 lead byte is followed by its continuation byte.
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (static_cast<unsigned char>(text[i]) == 0xC3) {
      ASSERT_LT(i + 1, text.size());
      EXPECT_EQ(static_cast<unsigned char>(text[i + 1]), 0xA9u) << "at byte " << i;
    }
  }
  EXPECT_TRUE(Has(text, std::string(query, 0, std::size_t{2} * 80) + "\u2026")) << text;
}

TEST(WriteExtractiveAnswerTest, ShortQueryIsEchoedWhole) {
  const std::vector<SourceRecipe> sources = {
      {"farmer-0101", "Macaroni with Cheese", nullptr},
  };
  const auto text = WriteExtractiveAnswer("  macaroni cheese  ", sources);
  EXPECT_TRUE(Has(text, "\u201cmacaroni cheese\u201d")) << text;
  EXPECT_FALSE(Has(text, "\u2026")) << text;
}

}  // namespace
}  // namespace recipe_rag::llm
