// The extractive writer: the offline default for `generated_response`. It composes a short
// answer only from the retrieved recipes — it names each one and nothing else — and says
// plainly when nothing matched, or when every match is a low-confidence one (then it names
// them as the closest, not as answers). Low-confidence recipes after confident ones are left
// out of the answer. Pure function; safe from many threads.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace recipe_rag::llm {

// What the writer may use of one retrieved recipe.
struct SourceRecipe {
  std::string_view id;
  std::string_view title;
  const std::vector<std::string>* ingredients = nullptr;  // may be null
  bool low_confidence = false;  // retrieval is not confident this recipe answers the query
};

std::string WriteExtractiveAnswer(std::string_view query, std::span<const SourceRecipe> sources);

// "2 cups stewed tomatoes, strained" → "stewed tomatoes": the ingredient without its
// quantity, unit or preparation note (best effort, for naming key ingredients).
std::string IngredientName(std::string_view line);

}  // namespace recipe_rag::llm
