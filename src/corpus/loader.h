// Loading and validating a recipe corpus file (data/recipes/*.json, schema in ATTRIBUTION.md).
//
// A corpus is read once at start-up (or on reload) and handed to the indexers; a corpus that
// breaks any field contract of Recipe is rejected as a whole, with every problem reported by
// record index and field, so a bad file is fixed in one pass. Nothing here throws: the JSON
// library's exceptions are caught and returned as errors. Free functions, safe from many threads.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "corpus/recipe.h"

namespace recipe_rag::corpus {

// A validated corpus, records in file order.
struct Corpus {
  std::vector<Recipe> recipes;  // ids unique; may be empty when the file holds "[]"
  std::string sha256;           // lower-case hex SHA-256 of the file bytes (identifies the build)
};

struct LoadOptions {
  // Reject records whose "instructions" array is empty. Default true (recipe_data.json);
  // set false for recipe_data_large.json, whose records all have "instructions": [].
  bool require_instructions = true;
  // At most this many problems are spelled out in the error message (default 20); the
  // message then ends with the total count.
  std::size_t max_reported_errors = 20;
};

// Parses and validates a corpus held in memory. Accepts a top-level JSON array of records, or an
// object whose "recipes" member is that array. Record rules: an object; "id" a non-empty string,
// unique in the file; "title" a string, not blank; "ingredients" a non-empty array of strings;
// "instructions" an array of strings (non-empty when options.require_instructions); "tags" an
// array of strings; "cuisine" and "url" a string, null or absent; "source" a string or absent;
// "time_minutes" absent or a positive integer that fits an int. Other fields go to Recipe::extra.
// Corpus::sha256 is the hash of `json_text`.
//
// Errors, all kDataLoss: JSON nested deeper than 64 levels; malformed JSON or invalid UTF-8 (the
// message gives the byte offset, counted from 0, and line/column); a top level that is not an
// array of records; any record breaking a rule. For records the message has one line per
// problem, such as
//   record 12 (id "beeton-0013"): field "title": must be a non-empty string
// where 12 is the 0-based index in the array; at most options.max_reported_errors lines, then
// "N problems in M records" when some were left out.
core::Result<Corpus> ParseCorpus(std::string_view json_text, const LoadOptions& options);

// Reads the file at `path` and returns ParseCorpus() of its bytes. kNotFound when the file
// cannot be opened or is not a regular file; kDataLoss when reading fails, or as ParseCorpus().
// Messages name the file by its file name only, never by its full path.
core::Result<Corpus> LoadCorpusFile(const std::filesystem::path& path, const LoadOptions& options);

}  // namespace recipe_rag::corpus
