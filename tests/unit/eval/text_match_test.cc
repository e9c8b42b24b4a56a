#include "eval/text_match.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace recipe_rag::eval {
namespace {

std::string Utf8(std::uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

TEST(FoldTest, AgreesWithTheReferenceScorerOnEveryCoveredCodePoint) {
  std::ifstream in(RECIPE_RAG_SOURCE_DIR "/tests/unit/eval/testdata/fold_expected.json");
  ASSERT_TRUE(in) << "fixture missing";
  const auto expected = nlohmann::json::parse(in);
  ASSERT_GT(expected.size(), 500u);
  for (const auto& [hex, folded] : expected.items()) {
    const auto cp = static_cast<std::uint32_t>(std::stoul(hex, nullptr, 16));
    EXPECT_EQ(Fold(Utf8(cp)), folded.get<std::string>()) << "U+" << hex;
  }
}

TEST(FoldTest, FoldsAccentsAndLowerCases) {
  EXPECT_EQ(Fold("Entrées"), "entrees");
  EXPECT_EQ(Fold("CRÈME Brûlée"), "creme brulee");
  EXPECT_EQ(Fold("Œufs à la Neige, æther"),
            "ufs a la neige, aether");  // capital Œ has no decomposition
  EXPECT_EQ(Fold("Calf’s Foot"), "calf's foot");
  EXPECT_EQ(Fold("½ lb. ﬂour"), "12 lb. flour");
}

TEST(FoldTest, CharactersWithoutDecompositionVanishAndJoinTheirNeighbours) {
  // score.py drops such characters rather than replacing them with a space.
  EXPECT_EQ(Fold("beef—chopped"), "beefchopped");
  EXPECT_EQ(Fold("“Mock” turtle"), "mock turtle");
  EXPECT_EQ(Fold("Straße"), "strae");
}

TEST(FoldTest, MalformedUtf8BytesAreDropped) {
  EXPECT_EQ(Fold(std::string("a\xff"
                             "b\xc3")),
            "ab");
}

TEST(StemTest, LightPluralStemming) {
  EXPECT_EQ(Stem("tomatoes"), "tomato");
  EXPECT_EQ(Stem("cherries"), "cherry");
  EXPECT_EQ(Stem("dishes"), "dish");
  EXPECT_EQ(Stem("peaches"), "peach");
  EXPECT_EQ(Stem("boxes"), "box");
  EXPECT_EQ(Stem("glasses"), "glass");
  EXPECT_EQ(Stem("eggs"), "egg");
  EXPECT_EQ(Stem("pies"), "pie");  // "-ies" only for words longer than four letters
}

TEST(StemTest, IrregularAndProtectedEndings) {
  EXPECT_EQ(Stem("calves"), "calf");
  EXPECT_EQ(Stem("loaves"), "loaf");
  EXPECT_EQ(Stem("geese"), "goose");
  EXPECT_EQ(Stem("feet"), "foot");
  EXPECT_EQ(Stem("glass"), "glass");
  EXPECT_EQ(Stem("asparagus"), "asparagus");
  EXPECT_EQ(Stem("anis"), "anis");
  EXPECT_EQ(Stem("gas"), "gas");  // three letters or fewer stay
  EXPECT_EQ(Stem("oats"), "oat");
}

TEST(TokenizeTest, WordsAreStemmedAndPossessiveSDropped) {
  EXPECT_EQ(Tokenize("2 Calves' Feet, or 1 calf's head"),
            (Tokens{"calf", "foot", "or", "calf", "head"}));
  EXPECT_EQ(Tokenize("Cream of Tartar (1 tsp.)"), (Tokens{"cream", "of", "tartar", "tsp"}));
  EXPECT_TRUE(Tokenize("½ — 12").empty());
}

TEST(PhraseTest, ConsecutiveTokensOnly) {
  const Tokens line = Tokenize("1 cup walnut meats, chopped");
  EXPECT_TRUE(ContainsPhrase(line, Tokenize("walnut meat")));
  EXPECT_TRUE(ContainsPhrase(line, Tokenize("meat")));
  EXPECT_FALSE(ContainsPhrase(line, Tokenize("nut meat")));  // "walnut" is not "nut"
  EXPECT_FALSE(ContainsPhrase(line, Tokenize("walnut chopped")));
  EXPECT_FALSE(ContainsPhrase(line, Tokens{}));
}

TEST(PhraseTest, BlankedPhrasesNoLongerMatch) {
  Tokens line = Tokenize("cream of tartar and cream");
  BlankPhrases(line, {Tokenize("cream of tartar")});
  EXPECT_EQ(line, (Tokens{"_", "_", "_", "and", "cream"}));
  EXPECT_TRUE(ContainsPhrase(line, Tokenize("cream")));
  EXPECT_FALSE(ContainsPhrase(line, Tokenize("tartar")));

  Tokens twice = Tokenize("nut meat, nut meat");
  BlankPhrases(twice, {Tokenize("nut meats"), Tokens{}});
  EXPECT_FALSE(ContainsPhrase(twice, Tokenize("meat")));
}

}  // namespace
}  // namespace recipe_rag::eval
