#include "retrieval/lsa_embedder.h"

#include <xapian.h>

#include <Eigen/Dense>
#include <Eigen/SVD>
#include <Eigen/Sparse>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <random>

#include "retrieval/query_analyzer.h"

namespace recipe_rag::retrieval {
namespace {

constexpr char kMagic[8] = {'R', 'R', 'L', 'S', 'A', '0', '0', '1'};
constexpr int kOversample = 16;  // extra sketch columns: accuracy of the randomised SVD

using Dense = Eigen::MatrixXf;
using Sparse = Eigen::SparseMatrix<float, Eigen::RowMajor>;

bool HasLetter(const std::string& word) {
  return std::any_of(word.begin(), word.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || (u >= 'a' && u <= 'z');
  });
}

// Orthonormal basis of the columns of m (thin Q of its QR decomposition).
Dense Orthonormalize(const Dense& m) {
  Eigen::HouseholderQR<Dense> qr(m);
  return qr.householderQ() * Dense::Identity(m.rows(), m.cols());
}

// Sublinear TF-IDF weight of a term seen `tf` times.
float Weight(int tf, float idf) { return (1.0f + std::log(static_cast<float>(tf))) * idf; }

template <class T>
void Put(std::ostream& out, T value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof value);
}

template <class T>
bool Get(std::istream& in, T& value) {
  return static_cast<bool>(in.read(reinterpret_cast<char*>(&value), sizeof value));
}

}  // namespace

std::vector<std::string> EmbeddingTokens(const std::string& text) {
  // A Stem keeps per-call state, so each thread has its own.
  thread_local const Xapian::Stem stem("english");
  std::vector<std::string> tokens;
  for (auto& w : SplitWords(text)) {
    if (HasLetter(w)) tokens.push_back(stem(w));
  }
  return tokens;
}

LsaEmbedder::LsaEmbedder(int dim, std::vector<std::string> terms, std::vector<float> idf,
                         std::vector<float> projection)
    : info_{kName, kVersion, dim},
      terms_(std::move(terms)),
      idf_(std::move(idf)),
      projection_(std::move(projection)) {
  index_.reserve(terms_.size());
  for (std::uint32_t i = 0; i < terms_.size(); ++i) index_.emplace(terms_[i], i);
}

core::Result<std::unique_ptr<LsaEmbedder>> LsaEmbedder::Train(
    const std::vector<std::string>& documents, const TrainOptions& options) {
  if (documents.empty()) return core::Error::InvalidArgument("no documents to train on");
  if (options.dim <= 0) return core::Error::InvalidArgument("dimension must be positive");

  // Term counts per document, and document frequencies; std::map keeps the vocabulary order
  // (and so the model) independent of hashing.
  std::vector<std::map<std::string, int>> counts(documents.size());
  std::map<std::string, int> df;
  for (std::size_t d = 0; d < documents.size(); ++d) {
    for (auto& t : EmbeddingTokens(documents[d])) ++counts[d][std::move(t)];
    for (const auto& [term, n] : counts[d]) ++df[term];
  }
  std::vector<std::string> terms;
  std::vector<float> idf;
  std::map<std::string, std::uint32_t> column;
  const auto n_docs = static_cast<float>(documents.size());
  for (const auto& [term, n] : df) {
    if (n < options.min_df) continue;
    column.emplace(term, static_cast<std::uint32_t>(terms.size()));
    terms.push_back(term);
    idf.push_back(std::log((n_docs + 1.0f) / (static_cast<float>(n) + 1.0f)) + 1.0f);
  }
  if (terms.empty()) {
    return core::Error::InvalidArgument("no word occurs in enough documents to train on");
  }

  // The documents' TF-IDF matrix, rows L2-normalised.
  std::vector<Eigen::Triplet<float>> cells;
  for (std::size_t d = 0; d < documents.size(); ++d) {
    const auto first = cells.size();
    float norm = 0;
    for (const auto& [term, tf] : counts[d]) {
      const auto it = column.find(term);
      if (it == column.end()) continue;
      const float w = Weight(tf, idf[it->second]);
      cells.emplace_back(static_cast<int>(d), static_cast<int>(it->second), w);
      norm += w * w;
    }
    if (norm <= 0) continue;
    norm = std::sqrt(norm);
    for (auto i = first; i < cells.size(); ++i) {
      cells[i] = {cells[i].row(), cells[i].col(), cells[i].value() / norm};
    }
  }
  Sparse a(static_cast<Eigen::Index>(documents.size()), static_cast<Eigen::Index>(terms.size()));
  a.setFromTriplets(cells.begin(), cells.end());
  cells = {};
  counts = {};

  // Randomised truncated SVD: only the right singular vectors are needed.
  const Eigen::Index rank = std::min<Eigen::Index>({options.dim, a.rows(), a.cols()});
  const Eigen::Index sketch = std::min<Eigen::Index>({rank + kOversample, a.rows(), a.cols()});
  std::mt19937_64 rng(options.seed);
  std::normal_distribution<float> gaussian;
  Dense omega(a.cols(), sketch);
  for (Eigen::Index j = 0; j < omega.cols(); ++j) {
    for (Eigen::Index i = 0; i < omega.rows(); ++i) omega(i, j) = gaussian(rng);
  }
  Dense q = Orthonormalize(a * omega);
  for (int i = 0; i < options.power_iterations; ++i) {
    const Dense z = Orthonormalize(a.transpose() * q);
    q = Orthonormalize(a * z);
  }
  const Dense bt = a.transpose() * q;  // (Qᵀ A)ᵀ: vocabulary × sketch
  Eigen::BDCSVD<Dense> svd(bt, Eigen::ComputeThinU);
  const Dense& v = svd.matrixU();  // right singular vectors of A, by singular value

  std::vector<float> projection(terms.size() * static_cast<std::size_t>(options.dim), 0.0f);
  for (std::size_t t = 0; t < terms.size(); ++t) {
    for (Eigen::Index k = 0; k < rank; ++k) {
      projection[t * static_cast<std::size_t>(options.dim) + static_cast<std::size_t>(k)] =
          v(static_cast<Eigen::Index>(t), k);
    }
  }
  return std::unique_ptr<LsaEmbedder>(
      new LsaEmbedder(options.dim, std::move(terms), std::move(idf), std::move(projection)));
}

void LsaEmbedder::EmbedOne(const std::string& text, float* out) const {
  std::map<std::uint32_t, int> tf;
  for (const auto& token : EmbeddingTokens(text)) {
    if (const auto it = index_.find(token); it != index_.end()) ++tf[it->second];
  }
  const auto dim = static_cast<std::size_t>(info_.dim);
  for (const auto& [term, n] : tf) {
    const float w = Weight(n, idf_[term]);
    const float* row = projection_.data() + term * dim;
    for (std::size_t k = 0; k < dim; ++k) out[k] += w * row[k];
  }
  float norm = 0;
  for (std::size_t k = 0; k < dim; ++k) norm += out[k] * out[k];
  if (norm <= 0) return;
  norm = 1.0f / std::sqrt(norm);
  for (std::size_t k = 0; k < dim; ++k) out[k] *= norm;
}

core::Result<std::vector<float>> LsaEmbedder::Embed(const std::vector<std::string>& texts) const {
  const auto dim = static_cast<std::size_t>(info_.dim);
  std::vector<float> out(texts.size() * dim, 0.0f);
  for (std::size_t i = 0; i < texts.size(); ++i) EmbedOne(texts[i], out.data() + i * dim);
  return out;
}

core::Status LsaEmbedder::Save(const std::filesystem::path& file) const {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(kMagic, sizeof kMagic);
  Put(out, static_cast<std::uint32_t>(info_.dim));
  Put(out, static_cast<std::uint32_t>(terms_.size()));
  Put(out, std::uint32_t{0});  // reserved
  for (std::size_t i = 0; i < terms_.size(); ++i) {
    Put(out, static_cast<std::uint16_t>(terms_[i].size()));
    out.write(terms_[i].data(), static_cast<std::streamsize>(terms_[i].size()));
    Put(out, idf_[i]);
  }
  out.write(reinterpret_cast<const char*>(projection_.data()),
            static_cast<std::streamsize>(projection_.size() * sizeof(float)));
  out.close();
  if (!out) return core::Error::Internal("cannot write the embedder model");
  return core::Status::Ok();
}

core::Result<std::unique_ptr<LsaEmbedder>> LsaEmbedder::Load(const std::filesystem::path& file) {
  const auto bad = [] { return core::Error::DataLoss("embedder model is not a valid LSA model"); };
  std::ifstream in(file, std::ios::binary);
  if (!in) return core::Error::NotFound("embedder model not found");
  char magic[sizeof kMagic];
  std::uint32_t dim = 0, vocab = 0, reserved = 0;
  if (!in.read(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof kMagic) != 0) return bad();
  if (!Get(in, dim) || !Get(in, vocab) || !Get(in, reserved)) return bad();
  if (dim == 0 || dim > 65'536 || vocab == 0 || vocab > 50'000'000) return bad();
  // The file must hold what the header claims before anything that size is allocated: each
  // word takes at least 7 bytes, and the projection vocab × dim floats.
  std::error_code ec;
  const auto file_bytes = std::filesystem::file_size(file, ec);
  const auto projection_bytes = std::uint64_t{vocab} * dim * sizeof(float);
  if (ec || file_bytes < sizeof kMagic + 12 + std::uint64_t{vocab} * 7 + projection_bytes) {
    return bad();
  }
  std::vector<std::string> terms(vocab);
  std::vector<float> idf(vocab);
  for (std::uint32_t i = 0; i < vocab; ++i) {
    std::uint16_t len = 0;
    if (!Get(in, len) || len == 0) return bad();
    terms[i].resize(len);
    if (!in.read(terms[i].data(), len) || !Get(in, idf[i]) || !std::isfinite(idf[i])) return bad();
  }
  std::vector<float> projection(static_cast<std::size_t>(vocab) * dim);
  if (!in.read(reinterpret_cast<char*>(projection.data()),
               static_cast<std::streamsize>(projection.size() * sizeof(float)))) {
    return bad();
  }
  if (in.peek() != std::ifstream::traits_type::eof()) return bad();
  return std::unique_ptr<LsaEmbedder>(new LsaEmbedder(static_cast<int>(dim), std::move(terms),
                                                      std::move(idf), std::move(projection)));
}

}  // namespace recipe_rag::retrieval
