#include "eval/constraint_check.h"

namespace recipe_rag::eval {
namespace {

std::vector<Tokens> TokenizeAll(const std::vector<std::string>& phrases) {
  std::vector<Tokens> out;
  out.reserve(phrases.size());
  for (const auto& p : phrases) out.push_back(Tokenize(p));
  return out;
}

bool ContainsAny(const Tokens& tokens, const std::vector<Tokens>& phrases) {
  for (const auto& p : phrases) {
    if (ContainsPhrase(tokens, p)) return true;
  }
  return false;
}

// The items of the field the constraint checks; a missing field has none.
std::vector<std::string> FieldItems(const corpus::Recipe& recipe, const std::string& field) {
  if (field == "ingredients") return recipe.ingredients;
  if (field == "instructions") return recipe.instructions;
  if (field == "tags") return recipe.tags;
  if (field == "title") return {recipe.title};
  return {};
}

}  // namespace

ConstraintCheck::ConstraintCheck(const Constraint& constraint)
    : field_(constraint.field),
      allow_(TokenizeAll(constraint.allow_phrases)),
      exclude_(TokenizeAll(constraint.exclude_words)),
      ambiguous_(TokenizeAll(constraint.ambiguous_words)),
      title_(TokenizeAll(constraint.title_words)),
      has_ok_tag_(!constraint.ambiguous_ok_if_tag.empty()),
      ok_tag_(Fold(constraint.ambiguous_ok_if_tag)) {}

bool ConstraintCheck::TaggedOk(const corpus::Recipe& recipe) const {
  if (!has_ok_tag_) return false;
  for (const auto& tag : recipe.tags) {
    if (Fold(tag) == ok_tag_) return true;
  }
  return false;
}

bool ConstraintCheck::Violates(const corpus::Recipe& recipe) const {
  const bool tagged_ok = TaggedOk(recipe);
  for (const auto& item : FieldItems(recipe, field_)) {
    auto tokens = Tokenize(item);
    BlankPhrases(tokens, allow_);
    if (ContainsAny(tokens, exclude_)) return true;
    if (!tagged_ok && ContainsAny(tokens, ambiguous_)) return true;
  }
  if (!title_.empty() && !tagged_ok) {
    auto tokens = Tokenize(recipe.title);
    BlankPhrases(tokens, allow_);
    if (ContainsAny(tokens, title_)) return true;
  }
  return false;
}

}  // namespace recipe_rag::eval
