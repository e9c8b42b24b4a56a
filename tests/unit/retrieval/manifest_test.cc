#include "retrieval/manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/crypto.h"
#include "unit/retrieval/temp_dir.h"

namespace recipe_rag::retrieval {
namespace {

using core::ErrorCode;
using Json = nlohmann::json;

Manifest SampleManifest() {
  Manifest m;
  m.index_version = "20240101T000000Z-0123abcd";
  m.builder_version = "0.1.0";
  m.build_time = "2024-01-01T00:00:00Z";
  m.corpus_file = "recipe_data.json";
  m.corpus_sha256 = std::string(64, 'a');
  m.records = 2640;
  m.lexicon_sha256 = std::string(64, 'b');
  m.lexicon_entries = 145;
  m.lexical_engine = "xapian 1.4.22, bm25, english stemmer";
  m.files["recipes.json"] = {std::string(64, 'c'), 12345};
  m.files["lexical.glass"] = {std::string(64, 'd'), 1ULL << 33};
  return m;
}

void ExpectSameManifest(const Manifest& a, const Manifest& b) {
  EXPECT_EQ(a.format_version, b.format_version);
  EXPECT_EQ(a.index_version, b.index_version);
  EXPECT_EQ(a.builder_version, b.builder_version);
  EXPECT_EQ(a.build_time, b.build_time);
  EXPECT_EQ(a.corpus_file, b.corpus_file);
  EXPECT_EQ(a.corpus_sha256, b.corpus_sha256);
  EXPECT_EQ(a.records, b.records);
  EXPECT_EQ(a.lexicon_sha256, b.lexicon_sha256);
  EXPECT_EQ(a.lexicon_entries, b.lexicon_entries);
  EXPECT_EQ(a.lexical_engine, b.lexical_engine);
  ASSERT_EQ(a.files.size(), b.files.size());
  for (const auto& [name, entry] : a.files) {
    ASSERT_EQ(b.files.count(name), 1u) << name;
    EXPECT_EQ(b.files.at(name).sha256, entry.sha256) << name;
    EXPECT_EQ(b.files.at(name).bytes, entry.bytes) << name;
  }
}

class ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }

  void WriteManifest(const std::string& text) {
    testing::WriteFile(dir_.path() / "manifest.json", text);
  }

  // The sample manifest as JSON, edited by `edit`, written to the directory.
  template <class Edit>
  void WriteEdited(Edit edit) {
    auto j = Json::parse(ManifestToJson(SampleManifest()));
    edit(j);
    WriteManifest(j.dump(2));
  }

  void ExpectDataLoss(std::string_view what) {
    auto m = ReadManifest(dir_.path());
    ASSERT_FALSE(m.ok()) << what;
    EXPECT_EQ(m.error().code, ErrorCode::kDataLoss) << what << ": " << m.error().message;
    EXPECT_EQ(m.error().message.find(dir_.path().string()), std::string::npos) << m.error().message;
  }

  testing::TempDir dir_;
};

TEST_F(ManifestTest, RoundTripsThroughJson) {
  const auto written = SampleManifest();
  WriteManifest(ManifestToJson(written));
  auto read = ReadManifest(dir_.path());
  ASSERT_TRUE(read.ok()) << read.error().message;
  ExpectSameManifest(written, *read);
}

TEST_F(ManifestTest, JsonHasTheDocumentedShape) {
  const auto j = Json::parse(ManifestToJson(SampleManifest()));
  EXPECT_EQ(j["format_version"], kIndexFormatVersion);
  EXPECT_EQ(j["corpus"]["file"], "recipe_data.json");
  EXPECT_EQ(j["corpus"]["records"], 2640);
  EXPECT_EQ(j["lexicon"]["entries"], 145);
  EXPECT_EQ(j["files"]["recipes.json"]["bytes"], 12345);
  EXPECT_EQ(j["files"]["lexical.glass"]["sha256"], std::string(64, 'd'));
}

TEST_F(ManifestTest, MissingManifestIsNotFound) {
  auto m = ReadManifest(dir_.path());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kNotFound);
}

TEST_F(ManifestTest, InvalidJsonIsDataLoss) {
  WriteManifest("{\"format_version\": 1,");
  ExpectDataLoss("truncated");
  WriteManifest("[1, 2]");
  ExpectDataLoss("array");
  WriteManifest("");
  ExpectDataLoss("empty");
}

TEST_F(ManifestTest, OtherFormatVersionIsDataLossNamingBothVersions) {
  WriteEdited([](Json& j) { j["format_version"] = kIndexFormatVersion + 1; });
  auto m = ReadManifest(dir_.path());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kDataLoss);
  const auto& message = m.error().message;
  EXPECT_NE(message.find(std::to_string(kIndexFormatVersion + 1)), std::string::npos) << message;
  EXPECT_NE(message.find(std::to_string(kIndexFormatVersion)), std::string::npos) << message;
  EXPECT_NE(message.find("rebuild"), std::string::npos) << message;
}

TEST_F(ManifestTest, EachMissingFieldIsDataLoss) {
  for (const char* key : {"format_version", "index_version", "builder_version", "build_time",
                          "corpus", "lexicon", "lexical_engine", "files"}) {
    WriteEdited([key](Json& j) { j.erase(key); });
    ExpectDataLoss(key);
  }
  WriteEdited([](Json& j) { j["corpus"].erase("sha256"); });
  ExpectDataLoss("corpus.sha256");
  WriteEdited([](Json& j) { j["lexicon"].erase("entries"); });
  ExpectDataLoss("lexicon.entries");
  WriteEdited([](Json& j) { j["files"]["recipes.json"].erase("bytes"); });
  ExpectDataLoss("files.recipes.json.bytes");
}

TEST_F(ManifestTest, WrongFieldTypesAreDataLoss) {
  WriteEdited([](Json& j) { j["format_version"] = "1"; });
  ExpectDataLoss("format_version string");
  WriteEdited([](Json& j) { j["corpus"]["records"] = "many"; });
  ExpectDataLoss("records string");
  WriteEdited([](Json& j) { j["files"]["recipes.json"]["sha256"] = 7; });
  ExpectDataLoss("sha256 number");
}

TEST_F(ManifestTest, FileNamesOutsideTheDirectoryAreDataLoss) {
  for (const char* name : {"../recipes.json", "sub/../../etc/passwd", "..", "/etc/passwd", ""}) {
    WriteEdited([name](Json& j) {
      j["files"][name] = {{"sha256", std::string(64, 'e')}, {"bytes", 1}};
    });
    ExpectDataLoss(name);
  }
}

class VerifyFilesTest : public ManifestTest {
 protected:
  void SetUp() override {
    ManifestTest::SetUp();
    testing::WriteFile(dir_.path() / "recipes.json", "[{\"id\":\"a\"}]");
    testing::WriteFile(dir_.path() / "lexicon.tsv", "pasta\tmacaroni\n");
    ASSERT_TRUE(RecordFiles(dir_.path(), {"recipes.json", "lexicon.tsv"}, manifest_).ok());
  }
  Manifest manifest_;
};

TEST_F(VerifyFilesTest, RecordFilesStoresSizeAndSha256) {
  ASSERT_EQ(manifest_.files.size(), 2u);
  EXPECT_EQ(manifest_.files["recipes.json"].bytes, 12u);
  EXPECT_EQ(manifest_.files["recipes.json"].sha256, core::Sha256Hex("[{\"id\":\"a\"}]"));
  EXPECT_EQ(manifest_.files["lexicon.tsv"].sha256, core::Sha256Hex("pasta\tmacaroni\n"));
}

TEST_F(VerifyFilesTest, RecordFilesOfAMissingFileFails) {
  Manifest m;
  EXPECT_FALSE(RecordFiles(dir_.path(), {"absent.bin"}, m).ok());
}

TEST_F(VerifyFilesTest, UnchangedFilesVerify) {
  const auto st = VerifyFiles(dir_.path(), manifest_);
  EXPECT_TRUE(st.ok()) << st.error().message;
}

TEST_F(VerifyFilesTest, ChangedByteIsDataLossNamingTheFile) {
  testing::WriteFile(dir_.path() / "recipes.json", "[{\"id\":\"b\"}]");  // same size
  const auto st = VerifyFiles(dir_.path(), manifest_);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(st.error().message.find("recipes.json"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("checksum"), std::string::npos) << st.error().message;
}

TEST_F(VerifyFilesTest, ChangedSizeIsDataLossNamingTheFile) {
  testing::WriteFile(dir_.path() / "lexicon.tsv", "pasta\tmacaroni|noodles\n");
  const auto st = VerifyFiles(dir_.path(), manifest_);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(st.error().message.find("lexicon.tsv"), std::string::npos) << st.error().message;
}

TEST_F(VerifyFilesTest, MissingFileIsDataLossNamingTheFile) {
  std::filesystem::remove(dir_.path() / "lexicon.tsv");
  const auto st = VerifyFiles(dir_.path(), manifest_);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(st.error().message.find("lexicon.tsv"), std::string::npos) << st.error().message;
  EXPECT_EQ(st.error().message.find(dir_.path().string()), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace recipe_rag::retrieval
