#include "api/validation.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace recipe_rag::api {
namespace {

using core::ErrorCode;
using Json = nlohmann::json;

constexpr int kMaxChars = 2000;

// 'é' is two bytes and one character.
std::string Accents(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += "\xc3\xa9";
  }
  return s;
}

Json ToolCall(Json arguments) {
  return {{"function", "search_corpus"}, {"arguments", std::move(arguments)}};
}

// Asserts `result` failed with `code` and `param`; returns the message for further checks.
template <class T>
std::string ExpectError(const core::Result<T>& result, ErrorCode code, std::string_view param) {
  EXPECT_FALSE(result.ok());
  if (result.ok()) {
    return {};
  }
  EXPECT_EQ(result.error().code, code) << result.error().message;
  EXPECT_EQ(result.error().param, param) << result.error().message;
  EXPECT_FALSE(result.error().message.empty());
  return result.error().message;
}

// ---- IsJsonContentType ----

TEST(IsJsonContentTypeTest, AbsentHeaderIsReadAsJson) {
  EXPECT_TRUE(IsJsonContentType(std::nullopt));
}

TEST(IsJsonContentTypeTest, AcceptsApplicationJsonWithParametersAnyCase) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("application/json; charset=utf-8"));
  EXPECT_TRUE(IsJsonContentType("application/json;charset=UTF-8"));
  EXPECT_TRUE(IsJsonContentType("Application/JSON"));
  EXPECT_TRUE(IsJsonContentType("  application/json  "));
}

TEST(IsJsonContentTypeTest, RejectsOtherMediaTypes) {
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType("application/jsonx"));
  EXPECT_FALSE(IsJsonContentType("application/json-patch+json"));
  EXPECT_FALSE(IsJsonContentType("application/x-www-form-urlencoded"));
  EXPECT_FALSE(IsJsonContentType("text/json"));
  EXPECT_FALSE(IsJsonContentType(""));
}

// ---- ParseJsonBody ----

TEST(ParseJsonBodyTest, ParsesWellFormedJson) {
  auto parsed = ParseJsonBody(R"({"query":"crème brûlée","top_k":3})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ((*parsed)["query"], "crème brûlée");
  EXPECT_EQ((*parsed)["top_k"], 3);
}

TEST(ParseJsonBodyTest, InvalidUtf8IsInvalidArgument) {
  const auto message =
      ExpectError(ParseJsonBody("{\"query\":\"\xff\xfe\"}"), ErrorCode::kInvalidArgument, "");
  EXPECT_NE(message.find("UTF-8"), std::string::npos) << message;
}

TEST(ParseJsonBodyTest, OverlongUtf8IsInvalidArgument) {
  ExpectError(ParseJsonBody("{\"query\":\"\xc0\xaf\"}"), ErrorCode::kInvalidArgument, "");
}

TEST(ParseJsonBodyTest, DeepNestingIsRejectedBeforeParsing) {
  const auto message =
      ExpectError(ParseJsonBody(std::string(100000, '[')), ErrorCode::kInvalidArgument, "");
  EXPECT_NE(message.find("64"), std::string::npos) << message;
}

TEST(ParseJsonBodyTest, NestingLimitIsSixtyFourLevels) {
  const auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_TRUE(ParseJsonBody(nested(kMaxJsonDepth)).ok());
  ExpectError(ParseJsonBody(nested(kMaxJsonDepth + 1)), ErrorCode::kInvalidArgument, "");
}

TEST(ParseJsonBodyTest, BracketsInsideStringsDoNotCountAsNesting) {
  const std::string body = "{\"query\":\"" + std::string(1000, '[') + "\"}";
  EXPECT_TRUE(ParseJsonBody(body).ok());
}

TEST(ParseJsonBodyTest, MalformedJsonIsInvalidArgument) {
  for (const char* body : {"", "{", "{\"query\":}", "{'query':'x'}", "nul", "{\"a\":1,}"}) {
    ExpectError(ParseJsonBody(body), ErrorCode::kInvalidArgument, "");
  }
}

TEST(ParseJsonBodyTest, TrailingGarbageIsInvalidArgument) {
  ExpectError(ParseJsonBody(R"({"query":"x"} trailing)"), ErrorCode::kInvalidArgument, "");
  ExpectError(ParseJsonBody(R"({"query":"x"}{"query":"y"})"), ErrorCode::kInvalidArgument, "");
}

TEST(ParseJsonBodyTest, ParamIsSetWhenGiven) {
  const auto message =
      ExpectError(ParseJsonBody("{", "arguments"), ErrorCode::kInvalidArgument, "arguments");
  EXPECT_NE(message.find("arguments"), std::string::npos) << message;
  ExpectError(ParseJsonBody("\"\xff\"", "arguments"), ErrorCode::kInvalidArgument, "arguments");
  ExpectError(ParseJsonBody(std::string(100, '{'), "arguments"), ErrorCode::kInvalidArgument,
              "arguments");
}

// ---- ValidateToolCall ----

TEST(ValidateToolCallTest, AcceptsTheRunbookExample) {
  auto q =
      ValidateToolCall(ToolCall({{"query", "vegetarian pasta recipes"}, {"top_k", 3}}), kMaxChars);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->text, "vegetarian pasta recipes");
  EXPECT_EQ(q->top_k, 3u);
  EXPECT_TRUE(q->filters.tags.empty());
  EXPECT_TRUE(q->filters.exclude_ingredients.empty());
}

TEST(ValidateToolCallTest, TopKDefaultsToFive) {
  auto q = ValidateToolCall(ToolCall({{"query", "soup"}}), kMaxChars);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->top_k, 5u);
  EXPECT_EQ(q->top_k, static_cast<std::size_t>(kToolDefaultTopK));
}

TEST(ValidateToolCallTest, TopKBoundsOneAndTenAreAccepted) {
  for (int k : {1, 10}) {
    auto q = ValidateToolCall(ToolCall({{"query", "soup"}, {"top_k", k}}), kMaxChars);
    ASSERT_TRUE(q.ok()) << k;
    EXPECT_EQ(q->top_k, static_cast<std::size_t>(k));
  }
}

TEST(ValidateToolCallTest, TopKOutOfRangeOrNotAnIntegerIsRejected) {
  const std::vector<Json> bad = {
      0, 11, -1, "3", 3.5, nullptr, true, Json::array({3}), Json::object(), 4294967297LL};
  for (const auto& k : bad) {
    SCOPED_TRACE(k.dump());
    const auto message =
        ExpectError(ValidateToolCall(ToolCall({{"query", "soup"}, {"top_k", k}}), kMaxChars),
                    ErrorCode::kFailedPrecondition, "top_k");
    EXPECT_NE(message.find("1 and 10"), std::string::npos) << message;
  }
}

TEST(ValidateToolCallTest, HugeUnsignedTopKIsRejected) {
  const auto body = ToolCall({{"query", "soup"}, {"top_k", 18446744073709551615ULL}});
  ExpectError(ValidateToolCall(body, kMaxChars), ErrorCode::kFailedPrecondition, "top_k");
}

TEST(ValidateToolCallTest, BodyMustBeAnObject) {
  ExpectError(ValidateToolCall(Json::array(), kMaxChars), ErrorCode::kFailedPrecondition, "");
  ExpectError(ValidateToolCall("search_corpus", kMaxChars), ErrorCode::kFailedPrecondition, "");
}

TEST(ValidateToolCallTest, MissingFunctionIsRejected) {
  ExpectError(ValidateToolCall({{"arguments", {{"query", "soup"}}}}, kMaxChars),
              ErrorCode::kFailedPrecondition, "function");
}

TEST(ValidateToolCallTest, NonStringFunctionIsRejected) {
  for (const Json& fn : {Json(1), Json(nullptr), Json::array({"search_corpus"}),
                         Json({{"name", "search_corpus"}})}) {
    SCOPED_TRACE(fn.dump());
    ExpectError(ValidateToolCall({{"function", fn}, {"arguments", {{"query", "soup"}}}}, kMaxChars),
                ErrorCode::kFailedPrecondition, "function");
  }
}

TEST(ValidateToolCallTest, UnknownFunctionIsRejectedNamingTheAvailableOne) {
  for (const char* fn : {"search", "SEARCH_CORPUS", "search_corpus ", ""}) {
    SCOPED_TRACE(fn);
    const auto message = ExpectError(
        ValidateToolCall({{"function", fn}, {"arguments", {{"query", "soup"}}}}, kMaxChars),
        ErrorCode::kFailedPrecondition, "function");
    EXPECT_NE(message.find("search_corpus"), std::string::npos) << message;
  }
}

TEST(ValidateToolCallTest, MissingArgumentsIsRejected) {
  ExpectError(ValidateToolCall({{"function", "search_corpus"}}, kMaxChars),
              ErrorCode::kFailedPrecondition, "arguments");
}

TEST(ValidateToolCallTest, NonObjectArgumentsAreRejected) {
  for (const Json& args : {Json(nullptr), Json(3), Json(true), Json::array({"soup"})}) {
    SCOPED_TRACE(args.dump());
    ExpectError(ValidateToolCall(ToolCall(args), kMaxChars), ErrorCode::kFailedPrecondition,
                "arguments");
  }
}

TEST(ValidateToolCallTest, JsonEncodedArgumentsStringIsDecoded) {
  auto q = ValidateToolCall(ToolCall(R"({"query":"mac and cheese","top_k":2})"), kMaxChars);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->text, "mac and cheese");
  EXPECT_EQ(q->top_k, 2u);
}

TEST(ValidateToolCallTest, JsonEncodedArgumentsAreValidatedLikeAnObject) {
  ExpectError(ValidateToolCall(ToolCall(R"({"query":"soup","top_k":11})"), kMaxChars),
              ErrorCode::kFailedPrecondition, "top_k");
  ExpectError(ValidateToolCall(ToolCall(R"({"query":"soup","foo":1})"), kMaxChars),
              ErrorCode::kFailedPrecondition, "arguments.foo");
}

TEST(ValidateToolCallTest, MalformedJsonEncodedArgumentsAreInvalidArgument) {
  for (const char* text : {"{\"query\":", "not json", "", "{\"query\":\"soup\"} extra"}) {
    SCOPED_TRACE(text);
    ExpectError(ValidateToolCall(ToolCall(text), kMaxChars), ErrorCode::kInvalidArgument,
                "arguments");
  }
}

TEST(ValidateToolCallTest, DeeplyNestedJsonEncodedArgumentsAreInvalidArgument) {
  ExpectError(ValidateToolCall(ToolCall(std::string(100000, '[')), kMaxChars),
              ErrorCode::kInvalidArgument, "arguments");
}

TEST(ValidateToolCallTest, JsonEncodedArgumentsThatAreNotAnObjectAreRejected) {
  for (const char* text : {"[1]", "\"soup\"", "42", "null"}) {
    SCOPED_TRACE(text);
    ExpectError(ValidateToolCall(ToolCall(text), kMaxChars), ErrorCode::kFailedPrecondition,
                "arguments");
  }
}

TEST(ValidateToolCallTest, UnknownTopLevelKeyIsRejectedByName) {
  Json body = ToolCall({{"query", "soup"}});
  body["stream"] = true;
  const auto message =
      ExpectError(ValidateToolCall(body, kMaxChars), ErrorCode::kFailedPrecondition, "stream");
  EXPECT_NE(message.find("function"), std::string::npos) << message;
  EXPECT_NE(message.find("arguments"), std::string::npos) << message;
}

TEST(ValidateToolCallTest, UnknownArgumentKeyIsRejectedWithItsPath) {
  const auto message =
      ExpectError(ValidateToolCall(ToolCall({{"query", "soup"}, {"foo", 1}}), kMaxChars),
                  ErrorCode::kFailedPrecondition, "arguments.foo");
  EXPECT_NE(message.find("query"), std::string::npos) << message;
  EXPECT_NE(message.find("top_k"), std::string::npos) << message;
  // Filters belong to /v1/search, not to the tool.
  ExpectError(
      ValidateToolCall(ToolCall({{"query", "soup"}, {"filters", Json::object()}}), kMaxChars),
      ErrorCode::kFailedPrecondition, "arguments.filters");
}

TEST(ValidateToolCallTest, MissingQueryIsRejected) {
  ExpectError(ValidateToolCall(ToolCall(Json::object()), kMaxChars), ErrorCode::kFailedPrecondition,
              "query");
  ExpectError(ValidateToolCall(ToolCall({{"top_k", 3}}), kMaxChars), ErrorCode::kFailedPrecondition,
              "query");
}

TEST(ValidateToolCallTest, NonStringQueryIsRejected) {
  for (const Json& query : {Json(42), Json(nullptr), Json::array({"soup"}), Json(false)}) {
    SCOPED_TRACE(query.dump());
    ExpectError(ValidateToolCall(ToolCall({{"query", query}}), kMaxChars),
                ErrorCode::kFailedPrecondition, "query");
  }
}

TEST(ValidateToolCallTest, EmptyOrWhitespaceQueryIsRejected) {
  for (const char* query : {"", " ", "\t\n  \r"}) {
    SCOPED_TRACE(query);
    ExpectError(ValidateToolCall(ToolCall({{"query", query}}), kMaxChars),
                ErrorCode::kFailedPrecondition, "query");
  }
}

TEST(ValidateToolCallTest, QueryIsTrimmed) {
  auto q = ValidateToolCall(ToolCall({{"query", "  apple pie \n"}}), kMaxChars);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->text, "apple pie");
}

TEST(ValidateToolCallTest, QueryLengthIsCountedInCharactersNotBytes) {
  auto at_limit = ValidateToolCall(ToolCall({{"query", Accents(2000)}}), 2000);
  ASSERT_TRUE(at_limit.ok()) << at_limit.error().message;
  EXPECT_EQ(at_limit->text, Accents(2000));

  const auto message = ExpectError(ValidateToolCall(ToolCall({{"query", Accents(2001)}}), 2000),
                                   ErrorCode::kFailedPrecondition, "query");
  EXPECT_NE(message.find("2000"), std::string::npos) << message;
}

TEST(ValidateToolCallTest, MaxQueryCharsComesFromTheCaller) {
  EXPECT_TRUE(ValidateToolCall(ToolCall({{"query", "abcde"}}), 5).ok());
  ExpectError(ValidateToolCall(ToolCall({{"query", "abcdef"}}), 5), ErrorCode::kFailedPrecondition,
              "query");
}

// ---- ValidateSearch ----

TEST(ValidateSearchTest, AcceptsQueryTopKAndFilters) {
  const Json body = {{"query", "soup"},
                     {"top_k", 25},
                     {"filters",
                      {{"tags", Json::array({"Vegetarian", " Soups "})},
                       {"exclude_ingredients", Json::array({"egg", "nuts"})}}}};
  auto q = ValidateSearch(body, kMaxChars);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->text, "soup");
  EXPECT_EQ(q->top_k, 25u);
  EXPECT_EQ(q->filters.tags, (std::vector<std::string>{"Vegetarian", "Soups"}));
  EXPECT_EQ(q->filters.exclude_ingredients, (std::vector<std::string>{"egg", "nuts"}));
}

TEST(ValidateSearchTest, TopKDefaultsToTen) {
  auto q = ValidateSearch({{"query", "soup"}}, kMaxChars);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->top_k, 10u);
  EXPECT_EQ(q->top_k, static_cast<std::size_t>(kSearchDefaultTopK));
}

TEST(ValidateSearchTest, TopKUpToFiftyIsAccepted) {
  for (int k : {1, 11, 50}) {
    auto q = ValidateSearch({{"query", "soup"}, {"top_k", k}}, kMaxChars);
    ASSERT_TRUE(q.ok()) << k;
    EXPECT_EQ(q->top_k, static_cast<std::size_t>(k));
  }
}

TEST(ValidateSearchTest, TopKOutOfRangeOrNotAnIntegerIsRejected) {
  const std::vector<Json> bad = {0, 51, -5, "3", 3.5, nullptr, true};
  for (const auto& k : bad) {
    SCOPED_TRACE(k.dump());
    const auto message = ExpectError(ValidateSearch({{"query", "soup"}, {"top_k", k}}, kMaxChars),
                                     ErrorCode::kFailedPrecondition, "top_k");
    EXPECT_NE(message.find("1 and 50"), std::string::npos) << message;
  }
}

TEST(ValidateSearchTest, BodyMustBeAnObject) {
  ExpectError(ValidateSearch(Json("soup"), kMaxChars), ErrorCode::kFailedPrecondition, "");
  ExpectError(ValidateSearch(Json(nullptr), kMaxChars), ErrorCode::kFailedPrecondition, "");
}

TEST(ValidateSearchTest, UnknownTopLevelKeyIsRejectedByName) {
  ExpectError(ValidateSearch({{"query", "soup"}, {"limit", 3}}, kMaxChars),
              ErrorCode::kFailedPrecondition, "limit");
}

TEST(ValidateSearchTest, QueryRulesMatchTheTool) {
  ExpectError(ValidateSearch(Json::object(), kMaxChars), ErrorCode::kFailedPrecondition, "query");
  ExpectError(ValidateSearch({{"query", 7}}, kMaxChars), ErrorCode::kFailedPrecondition, "query");
  ExpectError(ValidateSearch({{"query", "   "}}, kMaxChars), ErrorCode::kFailedPrecondition,
              "query");
  EXPECT_TRUE(ValidateSearch({{"query", Accents(2000)}}, 2000).ok());
  ExpectError(ValidateSearch({{"query", Accents(2001)}}, 2000), ErrorCode::kFailedPrecondition,
              "query");
}

TEST(ValidateSearchTest, NullFiltersAreIgnored) {
  auto q = ValidateSearch({{"query", "soup"}, {"filters", nullptr}}, kMaxChars);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_TRUE(q->filters.tags.empty());
  EXPECT_TRUE(q->filters.exclude_ingredients.empty());
}

TEST(ValidateSearchTest, NonObjectFiltersAreRejected) {
  for (const Json& filters : {Json::array({"vegetarian"}), Json("vegetarian"), Json(1)}) {
    SCOPED_TRACE(filters.dump());
    ExpectError(ValidateSearch({{"query", "soup"}, {"filters", filters}}, kMaxChars),
                ErrorCode::kFailedPrecondition, "filters");
  }
}

TEST(ValidateSearchTest, UnknownFilterIsRejectedWithItsPath) {
  const auto message = ExpectError(
      ValidateSearch({{"query", "soup"}, {"filters", {{"bogus", Json::array()}}}}, kMaxChars),
      ErrorCode::kFailedPrecondition, "filters.bogus");
  EXPECT_NE(message.find("tags"), std::string::npos) << message;
  EXPECT_NE(message.find("exclude_ingredients"), std::string::npos) << message;
}

TEST(ValidateSearchTest, FilterListsMustBeArraysOfNonEmptyStrings) {
  for (const char* key : {"tags", "exclude_ingredients", "include_ingredients", "diet"}) {
    const std::string param = std::string("filters.") + key;
    const std::vector<Json> bad = {
        Json("vegetarian"), Json(nullptr),       Json(1),
        Json::object(),     Json::array({1}),    Json::array({"ok", nullptr}),
        Json::array({""}),  Json::array({"  "}), Json::array({std::string(101, 'x')})};
    for (const auto& value : bad) {
      SCOPED_TRACE(param + " = " + value.dump());
      const auto message =
          ExpectError(ValidateSearch({{"query", "soup"}, {"filters", {{key, value}}}}, kMaxChars),
                      ErrorCode::kFailedPrecondition, param);
      EXPECT_NE(message.find(param), std::string::npos) << message;
    }
  }
}

TEST(ValidateSearchTest, FilterListLimitsAreThirtyTwoValuesOfOneHundredCharacters) {
  Json tags = Json::array();
  for (int i = 0; i < 32; ++i) {
    tags.push_back("t" + std::to_string(i));
  }
  tags.push_back(Accents(100));
  ExpectError(ValidateSearch({{"query", "soup"}, {"filters", {{"tags", tags}}}}, kMaxChars),
              ErrorCode::kFailedPrecondition, "filters.tags");
  tags.erase(tags.begin());
  auto q = ValidateSearch({{"query", "soup"}, {"filters", {{"tags", tags}}}}, kMaxChars);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->filters.tags.size(), 32u);
  EXPECT_EQ(q->filters.tags.back(), Accents(100));
}

TEST(ValidateSearchTest, EmptyFilterListsAreAccepted) {
  auto q = ValidateSearch(
      {{"query", "soup"},
       {"filters", {{"tags", Json::array()}, {"exclude_ingredients", Json::array()}}}},
      kMaxChars);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_TRUE(q->filters.tags.empty());
}

TEST(ValidateSearchTest, IncludedIngredientsAndTimeLimitAreRead) {
  auto q = ValidateSearch(
      {{"query", "soup"},
       {"filters",
        {{"include_ingredients", Json::array({" Tomato ", "basil"})}, {"max_total_minutes", 30}}}},
      kMaxChars);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->filters.include_ingredients, (std::vector<std::string>{"Tomato", "basil"}));
  ASSERT_TRUE(q->filters.max_total_minutes.has_value());
  EXPECT_EQ(*q->filters.max_total_minutes, 30);
}

TEST(ValidateSearchTest, NullTimeLimitMeansNone) {
  auto q =
      ValidateSearch({{"query", "soup"}, {"filters", {{"max_total_minutes", nullptr}}}}, kMaxChars);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_FALSE(q->filters.max_total_minutes.has_value());
}

TEST(ValidateSearchTest, TimeLimitMustBeAWholeNumberOfMinutesUpToAWeek) {
  EXPECT_TRUE(
      ValidateSearch({{"query", "soup"}, {"filters", {{"max_total_minutes", 10080}}}}, kMaxChars)
          .ok());
  for (const Json& bad :
       {Json(0), Json(-5), Json(10081), Json(30.5), Json("30"), Json(true), Json::array({30})}) {
    SCOPED_TRACE(bad.dump());
    ExpectError(
        ValidateSearch({{"query", "soup"}, {"filters", {{"max_total_minutes", bad}}}}, kMaxChars),
        ErrorCode::kFailedPrecondition, "filters.max_total_minutes");
  }
}

TEST(ValidateSearchTest, DietsAreCheckedAgainstTheKnownOnes) {
  auto q = ValidateSearch(
      {{"query", "cake"}, {"filters", {{"diet", Json::array({"Vegan", "gluten_free"})}}}},
      kMaxChars);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->filters.diets, (std::vector<std::string>{"vegan", "gluten_free"}));
  const auto message = ExpectError(
      ValidateSearch({{"query", "cake"}, {"filters", {{"diet", Json::array({"keto"})}}}},
                     kMaxChars),
      ErrorCode::kFailedPrecondition, "filters.diet");
  EXPECT_NE(message.find("vegetarian"), std::string::npos) << message;
}

TEST(ValidateSearchTest, ExplainIsABoolean) {
  EXPECT_FALSE(ValidateSearch({{"query", "soup"}}, kMaxChars)->explain);
  auto q = ValidateSearch({{"query", "soup"}, {"explain", true}}, kMaxChars);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_TRUE(q->explain);
  for (const Json& bad : {Json(1), Json("true"), Json(nullptr)}) {
    SCOPED_TRACE(bad.dump());
    ExpectError(ValidateSearch({{"query", "soup"}, {"explain", bad}}, kMaxChars),
                ErrorCode::kFailedPrecondition, "explain");
  }
}

TEST(ValidateToolCallTest, ExplainIsNotAToolArgument) {
  ExpectError(ValidateToolCall({{"function", "search_corpus"},
                                {"arguments", {{"query", "soup"}, {"explain", true}}}},
                               kMaxChars),
              ErrorCode::kFailedPrecondition, "arguments.explain");
}

}  // namespace
}  // namespace recipe_rag::api
