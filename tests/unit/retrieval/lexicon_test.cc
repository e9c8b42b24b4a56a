#include "retrieval/lexicon.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "unit/retrieval/temp_dir.h"

namespace recipe_rag::retrieval {
namespace {

using core::ErrorCode;
using Terms = std::vector<std::string>;

Lexicon ParseOk(std::string_view text) {
  auto lex = Lexicon::Parse(text);
  EXPECT_TRUE(lex.ok()) << lex.error().message;
  return lex.ok() ? std::move(lex).value() : Lexicon{};
}

TEST(LexiconTest, ParsesEntriesWithSeveralPeriodTerms) {
  const auto lex = ParseOk("pasta\tmacaroni|spaghetti|vermicelli\t'pasta' never occurs\n");
  ASSERT_NE(lex.Find("pasta"), nullptr);
  EXPECT_EQ(*lex.Find("pasta"), (Terms{"macaroni", "spaghetti", "vermicelli"}));
  EXPECT_EQ(lex.size(), 1u);
}

TEST(LexiconTest, SkipsCommentsHeadingsAndBlankLines) {
  const auto lex = ParseOk(
      "# a comment\n"
      "\n"
      "## Pasta and noodles\n"
      "   \t \n"
      "   # indented comment\n"
      "pasta\tmacaroni\twhy\n"
      "\n"
      "zucchini\tvegetable marrow|marrows\twhy\n");
  EXPECT_EQ(lex.size(), 2u);
  ASSERT_NE(lex.Find("zucchini"), nullptr);
  EXPECT_EQ(*lex.Find("zucchini"), (Terms{"vegetable marrow", "marrows"}));
  EXPECT_EQ(lex.Find("# a comment"), nullptr);
  EXPECT_EQ(lex.Find("## pasta and noodles"), nullptr);
}

TEST(LexiconTest, EmptyTextIsAnEmptyLexicon) {
  const auto lex = ParseOk("");
  EXPECT_EQ(lex.size(), 0u);
  EXPECT_EQ(lex.max_words(), 1u);
  EXPECT_EQ(lex.Find("pasta"), nullptr);
}

TEST(LexiconTest, WhyColumnIsOptional) {
  const auto lex = ParseOk("pasta\tmacaroni|noodles");
  ASSERT_NE(lex.Find("pasta"), nullptr);
  EXPECT_EQ(*lex.Find("pasta"), (Terms{"macaroni", "noodles"}));
}

TEST(LexiconTest, WindowsLineEndingsAreNotPartOfTerms) {
  const auto lex = ParseOk("pasta\tmacaroni|noodles\r\nzucchini\tmarrows\twhy\r\n");
  ASSERT_NE(lex.Find("pasta"), nullptr);
  EXPECT_EQ(*lex.Find("pasta"), (Terms{"macaroni", "noodles"}));
  ASSERT_NE(lex.Find("zucchini"), nullptr);
  EXPECT_EQ(*lex.Find("zucchini"), (Terms{"marrows"}));
}

TEST(LexiconTest, PeriodTermsAreTrimmedAndLowerCased) {
  const auto lex = ParseOk("pasta\t Macaroni | SPAGHETTI ||\twhy\n");
  ASSERT_NE(lex.Find("pasta"), nullptr);
  EXPECT_EQ(*lex.Find("pasta"), (Terms{"macaroni", "spaghetti"}));
}

TEST(LexiconTest, DuplicateKeysAreMerged) {
  const auto lex = ParseOk(
      "pasta\tmacaroni\tfirst\n"
      "zucchini\tmarrows\twhy\n"
      "Pasta\tnoodles|vermicelli\tsecond\n");
  EXPECT_EQ(lex.size(), 2u);
  ASSERT_NE(lex.Find("pasta"), nullptr);
  EXPECT_EQ(*lex.Find("pasta"), (Terms{"macaroni", "noodles", "vermicelli"}));
}

TEST(LexiconTest, KeysAreNormalisedToQueryWords) {
  const auto lex = ParseOk("All-Purpose  Flour\tflour\twhy\n");
  ASSERT_NE(lex.Find("all purpose flour"), nullptr);
  EXPECT_EQ(*lex.Find("all purpose flour"), (Terms{"flour"}));
  // Find() takes the normalised form.
  EXPECT_EQ(lex.Find("All-Purpose Flour"), nullptr);
  EXPECT_EQ(lex.Find("all-purpose flour"), nullptr);
}

TEST(LexiconTest, NonAsciiKeysAreLowerCased) {
  const auto lex = ParseOk("Crème Fraîche\tsour cream\twhy\n");
  EXPECT_NE(lex.Find("crème fraîche"), nullptr);
}

TEST(LexiconTest, MaxWordsIsTheLongestKeyPhrase) {
  EXPECT_EQ(ParseOk("pasta\tmacaroni\n").max_words(), 1u);
  EXPECT_EQ(ParseOk("pasta\tmacaroni\nground beef\tminced beef\n").max_words(), 2u);
  EXPECT_EQ(ParseOk("mac and cheese\tmacaroni cheese\npasta\tmacaroni\n").max_words(), 3u);
  // Counted after normalisation: the hyphen splits words.
  EXPECT_EQ(ParseOk("all-purpose flour\tflour\n").max_words(), 3u);
}

TEST(LexiconTest, LineWithoutTabIsRejectedNamingTheLine) {
  auto lex = Lexicon::Parse("# header\npasta\tmacaroni\nzucchini marrows\n");
  ASSERT_FALSE(lex.ok());
  EXPECT_EQ(lex.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(lex.error().message.find("line 3"), std::string::npos) << lex.error().message;
}

TEST(LexiconTest, LineNumbersCountCommentsAndBlankLines) {
  auto lex = Lexicon::Parse("# one\n\n# three\n\npasta\n");
  ASSERT_FALSE(lex.ok());
  EXPECT_NE(lex.error().message.find("line 5"), std::string::npos) << lex.error().message;
}

TEST(LexiconTest, EmptyModernOrPeriodTermsAreRejectedNamingTheLine) {
  for (const char* bad : {"\tmacaroni\twhy", "pasta\t\twhy", "pasta\t | \twhy", "--\tmacaroni"}) {
    SCOPED_TRACE(bad);
    auto lex = Lexicon::Parse(std::string("ok\tfine\n") + bad + "\n");
    ASSERT_FALSE(lex.ok());
    EXPECT_EQ(lex.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(lex.error().message.find("line 2"), std::string::npos) << lex.error().message;
  }
}

TEST(LexiconTest, LoadReadsAFile) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  testing::WriteFile(dir.path() / "lexicon.tsv", "# c\npasta\tmacaroni|noodles\twhy\n");
  auto lex = Lexicon::Load(dir.path() / "lexicon.tsv");
  ASSERT_TRUE(lex.ok()) << lex.error().message;
  ASSERT_NE(lex->Find("pasta"), nullptr);
  EXPECT_EQ(*lex->Find("pasta"), (Terms{"macaroni", "noodles"}));
}

TEST(LexiconTest, LoadOfAMissingFileIsNotFound) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto lex = Lexicon::Load(dir.path() / "absent.tsv");
  ASSERT_FALSE(lex.ok());
  EXPECT_EQ(lex.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(lex.error().message.find(dir.path().string()), std::string::npos)
      << lex.error().message;
}

TEST(LexiconTest, BundledLexiconParses) {
  auto lex = Lexicon::Load(RECIPE_RAG_SOURCE_DIR "/data/lexicon/lexicon.tsv");
  ASSERT_TRUE(lex.ok()) << lex.error().message;
  EXPECT_GT(lex->size(), 100u);
  EXPECT_LE(lex->max_words(), 3u);
  ASSERT_NE(lex->Find("pasta"), nullptr);
  EXPECT_NE(std::find(lex->Find("pasta")->begin(), lex->Find("pasta")->end(), "macaroni"),
            lex->Find("pasta")->end());
}

}  // namespace
}  // namespace recipe_rag::retrieval
