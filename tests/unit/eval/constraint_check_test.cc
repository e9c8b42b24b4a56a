#include "eval/constraint_check.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace recipe_rag::eval {
namespace {

corpus::Recipe MakeRecipe(std::string title, std::vector<std::string> ingredients,
                          std::vector<std::string> tags = {}) {
  corpus::Recipe r;
  r.id = "t-1";
  r.title = std::move(title);
  r.ingredients = std::move(ingredients);
  r.tags = std::move(tags);
  return r;
}

// A small vegetarian constraint in the shape of the dev set's.
Constraint Vegetarian() {
  Constraint c;
  c.name = "vegetarian";
  c.exclude_words = {"meat", "beef", "oyster", "marrow", "fish"};
  c.allow_phrases = {"nut meat", "vegetable oyster", "vegetable marrow", "fish kettle"};
  c.ambiguous_words = {"stock", "gravy"};
  c.ambiguous_ok_if_tag = "Vegetarian";
  c.title_words = {"beef", "chicken"};
  return c;
}

class ConstraintCheckTest : public ::testing::Test {
 protected:
  bool Violates(const corpus::Recipe& r) const { return check_.Violates(r); }
  ConstraintCheck check_{Vegetarian()};
};

TEST_F(ConstraintCheckTest, AnExcludedWordInAnIngredientLineBreaksIt) {
  EXPECT_TRUE(Violates(MakeRecipe("Hash", {"2 cups cold meat, chopped", "1 onion"})));
  EXPECT_TRUE(Violates(MakeRecipe("Stewed Oysters", {"1 quart Oysters"})));  // plural stemmed
  EXPECT_FALSE(Violates(MakeRecipe("Boiled Rice", {"1 cup rice", "salt"})));
}

TEST_F(ConstraintCheckTest, AllowedPhrasesAreBlankedFirst) {
  EXPECT_FALSE(Violates(MakeRecipe("Nut Loaf", {"1 cup nut meats", "2 eggs"})));
  EXPECT_FALSE(Violates(MakeRecipe("Mock Oyster Soup", {"1 bunch vegetable oysters"})));
  EXPECT_FALSE(Violates(MakeRecipe("Stuffed Marrow", {"1 vegetable marrow"})));
  // Blanking one phrase does not excuse another word on the same line.
  EXPECT_TRUE(Violates(MakeRecipe("Mixed", {"1 vegetable marrow and ½ lb. beef"})));
  // Only the exact phrase is allowed: "walnut meats" is not "nut meats".
  EXPECT_TRUE(Violates(MakeRecipe("Cake", {"1 cup walnut meats"})));
}

TEST_F(ConstraintCheckTest, AmbiguousWordsCountUnlessTheRecipeHasTheTag) {
  const auto soup = MakeRecipe("Pea Soup", {"1 pint dried peas", "2 quarts stock"});
  EXPECT_TRUE(Violates(soup));
  auto tagged = soup;
  tagged.tags = {"Soups", "VEGETARIAN"};  // compared after folding
  EXPECT_FALSE(Violates(tagged));
  // The tag excuses ambiguous words only, never an excluded one.
  auto tagged_beef = MakeRecipe("Pie", {"1 lb. beef"}, {"Vegetarian"});
  EXPECT_TRUE(Violates(tagged_beef));
}

TEST_F(ConstraintCheckTest, TitleWordsCatchWhatIngredientLinesDoNotSay) {
  EXPECT_TRUE(Violates(MakeRecipe("Beef Stew", {"2 lbs. round", "4 potatoes"})));
  EXPECT_TRUE(Violates(MakeRecipe("Chickens, Roasted", {"2 birds"})));
  EXPECT_FALSE(Violates(MakeRecipe("Mock Chicken Pie", {"1 cup lentils"}, {"Vegetarian"})));
  // Only title_words are looked for in the title, not exclude_words.
  EXPECT_FALSE(Violates(MakeRecipe("Meat-less Pie", {"1 cup lentils"})));
}

TEST(ConstraintCheckFieldTest, ChecksTheNamedField) {
  Constraint c;
  c.field = "instructions";
  c.exclude_words = {"lard"};
  const ConstraintCheck check(c);
  auto r = MakeRecipe("Biscuits", {"2 cups flour"});
  r.instructions = {"Rub in the lard."};
  EXPECT_TRUE(check.Violates(r));
  r.instructions = {"Rub in the butter."};
  r.ingredients.push_back("lard for the pan");  // not the checked field
  EXPECT_FALSE(check.Violates(r));
}

}  // namespace
}  // namespace recipe_rag::eval
