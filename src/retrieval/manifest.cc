#include "retrieval/manifest.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/crypto.h"

namespace recipe_rag::retrieval {

std::string ManifestToJson(const Manifest& m) {
  nlohmann::ordered_json files = nlohmann::ordered_json::object();
  for (const auto& [name, f] : m.files) files[name] = {{"sha256", f.sha256}, {"bytes", f.bytes}};
  const nlohmann::ordered_json j = {
      {"format_version", m.format_version},
      {"index_version", m.index_version},
      {"builder_version", m.builder_version},
      {"build_time", m.build_time},
      {"corpus", {{"file", m.corpus_file}, {"sha256", m.corpus_sha256}, {"records", m.records}}},
      {"lexicon", {{"sha256", m.lexicon_sha256}, {"entries", m.lexicon_entries}}},
      {"lexical_engine", m.lexical_engine},
      {"embedder",
       {{"name", m.embedder_name}, {"version", m.embedder_version}, {"dim", m.embedding_dim}}},
      {"vector_engine", m.vector_engine},
      {"files", files}};
  return j.dump(2) + "\n";
}

core::Result<Manifest> ReadManifest(const std::filesystem::path& dir) {
  std::ifstream in(dir / "manifest.json", std::ios::binary);
  if (!in) {
    return core::Error::NotFound(
        "index has no manifest.json (build it with `recipe-rag index build`)");
  }
  std::stringstream text;
  text << in.rdbuf();
  const auto j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return core::Error::DataLoss("index manifest.json is not valid JSON");
  Manifest m;
  try {
    m.format_version = j.at("format_version").get<int>();
    if (m.format_version != kIndexFormatVersion) {
      return core::Error::DataLoss("incompatible index: format version " +
                                   std::to_string(m.format_version) + ", this build reads " +
                                   std::to_string(kIndexFormatVersion) + "; rebuild the index");
    }
    m.index_version = j.at("index_version").get<std::string>();
    m.builder_version = j.at("builder_version").get<std::string>();
    m.build_time = j.at("build_time").get<std::string>();
    m.corpus_file = j.at("corpus").at("file").get<std::string>();
    m.corpus_sha256 = j.at("corpus").at("sha256").get<std::string>();
    m.records = j.at("corpus").at("records").get<std::uint64_t>();
    m.lexicon_sha256 = j.at("lexicon").at("sha256").get<std::string>();
    m.lexicon_entries = j.at("lexicon").at("entries").get<std::uint64_t>();
    m.lexical_engine = j.at("lexical_engine").get<std::string>();
    m.embedder_name = j.at("embedder").at("name").get<std::string>();
    m.embedder_version = j.at("embedder").at("version").get<std::string>();
    m.embedding_dim = j.at("embedder").at("dim").get<int>();
    m.vector_engine = j.at("vector_engine").get<std::string>();
    for (const auto& [name, f] : j.at("files").items()) {
      if (name.empty() || name.find("..") != std::string::npos || name.front() == '/') {
        return core::Error::DataLoss("index manifest lists a file outside the index directory");
      }
      m.files[name] = {f.at("sha256").get<std::string>(), f.at("bytes").get<std::uint64_t>()};
    }
  } catch (const nlohmann::json::exception&) {
    return core::Error::DataLoss("index manifest.json is missing fields or has wrong types");
  }
  return m;
}

core::Status VerifyFiles(const std::filesystem::path& dir, const Manifest& manifest) {
  for (const auto& [name, entry] : manifest.files) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(dir / name, ec);
    if (ec) return core::Error::DataLoss("index file missing: " + name);
    if (size != entry.bytes) {
      return core::Error::DataLoss("index file " + name + " has " + std::to_string(size) +
                                   " bytes, manifest says " + std::to_string(entry.bytes));
    }
    auto sum = core::Sha256File(dir / name);
    if (!sum.ok()) return core::Error::DataLoss("index file unreadable: " + name);
    if (*sum != entry.sha256)
      return core::Error::DataLoss("index file " + name + " fails its checksum");
  }
  return core::Status::Ok();
}

core::Status RecordFiles(const std::filesystem::path& dir, const std::vector<std::string>& names,
                         Manifest& manifest) {
  for (const auto& name : names) {
    auto sum = core::Sha256File(dir / name);
    if (!sum.ok()) return std::move(sum).error();
    std::error_code ec;
    const auto size = std::filesystem::file_size(dir / name, ec);
    if (ec) return core::Error::Internal("cannot stat " + name);
    manifest.files[name] = {*sum, size};
  }
  return core::Status::Ok();
}

}  // namespace recipe_rag::retrieval
