// Readiness: whether this process should receive traffic, and why not. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace recipe_rag::api {

class Readiness {
 public:
  // Not ready until the index is loaded; `reason` is shown by /readyz (no paths, no secrets).
  void SetIndexProblem(std::string reason) {
    std::lock_guard lock(mu_);
    index_problem_ = std::move(reason);
  }
  void SetIndexLoaded() { SetIndexProblem({}); }
  void SetDraining() { draining_.store(true); }

  // "" when ready, else the reason.
  std::string Problem() const {
    if (draining_.load()) return "draining: the process is shutting down";
    std::lock_guard lock(mu_);
    return index_problem_;
  }

 private:
  mutable std::mutex mu_;
  std::string index_problem_ = "index not loaded yet";
  std::atomic<bool> draining_{false};
};

}  // namespace recipe_rag::api
