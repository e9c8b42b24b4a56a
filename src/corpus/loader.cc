#include "corpus/loader.h"

#include <climits>
#include <cstdint>
#include <exception>
#include <fstream>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "core/crypto.h"
#include "core/strings.h"

namespace recipe_rag::corpus {
namespace {

using Json = nlohmann::json;

// Deeper documents are rejected before parsing; records need 3 levels (array, record, array).
constexpr int kMaxNestingDepth = 64;
// Ids longer than this are cut in error messages.
constexpr std::size_t kMaxIdBytesInMessage = 64;

// Every problem found in a corpus, with the first `max_reported` spelled out.
class ProblemList {
 public:
  explicit ProblemList(std::size_t max_reported) : max_reported_(max_reported) {}

  void Add(std::string line) {
    ++total_;
    if (lines_.size() < max_reported_) {
      lines_.push_back(std::move(line));
    }
  }
  void CountRecord() { ++records_; }
  bool empty() const { return total_ == 0; }

  // One problem per line; "N problems in M records" last when some were left out.
  std::string Message() const {
    std::string out;
    for (const std::string& line : lines_) {
      if (!out.empty()) {
        out += '\n';
      }
      out += line;
    }
    if (total_ > lines_.size()) {
      if (!out.empty()) {
        out += '\n';
      }
      out += std::to_string(total_) + " problems in " + std::to_string(records_) + " records";
    }
    return out;
  }

 private:
  std::size_t max_reported_;
  std::vector<std::string> lines_;
  std::size_t total_ = 0;
  std::size_t records_ = 0;
};

// `id` quoted and escaped for a message, cut at a UTF-8 boundary when very long.
std::string QuoteId(const std::string& id) {
  std::string cut = id;
  if (cut.size() > kMaxIdBytesInMessage) {
    std::size_t end = kMaxIdBytesInMessage;
    while (end > 0 && (static_cast<unsigned char>(cut[end]) & 0xC0) == 0x80) {
      --end;
    }
    cut = cut.substr(0, end) + "...";
  }
  return Json(cut).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The problems of one record; names the record by index and, once known, by id.
class RecordProblems {
 public:
  RecordProblems(ProblemList& list, std::size_t index) : list_(list), index_(index) {}

  void SetId(const std::string& id) { label_ = " (id " + QuoteId(id) + ")"; }

  void Add(std::string_view what) {
    Count();
    list_.Add("record " + std::to_string(index_) + label_ + ": " + std::string(what));
  }
  void AddField(std::string_view field, std::string_view what) {
    Add("field \"" + std::string(field) + "\": " + std::string(what));
  }
  bool any() const { return any_; }

 private:
  void Count() {
    if (!any_) {
      list_.CountRecord();
    }
    any_ = true;
  }

  ProblemList& list_;
  std::size_t index_;
  std::string label_;
  bool any_ = false;
};

// " (got number)" or " (missing)": what was found where something else was expected.
std::string Got(const Json* value) {
  if (value == nullptr) {
    return " (missing)";
  }
  return std::string(" (got ") + value->type_name() + ")";
}

// The member `key` of `record`, or nullptr.
Json* Member(Json& record, const char* key) {
  auto it = record.find(key);
  return it == record.end() ? nullptr : &*it;
}

// A non-empty string (non-blank when `trimmed`), moved out of `value`; reports otherwise.
std::optional<std::string> TakeNonEmptyString(Json* value, const char* field, bool trimmed,
                                              RecordProblems& problems) {
  if (value != nullptr && value->is_string()) {
    auto& text = value->get_ref<std::string&>();
    if (!(trimmed ? core::Trim(text) : std::string_view(text)).empty()) {
      return std::move(text);
    }
    problems.AddField(field, "must be a non-empty string");
    return std::nullopt;
  }
  problems.AddField(field, "must be a non-empty string" + Got(value));
  return std::nullopt;
}

// An array of strings, moved out of `value` (non-empty when `non_empty`); reports otherwise,
// naming the first element that is not a string.
std::optional<std::vector<std::string>> TakeStringArray(Json* value, const char* field,
                                                        bool non_empty, RecordProblems& problems) {
  const char* rule =
      non_empty ? "must be a non-empty array of strings" : "must be an array of strings";
  if (value == nullptr || !value->is_array()) {
    problems.AddField(field, rule + Got(value));
    return std::nullopt;
  }
  if (non_empty && value->empty()) {
    problems.AddField(field, rule);
    return std::nullopt;
  }
  std::vector<std::string> out;
  out.reserve(value->size());
  for (std::size_t i = 0; i < value->size(); ++i) {
    Json& item = (*value)[i];
    if (!item.is_string()) {
      problems.AddField(field, "element " + std::to_string(i) + " must be a string" + Got(&item));
      return std::nullopt;
    }
    out.push_back(std::move(item.get_ref<std::string&>()));
  }
  return out;
}

// A string, null or absent; reports anything else.
std::optional<std::string> TakeOptionalString(Json* value, const char* field,
                                              RecordProblems& problems) {
  if (value == nullptr || value->is_null()) {
    return std::nullopt;
  }
  if (value->is_string()) {
    return std::move(value->get_ref<std::string&>());
  }
  problems.AddField(field, "must be a string or null" + Got(value));
  return std::nullopt;
}

// Absent, or an integer in [1, INT_MAX]; reports anything else.
std::optional<int> TakeTimeMinutes(const Json* value, RecordProblems& problems) {
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_number_unsigned()) {
    const auto minutes = value->get<std::uint64_t>();
    if (minutes >= 1 && minutes <= static_cast<std::uint64_t>(INT_MAX)) {
      return static_cast<int>(minutes);
    }
    problems.AddField("time_minutes",
                      "must be a positive integer (got " + std::to_string(minutes) + ")");
    return std::nullopt;
  }
  if (value->is_number_integer()) {
    problems.AddField("time_minutes", "must be a positive integer (got " +
                                          std::to_string(value->get<std::int64_t>()) + ")");
    return std::nullopt;
  }
  problems.AddField("time_minutes", "must be a positive integer" + Got(value));
  return std::nullopt;
}

bool IsNamedField(const std::string& key) {
  static constexpr const char* kNamed[] = {"id",           "title", "ingredients",
                                           "instructions", "tags",  "cuisine",
                                           "source",       "url",   "time_minutes"};
  for (const char* named : kNamed) {
    if (key == named) {
      return true;
    }
  }
  return false;
}

// Validates `record` (moving its contents out) into a Recipe; nullopt when it broke a rule.
// `first_index_of_id` maps each id seen so far to its record index.
std::optional<Recipe> TakeRecord(Json& record, std::size_t index, const LoadOptions& options,
                                 std::unordered_map<std::string, std::size_t>& first_index_of_id,
                                 ProblemList& list) {
  RecordProblems problems(list, index);
  if (!record.is_object()) {
    problems.Add(std::string("must be an object") + Got(&record));
    return std::nullopt;
  }
  Recipe recipe;
  if (auto id = TakeNonEmptyString(Member(record, "id"), "id", false, problems)) {
    recipe.id = std::move(*id);
    problems.SetId(recipe.id);
    auto [it, inserted] = first_index_of_id.emplace(recipe.id, index);
    if (!inserted) {
      problems.AddField("id", "duplicates record " + std::to_string(it->second));
    }
  }
  if (auto title = TakeNonEmptyString(Member(record, "title"), "title", true, problems)) {
    recipe.title = std::move(*title);
  }
  if (auto items = TakeStringArray(Member(record, "ingredients"), "ingredients", true, problems)) {
    recipe.ingredients = std::move(*items);
  }
  if (auto items = TakeStringArray(Member(record, "instructions"), "instructions",
                                   options.require_instructions, problems)) {
    recipe.instructions = std::move(*items);
  }
  if (auto items = TakeStringArray(Member(record, "tags"), "tags", false, problems)) {
    recipe.tags = std::move(*items);
  }
  recipe.cuisine = TakeOptionalString(Member(record, "cuisine"), "cuisine", problems);
  if (Json* source = Member(record, "source")) {
    if (source->is_string()) {
      recipe.source = std::move(source->get_ref<std::string&>());
    } else {
      problems.AddField("source", "must be a string" + Got(source));
    }
  }
  recipe.url = TakeOptionalString(Member(record, "url"), "url", problems);
  recipe.time_minutes = TakeTimeMinutes(Member(record, "time_minutes"), problems);
  if (problems.any()) {
    return std::nullopt;
  }

  for (auto& [key, value] : record.items()) {
    if (!IsNamedField(key)) {
      recipe.extra[key] = std::move(value);
    }
  }
  return recipe;
}

// Our message for a parse error: byte offset (0-based), line and column, and the reason,
// without the parser's echo of the input bytes.
core::Error TranslateParseError(const Json::parse_error& error, std::string_view text) {
  const std::string what = error.what();
  std::string location;
  std::string reason = what;
  if (const auto at = what.find(" at line "); at != std::string::npos) {
    if (const auto colon = what.find(": ", at); colon != std::string::npos) {
      location = ", " + what.substr(at + 4, colon - at - 4);
      reason = what.substr(colon + 2);
    }
  }
  if (const auto echo = reason.find("; last read:"); echo != std::string::npos) {
    const auto expected = reason.find("; expected", echo);
    reason.erase(echo, expected == std::string::npos ? std::string::npos : expected - echo);
  }
  if (!core::IsValidUtf8(reason)) {
    reason = "unreadable input";
  }
  const std::size_t at_byte = error.byte > 0 ? error.byte - 1 : 0;
  const std::string where = "at byte offset " + std::to_string(at_byte) + location + ": ";
  if (reason.find("UTF-8") != std::string::npos) {
    return core::Error::DataLoss("invalid UTF-8 " + where + reason);
  }
  if (at_byte < text.size() && static_cast<unsigned char>(text[at_byte]) >= 0x80) {
    reason += " (a non-ASCII byte outside a string)";
  }
  return core::Error::DataLoss("malformed JSON " + where + reason);
}

// ParseCorpus() body; may throw nlohmann::json exceptions and std::bad_alloc.
core::Result<Corpus> ParseOrThrow(std::string_view json_text, const LoadOptions& options) {
  if (core::JsonNestingExceeds(json_text, kMaxNestingDepth)) {
    return core::Error::DataLoss("JSON nests deeper than " + std::to_string(kMaxNestingDepth) +
                                 " levels");
  }
  Json document = Json::parse(json_text.begin(), json_text.end());

  Json* records = nullptr;
  if (document.is_array()) {
    records = &document;
  } else if (document.is_object()) {
    records = Member(document, "recipes");
  }
  if (records == nullptr || !records->is_array()) {
    return core::Error::DataLoss(
        std::string("corpus must be a JSON array of records or an object with a \"recipes\" "
                    "array (got ") +
        document.type_name() + ")");
  }

  Corpus corpus;
  corpus.recipes.reserve(records->size());
  ProblemList problems(options.max_reported_errors);
  std::unordered_map<std::string, std::size_t> first_index_of_id;
  first_index_of_id.reserve(records->size());
  for (std::size_t i = 0; i < records->size(); ++i) {
    auto recipe = TakeRecord((*records)[i], i, options, first_index_of_id, problems);
    if (recipe && problems.empty()) {
      corpus.recipes.push_back(std::move(*recipe));
    }
  }
  if (!problems.empty()) {
    return core::Error::DataLoss(problems.Message());
  }
  corpus.sha256 = core::Sha256Hex(json_text);
  return corpus;
}

}  // namespace

core::Result<Corpus> ParseCorpus(std::string_view json_text, const LoadOptions& options) {
  try {
    return ParseOrThrow(json_text, options);
  } catch (const Json::parse_error& e) {
    return TranslateParseError(e, json_text);
  } catch (const Json::exception& e) {
    return core::Error::DataLoss(std::string("corpus JSON could not be read: ") + e.what());
  } catch (const std::bad_alloc&) {
    return core::Error::Internal("out of memory while loading the corpus");
  } catch (const std::exception& e) {
    return core::Error::Internal(std::string("unexpected error while loading the corpus: ") +
                                 e.what());
  }
}

core::Result<Corpus> LoadCorpusFile(const std::filesystem::path& path, const LoadOptions& options) {
  const std::string name = "corpus file \"" + path.filename().string() + "\"";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return core::Error::NotFound(name + " does not exist or is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::Error::NotFound(name + " cannot be opened");
  }

  std::string bytes;
  try {
    char chunk[1 << 16];
    while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
      bytes.append(chunk, static_cast<std::size_t>(in.gcount()));
    }
  } catch (const std::bad_alloc&) {
    return core::Error::Internal(name + " does not fit in memory");
  }
  if (in.bad()) {
    return core::Error::DataLoss(name + " could not be read");
  }

  auto corpus = ParseCorpus(bytes, options);
  if (!corpus.ok() && corpus.error().code == core::ErrorCode::kDataLoss) {
    return core::Error::DataLoss(name + ": " + corpus.error().message);
  }
  return corpus;
}

}  // namespace recipe_rag::corpus
