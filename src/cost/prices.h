// PriceTable: what a model call costs, from dated price files.
//
// Prices live in `prices/<provider>-<YYYY-MM-DD>.toml` (one file per provider and effective
// date, so a price change is a new file and old costs stay explainable):
//
//   provider = "openai"
//   effective = "2026-11-01"       # must match the file name
//   currency = "USD"               # the only currency costs are computed in
//   source = "https://openai.com/api/pricing/"
//   [models."gpt-4o-mini"]
//   input = 0.15                   # USD per 1M input tokens (required)
//   cached_input = 0.075           # USD per 1M cached input tokens (default: input)
//   output = 0.60                  # USD per 1M output tokens (default: 0, e.g. embeddings)
//
// Immutable once loaded; safe from many threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace recipe_rag::cost {

// Tokens of one call, as the provider reports them (OpenAI's `usage`).
struct Usage {
  std::int64_t input_tokens = 0;         // every prompt token, cached ones included
  std::int64_t cached_input_tokens = 0;  // the part of input_tokens read from the prompt cache
  std::int64_t output_tokens = 0;        // completion tokens, reasoning tokens included
};

// USD per 1M tokens.
struct ModelPrice {
  double input = 0;
  double cached_input = 0;
  double output = 0;
};

// The file a provider's prices were taken from, for logs and /version.
struct PriceSheet {
  std::string provider;
  std::string effective;  // YYYY-MM-DD
  std::string source;     // where the prices were read by a person
  std::string file;       // base name
};

class PriceTable {
 public:
  // Reads every `*.toml` file in `dir` (other files are ignored) and keeps, per provider, the
  // newest file whose effective date is on or before `as_of_date` (YYYY-MM-DD, UTC). Every file
  // is validated, including ones not yet in effect, so a bad future file fails at start-up.
  // A provider with no file in effect yet has no prices (its models are unknown).
  // NotFound when `dir` does not exist; InvalidArgument for a malformed `as_of_date`, or
  // listing every problem found, each as "<file base name>: <key>: <problem>" (TOML syntax,
  // unknown keys, missing or mistyped values, a negative price, an effective date that does
  // not match the file name, a currency other than USD, a model priced by two providers).
  static core::Result<PriceTable> LoadDirectory(const std::filesystem::path& dir,
                                                std::string_view as_of_date);

  // The price of `model`, or of the model it is a dated snapshot of: "gpt-4o-mini-2024-07-18"
  // and "gpt-4-0613" fall back to the longest listed name followed by '-' and a date
  // (YYYY-MM-DD or MMDD). Other suffixes ("o3-pro", "gpt-4o-realtime-preview") are different
  // models with different prices and stay unknown. nullopt when unknown.
  std::optional<ModelPrice> Find(std::string_view model) const;

  // USD for one call: (input - cached) x input + cached x cached_input + output x output, per
  // 1M tokens. Negative counts read as 0 and cached tokens are capped at the input tokens.
  // nullopt when the model is unknown (callers count the call as unpriced).
  std::optional<double> Cost(std::string_view model, const Usage& usage) const;

  // The same cost by part (USD): uncached input, cached input, output, and their total.
  struct CostParts {
    double input = 0;
    double cached_input = 0;
    double output = 0;
    double total = 0;
  };
  std::optional<CostParts> Parts(std::string_view model, const Usage& usage) const;

  // The files in effect, one per provider, sorted by provider.
  const std::vector<PriceSheet>& sheets() const { return sheets_; }

 private:
  std::map<std::string, ModelPrice, std::less<>> models_;
  std::vector<PriceSheet> sheets_;
};

}  // namespace recipe_rag::cost
