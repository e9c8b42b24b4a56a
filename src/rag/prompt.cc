#include "rag/prompt.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/strings.h"

namespace recipe_rag::rag {
namespace {

constexpr std::string_view kOpen = "{{";
constexpr std::string_view kClose = "}}";

bool ValidName(std::string_view s) {
  return !s.empty() && s.size() <= 64 && s.front() != '.' &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  c == '.';
         });
}

// The value of a placeholder's name, or null for an unknown name.
const std::string_view* Input(std::string_view name, const PromptInputs& inputs) {
  if (name == "question") return &inputs.question;
  if (name == "recipes") return &inputs.recipes;
  return nullptr;
}

// Calls `on_text` for the literal pieces and `on_name` for each placeholder's trimmed name;
// false when a "{{" is not closed.
template <class Text, class Name>
bool Walk(std::string_view tmpl, Text&& on_text, Name&& on_name) {
  while (!tmpl.empty()) {
    const auto open = tmpl.find(kOpen);
    if (open == std::string_view::npos) {
      on_text(tmpl);
      return true;
    }
    on_text(tmpl.substr(0, open));
    const auto close = tmpl.find(kClose, open + kOpen.size());
    if (close == std::string_view::npos) return false;
    on_name(core::Trim(tmpl.substr(open + kOpen.size(), close - open - kOpen.size())));
    tmpl.remove_prefix(close + kClose.size());
  }
  return true;
}

std::string Render(std::string_view tmpl, const PromptInputs& inputs) {
  std::string out;
  out.reserve(tmpl.size() + inputs.question.size() + inputs.recipes.size());
  Walk(
      tmpl, [&](std::string_view text) { out.append(text); },
      [&](std::string_view name) {
        if (const auto* value = Input(name, inputs)) out.append(*value);
      });
  return out;
}

core::Status CheckTemplate(std::string_view field, std::string_view tmpl) {
  std::string unknown;
  const PromptInputs none;
  const bool closed = Walk(
      tmpl, [](std::string_view) {},
      [&](std::string_view name) {
        if (unknown.empty() && Input(name, none) == nullptr) unknown = name;
      });
  if (!closed) return core::Error::InvalidArgument(std::string(field) + ": unclosed {{");
  if (!unknown.empty()) {
    return core::Error::InvalidArgument(std::string(field) + ": unknown placeholder {{" + unknown +
                                        "}} (known: question, recipes)");
  }
  return core::Status::Ok();
}

// -1, 0 or 1 as version a sorts before, with or after b.
int CompareVersions(std::string_view a, std::string_view b) {
  const auto numeric = [](std::string_view s) {
    return !s.empty() && s.size() < 18 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (numeric(a) && numeric(b)) {
    const auto x = std::stoll(std::string(a)), y = std::stoll(std::string(b));
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

}  // namespace

std::string Prompt::RenderSystem(const PromptInputs& inputs) const {
  return Render(system, inputs);
}
std::string Prompt::RenderUser(const PromptInputs& inputs) const { return Render(user, inputs); }

core::Result<Prompt> ParsePrompt(std::string_view text, std::string name, std::string version) {
  if (!ValidName(name) || !ValidName(version)) {
    return core::Error::InvalidArgument(
        "prompt name and version are lower-case letters, digits, "
        "'-', '_' and '.'");
  }
  toml::table t;
  try {
    t = toml::parse(text);
  } catch (const toml::parse_error& e) {
    return core::Error::InvalidArgument("line " + std::to_string(e.source().begin.line) + ": " +
                                        std::string(e.description()));
  }
  for (const auto& [key, value] : t) {
    if (key != "description" && key != "system" && key != "user" && key != "model") {
      return core::Error::InvalidArgument("unknown key '" + std::string(key.str()) + "'");
    }
  }
  Prompt p;
  p.name = std::move(name);
  p.version = std::move(version);
  p.description = t["description"].value_or(std::string());
  for (const auto& [field, slot] : {std::pair{"system", &p.system}, std::pair{"user", &p.user}}) {
    const auto value = t[field].value<std::string>();
    if (!value || core::Trim(*value).empty()) {
      return core::Error::InvalidArgument(std::string(field) + ": a non-empty string is required");
    }
    *slot = *value;
    if (auto st = CheckTemplate(field, *slot); !st.ok()) return std::move(st).error();
  }
  if (const auto* model = t["model"].as_table()) {
    for (const auto& [key, value] : *model) {
      const auto k = key.str();
      if (k == "temperature" || k == "top_p") {
        const auto v = value.value<double>();
        const double max = k == "temperature" ? 2.0 : 1.0;
        if (!v || *v < 0 || *v > max) {
          return core::Error::InvalidArgument("model." + std::string(k) + ": a number from 0 to " +
                                              (k == "temperature" ? "2" : "1"));
        }
        (k == "temperature" ? p.model.temperature : p.model.top_p) = *v;
      } else if (k == "max_tokens") {
        const auto v = value.value<long>();
        if (!v || *v < 1 || *v > 1'000'000) {
          return core::Error::InvalidArgument("model.max_tokens: an integer from 1 to 1000000");
        }
        p.model.max_tokens = *v;
      } else {
        return core::Error::InvalidArgument("unknown key 'model." + std::string(k) + "'");
      }
    }
  } else if (t.contains("model")) {
    return core::Error::InvalidArgument("model: a table is required");
  }
  return p;
}

core::Result<PromptRegistry> PromptRegistry::Load(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return core::Error::NotFound("prompts directory not found");
  }
  PromptRegistry registry;
  for (const auto& name_dir : std::filesystem::directory_iterator(dir, ec)) {
    if (!name_dir.is_directory()) continue;
    const auto name = name_dir.path().filename().string();
    for (const auto& file : std::filesystem::directory_iterator(name_dir.path(), ec)) {
      if (!file.is_regular_file() || file.path().extension() != ".toml") continue;
      const auto version = file.path().stem().string();
      const auto where = name + "/" + file.path().filename().string();
      std::ifstream in(file.path(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      if (!in) return core::Error::InvalidArgument("prompt " + where + ": cannot be read");
      auto prompt = ParsePrompt(text.str(), name, version);
      if (!prompt.ok()) {
        return core::Error::InvalidArgument("prompt " + where + ": " + prompt.error().message);
      }
      registry.prompts_[name].emplace(version, std::move(*prompt));
    }
  }
  if (ec) return core::Error::InvalidArgument("prompts directory cannot be read");
  return registry;
}

core::Result<const Prompt*> PromptRegistry::Find(std::string_view ref) const {
  const auto at = ref.find('@');
  const auto name = ref.substr(0, at);
  const auto it = prompts_.find(std::string(name));
  if (it == prompts_.end() || it->second.empty()) {
    return core::Error::NotFound("no prompt named '" + std::string(name) + "'");
  }
  if (at != std::string_view::npos) {
    const auto v = it->second.find(std::string(ref.substr(at + 1)));
    if (v == it->second.end()) {
      return core::Error::NotFound("no prompt version '" + std::string(ref) + "'");
    }
    return &v->second;
  }
  const Prompt* best = nullptr;
  for (const auto& [version, prompt] : it->second) {
    if (best == nullptr || CompareVersions(version, best->version) > 0) best = &prompt;
  }
  return best;
}

std::size_t PromptRegistry::size() const {
  std::size_t n = 0;
  for (const auto& [name, versions] : prompts_) n += versions.size();
  return n;
}

}  // namespace recipe_rag::rag
