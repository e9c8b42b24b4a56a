#include "core/strings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace recipe_rag::core {
namespace {

using ::testing::ElementsAre;

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

// Parses `json` (a quoted string) and returns its value; fails the test when it is not JSON.
std::string ParseJsonString(const std::string& json) {
  const auto parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << json;
  EXPECT_TRUE(parsed.is_string()) << json;
  return parsed.is_string() ? parsed.get<std::string>() : std::string();
}

TEST(TrimTest, RemovesAsciiWhitespaceAtBothEnds) {
  EXPECT_EQ(Trim("  toast \t"), "toast");
  EXPECT_EQ(Trim("\r\n\v\fjam\n"), "jam");
  EXPECT_EQ(Trim("a b"), "a b");
  EXPECT_EQ(Trim("   "), "");
  EXPECT_EQ(Trim(""), "");
}

TEST(TrimTest, KeepsInnerWhitespaceAndNonAsciiBytes) {
  EXPECT_EQ(Trim("  red  wine  "), "red  wine");
  EXPECT_EQ(Trim("\xC2\xA0x\xC2\xA0"), "\xC2\xA0x\xC2\xA0");  // NBSP is not ASCII space
}

TEST(ToLowerAsciiTest, LowersAsciiOnly) {
  EXPECT_EQ(ToLowerAscii("Crème BRÛLÉE 42"), "crème brÛlÉe 42");
}

TEST(IsValidUtf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("cr\xC3\xA8me"));               // U+00E8
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xAC"));               // U+20AC
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x8D\x95"));           // U+1F355
  EXPECT_TRUE(IsValidUtf8("\xC2\x80"));                   // smallest 2-byte
  EXPECT_TRUE(IsValidUtf8("\xE0\xA0\x80"));               // smallest 3-byte
  EXPECT_TRUE(IsValidUtf8("\xF0\x90\x80\x80"));           // smallest 4-byte
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));               // U+D7FF, just below surrogates
  EXPECT_TRUE(IsValidUtf8("\xEE\x80\x80"));               // U+E000, just above surrogates
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));           // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string_view("a\0b", 3)));  // NUL is a valid code point
}

TEST(IsValidUtf8Test, RejectsOverlongEncodings) {
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // '/' in 2 bytes
  EXPECT_FALSE(IsValidUtf8("\xC1\xBF"));          // U+007F in 2 bytes
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // '/' in 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xE0\x9F\xBF"));      // U+07FF in 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xF0\x80\x80\xAF"));  // '/' in 4 bytes
  EXPECT_FALSE(IsValidUtf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in 4 bytes
}

TEST(IsValidUtf8Test, RejectsSurrogates) {
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));              // U+D800
  EXPECT_FALSE(IsValidUtf8("\xED\xBF\xBF"));              // U+DFFF
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\xBD\xED\xB8\x80"));  // CESU-8 pair
}

TEST(IsValidUtf8Test, RejectsTruncatedSequences) {
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));
  EXPECT_FALSE(IsValidUtf8("\xF0\x9F\x8D"));
  EXPECT_FALSE(IsValidUtf8("ok \xE2\x82"));
  EXPECT_FALSE(IsValidUtf8("\xE2\x82 ok"));  // continuation replaced by ASCII
}

TEST(IsValidUtf8Test, RejectsCodePointsAboveU10FFFF) {
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));      // U+110000
  EXPECT_FALSE(IsValidUtf8("\xF7\xBF\xBF\xBF"));      // U+1FFFFF
  EXPECT_FALSE(IsValidUtf8("\xF8\x88\x80\x80\x80"));  // 5-byte form
}

TEST(IsValidUtf8Test, RejectsStrayAndInvalidBytes) {
  EXPECT_FALSE(IsValidUtf8("\x80"));
  EXPECT_FALSE(IsValidUtf8("a\xBF"));
  EXPECT_FALSE(IsValidUtf8("\xFE"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(Utf8LengthTest, CountsCodePoints) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("cr\xC3\xA8me"), 5u);
  EXPECT_EQ(Utf8Length("\xE2\x82\xAC\xF0\x9F\x8D\x95"), 2u);
}

TEST(SplitTrimmedTest, SplitsTrimsAndDropsEmptyPieces) {
  EXPECT_THAT(SplitTrimmed(" a , b,,c ,  ", ','), ElementsAre("a", "b", "c"));
  EXPECT_THAT(SplitTrimmed("single", ','), ElementsAre("single"));
  EXPECT_TRUE(SplitTrimmed("", ',').empty());
  EXPECT_TRUE(SplitTrimmed(" , ,", ',').empty());
  EXPECT_THAT(SplitTrimmed("x;y z;", ';'), ElementsAre("x", "y z"));
}

TEST(EqualsIgnoreCaseTest, IgnoresAsciiCaseOnly) {
  EXPECT_TRUE(EqualsIgnoreCase("Bearer", "bearer"));
  EXPECT_TRUE(EqualsIgnoreCase("BEARER", "bEaReR"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("Bearer", "Bearer "));
  EXPECT_FALSE(EqualsIgnoreCase("Basic", "Bearer"));
  EXPECT_FALSE(EqualsIgnoreCase("\xC3\xA9", "\xC3\x89"));  // é vs É: not ASCII
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));  // 0x5B vs 0x7B differ by 0x20 but are not letters
}

TEST(JsonNestingExceedsTest, ComparesDepthWithLimit) {
  EXPECT_FALSE(JsonNestingExceeds("{}", 1));
  EXPECT_TRUE(JsonNestingExceeds("{}", 0));
  EXPECT_FALSE(JsonNestingExceeds(R"({"a":[1,{"b":[]}]})", 4));
  EXPECT_TRUE(JsonNestingExceeds(R"({"a":[1,{"b":[]}]})", 3));
  EXPECT_FALSE(JsonNestingExceeds("42", 0));
}

TEST(JsonNestingExceedsTest, SiblingsDoNotAddDepth) {
  EXPECT_FALSE(JsonNestingExceeds("[[],[],[],[],[]]", 2));
  EXPECT_FALSE(JsonNestingExceeds(R"({"a":{},"b":{},"c":{}})", 2));
}

TEST(JsonNestingExceedsTest, IgnoresBracketsInsideStrings) {
  EXPECT_FALSE(JsonNestingExceeds(R"({"q":"[[[[{{{{"})", 1));
  EXPECT_FALSE(JsonNestingExceeds(R"(["]]]]]", [[]]])", 3));
  EXPECT_TRUE(JsonNestingExceeds(R"(["]]]]]", [[]]])", 2));
}

TEST(JsonNestingExceedsTest, EscapedQuoteDoesNotEndTheString) {
  // The string is: he said \"[[[[\" — all brackets are inside it.
  EXPECT_FALSE(JsonNestingExceeds(R"({"q":"he said \"[[[[\""})", 1));
  // An escaped backslash before the closing quote does end the string.
  EXPECT_TRUE(JsonNestingExceeds(R"({"q":"c:\\"}, [[[]]])", 2));
  EXPECT_FALSE(JsonNestingExceeds(R"({"q":"c:\\", "r":[[]]})", 3));
  EXPECT_TRUE(JsonNestingExceeds(R"({"q":"c:\\", "r":[[]]})", 2));
}

TEST(JsonNestingExceedsTest, DeepDocumentIsDetected) {
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  EXPECT_TRUE(JsonNestingExceeds(deep, 64));
  EXPECT_FALSE(JsonNestingExceeds(deep, 10000));
}

TEST(AppendJsonStringTest, QuotesAndAppends) {
  std::string out = "x=";
  AppendJsonString(out, "toast");
  EXPECT_EQ(out, "x=\"toast\"");
  EXPECT_EQ(JsonString(""), "\"\"");
}

TEST(AppendJsonStringTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(JsonString("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(JsonString("a\\b"), R"("a\\b")");
  EXPECT_EQ(JsonString("l1\nl2\r\t"), R"("l1\nl2\r\t")");
  EXPECT_EQ(JsonString(std::string_view("\0", 1)), R"("\u0000")");
  EXPECT_EQ(JsonString("\x01\x08\x0c\x1f"), R"("\u0001\u0008\u000c\u001f")");
  EXPECT_EQ(JsonString("/ \x7f"), "\"/ \x7f\"");
}

TEST(AppendJsonStringTest, EveryControlCharacterRoundTripsThroughAJsonParser) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  const std::string json = JsonString(all);
  for (char c : json.substr(1, json.size() - 2)) {
    EXPECT_GE(static_cast<unsigned char>(c), 0x20) << "raw control character in output";
  }
  EXPECT_EQ(ParseJsonString(json), all);
}

TEST(AppendJsonStringTest, KeepsValidMultiByteSequences) {
  const std::string text = "cr\xC3\xA8me \xE2\x82\xAC \xF0\x9F\x8D\x95";
  EXPECT_EQ(JsonString(text), "\"" + text + "\"");
  EXPECT_EQ(ParseJsonString(JsonString(text)), text);
}

TEST(AppendJsonStringTest, ReplacesInvalidUtf8WithReplacementCharacter) {
  EXPECT_EQ(JsonString("a\xFF"
                       "b"),
            std::string("\"a") + kReplacement + "b\"");
  EXPECT_EQ(JsonString("\x80"), std::string("\"") + kReplacement + "\"");
  // Truncated: each byte of the broken sequence is replaced, the following ASCII kept.
  EXPECT_EQ(JsonString("\xE2\x82"
                       "x"),
            std::string("\"") + kReplacement + kReplacement + "x\"");
  EXPECT_EQ(JsonString("\xE2\x82"), std::string("\"") + kReplacement + kReplacement + "\"");
}

TEST(AppendJsonStringTest, ReplacesOverlongsSurrogatesAndOutOfRangeCodePoints) {
  for (const std::string bad :
       {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80"}) {
    const std::string json = JsonString(bad);
    EXPECT_TRUE(IsValidUtf8(json)) << json;
    const std::string value = ParseJsonString(json);
    EXPECT_NE(value.find(kReplacement), std::string::npos) << json;
    EXPECT_EQ(value.find(bad), std::string::npos) << json;
  }
}

TEST(AppendJsonStringTest, OutputOfArbitraryBytesAlwaysParses) {
  std::string bytes;
  for (int c = 0; c < 256; ++c) bytes.push_back(static_cast<char>(c));
  bytes += "\"\\\xE2\x82\xAC\xF0\x9F";
  const std::string json = JsonString(bytes);
  EXPECT_TRUE(IsValidUtf8(json));
  const std::string value = ParseJsonString(json);
  EXPECT_TRUE(IsValidUtf8(value));
  EXPECT_EQ(value.substr(0, 0x80), bytes.substr(0, 0x80));
  EXPECT_NE(value.find("\xE2\x82\xAC"), std::string::npos);
}

}  // namespace
}  // namespace recipe_rag::core

namespace recipe_rag::core {
namespace {

TEST(Utf8PrefixTest, NeverSplitsACharacter) {
  const std::string s = "ab\xC3\xA9\xE2\x82\xAC";  // "abé€"
  EXPECT_EQ(Utf8Prefix(s, 100), s);
  EXPECT_EQ(Utf8Prefix(s, 3), "ab");
  EXPECT_EQ(Utf8Prefix(s, 4), "ab\xC3\xA9");
  EXPECT_EQ(Utf8Prefix(s, 6), "ab\xC3\xA9");
  EXPECT_EQ(Utf8Prefix(s, 0), "");
}

}  // namespace
}  // namespace recipe_rag::core
