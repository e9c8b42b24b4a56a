// ConstraintCheck: whether a recipe breaks a query's constraint (eval/README.md "Constraints"),
// decided exactly as the reference scorer's violates().
//
// A recipe breaks the constraint when, in any item of the checked field (an ingredient line by
// default) with the allow_phrases blanked out, an exclude_words phrase occurs; or an
// ambiguous_words phrase occurs and the recipe has no tag equal (after folding) to
// ambiguous_ok_if_tag; or title_words is non-empty, the recipe is not so tagged, and the title
// (allow_phrases blanked) contains a title_words phrase. Matching is on normalised,
// plural-stemmed tokens (text_match.h). Immutable after construction; safe from many threads.
#pragma once

#include <string>
#include <vector>

#include "corpus/recipe.h"
#include "eval/query_set.h"
#include "eval/text_match.h"

namespace recipe_rag::eval {

class ConstraintCheck {
 public:
  // Tokenises every phrase once. `constraint` need not outlive the check.
  explicit ConstraintCheck(const Constraint& constraint);

  bool Violates(const corpus::Recipe& recipe) const;

 private:
  bool TaggedOk(const corpus::Recipe& recipe) const;

  std::string field_;
  std::vector<Tokens> allow_;
  std::vector<Tokens> exclude_;
  std::vector<Tokens> ambiguous_;
  std::vector<Tokens> title_;
  bool has_ok_tag_;
  std::string ok_tag_;  // folded
};

}  // namespace recipe_rag::eval
