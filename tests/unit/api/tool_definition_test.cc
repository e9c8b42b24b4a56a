#include "api/tool_definition.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace recipe_rag::api {
namespace {

// Copied from the runbook's "Function Definition" section.
constexpr char kRunbookDefinition[] = R"({
  "name": "search_corpus",
  "description": "Search recipe database for cooking-related queries",
  "parameters": {
    "type": "object",
    "properties": {
      "query": {
        "type": "string",
        "description": "User's cooking question or recipe search term"
      },
      "top_k": {
        "type": "integer",
        "description": "Number of top recipes to retrieve",
        "default": 5,
        "minimum": 1,
        "maximum": 10
      }
    },
    "required": ["query"]
  }
})";

TEST(SearchCorpusDefinitionTest, EqualsTheRunbookDefinition) {
  const auto expected = nlohmann::json::parse(kRunbookDefinition);
  EXPECT_EQ(SearchCorpusDefinition(), expected) << SearchCorpusDefinition().dump(2);
}

TEST(SearchCorpusDefinitionTest, TopKSchemaUsesIntegerTypes) {
  const auto& top_k = SearchCorpusDefinition()["parameters"]["properties"]["top_k"];
  EXPECT_TRUE(top_k["default"].is_number_integer());
  EXPECT_TRUE(top_k["minimum"].is_number_integer());
  EXPECT_TRUE(top_k["maximum"].is_number_integer());
  EXPECT_EQ(top_k["default"].dump(), "5");
  EXPECT_EQ(top_k["maximum"].dump(), "10");
}

}  // namespace
}  // namespace recipe_rag::api
