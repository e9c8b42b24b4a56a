// LsaEmbedder: latent semantic analysis trained from the corpus at index-build time.
//
// Each text becomes a TF-IDF vector over the corpus vocabulary (Unicode words, English Snowball
// stems, sublinear term frequency, smoothed IDF, L2-normalised), then is projected onto the
// top right singular vectors of the corpus' TF-IDF matrix and normalised again. Recipes that
// share vocabulary with each other share directions ("macaroni" lands near "cheese" and
// "baked"), so a query finds recipes that do not contain its exact words.
//
// The truncated SVD is randomised (Halko, Martinsson & Tropp 2011: a Gaussian sketch, power
// iterations, then an exact SVD of the small projected matrix), deterministic for a seed.
// When the corpus has fewer documents or words than `dim`, the missing directions are zero.
//
// Model file (model.lsa, little-endian): magic "RRLSA001", u32 dim, u32 vocabulary size,
// u32 reserved (0); per word: u16 byte length, UTF-8 bytes, f32 idf; then the projection,
// vocabulary × dim f32, row-major.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "retrieval/embedder.h"

namespace recipe_rag::retrieval {

class LsaEmbedder final : public Embedder {
 public:
  static constexpr const char* kName = "lsa";
  static constexpr const char* kVersion = "1";

  struct TrainOptions {
    int dim = 256;
    std::uint64_t seed = 42;
    int min_df = 2;            // words in fewer documents are left out of the vocabulary
    int power_iterations = 3;  // more: closer to the exact SVD, slower to build
  };

  // InvalidArgument when `documents` is empty or no word occurs in min_df documents.
  static core::Result<std::unique_ptr<LsaEmbedder>> Train(const std::vector<std::string>& documents,
                                                          const TrainOptions& options);
  // DataLoss when the file is not a model this version wrote.
  static core::Result<std::unique_ptr<LsaEmbedder>> Load(const std::filesystem::path& file);
  core::Status Save(const std::filesystem::path& file) const;

  const EmbedderInfo& info() const override { return info_; }
  core::Result<std::vector<float>> Embed(const std::vector<std::string>& texts) const override;

  std::size_t vocabulary_size() const { return terms_.size(); }

 private:
  LsaEmbedder(int dim, std::vector<std::string> terms, std::vector<float> idf,
              std::vector<float> projection);
  // Adds the unit-length embedding of `text` to out[0..dim).
  void EmbedOne(const std::string& text, float* out) const;

  EmbedderInfo info_;
  std::vector<std::string> terms_;
  std::unordered_map<std::string, std::uint32_t> index_;
  std::vector<float> idf_;
  std::vector<float> projection_;  // terms_.size() × dim, row-major
};

// Lower-case English Snowball stems of the words in `text` that contain a letter: the tokens
// the LSA vocabulary is made of.
std::vector<std::string> EmbeddingTokens(const std::string& text);

}  // namespace recipe_rag::retrieval
