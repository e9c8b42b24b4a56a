// Request validation for the JSON endpoints. Pure functions; every failure is an Error with
// the status class DESIGN.md gives: InvalidArgument (400) when the body cannot be read,
// FailedPrecondition (422) when it reads but breaks the schema, each naming the field.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "retrieval/retriever.h"

namespace recipe_rag::api {

inline constexpr int kMaxJsonDepth = 64;
inline constexpr int kToolMaxTopK = 10;
inline constexpr int kToolDefaultTopK = 5;
inline constexpr int kSearchMaxTopK = 50;
inline constexpr int kSearchDefaultTopK = 10;

// Content-Type must be application/json (parameters allowed); absent is read as JSON.
// Returns false for anything else (the caller answers 415).
bool IsJsonContentType(std::optional<std::string_view> content_type);

// Parses a request body: valid UTF-8, nesting at most kMaxJsonDepth, well-formed JSON.
core::Result<nlohmann::json> ParseJsonBody(std::string_view body, std::string_view param = {});

// POST /v1/tools/call: {"function":"search_corpus","arguments":{…} or "<JSON text>"}.
core::Result<retrieval::Query> ValidateToolCall(const nlohmann::json& body, int max_query_chars);

// POST /v1/search: {"query", "top_k"?, "filters"?: {"tags"?, "exclude_ingredients"?, "diet"?:
// [strings]}}.
core::Result<retrieval::Query> ValidateSearch(const nlohmann::json& body, int max_query_chars);

}  // namespace recipe_rag::api
