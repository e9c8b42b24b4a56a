#include "api/tool_definition.h"

#include "api/validation.h"

namespace recipe_rag::api {

const nlohmann::json& SearchCorpusDefinition() {
  static const nlohmann::json definition = {
      {"name", "search_corpus"},
      {"description", "Search recipe database for cooking-related queries"},
      {"parameters",
       {{"type", "object"},
        {"properties",
         {{"query",
           {{"type", "string"}, {"description", "User's cooking question or recipe search term"}}},
          {"top_k",
           {{"type", "integer"},
            {"description", "Number of top recipes to retrieve"},
            {"default", kToolDefaultTopK},
            {"minimum", 1},
            {"maximum", kToolMaxTopK}}}}},
        {"required", {"query"}}}}};
  return definition;
}

}  // namespace recipe_rag::api
