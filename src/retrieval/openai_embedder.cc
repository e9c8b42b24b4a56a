#include "retrieval/openai_embedder.h"

#include <cmath>
#include <cstring>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/crypto.h"
#include "core/strings.h"

namespace recipe_rag::retrieval {
namespace {

struct Exchange {
  int status = 0;
  std::string body;
  core::Status result = core::Status::Ok();
};

}  // namespace

OpenAiEmbedder::OpenAiEmbedder(OpenAiEmbedderOptions options,
                               std::shared_ptr<http::AsyncClient> client)
    : options_(std::move(options)),
      client_(std::move(client)),
      info_{kName, options_.model, options_.dim} {}

core::Result<std::vector<float>> OpenAiEmbedder::Embed(
    const std::vector<std::string>& texts) const {
  std::vector<float> out;
  out.reserve(texts.size() * static_cast<std::size_t>(options_.dim));
  const std::size_t batch = std::max<std::size_t>(1, options_.batch_size);
  for (std::size_t begin = 0; begin < texts.size(); begin += batch) {
    auto vectors = EmbedBatch(texts, begin, std::min(texts.size(), begin + batch));
    if (!vectors.ok()) return std::move(vectors).error();
    out.insert(out.end(), vectors->begin(), vectors->end());
  }
  return out;
}

core::Result<std::vector<float>> OpenAiEmbedder::EmbedBatch(const std::vector<std::string>& texts,
                                                            std::size_t begin,
                                                            std::size_t end) const {
  nlohmann::json input = nlohmann::json::array();
  for (std::size_t i = begin; i < end; ++i) {
    // The API refuses empty strings; a blank text embeds as a single space (a near-zero match).
    input.push_back(core::Trim(texts[i]).empty() ? std::string(" ") : texts[i]);
  }
  http::OutboundRequest request;
  request.target = "/embeddings";
  request.headers = {{"Content-Type", "application/json"}};
  if (!options_.api_key.empty()) {
    request.headers.push_back({"Authorization", "Bearer " + options_.api_key});
  }
  if (!options_.organization.empty()) {
    request.headers.push_back({"OpenAI-Organization", options_.organization});
  }
  if (!options_.project.empty()) request.headers.push_back({"OpenAI-Project", options_.project});
  request.body = nlohmann::json{
      {"model", options_.model},
      {"input", std::move(input)},
      {"dimensions", options_.dim},
      {"encoding_format",
       "base64"}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

  Exchange exchange;
  for (int attempt = 1;; ++attempt) {
    auto done = std::make_shared<std::promise<Exchange>>();
    auto state = std::make_shared<Exchange>();
    http::ResponseCallbacks cb;
    cb.on_head = [state](int status, const std::vector<http::Header>&) { state->status = status; };
    cb.on_body = [state](std::string_view piece) { state->body.append(piece); };
    cb.on_done = [state, done](core::Status result) {
      state->result = std::move(result);
      done->set_value(std::move(*state));
    };
    client_->Start(options_.base, request, std::move(cb));
    exchange = done->get_future().get();
    const bool retryable = !exchange.result.ok()
                               ? exchange.result.error().code != core::ErrorCode::kCancelled
                               : exchange.status == 408 || exchange.status == 409 ||
                                     exchange.status == 429 || exchange.status >= 500;
    if (!retryable || attempt >= options_.max_attempts) break;
    std::this_thread::sleep_for(options_.base_delay * (1 << (attempt - 1)));
  }
  if (!exchange.result.ok()) return exchange.result.error();
  if (exchange.status != 200) {
    std::string message;
    const auto json = nlohmann::json::parse(exchange.body, nullptr, false);
    if (json.is_object() && json.contains("error") && json["error"].is_object() &&
        json["error"].contains("message") && json["error"]["message"].is_string() &&
        exchange.status != 401 && exchange.status != 403) {
      message =
          ": " + std::string(core::Utf8Prefix(json["error"]["message"].get<std::string>(), 300));
    }
    return core::Error::Unavailable(
        "embeddings upstream answered HTTP " + std::to_string(exchange.status) + message,
        std::chrono::seconds(1));
  }

  const auto json = nlohmann::json::parse(exchange.body, nullptr, false);
  if (!json.is_object() || !json.contains("data") || !json["data"].is_array() ||
      json["data"].size() != end - begin) {
    return core::Error::DataLoss("embeddings upstream answered with the wrong number of vectors");
  }
  const std::size_t dim = static_cast<std::size_t>(options_.dim);
  std::vector<float> out((end - begin) * dim, 0.0f);
  std::vector<bool> seen(end - begin, false);
  for (const auto& item : json["data"]) {
    if (!item.is_object() || !item.contains("index") || !item["index"].is_number_unsigned() ||
        !item.contains("embedding")) {
      return core::Error::DataLoss("embeddings upstream answered a malformed item");
    }
    const auto index = item["index"].get<std::size_t>();
    if (index >= seen.size() || seen[index]) {
      return core::Error::DataLoss("embeddings upstream answered a bad index");
    }
    seen[index] = true;
    float* row = out.data() + index * dim;
    const auto& e = item["embedding"];
    if (e.is_string()) {
      auto bytes = core::Base64Decode(e.get_ref<const std::string&>());
      if (!bytes || bytes->size() != dim * sizeof(float)) {
        return core::Error::DataLoss("embeddings upstream answered a vector of another dimension");
      }
      std::memcpy(row, bytes->data(), bytes->size());  // little-endian float32, as sent
    } else if (e.is_array() && e.size() == dim) {
      for (std::size_t k = 0; k < dim; ++k) {
        if (!e[k].is_number()) return core::Error::DataLoss("embeddings: a non-number in a vector");
        row[k] = e[k].get<float>();
      }
    } else {
      return core::Error::DataLoss("embeddings upstream answered a vector of another dimension");
    }
    double norm = 0;
    for (std::size_t k = 0; k < dim; ++k) {
      if (!std::isfinite(row[k])) return core::Error::DataLoss("embeddings: a non-finite value");
      norm += static_cast<double>(row[k]) * row[k];
    }
    if (norm > 0) {
      const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
      for (std::size_t k = 0; k < dim; ++k) row[k] *= scale;
    }
  }
  return out;
}

}  // namespace recipe_rag::retrieval
