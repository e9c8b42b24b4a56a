// Manifest: what an index directory holds and how to check it (manifest.json).
//
// Written by the index builder, read and verified by the loader before anything else in the
// directory is trusted: format version, corpus checksum and record count, builder version,
// build time, and a SHA-256 and size for every file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "retrieval/embedder.h"

namespace recipe_rag::retrieval {

// Bump when the directory layout or any file format changes; the loader refuses others.
inline constexpr int kIndexFormatVersion = 2;

struct FileEntry {
  std::string sha256;
  std::uint64_t bytes = 0;
};

struct Manifest {
  int format_version = kIndexFormatVersion;
  std::string index_version;    // unique per build: "<UTC build time>-<corpus sha256 prefix>"
  std::string builder_version;  // recipe-rag version that built it
  std::string build_time;       // ISO 8601 UTC
  std::string corpus_file;      // file name the corpus came from
  std::string corpus_sha256;
  std::uint64_t records = 0;
  std::string lexicon_sha256;
  std::uint64_t lexicon_entries = 0;
  std::string lexical_engine;    // e.g. "xapian 1.4.22, bm25, english stemmer"
  std::string embedder_name;     // "lsa"
  std::string embedder_version;  // changes when the same text would embed differently
  int embedding_dim = 0;
  std::string vector_engine;               // e.g. "faiss 1.7.3, flat inner product"
  std::map<std::string, FileEntry> files;  // path relative to the directory → checksum
};

// The embedder that made the index's vectors.
inline EmbedderInfo EmbedderOf(const Manifest& m) {
  return {m.embedder_name, m.embedder_version, m.embedding_dim};
}

// Pretty JSON text of the manifest.
std::string ManifestToJson(const Manifest& manifest);

// Reads DIR/manifest.json. NotFound when absent; DataLoss when unreadable or of another
// format version (the message says which version was found and which is expected).
core::Result<Manifest> ReadManifest(const std::filesystem::path& dir);

// Checks every listed file's size and SHA-256. DataLoss naming the first bad file.
core::Status VerifyFiles(const std::filesystem::path& dir, const Manifest& manifest);

// Fills manifest.files for `names` (relative to dir) from the files on disk.
core::Status RecordFiles(const std::filesystem::path& dir, const std::vector<std::string>& names,
                         Manifest& manifest);

}  // namespace recipe_rag::retrieval
