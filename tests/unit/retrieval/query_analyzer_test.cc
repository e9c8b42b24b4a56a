#include "retrieval/query_analyzer.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "retrieval/lexicon.h"

namespace recipe_rag::retrieval {
namespace {

using Words = std::vector<std::string>;

// ---- SplitWords ----

TEST(SplitWordsTest, LowerCasesAsciiAndUnicode) {
  EXPECT_EQ(SplitWords("Apple PIE"), (Words{"apple", "pie"}));
  EXPECT_EQ(SplitWords("CRÈME Brûlée"), (Words{"crème", "brûlée"}));
  EXPECT_EQ(SplitWords("ÆBLESKIVER"), (Words{"æbleskiver"}));
}

TEST(SplitWordsTest, SplitsOnWhitespaceAndPunctuation) {
  EXPECT_EQ(SplitWords("mac-and-cheese, please!"), (Words{"mac", "and", "cheese", "please"}));
  EXPECT_EQ(SplitWords("fish/chips;peas...(mushy)"), (Words{"fish", "chips", "peas", "mushy"}));
  EXPECT_EQ(SplitWords("  \t soup\n\nstock  "), (Words{"soup", "stock"}));
  EXPECT_EQ(SplitWords("\"quoted\" words?"), (Words{"quoted", "words"}));
}

TEST(SplitWordsTest, KeepsDigits) { EXPECT_EQ(SplitWords("2 eggs"), (Words{"2", "eggs"})); }

TEST(SplitWordsTest, EmptyOrPunctuationOnlyGivesNoWords) {
  EXPECT_TRUE(SplitWords("").empty());
  EXPECT_TRUE(SplitWords("   ").empty());
  EXPECT_TRUE(SplitWords("?!.,-").empty());
}

TEST(SplitWordsTest, ApostropheDoesNotSplitAWord) {
  const auto straight = SplitWords("calf's foot");
  ASSERT_EQ(straight.size(), 2u);
  EXPECT_EQ(straight[0].find('\''), std::string::npos);
  EXPECT_EQ(straight[0].rfind("calf", 0), 0u) << straight[0];
  EXPECT_EQ(straight[1], "foot");
  EXPECT_EQ(SplitWords("don't stir"), (Words{"dont", "stir"}));
}

TEST(SplitWordsTest, CurlyApostropheIsTreatedLikeAStraightOne) {
  EXPECT_EQ(SplitWords("calf\u2019s foot"), SplitWords("calf's foot"));
  EXPECT_EQ(SplitWords("Shepherd\u2019s Pie"), SplitWords("shepherd's pie"));
}

// ---- QueryAnalyzer ----

class QueryAnalyzerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto lex = Lexicon::Parse(
        "pasta\tmacaroni|spaghetti\tperiod shapes\n"
        "mac\tmacaroni\tshort form\n"
        "mac and cheese\tmacaroni cheese|macaroni and cheese\tthe dish\n"
        "noodle\tvermicelli\tthin pasta\n"
        "leftovers\tremains of\tcooked food used again\n"
        "zucchini\tvegetable marrow\tUS/UK\n");
    ASSERT_TRUE(lex.ok()) << lex.error().message;
    lexicon_ = std::move(lex).value();
  }

  AnalyzedQuery Analyze(std::string_view text) const {
    return QueryAnalyzer(lexicon_).Analyze(text);
  }

  static Words Texts(const AnalyzedQuery& q) {
    Words out;
    for (const auto& c : q.concepts) {
      out.push_back(c.text);
    }
    return out;
  }

  Lexicon lexicon_;
};

TEST_F(QueryAnalyzerTest, DropsStopwords) {
  const auto q = Analyze("How do I make a good soup with the leeks?");
  EXPECT_EQ(Texts(q), (Words{"soup", "leeks"}));
  for (const auto& c : q.concepts) {
    EXPECT_TRUE(c.expansions.empty()) << c.text;
  }
}

TEST_F(QueryAnalyzerTest, OnlyStopwordsGiveNoConcepts) {
  EXPECT_TRUE(Analyze("what can I make with this?").concepts.empty());
  EXPECT_TRUE(Analyze("recipes please").concepts.empty());
  EXPECT_TRUE(Analyze("").concepts.empty());
}

TEST_F(QueryAnalyzerTest, ExpandsAModernWordWithItsPeriodTerms) {
  const auto q = Analyze("Pasta");
  ASSERT_EQ(q.concepts.size(), 1u);
  EXPECT_EQ(q.concepts[0].text, "pasta");
  EXPECT_EQ(q.concepts[0].expansions, (Words{"macaroni", "spaghetti"}));
}

TEST_F(QueryAnalyzerTest, KeepsQueryOrder) {
  const auto q = Analyze("zucchini and pasta bake");
  EXPECT_EQ(Texts(q), (Words{"zucchini", "pasta", "bake"}));
  ASSERT_EQ(q.concepts.size(), 3u);
  EXPECT_EQ(q.concepts[0].expansions, (Words{"vegetable marrow"}));
  EXPECT_EQ(q.concepts[1].expansions, (Words{"macaroni", "spaghetti"}));
  EXPECT_TRUE(q.concepts[2].expansions.empty());
}

TEST_F(QueryAnalyzerTest, PrefersTheLongestPhrase) {
  const auto q = Analyze("easy mac and cheese");
  ASSERT_EQ(q.concepts.size(), 2u);
  EXPECT_EQ(q.concepts[0].text, "easy");
  EXPECT_EQ(q.concepts[1].text, "mac and cheese");
  EXPECT_EQ(q.concepts[1].expansions, (Words{"macaroni cheese", "macaroni and cheese"}));
}

TEST_F(QueryAnalyzerTest, PhraseMatchingIgnoresCaseAndPunctuation) {
  const auto q = Analyze("Mac-and-Cheese!");
  ASSERT_EQ(q.concepts.size(), 1u);
  EXPECT_EQ(q.concepts[0].text, "mac and cheese");
}

TEST_F(QueryAnalyzerTest, FallsBackToShorterPhraseWhenTheLongOneIsAbsent) {
  const auto q = Analyze("mac and peas");
  EXPECT_EQ(Texts(q), (Words{"mac", "peas"}));
  ASSERT_EQ(q.concepts.size(), 2u);
  EXPECT_EQ(q.concepts[0].expansions, (Words{"macaroni"}));
}

TEST_F(QueryAnalyzerTest, PluralQueryWordFindsSingularKey) {
  const auto q = Analyze("noodles");
  ASSERT_EQ(q.concepts.size(), 1u);
  EXPECT_EQ(q.concepts[0].text, "noodles");
  EXPECT_EQ(q.concepts[0].expansions, (Words{"vermicelli"}));
}

TEST_F(QueryAnalyzerTest, SingularQueryWordFindsPluralKey) {
  const auto q = Analyze("leftover rice");
  ASSERT_EQ(q.concepts.size(), 2u);
  EXPECT_EQ(q.concepts[0].text, "leftover");
  EXPECT_EQ(q.concepts[0].expansions, (Words{"remains of"}));
}

TEST_F(QueryAnalyzerTest, UnknownWordsAreKeptWithoutExpansions) {
  const auto q = Analyze("gingerbread");
  ASSERT_EQ(q.concepts.size(), 1u);
  EXPECT_EQ(q.concepts[0].text, "gingerbread");
  EXPECT_TRUE(q.concepts[0].expansions.empty());
}

}  // namespace
}  // namespace recipe_rag::retrieval

namespace recipe_rag::retrieval {
namespace {

std::vector<std::string> ConceptTexts(const AnalyzedQuery& q) {
  std::vector<std::string> out;
  for (const auto& c : q.concepts) out.push_back(c.text);
  return out;
}

TEST(DietIntentTest, NegatedFoodBecomesAFilterAndIsNotSearchedFor) {
  const Lexicon lexicon;
  const QueryAnalyzer analyzer(lexicon);
  const auto q = analyzer.Analyze("cake without eggs");
  EXPECT_EQ(q.diets, std::vector<std::string>{"egg_free"});
  EXPECT_EQ(ConceptTexts(q), std::vector<std::string>{"cake"});
}

TEST(DietIntentTest, RecognisesEachPhrasing) {
  const Lexicon lexicon;
  const QueryAnalyzer analyzer(lexicon);
  EXPECT_EQ(analyzer.Analyze("no nuts cookies").diets, std::vector<std::string>{"nut_free"});
  EXPECT_EQ(analyzer.Analyze("dairy-free pudding").diets, std::vector<std::string>{"dairy_free"});
  EXPECT_EQ(analyzer.Analyze("eggless sponge").diets, std::vector<std::string>{"egg_free"});
  EXPECT_EQ(analyzer.Analyze("meat-free pie").diets, std::vector<std::string>{"vegetarian"});
  EXPECT_EQ(ConceptTexts(analyzer.Analyze("meat-free pie")), std::vector<std::string>{"pie"});
}

TEST(DietIntentTest, VegetarianStaysAWordToo) {
  const Lexicon lexicon;
  const QueryAnalyzer analyzer(lexicon);
  const auto q = analyzer.Analyze("vegetarian soup without milk");
  EXPECT_EQ(q.diets, (std::vector<std::string>{"vegetarian", "dairy_free"}));
  EXPECT_EQ(ConceptTexts(q), (std::vector<std::string>{"vegetarian", "soup"}));
}

TEST(DietIntentTest, PlainFoodWordsAreNotIntents) {
  const Lexicon lexicon;
  const QueryAnalyzer analyzer(lexicon);
  const auto q = analyzer.Analyze("egg custard with nuts");
  EXPECT_TRUE(q.diets.empty());
  EXPECT_EQ(ConceptTexts(q), (std::vector<std::string>{"egg", "custard", "nuts"}));
}

}  // namespace
}  // namespace recipe_rag::retrieval

namespace recipe_rag::retrieval {
namespace {

using Strings = std::vector<std::string>;

class QueryIntentTest : public ::testing::Test {
 protected:
  AnalyzedQuery Analyze(std::string_view text) const {
    return QueryAnalyzer(lexicon_).Analyze(text);
  }
  Strings Concepts(std::string_view text) const { return ConceptTexts(Analyze(text)); }
  Strings Diets(std::string_view text) const { return Analyze(text).diets; }
  Strings Excluded(std::string_view text) const { return Analyze(text).exclude_ingredients; }
  std::optional<int> Minutes(std::string_view text) const {
    return Analyze(text).max_total_minutes;
  }

  Lexicon lexicon_;
};

// ---- diets ----

TEST_F(QueryIntentTest, VeganAndPlantBasedAskForVeganAndAreNotSearched) {
  for (const char* text : {"vegan cake", "plant based cake", "plant-based cake", "Vegan CAKE"}) {
    EXPECT_EQ(Diets(text), Strings{"vegan"}) << text;
    EXPECT_EQ(Concepts(text), Strings{"cake"}) << text;
  }
}

TEST_F(QueryIntentTest, GlutenPhrasesAskForGlutenFree) {
  for (const char* text :
       {"gluten-free bread", "gluten free bread", "no gluten bread", "bread without gluten",
        "wheat-free bread", "coeliac bread", "celiac bread", "bread with no wheat"}) {
    EXPECT_EQ(Diets(text), Strings{"gluten_free"}) << text;
    EXPECT_EQ(Concepts(text), Strings{"bread"}) << text;
    EXPECT_TRUE(Excluded(text).empty()) << text;
  }
}

TEST_F(QueryIntentTest, VegetarianIsStillSearchedForTheVegetarianBooksTag) {
  const auto q = Analyze("vegetarian vegan pie");
  EXPECT_EQ(q.diets, (Strings{"vegetarian", "vegan"}));
  EXPECT_EQ(ConceptTexts(q), (Strings{"vegetarian", "pie"}));
}

TEST_F(QueryIntentTest, NegatedDietFoodsInAListAskForEachDiet) {
  EXPECT_EQ(Diets("cake without eggs or milk"), (Strings{"egg_free", "dairy_free"}));
  EXPECT_EQ(Diets("nut-free and dairy-free cookies"), (Strings{"nut_free", "dairy_free"}));
  const auto q = Analyze("egg and dairy free cake");
  EXPECT_EQ(q.diets, (Strings{"dairy_free", "egg_free"}));
  EXPECT_EQ(ConceptTexts(q), Strings{"cake"});
}

TEST_F(QueryIntentTest, FoodsThatOnlyContainADietWordAreNotDiets) {
  EXPECT_TRUE(Diets("nutmeg cookies").empty());
  EXPECT_EQ(Concepts("nutmeg cookies"), (Strings{"nutmeg", "cookies"}));
  EXPECT_TRUE(Diets("eggplant parmesan").empty());
  EXPECT_TRUE(Excluded("eggplant parmesan").empty());
  EXPECT_EQ(Concepts("eggplant parmesan"), (Strings{"eggplant", "parmesan"}));
  EXPECT_TRUE(Diets("buckwheat cakes").empty());
  // Negating them excludes that food only.
  EXPECT_TRUE(Diets("cookies without nutmeg").empty());
  EXPECT_EQ(Excluded("cookies without nutmeg"), Strings{"nutmeg"});
  EXPECT_EQ(Excluded("no eggplant"), Strings{"eggplant"});
}

// ---- excluded ingredients ----

TEST_F(QueryIntentTest, WithoutFoodExcludesItAndDoesNotSearchForIt) {
  const auto q = Analyze("cream soup without onion");
  EXPECT_EQ(q.exclude_ingredients, Strings{"onion"});
  EXPECT_EQ(ConceptTexts(q), (Strings{"cream", "soup"}));
  EXPECT_TRUE(q.diets.empty());
}

TEST_F(QueryIntentTest, NoFoodExcludesIt) {
  EXPECT_EQ(Excluded("stew no garlic"), Strings{"garlic"});
  EXPECT_EQ(Concepts("stew no garlic"), Strings{"stew"});
}

TEST_F(QueryIntentTest, FoodFreeExcludesIt) {
  EXPECT_EQ(Excluded("sugar-free jam"), Strings{"sugar"});
  EXPECT_EQ(Concepts("sugar-free jam"), Strings{"jam"});
  EXPECT_EQ(Excluded("onion free soup"), Strings{"onion"});
}

TEST_F(QueryIntentTest, ListsAfterANegationExcludeEveryItem) {
  const Strings both = {"onion", "garlic"};
  EXPECT_EQ(Excluded("cream soup without onion or garlic"), both);
  EXPECT_EQ(Concepts("cream soup without onion or garlic"), (Strings{"cream", "soup"}));
  EXPECT_EQ(Excluded("soup without onions and garlic"), (Strings{"onions", "garlic"}));
  EXPECT_EQ(Excluded("soup, no onion, no garlic"), both);
  EXPECT_EQ(Excluded("soup without onion nor garlic"), both);
  EXPECT_EQ(Excluded("soup without onion/garlic"), both);
  EXPECT_EQ(Excluded("soup without onion, garlic or leeks"), (Strings{"onion", "garlic", "leeks"}));
  EXPECT_EQ(Concepts("soup without onion, garlic or leeks"), Strings{"soup"});
}

TEST_F(QueryIntentTest, ListOfExcludedFoodsEndsAtTheFirstNonFood) {
  const auto q = Analyze("without onions and with plenty of cheese");
  EXPECT_EQ(q.exclude_ingredients, Strings{"onions"});
  EXPECT_EQ(ConceptTexts(q), (Strings{"plenty", "cheese"}));
}

TEST_F(QueryIntentTest, DietFoodsAndOtherFoodsMixInOneList) {
  const auto q = Analyze("pie without eggs or onions");
  EXPECT_EQ(q.diets, Strings{"egg_free"});
  EXPECT_EQ(q.exclude_ingredients, Strings{"onions"});
  EXPECT_EQ(ConceptTexts(q), Strings{"pie"});
}

TEST_F(QueryIntentTest, AnyAndAddedBeforeTheFoodAreSkipped) {
  EXPECT_EQ(Excluded("jam without any added sugar"), Strings{"sugar"});
  EXPECT_EQ(Concepts("jam without any added sugar"), Strings{"jam"});
}

TEST_F(QueryIntentTest, StopwordsAndNumbersAreNeverExcluded) {
  const auto q = Analyze("without a doubt the best cake");
  EXPECT_TRUE(q.exclude_ingredients.empty());
  EXPECT_EQ(ConceptTexts(q), (Strings{"doubt", "best", "cake"}));
  EXPECT_TRUE(Excluded("no 2 ways").empty());
  EXPECT_TRUE(Excluded("no").empty());
}

TEST_F(QueryIntentTest, NoBakeAndOtherWaysOfCookingAreNotExclusions) {
  for (const char* text : {"no-bake cookies", "no bake cookies", "no-knead cookies",
                           "fuss-free cookies", "no-churn cookies"}) {
    const auto q = Analyze(text);
    EXPECT_TRUE(q.exclude_ingredients.empty()) << text;
    EXPECT_TRUE(q.diets.empty()) << text;
    EXPECT_EQ(ConceptTexts(q), Strings{"cookies"}) << text;
  }
}

TEST_F(QueryIntentTest, FreeRangeIsNotAnExclusion) {
  EXPECT_TRUE(Excluded("organic free-range chicken").empty());
  EXPECT_TRUE(Excluded("free form tart").empty());
}

// ---- time limits ----

TEST_F(QueryIntentTest, QuickWordsMeanThirtyMinutesAndAreNotSearched) {
  for (const char* text : {"quick soup", "soup quickly", "fast soup", "speedy soup"}) {
    EXPECT_EQ(Minutes(text), 30) << text;
    EXPECT_EQ(Concepts(text), Strings{"soup"}) << text;
  }
}

TEST_F(QueryIntentTest, QuickBreadIsADishNotATime) {
  EXPECT_EQ(Minutes("quick bread"), std::nullopt);
  EXPECT_EQ(Concepts("quick breads"), (Strings{"quick", "breads"}));
}

TEST_F(QueryIntentTest, StatedDurationsAreLimitsInMinutes) {
  const std::pair<const char*, int> cases[] = {{"soup under 30 minutes", 30},
                                               {"soup in 20 minutes", 20},
                                               {"soup less than 45 minutes", 45},
                                               {"soup within 1 hour", 60},
                                               {"soup under an hour", 60},
                                               {"30 min soup", 30},
                                               {"30-minute soup", 30},
                                               {"soup under 1 hr", 60},
                                               {"soup an hour or less", 60},
                                               {"soup in 2 hours", 120},
                                               {"30min soup", 30},
                                               {"soup in under 15 mins", 15},
                                               {"soup no more than 20 minutes", 20},
                                               {"soup at most forty five minutes", 45},
                                               {"soup in half an hour", 30},
                                               {"soup in 1 hour 30 minutes", 90},
                                               {"soup in an hour and a half", 90},
                                               {"soup in 1 and a half hours", 90},
                                               {"soup in 30 to 45 minutes", 45}};
  for (const auto& [text, minutes] : cases) {
    EXPECT_EQ(Minutes(text), minutes) << text;
    EXPECT_EQ(Concepts(text), Strings{"soup"}) << text;
  }
}

TEST_F(QueryIntentTest, SmallestOfSeveralLimitsWins) {
  const auto q = Analyze("quick chicken dinner under 20 minutes");
  EXPECT_EQ(q.max_total_minutes, 20);
  EXPECT_EQ(ConceptTexts(q), (Strings{"chicken", "dinner"}));
  EXPECT_EQ(Minutes("quick chicken dinner under 1 hour"), 30);
}

TEST_F(QueryIntentTest, LowerBoundsAreNotLimits) {
  for (const char* text :
       {"stew over 2 hours", "stew more than 2 hours", "stew at least an hour"}) {
    EXPECT_EQ(Minutes(text), std::nullopt) << text;
    EXPECT_EQ(Concepts(text), Strings{"stew"}) << text;
  }
}

TEST_F(QueryIntentTest, NumbersWithoutAUnitAreNotTimes) {
  EXPECT_EQ(Minutes("cake for 12"), std::nullopt);
  EXPECT_EQ(Minutes("2 eggs"), std::nullopt);
  EXPECT_EQ(Minutes("last minute dinner"), std::nullopt);
  EXPECT_EQ(Minutes("soup in 0 minutes"), std::nullopt);
}

TEST_F(QueryIntentTest, AllIntentsTogether) {
  const auto q = Analyze("Quick vegan soup without onion or garlic, under 45 minutes");
  EXPECT_EQ(q.diets, Strings{"vegan"});
  EXPECT_EQ(q.exclude_ingredients, (Strings{"onion", "garlic"}));
  EXPECT_EQ(q.max_total_minutes, 30);
  EXPECT_EQ(ConceptTexts(q), Strings{"soup"});
}

TEST_F(QueryIntentTest, PlainQueriesHaveNoIntents) {
  const auto q = Analyze("chicken pie with mushrooms");
  EXPECT_TRUE(q.diets.empty());
  EXPECT_TRUE(q.exclude_ingredients.empty());
  EXPECT_EQ(q.max_total_minutes, std::nullopt);
  EXPECT_EQ(ConceptTexts(q), (Strings{"chicken", "pie", "mushrooms"}));
}

}  // namespace
}  // namespace recipe_rag::retrieval
