#include "api/validation.h"

#include "core/strings.h"
#include "corpus/diet.h"

namespace recipe_rag::api {
namespace {

using core::Error;
using nlohmann::json;

constexpr std::size_t kMaxFilterValues = 32;
constexpr std::size_t kMaxFilterValueChars = 100;
constexpr std::int64_t kMaxMinutes = 7 * 24 * 60;  // a week: more is a typo

core::Status OnlyKeys(const json& obj, std::initializer_list<std::string_view> allowed,
                      std::string_view prefix) {
  for (const auto& [key, value] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Error::FailedPrecondition("unknown field; allowed: " + list,
                                       std::string(prefix) + key);
    }
  }
  return core::Status::Ok();
}

core::Result<std::string> ValidateQueryText(const json& args, int max_chars) {
  const auto it = args.find("query");
  if (it == args.end()) return Error::FailedPrecondition("query is required", "query");
  if (!it->is_string()) return Error::FailedPrecondition("query must be a string", "query");
  const auto& text = it->get_ref<const std::string&>();
  const auto trimmed = core::Trim(text);
  if (trimmed.empty()) return Error::FailedPrecondition("query must not be empty", "query");
  if (core::Utf8Length(trimmed) > static_cast<std::size_t>(max_chars)) {
    return Error::FailedPrecondition(
        "query must be at most " + std::to_string(max_chars) + " characters", "query");
  }
  return std::string(trimmed);
}

core::Result<std::size_t> ValidateTopK(const json& args, int max, int fallback) {
  const auto it = args.find("top_k");
  if (it == args.end()) return static_cast<std::size_t>(fallback);
  const auto range = "top_k must be an integer between 1 and " + std::to_string(max);
  if (!it->is_number_integer()) return Error::FailedPrecondition(range, "top_k");
  const auto v = it->get<std::int64_t>();
  if (v < 1 || v > max) return Error::FailedPrecondition(range, "top_k");
  return static_cast<std::size_t>(v);
}

core::Result<std::vector<std::string>> StringList(const json& obj, std::string_view key,
                                                  const std::string& param) {
  const auto it = obj.find(key);
  if (it == obj.end()) return std::vector<std::string>{};
  const std::string message = param + " must be an array of at most " +
                              std::to_string(kMaxFilterValues) + " non-empty strings of at most " +
                              std::to_string(kMaxFilterValueChars) + " characters";
  if (!it->is_array() || it->size() > kMaxFilterValues)
    return Error::FailedPrecondition(message, param);
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) return Error::FailedPrecondition(message, param);
    const auto text = core::Trim(v.get_ref<const std::string&>());
    if (text.empty() || core::Utf8Length(text) > kMaxFilterValueChars) {
      return Error::FailedPrecondition(message, param);
    }
    out.emplace_back(text);
  }
  return out;
}

}  // namespace

bool IsJsonContentType(std::optional<std::string_view> content_type) {
  if (!content_type) return true;
  const auto media = core::Trim(content_type->substr(0, content_type->find(';')));
  return core::EqualsIgnoreCase(media, "application/json");
}

core::Result<json> ParseJsonBody(std::string_view body, std::string_view param) {
  const std::string what = param.empty() ? "request body" : std::string(param);
  if (!core::IsValidUtf8(body))
    return Error::InvalidArgument(what + " is not valid UTF-8", std::string(param));
  if (core::JsonNestingExceeds(body, kMaxJsonDepth)) {
    return Error::InvalidArgument(
        what + " nests deeper than " + std::to_string(kMaxJsonDepth) + " levels",
        std::string(param));
  }
  auto parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded())
    return Error::InvalidArgument(what + " is not valid JSON", std::string(param));
  return parsed;
}

core::Result<retrieval::Query> ValidateToolCall(const json& body, int max_query_chars) {
  if (!body.is_object()) return Error::FailedPrecondition("request body must be a JSON object");
  if (auto st = OnlyKeys(body, {"function", "arguments"}, ""); !st.ok())
    return std::move(st).error();
  const auto fn = body.find("function");
  if (fn == body.end()) return Error::FailedPrecondition("function is required", "function");
  if (!fn->is_string()) return Error::FailedPrecondition("function must be a string", "function");
  if (fn->get_ref<const std::string&>() != "search_corpus") {
    return Error::FailedPrecondition("unknown function; available: search_corpus", "function");
  }
  const auto args_it = body.find("arguments");
  if (args_it == body.end()) return Error::FailedPrecondition("arguments is required", "arguments");
  json decoded;
  const json* args = &*args_it;
  if (args_it->is_string()) {
    // OpenAI tool calls carry arguments as a JSON-encoded string.
    auto parsed = ParseJsonBody(args_it->get_ref<const std::string&>(), "arguments");
    if (!parsed.ok()) return std::move(parsed).error();
    decoded = std::move(*parsed);
    args = &decoded;
  }
  if (!args->is_object()) {
    return Error::FailedPrecondition("arguments must be an object (or a JSON-encoded object)",
                                     "arguments");
  }
  if (auto st = OnlyKeys(*args, {"query", "top_k"}, "arguments."); !st.ok())
    return std::move(st).error();
  auto text = ValidateQueryText(*args, max_query_chars);
  if (!text.ok()) return std::move(text).error();
  auto top_k = ValidateTopK(*args, kToolMaxTopK, kToolDefaultTopK);
  if (!top_k.ok()) return std::move(top_k).error();
  retrieval::Query q;
  q.text = std::move(*text);
  q.top_k = *top_k;
  return q;
}

core::Result<retrieval::Query> ValidateSearch(const json& body, int max_query_chars) {
  if (!body.is_object()) return Error::FailedPrecondition("request body must be a JSON object");
  if (auto st = OnlyKeys(body, {"query", "top_k", "filters", "explain"}, ""); !st.ok())
    return std::move(st).error();
  auto text = ValidateQueryText(body, max_query_chars);
  if (!text.ok()) return std::move(text).error();
  auto top_k = ValidateTopK(body, kSearchMaxTopK, kSearchDefaultTopK);
  if (!top_k.ok()) return std::move(top_k).error();
  retrieval::Query q;
  q.text = std::move(*text);
  q.top_k = *top_k;
  if (const auto e = body.find("explain"); e != body.end()) {
    if (!e->is_boolean())
      return Error::FailedPrecondition("explain must be true or false", "explain");
    q.explain = e->get<bool>();
  }
  if (const auto f = body.find("filters"); f != body.end() && !f->is_null()) {
    if (!f->is_object()) return Error::FailedPrecondition("filters must be an object", "filters");
    if (auto st = OnlyKeys(
            *f, {"tags", "exclude_ingredients", "include_ingredients", "diet", "max_total_minutes"},
            "filters.");
        !st.ok()) {
      return std::move(st).error();
    }
    auto tags = StringList(*f, "tags", "filters.tags");
    if (!tags.ok()) return std::move(tags).error();
    auto excluded = StringList(*f, "exclude_ingredients", "filters.exclude_ingredients");
    if (!excluded.ok()) return std::move(excluded).error();
    auto included = StringList(*f, "include_ingredients", "filters.include_ingredients");
    if (!included.ok()) return std::move(included).error();
    q.filters.include_ingredients = std::move(*included);
    if (const auto m = f->find("max_total_minutes"); m != f->end() && !m->is_null()) {
      const std::string range = "filters.max_total_minutes must be an integer between 1 and " +
                                std::to_string(kMaxMinutes);
      if (!m->is_number_integer()) {
        return Error::FailedPrecondition(range, "filters.max_total_minutes");
      }
      const auto v = m->get<std::int64_t>();
      if (v < 1 || v > kMaxMinutes)
        return Error::FailedPrecondition(range, "filters.max_total_minutes");
      q.filters.max_total_minutes = static_cast<int>(v);
    }
    auto diets = StringList(*f, "diet", "filters.diet");
    if (!diets.ok()) return std::move(diets).error();
    for (auto& d : *diets) {
      d = core::ToLowerAscii(d);
      const auto& known = corpus::KnownDiets();
      if (std::find(known.begin(), known.end(), d) == known.end()) {
        std::string list;
        for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        return Error::FailedPrecondition("unknown diet; supported: " + list, "filters.diet");
      }
    }
    q.filters.diets = std::move(*diets);
    q.filters.tags = std::move(*tags);
    q.filters.exclude_ingredients = std::move(*excluded);
  }
  return q;
}

}  // namespace recipe_rag::api
