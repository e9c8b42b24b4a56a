#include "corpus/diet.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "corpus/loader.h"

namespace recipe_rag::corpus {
namespace {

Recipe Make(std::string title, std::vector<std::string> ingredients,
            std::vector<std::string> tags = {}) {
  Recipe r;
  r.id = "t-1";
  r.title = std::move(title);
  r.ingredients = std::move(ingredients);
  r.tags = std::move(tags);
  return r;
}

TEST(DietTest, PlainVegetableRecipeIsVegetarian) {
  EXPECT_TRUE(
      IsVegetarian(Make("Macaroni with Cheese", {"1/2 cup macaroni", "1 cup grated cheese"})));
}

TEST(DietTest, MeatFishAndFowlInIngredientsAreNot) {
  EXPECT_FALSE(IsVegetarian(Make("Macaroni Pie", {"1/4 lb. macaroni", "2 slices of ham"})));
  EXPECT_FALSE(IsVegetarian(Make("Croquettes", {"1 cup macaroni", "12 oysters"})));
  EXPECT_FALSE(IsVegetarian(Make("Pie", {"1 fowl", "pastry"})));
  EXPECT_FALSE(IsVegetarian(Make("Jelly", {"1 oz. gelatine", "sugar"})));
  EXPECT_FALSE(IsVegetarian(Make("Pudding", {"1/2 lb. suet", "flour"})));
}

TEST(DietTest, PluralsAreCaught) {
  EXPECT_FALSE(IsVegetarian(Make("Toast", {"6 anchovies", "butter"})));
  EXPECT_FALSE(IsVegetarian(Make("Stew", {"2 kidneys", "onions"})));
}

TEST(DietTest, TitleNamingMeatIsNotVegetarianOutsideTheVegetarianBook) {
  EXPECT_FALSE(IsVegetarian(Make("Beef Stew", {"2 lbs. round", "4 potatoes"})));
}

TEST(DietTest, MeatStockCountsUnlessFromTheVegetarianBook) {
  EXPECT_FALSE(IsVegetarian(Make("Macaroni Soup", {"1 quart brown soup stock", "macaroni"})));
  EXPECT_TRUE(
      IsVegetarian(Make("Nut Noodle Soup", {"1 quart soup stock", "noodles"}, {"Vegetarian"})));
  EXPECT_TRUE(IsVegetarian(Make("Soup", {"1 quart vegetable stock", "rice"})));
}

TEST(DietTest, PeriodWordsThatOnlyLookLikeMeatAreAllowed) {
  EXPECT_TRUE(IsVegetarian(Make("Nut Roast", {"1 cup walnut meats", "bread crumbs"})));
  EXPECT_TRUE(
      IsVegetarian(Make("Fried Vegetable Marrow", {"1 vegetable marrow", "egg", "bread crumbs"})));
  EXPECT_TRUE(IsVegetarian(Make("Salsify", {"1 bunch vegetable oysters", "butter"})));
  EXPECT_TRUE(IsVegetarian(Make("Bean Salad", {"1 cup kidney beans", "oil"})));
}

TEST(DietTest, VegetarianBookSubstitutesKeepTheirMeatNames) {
  EXPECT_TRUE(
      IsVegetarian(Make("Mock Chicken Pie", {"2 cups nut meat", "pastry"}, {"Vegetarian"})));
  EXPECT_TRUE(IsVegetarian(Make("Nut Forcemeat", {"1 cup nuts", "bread"}, {"Vegetarian"})));
}

TEST(DietTest, VegetarianBookIngredientLinesAreStillChecked) {
  EXPECT_FALSE(IsVegetarian(Make("Jelly", {"1 oz. gelatine", "fruit juice"}, {"Vegetarian"})));
}

TEST(DietTest, ClassifyDietsListsEveryDietTheRecipeSuits) {
  using V = std::vector<std::string_view>;
  EXPECT_EQ(ClassifyDiets(Make("Rice Pudding", {"1/2 cup rice", "1 quart milk"})),
            (V{kVegetarian, kEggFree, kNutFree, kGlutenFree}));
  EXPECT_EQ(ClassifyDiets(Make("Roast Beef", {"beef", "salt"})),
            (V{kEggFree, kNutFree, kDairyFree, kGlutenFree}));
  EXPECT_EQ(ClassifyDiets(Make("Stewed Prunes", {"1 lb. prunes", "sugar", "water"})),
            (V{kVegetarian, kVegan, kEggFree, kNutFree, kDairyFree, kGlutenFree}));
  EXPECT_EQ(KnownDiets(), (V{kVegetarian, kVegan, kEggFree, kNutFree, kDairyFree, kGlutenFree}));
  for (const auto d : KnownDiets()) EXPECT_FALSE(d.empty());
}

TEST(DietTest, BundledCorpusMeatChaptersAreAlmostAllMeat) {
  LoadOptions options;
  options.require_instructions = false;
  auto corpus = LoadCorpusFile(RECIPE_RAG_SOURCE_DIR "/data/recipes/recipe_data.json", options);
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  int vegetarian = 0;
  int meat_chapter = 0;
  int meat_chapter_vegetarian = 0;
  std::map<std::string, bool> verdict;
  for (const auto& r : corpus->recipes) {
    const bool veg = IsVegetarian(r);
    verdict[r.id] = veg;
    vegetarian += veg;
    for (const auto& tag : r.tags) {
      if (tag == "Beef" || tag == "Pork" || tag == "Veal" || tag == "Poultry" || tag == "Game" ||
          tag == "Fish") {
        ++meat_chapter;
        meat_chapter_vegetarian += veg;
        break;
      }
    }
  }
  EXPECT_GT(vegetarian, 800);
  EXPECT_LT(vegetarian, 2000);
  // Side dishes printed in meat chapters (Yorkshire pudding, dumplings) are vegetarian; the
  // dishes themselves are not. Cecils (farmer-0271) list their beef only in the method.
  EXPECT_LT(meat_chapter_vegetarian * 20, meat_chapter)
      << meat_chapter_vegetarian << " of " << meat_chapter;
  EXPECT_TRUE(verdict.at("farmer-0267"));   // Yorkshire Pudding: milk, flour, eggs
  EXPECT_FALSE(verdict.at("farmer-0265"));  // Beefsteak à la Henriette
  EXPECT_FALSE(verdict.at("beeton-0996"));  // To Dress Wheatears (a bird)
  EXPECT_TRUE(verdict.at("fulton-0183"));   // Spaghetti in Tomato Sauce
}

}  // namespace
}  // namespace recipe_rag::corpus

namespace recipe_rag::corpus {
namespace {

bool Suits(const Recipe& r, std::string_view diet) {
  const auto diets = ClassifyDiets(r);
  return std::find(diets.begin(), diets.end(), diet) != diets.end();
}

TEST(FreeDietTest, EggFreeExcludesEggsAndYolksButNotEggPlant) {
  EXPECT_FALSE(Suits(Make("Sponge Cake", {"3 eggs", "1 cup sugar"}), kEggFree));
  EXPECT_FALSE(Suits(Make("Sauce", {"Yolks 2 eggs"}), kEggFree));
  EXPECT_FALSE(Suits(Make("Sauce", {"yolk of 1"}), kEggFree));
  EXPECT_TRUE(Suits(Make("Stuffed Egg Plant", {"1 egg plant", "bread crumbs"}), kEggFree));
  EXPECT_TRUE(Suits(Make("Shortbread", {"1 cup butter", "2 cups flour"}), kEggFree));
}

TEST(FreeDietTest, NutFreeExcludesNutsButNotNutmegOrCocoanut) {
  EXPECT_FALSE(Suits(Make("Cake", {"1/2 cup chopped walnuts"}), kNutFree));
  EXPECT_FALSE(Suits(Make("Roast", {"2 cups nut meat"}), kNutFree));
  EXPECT_FALSE(Suits(Make("Cakes", {"1/4 lb. almonds"}), kNutFree));
  EXPECT_TRUE(
      Suits(Make("Custard", {"1 quart milk", "grated nutmeg", "grated cocoanut"}), kNutFree));
}

TEST(FreeDietTest, DairyFreeExcludesMilkButterCheeseButNotCreamOfTartar) {
  EXPECT_FALSE(Suits(Make("Scones", {"2 tablespoons butter"}), kDairyFree));
  EXPECT_FALSE(Suits(Make("Pudding", {"1 pint milk"}), kDairyFree));
  EXPECT_FALSE(Suits(Make("Toast", {"grated cheese"}), kDairyFree));
  EXPECT_TRUE(
      Suits(Make("Biscuits", {"2 cups flour", "1 teaspoon cream of tartar", "water"}), kDairyFree));
  EXPECT_TRUE(Suits(Make("Nut Loaf", {"1 cup nut butter", "cocoanut milk"}), kDairyFree));
}

TEST(FreeDietTest, EveryKnownDietIsClassifiedSomewhereInTheBundledCorpus) {
  LoadOptions options;
  options.require_instructions = false;
  auto corpus = LoadCorpusFile(RECIPE_RAG_SOURCE_DIR "/data/recipes/recipe_data.json", options);
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  for (const auto diet : KnownDiets()) {
    int suits = 0;
    for (const auto& r : corpus->recipes) suits += Suits(r, diet);
    EXPECT_GT(suits, 100) << diet;
    EXPECT_LT(suits, 2600) << diet;
  }
}

}  // namespace
}  // namespace recipe_rag::corpus

namespace recipe_rag::corpus {
namespace {

bool SuitsLine(std::string_view line, std::string_view diet) {
  const auto diets = ClassifyDiets(Make("Dish", {std::string(line), "salt"}));
  return std::find(diets.begin(), diets.end(), diet) != diets.end();
}

TEST(NormalisationTest, AccentsArePlainLetters) {
  EXPECT_FALSE(IsVegetarian(Make("Royal Custard", {"1 cup consommé", "Yolks 2 eggs"})));
  EXPECT_TRUE(SuitsLine("1 teaspoon crème of tartar", kDairyFree));
}

TEST(NormalisationTest, PossessivesAndIrregularPluralsAreFolded) {
  EXPECT_FALSE(IsVegetarian(Make("Leek Soup", {"A sheep's head", "leeks"})));
  EXPECT_FALSE(IsVegetarian(Make("Hessian Soup", {"Half an ox\u2019s head", "carrots"})));
  EXPECT_FALSE(IsVegetarian(Make("Jelly", {"2 calves' feet", "sugar"})));
  EXPECT_FALSE(IsVegetarian(Make("Roast", {"2 geese", "apples"})));
  EXPECT_FALSE(IsVegetarian(Make("Soup", {"2 fishes", "water"})));
  EXPECT_FALSE(IsVegetarian(Make("Stock for Jellies", {"2 cow-heels", "3 quarts of water"})));
}

TEST(FreeDietTest, EggFreeExcludesCustardAndHollandaise) {
  EXPECT_FALSE(SuitsLine("1 pint of custard No. 1423", kEggFree));
  EXPECT_FALSE(SuitsLine("Hollandaise sauce", kEggFree));
  EXPECT_FALSE(SuitsLine("the whites of 3 eggs", kEggFree));
}

TEST(FreeDietTest, ButterTheSizeOfAnEggIsNotAnEgg) {
  EXPECT_TRUE(SuitsLine("Egg-plant, 1", kEggFree));
  EXPECT_TRUE(SuitsLine("a piece of butter the size of an egg", kEggFree));
  EXPECT_TRUE(SuitsLine("butter, egg size", kEggFree));
  EXPECT_FALSE(SuitsLine("2 eggs, butter the size of an egg", kEggFree));
}

TEST(FreeDietTest, NutFreeExcludesNutConfectionsAndNutMeats) {
  for (const char* line :
       {"2 oz. of ratafias", "Nuttolene, 1 cup", "Protose, 1 pound", "1/4 lb. nougat", "frangipane",
        "orgeat syrup", "pine nuts", "1 cup peanuts", "6 macaroons", "marzipan"}) {
    EXPECT_FALSE(SuitsLine(line, kNutFree)) << line;
  }
}

TEST(FreeDietTest, NutmegButternutSquashAndWalnutSizedButterAreNotNuts) {
  for (const char* line : {"grated nutmeg", "1 butternut squash", "butter the size of a walnut",
                           "a nut of butter", "2 doughnuts", "grated cocoanut"}) {
    EXPECT_TRUE(SuitsLine(line, kNutFree)) << line;
  }
  EXPECT_FALSE(SuitsLine("1 butternut squash, 1 cup walnuts", kNutFree));
}

TEST(FreeDietTest, DairyFreeExcludesMadeSaucesAndButteredCrumbs) {
  for (const char* line :
       {"1 cup White Sauce I", "1/2 pint of Bechamel, No. 367", "buttered cracker crumbs",
        "1 junket tablet", "Stilton cheese", "hard sauce", "1/2 pint of custard"}) {
    EXPECT_FALSE(SuitsLine(line, kDairyFree)) << line;
  }
}

TEST(FreeDietTest, CoconutMilkAndNutButtersAreNotDairy) {
  for (const char* line :
       {"1 cup coconut milk", "cocoanut milk", "1 cup peanut butter", "nut butter",
        "milk of almonds", "cocoa butter", "butter beans", "1 teaspoon cream of tartar"}) {
    EXPECT_TRUE(SuitsLine(line, kDairyFree)) << line;
  }
}

TEST(GlutenFreeTest, ExcludesWheatRyeBarleyOatsAndWhatIsMadeOfThem) {
  for (const char* line : {"2 cups flour",
                           "1 cup entire wheat flour",
                           "1 cup cream of wheat",
                           "1 cup rye meal",
                           "2 oz. of pearl barley",
                           "1 cup rolled oats",
                           "½ cup oatmeal",
                           "bran",
                           "1 lb. of malt",
                           "Graham flour, 1 cup",
                           "5 oz. of semolina",
                           "½ cup farina",
                           "1 cup couscous",
                           "bulgur",
                           "seitan",
                           "2 cups stale bread crumbs",
                           "1 cup cracker crumbs",
                           "6 Savoy biscuits",
                           "½ cup cake crumbs",
                           "4 small sponge cakes",
                           "wafer-paper",
                           "6 lady fingers",
                           "the crumb of a French roll",
                           "6 slices toast",
                           "1/2 cup macaroni",
                           "spaghetti",
                           "vermicelli",
                           "1 cup noodles",
                           "pasta",
                           "puff paste",
                           "3/4 lb. of suet crust",
                           "pastry",
                           "bread dough",
                           "thickening of butter and flour",
                           "2 tablespoonfuls of soy",
                           "soy sauce",
                           "1/2 pint of ale",
                           "lager beer",
                           "stout",
                           "Worcestershire Sauce",
                           "1 cup White Sauce",
                           "forcemeat balls"}) {
    EXPECT_FALSE(SuitsLine(line, kGlutenFree)) << line;
  }
}

TEST(GlutenFreeTest, GlutenFreeFloursAndLookAlikesAreAllowed) {
  for (const char* line :
       {"6 oz. of rice flour", "1 cup corn meal", "1 cup cornmeal", "2 tablespoons cornstarch",
        "2-oz. corn flour", "¼-lb. cornflour", "potato-flour", "2 oz. of arrowroot",
        "pearl tapioca", "1¾ cups buckwheat flour", "buckwheat", "chestnut flour", "almond flour",
        "1 breadfruit", "½ yeast cake", "1 lb. of loaf sugar", "½ lb. almond paste",
        "1 pint ginger ale", "1 bottle of ginger beer"}) {
    EXPECT_TRUE(SuitsLine(line, kGlutenFree)) << line;
  }
  EXPECT_FALSE(SuitsLine("1 cup rice flour, 1 cup flour", kGlutenFree));
}

TEST(GlutenFreeTest, TitleNamingAWheatenFoodCounts) {
  const auto toast = Make("Prune Whipped Toast", {"Prune pulp, 2 cups", "Eggs, whites, 4"});
  const auto diets = ClassifyDiets(toast);
  EXPECT_EQ(std::find(diets.begin(), diets.end(), kGlutenFree), diets.end());
  // Shapes and textures in a title are left to the ingredient lines.
  const auto cakes = Make("Cocoanut Cakes", {"1 lb. fresh grated cocoanut", "¾ lb. sugar"});
  const auto cake_diets = ClassifyDiets(cakes);
  EXPECT_NE(std::find(cake_diets.begin(), cake_diets.end(), kGlutenFree), cake_diets.end());
}

TEST(VeganTest, VeganIsVegetarianWithoutEggsDairyOrHoney) {
  EXPECT_TRUE(SuitsLine("1 cup lentils", kVegan));
  EXPECT_FALSE(SuitsLine("2 eggs", kVegan));
  EXPECT_FALSE(SuitsLine("1 cup milk", kVegan));
  EXPECT_FALSE(SuitsLine("1 tablespoonful of clarified honey", kVegan));
  EXPECT_FALSE(SuitsLine("a few drops of cochineal", kVegan));
  EXPECT_FALSE(SuitsLine("1 oz. of isinglass", kVegan));
  EXPECT_FALSE(SuitsLine("1/2 lb. of suet", kVegan));
  EXPECT_FALSE(SuitsLine("2 oz. of lard", kVegan));
  EXPECT_FALSE(Suits(Make("Beef Tea", {"1 lb. lean round", "water"}), kVegan));
}

TEST(VeganTest, CoconutMilkAndEggPlantAreVegan) {
  EXPECT_TRUE(SuitsLine("1 cup cocoanut milk, 1 egg plant", kVegan));
  EXPECT_TRUE(
      Suits(Make("Nut Soup", {"1 quart soup stock", "1 cup nut butter"}, {"Vegetarian"}), kVegan));
}

TEST(FreeDietTest, BundledCorpusRecipesTheIndependentListsFlagAreExcluded) {
  LoadOptions options;
  options.require_instructions = false;
  auto corpus = LoadCorpusFile(RECIPE_RAG_SOURCE_DIR "/data/recipes/recipe_data.json", options);
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  std::map<std::string, const Recipe*> by_id;
  for (const auto& r : corpus->recipes) by_id[r.id] = &r;
  const std::pair<const char*, std::string_view> excluded[] = {
      {"beeton-0742", kVegetarian},  // To Dress a Sheep's Head
      {"farmer-0226", kVegetarian},  // Royal Custard: consommé
      {"beeton-1434", kEggFree},     // Gooseberry Trifle: custard
      {"fulton-0096", kNutFree},     // Nuttolene Roast
      {"beeton-1274", kNutFree},     // Exeter Pudding: ratafias
      {"farmer-0116", kDairyFree},   // Macaroni with White Sauce
      {"beeton-0454", kDairyFree},   // Italian Sauce: Bechamel
      {"fulton-0183", kGlutenFree},  // Spaghetti in Tomato Sauce
      {"farmer-0267", kGlutenFree},  // Yorkshire Pudding: flour
  };
  for (const auto& [id, diet] : excluded) {
    ASSERT_TRUE(by_id.count(id)) << id;
    EXPECT_FALSE(Suits(*by_id.at(id), diet)) << id << " " << diet;
  }
  EXPECT_TRUE(Suits(*by_id.at("fulton-0183"), kVegan));  // tomatoes, spaghetti, oil
}

}  // namespace
}  // namespace recipe_rag::corpus
