// OpenAiEmbedder: vectors from an OpenAI-compatible `POST /embeddings` (OpenAI, Azure OpenAI,
// vLLM, Ollama), for indexes built with `index.embedder = "openai"`.
//
// Texts go out in batches (`batch_size` per request, base64-encoded floats back); each batch is
// retried on connection errors, 408, 409, 429 and 5xx with exponential backoff. Embed() blocks
// its caller — the index builder, or a search worker for the query's vector — never an I/O
// thread: the HTTP exchange itself runs on the AsyncClient's threads. Vectors are scaled to
// unit length (the index compares by inner product). The model name is the embedder's
// version, so an index built with one model refuses query vectors from another. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "http/async_client.h"
#include "retrieval/embedder.h"

namespace recipe_rag::retrieval {

struct OpenAiEmbedderOptions {
  http::Origin base;         // e.g. https://api.openai.com/v1
  std::string api_key;       // resolved secret; "" sends no Authorization header
  std::string organization;  // OpenAI-Organization, when set
  std::string project;       // OpenAI-Project, when set
  std::string model = "text-embedding-3-small";
  int dim = 256;  // sent as "dimensions" (the text-embedding-3 models shorten)
  std::size_t batch_size = 256;
  int max_attempts = 3;
  std::chrono::milliseconds base_delay{250};
};

class OpenAiEmbedder : public Embedder {
 public:
  static constexpr const char* kName = "openai";

  OpenAiEmbedder(OpenAiEmbedderOptions options, std::shared_ptr<http::AsyncClient> client);

  const EmbedderInfo& info() const override { return info_; }
  // Unavailable (upstream down, or an error status after the retries; the message has the
  // upstream's), DeadlineExceeded, or DataLoss for an answer that does not fit (wrong count or
  // dimension).
  core::Result<std::vector<float>> Embed(const std::vector<std::string>& texts) const override;

 private:
  core::Result<std::vector<float>> EmbedBatch(const std::vector<std::string>& texts,
                                              std::size_t begin, std::size_t end) const;

  const OpenAiEmbedderOptions options_;
  const std::shared_ptr<http::AsyncClient> client_;
  const EmbedderInfo info_;
};

}  // namespace recipe_rag::retrieval
