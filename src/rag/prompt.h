// Prompts as versioned files: prompts/<name>/<version>.toml, each with a description, a
// system and a user template, and model parameters:
//
//   description = "Answers a cooking question from the retrieved recipes only"
//   system = """You answer only from the recipes given…"""
//   user = """Question: {{question}}\n\nRecipes:\n{{recipes}}"""
//   [model]
//   temperature = 0.2
//   max_tokens = 500
//
// Templates name their inputs as {{question}} and {{recipes}}; any other {{…}} is an error
// when the file is loaded, not when a request renders it. Names and versions are lower-case
// letters, digits, '-', '_' and '.', so a reference ("grounded-answer@1") cannot leave the
// prompts directory. Loaded prompts are immutable; safe from many threads.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace recipe_rag::rag {

struct PromptInputs {
  std::string_view question;
  std::string_view recipes;  // the retrieved recipes, as the caller lays them out
};

struct ModelParameters {
  std::optional<double> temperature;  // 0–2
  std::optional<double> top_p;        // 0–1
  std::optional<long> max_tokens;     // ≥ 1
};

struct Prompt {
  std::string name;
  std::string version;
  std::string description;
  std::string system;
  std::string user;
  ModelParameters model;

  // "name@version", as responses and log lines name it.
  std::string ref() const { return name + "@" + version; }
  std::string RenderSystem(const PromptInputs& inputs) const;
  std::string RenderUser(const PromptInputs& inputs) const;
};

// Parses one prompt file's text. InvalidArgument naming the problem (TOML error with its
// line, a missing or empty template, an unknown placeholder, a parameter out of range).
core::Result<Prompt> ParsePrompt(std::string_view text, std::string name, std::string version);

// Every prompts/<name>/<version>.toml under `dir`.
class PromptRegistry {
 public:
  // NotFound when `dir` is missing; InvalidArgument naming the file for a bad one.
  static core::Result<PromptRegistry> Load(const std::filesystem::path& dir);

  // "name@version", or "name" for its highest version (versions compare as numbers when both
  // are, else as text). NotFound when there is no such prompt.
  core::Result<const Prompt*> Find(std::string_view ref) const;
  std::size_t size() const;

 private:
  std::map<std::string, std::map<std::string, Prompt>> prompts_;  // name → version → prompt
};

}  // namespace recipe_rag::rag
