#include "retrieval/index.h"

#include <faiss/Index.h>
#include <unistd.h>
#include <xapian.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/crypto.h"
#include "core/version.h"
#include "retrieval/caching_retriever.h"
#include "retrieval/lsa_embedder.h"
#include "retrieval/query_intents.h"

namespace recipe_rag::retrieval {
namespace fs = std::filesystem;
namespace {

constexpr const char* kRecipesFile = "recipes.json";
constexpr const char* kLexiconFile = "lexicon.tsv";
constexpr const char* kLexicalFile = "lexical.glass";
constexpr const char* kModelFile = "model.lsa";
constexpr const char* kVectorsFile = "vectors.faiss";

std::string UtcNow(const char* format) {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

core::Status WriteFile(const fs::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) return core::Error::Internal("cannot write " + path.filename().string());
  return core::Status::Ok();
}

core::Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::Error::NotFound("cannot read " + path.filename().string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replaces `out` with `built`: the old directory is moved aside first and removed after.
core::Status Install(const fs::path& built, const fs::path& out) {
  std::error_code ec;
  const fs::path old = out.string() + ".old-" + std::to_string(::getpid());
  const bool had_old = fs::exists(out, ec);
  if (had_old) {
    fs::rename(out, old, ec);
    if (ec) return core::Error::Internal("cannot move the previous index aside: " + ec.message());
  }
  fs::rename(built, out, ec);
  if (ec) {
    if (had_old) fs::rename(old, out, ec);
    return core::Error::Internal("cannot install the new index: " + ec.message());
  }
  if (had_old) fs::remove_all(old, ec);
  return core::Status::Ok();
}

// What the embedder reads of a recipe: the title twice (it names the dish), then tags,
// ingredients and method.
std::string EmbeddingDocumentText(const corpus::Recipe& r) {
  std::string text = r.title + ". " + r.title + ".";
  for (const auto* field : {&r.tags, &r.ingredients}) {
    for (const auto& part : *field) text.append(" ").append(part);
  }
  return text;
}

std::string FaissVersion() {
  return std::to_string(FAISS_VERSION_MAJOR) + "." + std::to_string(FAISS_VERSION_MINOR) + "." +
         std::to_string(FAISS_VERSION_PATCH);
}

}  // namespace

core::Result<Manifest> BuildIndex(const BuildRequest& request) {
  corpus::LoadOptions load_options;
  load_options.require_instructions = request.require_instructions;
  auto corpus = corpus::LoadCorpusFile(request.corpus_file, load_options);
  if (!corpus.ok()) return std::move(corpus).error();
  auto lexicon_text = ReadFile(request.lexicon_file);
  if (!lexicon_text.ok()) return std::move(lexicon_text).error();
  auto lexicon = Lexicon::Parse(*lexicon_text);
  if (!lexicon.ok()) return std::move(lexicon).error();

  std::error_code ec;
  const fs::path out = fs::absolute(request.out_dir, ec);
  const fs::path tmp = out.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return core::Error::Internal("cannot create the index directory: " + ec.message());

  auto fail = [&](core::Error e) -> core::Result<Manifest> {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    return e;
  };

  nlohmann::json records = nlohmann::json::array();
  for (const auto& r : corpus->recipes) records.push_back(corpus::ToJson(r));
  if (auto st = WriteFile(tmp / kRecipesFile, records.dump()); !st.ok())
    return fail(std::move(st).error());
  if (auto st = WriteFile(tmp / kLexiconFile, *lexicon_text); !st.ok())
    return fail(std::move(st).error());
  // The lexical and the vector index need nothing from each other, so the lexical one is built
  // on other threads meanwhile.
  auto lexical = std::async(std::launch::async, [&] {
    return XapianIndex::Build(corpus->recipes, lexicon->Phrases(), tmp / kLexicalFile);
  });
  auto embedded = [&]() -> core::Result<EmbedderInfo> {
    std::vector<std::string> texts;
    texts.reserve(corpus->recipes.size());
    for (const auto& r : corpus->recipes) texts.push_back(EmbeddingDocumentText(r));
    if (request.embedder != nullptr) {
      const auto& remote = *request.embedder;
      auto vectors = remote.Embed(texts);
      if (!vectors.ok()) return std::move(vectors).error();
      if (auto st = VectorIndex::Build(*vectors, remote.info().dim, texts.size(),
                                       request.hnsw_threshold, tmp / kVectorsFile);
          !st.ok()) {
        return std::move(st).error();
      }
      return remote.info();
    }
    auto embedder = LsaEmbedder::Train(texts, {.dim = request.embedding_dim,
                                               .seed = request.embedder_seed,
                                               .min_df = 2,
                                               .power_iterations = 3});
    if (!embedder.ok()) return std::move(embedder).error();
    if (auto st = (*embedder)->Save(tmp / kModelFile); !st.ok()) return std::move(st).error();
    auto vectors = (*embedder)->Embed(texts);
    if (!vectors.ok()) return std::move(vectors).error();
    if (auto st = VectorIndex::Build(*vectors, request.embedding_dim, texts.size(),
                                     request.hnsw_threshold, tmp / kVectorsFile);
        !st.ok()) {
      return std::move(st).error();
    }
    return (*embedder)->info();
  }();
  if (auto st = lexical.get(); !st.ok()) return fail(std::move(st).error());
  if (!embedded.ok()) return fail(std::move(embedded).error());

  Manifest m;
  m.builder_version = core::kVersion;
  m.build_time = UtcNow("%Y-%m-%dT%H:%M:%SZ");
  m.index_version = UtcNow("%Y%m%dT%H%M%SZ") + "-" + corpus->sha256.substr(0, 8);
  m.corpus_file = request.corpus_file.filename().string();
  m.corpus_sha256 = corpus->sha256;
  m.records = corpus->recipes.size();
  m.lexicon_sha256 = core::Sha256Hex(*lexicon_text);
  m.lexicon_entries = lexicon->size();
  m.lexical_engine = std::string("xapian ") + Xapian::version_string() + ", bm25, english stemmer";
  const auto& info = *embedded;
  m.embedder_name = info.name;
  m.embedder_version = info.version;
  m.embedding_dim = info.dim;
  m.vector_engine = "faiss " + FaissVersion() + ", " +
                    (corpus->recipes.size() >= request.hnsw_threshold ? "hnsw" : "flat") +
                    " inner product";
  if (auto st = RecordFiles(
          tmp,
          request.embedder != nullptr
              ? std::vector<std::string>{kRecipesFile, kLexiconFile, kLexicalFile, kVectorsFile}
              : std::vector<std::string>{kRecipesFile, kLexiconFile, kLexicalFile, kModelFile,
                                         kVectorsFile},
          m);
      !st.ok()) {
    return fail(std::move(st).error());
  }
  if (auto st = WriteFile(tmp / "manifest.json", ManifestToJson(m)); !st.ok()) {
    return fail(std::move(st).error());
  }
  if (auto st = Install(tmp, out); !st.ok()) return fail(std::move(st).error());
  return m;
}

core::Result<std::shared_ptr<const LoadedIndex>> LoadIndex(const fs::path& dir,
                                                           const LoadOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return core::Error::NotFound("no index directory (build it with `recipe-rag index build`)");
  }
  auto manifest = ReadManifest(dir);
  if (!manifest.ok()) return std::move(manifest).error();
  if (options.expected_embedder && (manifest->embedder_name != options.expected_embedder->first ||
                                    manifest->embedding_dim != options.expected_embedder->second)) {
    return core::Error::DataLoss(
        "index was built with embedder " + manifest->embedder_name + " (dimension " +
        std::to_string(manifest->embedding_dim) + "), the configuration asks for " +
        options.expected_embedder->first + " (dimension " +
        std::to_string(options.expected_embedder->second) + "); rebuild the index");
  }
  const bool remote = manifest->embedder_name != LsaEmbedder::kName;
  for (const char* required :
       {kRecipesFile, kLexiconFile, kLexicalFile, kModelFile, kVectorsFile}) {
    if (remote && std::string_view(required) == kModelFile) continue;
    if (!manifest->files.count(required)) {
      return core::Error::DataLoss(std::string("index manifest does not list ") + required);
    }
  }
  if (auto st = VerifyFiles(dir, *manifest); !st.ok()) return std::move(st).error();

  auto recipes_text = ReadFile(dir / kRecipesFile);
  if (!recipes_text.ok()) return std::move(recipes_text).error();
  corpus::LoadOptions load_options;
  load_options.require_instructions = false;
  auto corpus = corpus::ParseCorpus(*recipes_text, load_options);
  if (!corpus.ok()) return core::Error::DataLoss("index recipes.json: " + corpus.error().message);
  if (corpus->recipes.size() != manifest->records) {
    return core::Error::DataLoss("index recipes.json has " +
                                 std::to_string(corpus->recipes.size()) +
                                 " records, manifest says " + std::to_string(manifest->records));
  }
  auto lexicon = Lexicon::Load(dir / kLexiconFile);
  if (!lexicon.ok()) return core::Error::DataLoss("index lexicon: " + lexicon.error().message);
  auto lexical = XapianIndex::Open(dir / kLexicalFile, FoodFamilyWords());
  if (!lexical.ok()) return std::move(lexical).error();
  if ((*lexical)->doc_count() != corpus->recipes.size()) {
    return core::Error::DataLoss("index lexical.glass does not match recipes.json");
  }

  std::unique_ptr<Embedder> embedder;
  if (remote) {
    if (!options.remote_embedder) {
      return core::Error::DataLoss("index vectors come from embedder " + manifest->embedder_name +
                                   ", which this process is not configured to call");
    }
    auto made = options.remote_embedder(EmbedderOf(*manifest));
    if (!made.ok()) return std::move(made).error();
    embedder = std::move(*made);
  } else {
    if (manifest->embedder_version != LsaEmbedder::kVersion) {
      return core::Error::DataLoss("index embedder " + manifest->embedder_name + " version " +
                                   manifest->embedder_version + " is not supported by this build");
    }
    auto lsa = LsaEmbedder::Load(dir / kModelFile);
    if (!lsa.ok()) return std::move(lsa).error();
    if ((*lsa)->info() != EmbedderOf(*manifest)) {
      return core::Error::DataLoss("index model.lsa does not match the manifest's embedder");
    }
    embedder = std::move(*lsa);
  }
  auto vectors = VectorIndex::Open(dir / kVectorsFile);
  if (!vectors.ok()) return std::move(vectors).error();
  if ((*vectors)->size() != corpus->recipes.size() ||
      (*vectors)->dim() != manifest->embedding_dim) {
    return core::Error::DataLoss("index vectors.faiss does not match recipes.json");
  }

  auto index = std::make_shared<LoadedIndex>();
  index->manifest = std::move(*manifest);
  index->recipes = std::move(corpus->recipes);
  std::unique_ptr<Retriever> retriever =
      std::make_unique<HybridRetriever>(index->recipes, std::move(*lexicon), std::move(*lexical),
                                        std::move(embedder), std::move(*vectors), options.search);
  if (options.cache_entries > 0) {
    retriever = std::make_unique<CachingRetriever>(std::move(retriever), options.cache_entries);
  }
  index->retriever = std::move(retriever);
  return std::shared_ptr<const LoadedIndex>(std::move(index));
}

}  // namespace recipe_rag::retrieval
