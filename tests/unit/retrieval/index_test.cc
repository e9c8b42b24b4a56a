#include "retrieval/index.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "unit/retrieval/temp_dir.h"
#include "unit/retrieval/test_corpus.h"

namespace recipe_rag::retrieval {
namespace {

namespace fs = std::filesystem;
using core::ErrorCode;
using Json = nlohmann::json;
using testing::Contains;
using testing::HitIds;
using testing::Ids;
using testing::kLexicon;
using testing::Record;
using testing::SmallCorpus;

Filters Tags(std::vector<std::string> tags) {
  Filters f;
  f.tags = std::move(tags);
  return f;
}

Filters Excluding(std::vector<std::string> ingredients) {
  Filters f;
  f.exclude_ingredients = std::move(ingredients);
  return f;
}

// ---- Search over a built and loaded index (built once for the suite) ----

class IndexSearchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    auto loaded = testing::BuildAndLoadIndex(dir_->path(), SmallCorpus(), kLexicon);
    if (!loaded.ok()) {
      build_error_ = new std::string(loaded.error().message);
      return;
    }
    index_ = new std::shared_ptr<const LoadedIndex>(std::move(loaded).value());
  }

  static void TearDownTestSuite() {
    delete index_;
    delete build_error_;
    delete dir_;
    index_ = nullptr;
    build_error_ = nullptr;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(index_, nullptr) << (build_error_ ? *build_error_ : "no temp dir");
  }

  std::vector<Hit> Search(const std::string& text, std::size_t top_k = 10, Filters filters = {}) {
    Query q;
    q.text = text;
    q.top_k = top_k;
    q.filters = std::move(filters);
    auto hits = (*index_)->retriever->Search(q);
    EXPECT_TRUE(hits.ok()) << hits.error().message;
    return hits.ok() ? std::move(hits).value() : std::vector<Hit>{};
  }

  Ids SearchIds(const std::string& text, std::size_t top_k = 10, Filters filters = {}) {
    return HitIds(**index_, Search(text, top_k, std::move(filters)));
  }

  static testing::TempDir* dir_;
  static std::string* build_error_;
  static std::shared_ptr<const LoadedIndex>* index_;
};

testing::TempDir* IndexSearchTest::dir_ = nullptr;
std::string* IndexSearchTest::build_error_ = nullptr;
std::shared_ptr<const LoadedIndex>* IndexSearchTest::index_ = nullptr;

TEST_F(IndexSearchTest, LoadedIndexHoldsTheCorpusInFileOrder) {
  const auto& index = **index_;
  ASSERT_EQ(index.recipes.size(), SmallCorpus().size());
  for (std::size_t i = 0; i < index.recipes.size(); ++i) {
    EXPECT_EQ(index.recipes[i].id, SmallCorpus()[i]["id"]);
  }
  EXPECT_EQ(index.manifest.records, SmallCorpus().size());
  EXPECT_EQ(index.manifest.corpus_file, "corpus.json");
  EXPECT_EQ(index.manifest.lexicon_entries, 2u);
}

TEST_F(IndexSearchTest, TitleMatchRanksAboveInstructionsOnlyMatch) {
  const auto ids = SearchIds("soup");
  ASSERT_EQ(ids.size(), 2u) << ::testing::PrintToString(ids);
  EXPECT_EQ(ids[0], "t-tomato-soup");
  EXPECT_EQ(ids[1], "t-stew");
}

TEST_F(IndexSearchTest, LexiconExpansionFindsPeriodWords) {
  const auto ids = SearchIds("pasta");
  EXPECT_TRUE(Contains(ids, "t-macaroni")) << ::testing::PrintToString(ids);
  EXPECT_TRUE(Contains(ids, "t-spaghetti")) << ::testing::PrintToString(ids);
  EXPECT_EQ(ids.size(), 2u) << ::testing::PrintToString(ids);
}

TEST_F(IndexSearchTest, LexiconPhraseFindsTheDish) {
  const auto ids = SearchIds("mac and cheese");
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids[0], "t-macaroni");
}

TEST_F(IndexSearchTest, MisspelledWordIsCorrectedFromTheCorpus) {
  auto ids = SearchIds("spagetti");
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids[0], "t-spaghetti");
  ids = SearchIds("macaroini");
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids[0], "t-macaroni");
}

TEST_F(IndexSearchTest, StemmingMatchesPluralsAndSingulars) {
  EXPECT_TRUE(Contains(SearchIds("tomato"), "t-tomato-soup"));
  EXPECT_TRUE(Contains(SearchIds("potato"), "t-stew"));
}

TEST_F(IndexSearchTest, PossessiveQueryFindsPossessiveTitle) {
  for (const char* query : {"calf's foot jelly", "calf\u2019s foot jelly", "Calfs foot jelly"}) {
    const auto ids = SearchIds(query);
    ASSERT_FALSE(ids.empty()) << query;
    EXPECT_EQ(ids[0], "t-calfs-foot") << query;
  }
}

TEST_F(IndexSearchTest, TagFilterKeepsOnlyTaggedRecipes) {
  const auto all = SearchIds("cheese");
  EXPECT_TRUE(Contains(all, "t-omelet"));
  EXPECT_TRUE(Contains(all, "t-macaroni"));
  EXPECT_EQ(SearchIds("cheese", 10, Tags({"Vegetarian"})), Ids{"t-macaroni"});
  EXPECT_EQ(SearchIds("cheese", 10, Tags({"vegetarian"})), Ids{"t-macaroni"});
  EXPECT_EQ(SearchIds("cheese", 10, Tags({" EGGS "})), Ids{"t-omelet"});
}

TEST_F(IndexSearchTest, EveryTagFilterMustMatch) {
  const auto ids = SearchIds("milk sugar tomatoes", 10, Tags({"Vegetarian", "Puddings"}));
  EXPECT_EQ(ids, Ids{"t-custard"});
  EXPECT_TRUE(SearchIds("cheese", 10, Tags({"Nonexistent"})).empty());
}

TEST_F(IndexSearchTest, ExcludedIngredientRemovesRecipesWithItsPlural) {
  const auto all = SearchIds("milk");
  ASSERT_TRUE(Contains(all, "t-custard"));
  ASSERT_TRUE(Contains(all, "t-macaroni"));
  EXPECT_EQ(SearchIds("milk", 10, Excluding({"egg"})), Ids{"t-macaroni"});
  EXPECT_EQ(SearchIds("cheese", 10, Excluding({"Eggs"})), Ids{"t-macaroni"});
}

TEST_F(IndexSearchTest, ExclusionLooksAtIngredientsOnly) {
  // The stew's instructions mention "stock" only for the soup variant; the soup lists stock.
  EXPECT_EQ(SearchIds("soup", 10, Excluding({"stock"})), Ids{"t-stew"});
}

TEST_F(IndexSearchTest, ScoresAreInUnitRangeBestFirst) {
  const auto hits = Search("eggs milk cheese sugar", 10);
  ASSERT_GE(hits.size(), 4u);
  for (std::size_t i = 0; i < hits.size(); ++i) {
    EXPECT_GE(hits[i].score, 0.0);
    EXPECT_LE(hits[i].score, 1.0);
    if (i > 0) {
      EXPECT_GE(hits[i - 1].score, hits[i].score) << i;
    }
  }
  EXPECT_GT(hits.front().score, hits.back().score);
}

TEST_F(IndexSearchTest, TopKLimitsTheHits) {
  const auto all = Search("eggs milk cheese sugar", 10);
  ASSERT_GE(all.size(), 3u);
  const auto two = Search("eggs milk cheese sugar", 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].recipe, all[0].recipe);
  EXPECT_EQ(two[1].recipe, all[1].recipe);
  EXPECT_EQ(Search("eggs milk cheese sugar", 1).size(), 1u);
}

TEST_F(IndexSearchTest, OnlyStopwordsFindNothing) {
  EXPECT_TRUE(Search("what can I make with this?").empty());
  EXPECT_TRUE(Search("recipes please").empty());
}

TEST_F(IndexSearchTest, UnknownWordsFindNothing) { EXPECT_TRUE(Search("xylophone").empty()); }

// ---- Building and loading ----

class IndexBuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    testing::WriteFile(corpus(), SmallCorpus().dump());
    testing::WriteFile(lexicon(), kLexicon);
  }

  fs::path corpus() const { return dir_.path() / "corpus.json"; }
  fs::path lexicon() const { return dir_.path() / "lexicon.tsv"; }
  fs::path out() const { return dir_.path() / "index"; }

  core::Result<Manifest> Build() { return BuildIndex({corpus(), lexicon(), out()}); }

  std::set<std::string> Entries(const fs::path& dir) const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) {
      names.insert(e.path().filename().string());
    }
    return names;
  }

  // Flips one byte in the middle of `file`, keeping its size.
  static void FlipByte(const fs::path& file) {
    auto data = testing::ReadFile(file);
    ASSERT_FALSE(data.empty());
    data[data.size() / 2] = static_cast<char>(data[data.size() / 2] ^ 0x01);
    testing::WriteFile(file, data);
  }

  void ExpectLoadFails(ErrorCode code, std::string_view needle) {
    auto loaded = LoadIndex(out());
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.error().code, code) << loaded.error().message;
    EXPECT_NE(loaded.error().message.find(needle), std::string::npos) << loaded.error().message;
    EXPECT_EQ(loaded.error().message.find(dir_.path().string()), std::string::npos)
        << loaded.error().message;
  }

  testing::TempDir dir_;
};

const std::set<std::string> kIndexFiles = {"manifest.json", "recipes.json", "lexicon.tsv",
                                           "lexical.glass", "model.lsa",    "vectors.faiss"};

TEST_F(IndexBuildTest, BuildWritesTheDocumentedLayoutAndManifest) {
  auto m = Build();
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(Entries(out()), kIndexFiles);
  EXPECT_EQ(m->format_version, kIndexFormatVersion);
  EXPECT_EQ(m->records, SmallCorpus().size());
  EXPECT_EQ(m->corpus_file, "corpus.json");
  EXPECT_EQ(m->files.size(), 5u);  // every file but the manifest
  EXPECT_EQ(m->embedder_name, "lsa");
  EXPECT_EQ(m->embedding_dim, 256);
  EXPECT_NE(m->vector_engine.find("flat"), std::string::npos) << m->vector_engine;
  EXPECT_EQ(m->corpus_sha256.size(), 64u);
  EXPECT_FALSE(m->index_version.empty());
  auto read = ReadManifest(out());
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->index_version, m->index_version);
  EXPECT_TRUE(VerifyFiles(out(), *read).ok());
}

TEST_F(IndexBuildTest, RebuildReplacesTheIndexAndLeavesNoTemporaryDirectories) {
  ASSERT_TRUE(Build().ok());
  auto corpus_json = SmallCorpus();
  corpus_json.push_back(Record("t-scones", "Sultana Scones", {"2 cups flour", "½ cup sultanas"},
                               {"Rub, mix and bake in a hot oven."}, {"Cakes"}));
  testing::WriteFile(corpus(), corpus_json.dump());
  auto m = Build();
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->records, corpus_json.size());

  EXPECT_EQ(Entries(dir_.path()), (std::set<std::string>{"corpus.json", "lexicon.tsv", "index"}));
  EXPECT_EQ(Entries(out()), kIndexFiles);

  auto loaded = LoadIndex(out());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ((*loaded)->recipes.size(), corpus_json.size());
  auto hits = (*loaded)->retriever->Search(
      {.text = "sultana scones", .top_k = 5, .filters = {}, .explain = false, .span = {}});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*loaded)->recipes[hits->front().recipe].id, "t-scones");
}

TEST_F(IndexBuildTest, BadCorpusIsDataLossNamingTheRecordAndKeepsTheOldIndex) {
  ASSERT_TRUE(Build().ok());
  auto bad = SmallCorpus();
  bad[3]["title"] = "   ";
  testing::WriteFile(corpus(), bad.dump());
  auto m = Build();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(m.error().message.find("record 3"), std::string::npos) << m.error().message;
  EXPECT_NE(m.error().message.find("t-omelet"), std::string::npos) << m.error().message;
  EXPECT_NE(m.error().message.find("title"), std::string::npos) << m.error().message;

  EXPECT_EQ(Entries(dir_.path()), (std::set<std::string>{"corpus.json", "lexicon.tsv", "index"}));
  auto loaded = LoadIndex(out());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ((*loaded)->recipes.size(), SmallCorpus().size());
}

TEST_F(IndexBuildTest, BadLexiconIsInvalidArgumentAndBuildsNothing) {
  testing::WriteFile(lexicon(), "pasta\tmacaroni\nno tab here\n");
  auto m = Build();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(m.error().message.find("line 2"), std::string::npos) << m.error().message;
  EXPECT_FALSE(fs::exists(out()));
  EXPECT_EQ(Entries(dir_.path()), (std::set<std::string>{"corpus.json", "lexicon.tsv"}));
}

TEST_F(IndexBuildTest, MissingCorpusIsNotFound) {
  auto m = BuildIndex({dir_.path() / "absent.json", lexicon(), out()});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(out()));
}

TEST_F(IndexBuildTest, LoadOfAMissingDirectoryIsNotFound) {
  auto loaded = LoadIndex(dir_.path() / "no-such-index");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kNotFound);
}

TEST_F(IndexBuildTest, LoadOfADirectoryWithoutManifestIsNotFound) {
  fs::create_directory(out());
  ExpectLoadFails(ErrorCode::kNotFound, "manifest");
}

TEST_F(IndexBuildTest, CorruptedRecipesFileIsDataLossMentioningChecksum) {
  ASSERT_TRUE(Build().ok());
  FlipByte(out() / "recipes.json");
  ExpectLoadFails(ErrorCode::kDataLoss, "checksum");
  ExpectLoadFails(ErrorCode::kDataLoss, "recipes.json");
}

TEST_F(IndexBuildTest, CorruptedLexicalIndexIsDataLossMentioningChecksum) {
  ASSERT_TRUE(Build().ok());
  FlipByte(out() / "lexical.glass");
  ExpectLoadFails(ErrorCode::kDataLoss, "checksum");
}

TEST_F(IndexBuildTest, TruncatedFileIsDataLoss) {
  ASSERT_TRUE(Build().ok());
  auto data = testing::ReadFile(out() / "lexicon.tsv");
  testing::WriteFile(out() / "lexicon.tsv", data.substr(0, data.size() / 2));
  ExpectLoadFails(ErrorCode::kDataLoss, "lexicon.tsv");
}

TEST_F(IndexBuildTest, IncompatibleFormatVersionIsDataLoss) {
  ASSERT_TRUE(Build().ok());
  auto manifest = Json::parse(testing::ReadFile(out() / "manifest.json"));
  manifest["format_version"] = kIndexFormatVersion + 1;
  testing::WriteFile(out() / "manifest.json", manifest.dump());
  ExpectLoadFails(ErrorCode::kDataLoss, std::to_string(kIndexFormatVersion + 1));
}

TEST_F(IndexBuildTest, ManifestMissingARequiredFileIsDataLoss) {
  ASSERT_TRUE(Build().ok());
  auto manifest = Json::parse(testing::ReadFile(out() / "manifest.json"));
  manifest["files"].erase("lexical.glass");
  testing::WriteFile(out() / "manifest.json", manifest.dump());
  ExpectLoadFails(ErrorCode::kDataLoss, "lexical.glass");
}

TEST_F(IndexBuildTest, CorruptedVectorsFileIsDataLossMentioningChecksum) {
  ASSERT_TRUE(Build().ok());
  FlipByte(out() / "vectors.faiss");
  ExpectLoadFails(ErrorCode::kDataLoss, "checksum");
  ExpectLoadFails(ErrorCode::kDataLoss, "vectors.faiss");
}

TEST_F(IndexBuildTest, CorruptedEmbedderModelIsDataLossMentioningChecksum) {
  ASSERT_TRUE(Build().ok());
  FlipByte(out() / "model.lsa");
  ExpectLoadFails(ErrorCode::kDataLoss, "checksum");
  ExpectLoadFails(ErrorCode::kDataLoss, "model.lsa");
}

TEST_F(IndexBuildTest, ManifestNamingAnotherEmbedderIsDataLoss) {
  ASSERT_TRUE(Build().ok());
  auto manifest = Json::parse(testing::ReadFile(out() / "manifest.json"));
  manifest["embedder"]["name"] = "openai";
  testing::WriteFile(out() / "manifest.json", manifest.dump());
  ExpectLoadFails(ErrorCode::kDataLoss, "openai");
}

TEST_F(IndexBuildTest, ManifestDimensionOtherThanTheModelsIsDataLoss) {
  ASSERT_TRUE(Build().ok());
  auto manifest = Json::parse(testing::ReadFile(out() / "manifest.json"));
  ASSERT_EQ(manifest["embedder"]["dim"], 256);
  manifest["embedder"]["dim"] = 128;
  testing::WriteFile(out() / "manifest.json", manifest.dump());
  ExpectLoadFails(ErrorCode::kDataLoss, "model.lsa");
}

TEST_F(IndexBuildTest, IndexOfAnotherEmbedderDimensionIsRefusedWithARebuildHint) {
  ASSERT_TRUE(Build().ok());
  LoadOptions options;
  options.expected_embedder = {{"lsa", 128}};
  auto loaded = LoadIndex(out(), options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(loaded.error().message.find("rebuild"), std::string::npos) << loaded.error().message;
  EXPECT_NE(loaded.error().message.find("256"), std::string::npos) << loaded.error().message;
  EXPECT_NE(loaded.error().message.find("128"), std::string::npos) << loaded.error().message;

  options.expected_embedder = {{"openai", 256}};
  loaded = LoadIndex(out(), options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kDataLoss);

  options.expected_embedder = {{"lsa", 256}};
  loaded = LoadIndex(out(), options);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ((*loaded)->manifest.embedding_dim, 256);
}

// ---- Expansion weighting and phrases (docs/lexicon.md, "How it is used") ----

// Builds and loads an index of `records` with the lexicon `lexicon`.
class ExpansionTest : public ::testing::Test {
 protected:
  void BuildAndLoad(const Json& records, std::string_view lexicon) {
    ASSERT_FALSE(dir_.path().empty());
    auto loaded = testing::BuildAndLoadIndex(dir_.path(), records, lexicon);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    index_ = std::move(loaded).value();
  }

  std::vector<Hit> Search(const std::string& text) {
    auto hits = index_->retriever->Search(
        {.text = text, .top_k = 10, .filters = {}, .explain = false, .span = {}});
    EXPECT_TRUE(hits.ok());
    return hits.ok() ? std::move(hits).value() : std::vector<Hit>{};
  }

  testing::TempDir dir_;
  std::shared_ptr<const LoadedIndex> index_;
};

TEST_F(ExpansionTest, UsersOwnWordOutranksAnExpansion) {
  // Mirror-image records, so the two words have the same statistics; the expansion's record
  // comes first, so only a reduced expansion weight ranks the user's own word above it.
  ASSERT_NO_FATAL_FAILURE(
      BuildAndLoad(Json::array({
                       Record("m-marrows", "Stuffed Marrows", {"2 marrows", "breadcrumbs"},
                              {"Bake the marrows."}, {}),
                       Record("m-zucchini", "Stuffed Zucchini", {"2 zucchini", "breadcrumbs"},
                              {"Bake the zucchini."}, {}),
                   }),
                   "zucchini\tmarrows\tUS/UK\n"));
  const auto hits = Search("zucchini");
  const auto ids = HitIds(*index_, hits);
  ASSERT_EQ(ids.size(), 2u) << ::testing::PrintToString(ids);
  EXPECT_EQ(ids[0], "m-zucchini") << ::testing::PrintToString(ids);
  EXPECT_GT(hits[0].score, hits[1].score);
}

TEST_F(ExpansionTest, MultiWordExpansionMatchesOnlyAsAPhrase) {
  // "Marrow Bones" has "marrow" and "vegetable" but never the phrase "vegetable marrow".
  ASSERT_NO_FATAL_FAILURE(BuildAndLoad(
      Json::array({
          Record("m-bones", "Marrow Bones", {"4 marrow bones", "1 pint vegetable stock"},
                 {"Simmer the bones in the stock and serve the marrow on toast."}, {}),
          Record("m-marrow", "Vegetable Marrow au Gratin", {"1 vegetable marrow", "2 oz. cheese"},
                 {"Boil the vegetable marrow, cover with cheese and brown."}, {}),
      }),
      "zucchini\tvegetable marrow\tUS/UK\n"));
  const auto ids = HitIds(*index_, Search("zucchini"));
  EXPECT_TRUE(Contains(ids, "m-marrow")) << ::testing::PrintToString(ids);
  EXPECT_FALSE(Contains(ids, "m-bones")) << ::testing::PrintToString(ids);
}

}  // namespace
}  // namespace recipe_rag::retrieval
