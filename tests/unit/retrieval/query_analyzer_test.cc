#include "retrieval/query_analyzer.h"

#include <gtest/gtest.h>

#include <string>
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
