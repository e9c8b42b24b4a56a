#include "cost/prices.h"

#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

namespace recipe_rag::cost {
namespace {

namespace fs = std::filesystem;

struct PriceFile {
  PriceSheet sheet;
  std::map<std::string, ModelPrice> models;
};

// The last component of a path, also for "dir/" ("dir").
std::string BaseName(const fs::path& path) {
  auto p = path.lexically_normal();
  if (!p.has_filename()) p = p.parent_path();
  return p.filename().string();
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// True for a real calendar date written YYYY-MM-DD.
bool IsIsoDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!AllDigits(s.substr(0, 4)) || !AllDigits(s.substr(5, 2)) || !AllDigits(s.substr(8, 2))) {
    return false;
  }
  const std::chrono::year_month_day ymd{
      std::chrono::year(std::stoi(std::string(s.substr(0, 4)))),
      std::chrono::month(static_cast<unsigned>(std::stoi(std::string(s.substr(5, 2))))),
      std::chrono::day(static_cast<unsigned>(std::stoi(std::string(s.substr(8, 2)))))};
  return ymd.ok();
}

// The suffix of a dated snapshot name: "2024-07-18" (gpt-4o-mini-2024-07-18) or "0613"
// (gpt-4-0613).
bool IsSnapshotSuffix(std::string_view s) {
  return IsIsoDate(s) || (s.size() == 4 && AllDigits(s));
}

bool ValidProvider(std::string_view s) {
  return !s.empty() &&
         s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") == std::string_view::npos;
}

// Appends "<file>: <key>: <problem>".
void Report(std::vector<std::string>& problems, std::string_view file, std::string_view key,
            std::string_view problem) {
  std::string line(file);
  line.append(": ").append(key).append(": ").append(problem);
  problems.push_back(std::move(line));
}

std::optional<double> Number(const toml::node& node) {
  if (const auto d = node.value_exact<double>()) return *d;
  if (const auto i = node.value_exact<std::int64_t>()) return static_cast<double>(*i);
  return std::nullopt;
}

// Reads one price; "" when fine, else the problem.
std::string ReadPrice(const toml::node& node, double& out) {
  const auto v = Number(node);
  if (!v) return "must be a number (USD per 1M tokens)";
  if (!std::isfinite(*v) || *v < 0) return "must be a non-negative number (USD per 1M tokens)";
  out = *v;
  return {};
}

void ReadModels(const toml::node& node, const std::string& name, PriceFile& file,
                std::vector<std::string>& problems) {
  const auto* models = node.as_table();
  if (models == nullptr || models->empty()) {
    Report(problems, name, "models", "must be a table with one table per model");
    return;
  }
  for (const auto& [key, value] : *models) {
    const std::string model(key.str());
    const std::string path = "models." + model;
    const auto* table = value.as_table();
    if (model.empty() || table == nullptr) {
      Report(problems, name, path, "must be a table of input, cached_input, output");
      continue;
    }
    ModelPrice price;
    bool has_input = false;
    bool has_cached = false;
    for (const auto& [field_key, field] : *table) {
      const std::string field_name(field_key.str());
      std::string problem;
      if (field_name == "input") {
        problem = ReadPrice(field, price.input);
        has_input = problem.empty();
      } else if (field_name == "cached_input") {
        problem = ReadPrice(field, price.cached_input);
        has_cached = problem.empty();
      } else if (field_name == "output") {
        problem = ReadPrice(field, price.output);
      } else {
        problem = "unknown key";
      }
      if (!problem.empty())
        Report(problems, name, std::string(path).append(".").append(field_name), problem);
    }
    if (!has_input && !table->contains("input")) {
      Report(problems, name, path + ".input", "missing");
    }
    if (!has_cached) price.cached_input = price.input;
    file.models.emplace(model, price);
  }
}

// Parses and validates one file; nullopt (with problems appended) when it is not usable.
std::optional<PriceFile> ReadFile(const fs::path& path, std::vector<std::string>& problems) {
  const std::string name = path.filename().string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problems.push_back(name + ": cannot be read");
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  toml::table doc;
  try {
    doc = toml::parse(text.str(), name);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    problems.push_back(name + ":" + std::to_string(where.line) + ":" +
                       std::to_string(where.column) + ": " + std::string(e.description()));
    return std::nullopt;
  }

  const std::size_t problems_before = problems.size();
  PriceFile file;
  file.sheet.file = name;
  auto required_string = [&](std::string_view key, std::string& out) {
    const auto* node = doc.get(key);
    if (node == nullptr) {
      Report(problems, name, key, "missing");
    } else if (const auto v = node->value_exact<std::string>(); v && !v->empty()) {
      out = *v;
    } else {
      Report(problems, name, key, "must be a non-empty string");
    }
  };
  for (const auto& [key, node] : doc) {
    const std::string_view k = key.str();
    if (k != "provider" && k != "effective" && k != "currency" && k != "source" && k != "models") {
      Report(problems, name, k, "unknown key");
    }
  }
  required_string("provider", file.sheet.provider);
  if (!file.sheet.provider.empty() && !ValidProvider(file.sheet.provider)) {
    Report(problems, name, "provider", "must be lower-case letters, digits, - or _");
  }
  if (const auto* node = doc.get("effective"); node != nullptr && node->is_date()) {
    const auto d = *node->value<toml::date>();
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(d.year),
                  static_cast<int>(d.month), static_cast<int>(d.day));
    file.sheet.effective = buf;
  } else {
    required_string("effective", file.sheet.effective);
  }
  if (!file.sheet.effective.empty() && !IsIsoDate(file.sheet.effective)) {
    Report(problems, name, "effective", "must be a date written YYYY-MM-DD");
  }
  std::string currency;
  required_string("currency", currency);
  if (!currency.empty() && currency != "USD") {
    Report(problems, name, "currency", "must be USD");
  }
  required_string("source", file.sheet.source);
  if (const auto* models = doc.get("models"); models != nullptr) {
    ReadModels(*models, name, file, problems);
  } else {
    Report(problems, name, "models", "missing");
  }
  if (problems.size() != problems_before) return std::nullopt;
  const std::string expected = file.sheet.provider + "-" + file.sheet.effective + ".toml";
  if (name != expected) {
    Report(problems, name, "effective",
           "provider and date must match the file name (" + expected + ")");
    return std::nullopt;
  }
  return file;
}

}  // namespace

core::Result<PriceTable> PriceTable::LoadDirectory(const fs::path& dir,
                                                   std::string_view as_of_date) {
  if (!IsIsoDate(as_of_date)) {
    return core::Error::InvalidArgument("price date must be written YYYY-MM-DD");
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return core::Error::NotFound("price directory not found: " + BaseName(dir));
  }
  std::vector<fs::path> paths;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".toml" && it->is_regular_file(ec)) paths.push_back(it->path());
  }
  if (ec)
    return core::Error::Unavailable("price directory cannot be read", std::chrono::seconds(1));
  std::sort(paths.begin(), paths.end());

  std::vector<std::string> problems;
  std::map<std::string, PriceFile> in_effect;  // provider -> newest file in effect
  for (const auto& path : paths) {
    auto file = ReadFile(path, problems);
    if (!file || file->sheet.effective > as_of_date) continue;
    auto& slot = in_effect[file->sheet.provider];
    if (slot.sheet.effective < file->sheet.effective) slot = std::move(*file);
  }

  PriceTable table;
  std::map<std::string, std::string> priced_in;  // model -> file
  for (auto& [provider, file] : in_effect) {
    for (auto& [model, price] : file.models) {
      const auto [it, inserted] = priced_in.emplace(model, file.sheet.file);
      if (!inserted) {
        Report(problems, file.sheet.file, "models." + model, "also priced in " + it->second);
        continue;
      }
      table.models_.emplace(model, price);
    }
    table.sheets_.push_back(std::move(file.sheet));
  }
  if (!problems.empty()) {
    std::string message = "invalid price files:";
    for (const auto& p : problems) message += "\n  " + p;
    return core::Error::InvalidArgument(message);
  }
  return table;
}

std::optional<ModelPrice> PriceTable::Find(std::string_view model) const {
  if (const auto it = models_.find(model); it != models_.end()) return it->second;
  // Longest prefix first: cut at each '-' from the right.
  for (auto pos = model.rfind('-'); pos != std::string_view::npos && pos > 0;
       pos = model.rfind('-', pos - 1)) {
    if (!IsSnapshotSuffix(model.substr(pos + 1))) continue;
    if (const auto it = models_.find(model.substr(0, pos)); it != models_.end()) {
      return it->second;
    }
  }
  return std::nullopt;
}

std::optional<double> PriceTable::Cost(std::string_view model, const Usage& usage) const {
  const auto parts = Parts(model, usage);
  if (!parts) return std::nullopt;
  return parts->total;
}

std::optional<PriceTable::CostParts> PriceTable::Parts(std::string_view model,
                                                       const Usage& usage) const {
  const auto price = Find(model);
  if (!price) return std::nullopt;
  const double input = static_cast<double>(std::max<std::int64_t>(usage.input_tokens, 0));
  const double cached =
      std::min(static_cast<double>(std::max<std::int64_t>(usage.cached_input_tokens, 0)), input);
  const double output = static_cast<double>(std::max<std::int64_t>(usage.output_tokens, 0));
  CostParts parts;
  parts.input = (input - cached) * price->input / 1e6;
  parts.cached_input = cached * price->cached_input / 1e6;
  parts.output = output * price->output / 1e6;
  parts.total =
      ((input - cached) * price->input + cached * price->cached_input + output * price->output) /
      1e6;
  return parts;
}

}  // namespace recipe_rag::cost
