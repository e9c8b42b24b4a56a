#include "core/work_pool.h"

#include <pthread.h>

#include <string>

namespace recipe_rag::core {

WorkPool::WorkPool(std::size_t threads, std::size_t queue_capacity)
    : capacity_(queue_capacity < 1 ? 1 : queue_capacity) {
  if (threads < 1) threads = 1;
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this, i] {
      const auto name = "rr-search-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());  // shown by top -H and /proc
      Run();
    });
  }
}

WorkPool::~WorkPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

bool WorkPool::TrySubmit(Task&& task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

std::size_t WorkPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WorkPool::Run() {
  while (true) {
    Task task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace recipe_rag::core
