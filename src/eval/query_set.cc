#include "eval/query_set.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/strings.h"
#include "eval/text_match.h"

namespace recipe_rag::eval {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxReported = 20;
constexpr int kMaxJsonDepth = 64;

// Collects problems for one file; each is reported as "LABEL:LINE: message".
class Problems {
 public:
  explicit Problems(std::string_view label) : label_(label) {}
  void Add(int line, const std::string& message) {
    ++count_;
    if (lines_.size() < kMaxReported) {
      lines_.push_back(label_ + ":" + std::to_string(line) + ": " + message);
    }
  }
  void AddGeneral(const std::string& message) {
    ++count_;
    lines_.push_back(label_ + ": " + message);
  }
  bool empty() const { return count_ == 0; }
  core::Error ToError() const {
    std::string out;
    for (const auto& l : lines_) {
      if (!out.empty()) out += "\n";
      out += l;
    }
    if (count_ > lines_.size()) {
      out += "\n" + std::to_string(count_) + " problems in " + label_;
    }
    return core::Error::InvalidArgument(out);
  }

 private:
  std::string label_;
  std::vector<std::string> lines_;
  std::size_t count_ = 0;
};

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Reads an optional array of phrases; each must have a word after normalisation.
std::vector<std::string> Phrases(const json& c, const char* key, int line, Problems& problems) {
  std::vector<std::string> out;
  const auto it = c.find(key);
  if (it == c.end() || it->is_null()) return out;
  const std::string where = std::string("constraints.") + key;
  if (!it->is_array()) {
    problems.Add(line, where + ": must be an array of strings");
    return out;
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& v = (*it)[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!v.is_string()) {
      problems.Add(line, at + ": must be a string");
      continue;
    }
    auto phrase = v.get<std::string>();
    if (Tokenize(phrase).empty()) {
      problems.Add(line, at + ": " + Quoted(phrase) + " has no words to match");
      continue;
    }
    out.push_back(std::move(phrase));
  }
  return out;
}

std::string OptionalString(const json& obj, const char* key, const std::string& where, int line,
                           Problems& problems) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (!it->is_string()) {
    problems.Add(line, where + key + ": must be a string");
    return {};
  }
  return it->get<std::string>();
}

std::optional<Constraint> ParseConstraint(const json& c, int line, Problems& problems) {
  if (c.is_null()) return std::nullopt;
  if (!c.is_object()) {
    problems.Add(line, "constraints: must be an object");
    return std::nullopt;
  }
  if (c.empty()) return std::nullopt;  // the reference scorer treats {} as no constraint
  Constraint out;
  out.name = OptionalString(c, "name", "constraints.", line, problems);
  if (c.contains("field") && !c["field"].is_null()) {
    out.field = OptionalString(c, "field", "constraints.", line, problems);
    if (out.field != "ingredients" && out.field != "instructions" && out.field != "tags" &&
        out.field != "title" && c["field"].is_string()) {
      problems.Add(line,
                   "constraints.field: must be one of ingredients, instructions, tags, "
                   "title (got " +
                       Quoted(out.field) + ")");
    }
  }
  out.exclude_words = Phrases(c, "exclude_words", line, problems);
  out.allow_phrases = Phrases(c, "allow_phrases", line, problems);
  out.ambiguous_words = Phrases(c, "ambiguous_words", line, problems);
  out.title_words = Phrases(c, "title_words", line, problems);
  out.ambiguous_ok_if_tag =
      OptionalString(c, "ambiguous_ok_if_tag", "constraints.", line, problems);
  return out;
}

void ParseLine(const json& obj, int line, std::set<std::string>& qids, QuerySet& set,
               Problems& problems) {
  if (!obj.is_object()) {
    problems.Add(line, "must be a JSON object");
    return;
  }
  EvalQuery q;
  q.line = line;
  const auto required_string = [&](const char* key, std::string& out, bool allow_blank) {
    const auto it = obj.find(key);
    if (it == obj.end() || !it->is_string()) {
      problems.Add(line, std::string(key) + ": required, a string");
      return;
    }
    out = it->get<std::string>();
    if (core::Trim(out).empty() && !allow_blank) {
      problems.Add(line, std::string(key) + ": must not be blank");
    }
  };
  required_string("qid", q.qid, false);
  required_string("query", q.query, false);
  required_string("kind", q.kind, false);
  q.rule = OptionalString(obj, "rule", "", line, problems);

  const auto rel = obj.find("relevant");
  if (rel == obj.end() || !rel->is_object()) {
    problems.Add(line, "relevant: required, an object of recipe id → grade ({} for none)");
  } else {
    for (const auto& [id, grade] : rel->items()) {
      if (!grade.is_number() || grade.get<double>() < 0) {
        problems.Add(line, "relevant." + id + ": the grade must be a number ≥ 0");
        continue;
      }
      q.relevant[id] = grade.get<double>();
    }
  }
  if (const auto c = obj.find("constraints"); c != obj.end()) {
    q.constraints = ParseConstraint(*c, line, problems);
  }
  if (const auto e = obj.find("expect_empty_or_low"); e != obj.end() && !e->is_null()) {
    if (!e->is_boolean()) {
      problems.Add(line, "expect_empty_or_low: must be true or false");
    } else {
      q.expect_empty_or_low = e->get<bool>();
    }
  }
  if (!q.qid.empty() && !qids.insert(q.qid).second) {
    problems.Add(line, "qid " + Quoted(q.qid) + " appears on an earlier line too");
  }
  set.queries.push_back(std::move(q));
}

core::Result<QuerySet> Parse(std::string_view jsonl, std::string_view name,
                             std::string_view label) {
  QuerySet set;
  set.name = std::string(name);
  Problems problems(label);
  std::set<std::string> qids;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < jsonl.size()) {
    auto end = jsonl.find('\n', pos);
    if (end == std::string_view::npos) end = jsonl.size();
    const auto line = core::Trim(jsonl.substr(pos, end - pos));
    ++line_no;
    pos = end + 1;
    if (line.empty()) continue;
    if (!core::IsValidUtf8(line)) {
      problems.Add(line_no, "not valid UTF-8");
      continue;
    }
    if (core::JsonNestingExceeds(line, kMaxJsonDepth)) {
      problems.Add(line_no, "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      continue;
    }
    json obj = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (obj.is_discarded()) {
      problems.Add(line_no, "not valid JSON");
      continue;
    }
    ParseLine(obj, line_no, qids, set, problems);
  }
  if (problems.empty() && set.queries.empty()) problems.AddGeneral("no queries");
  if (!problems.empty()) return problems.ToError();
  return set;
}

}  // namespace

core::Result<QuerySet> ParseQuerySet(std::string_view jsonl, std::string_view name) {
  return Parse(jsonl, name, name);
}

core::Result<QuerySet> LoadQuerySet(const std::filesystem::path& path) {
  std::error_code ec;
  const auto label = path.filename().string();
  if (!std::filesystem::is_regular_file(path, ec)) {
    return core::Error::NotFound("query set " + label + ": no such file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::Error::NotFound("query set " + label + ": cannot be opened");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return core::Error::NotFound("query set " + label + ": cannot be read");
  return Parse(text.str(), path.stem().string(), label);
}

}  // namespace recipe_rag::eval
