// WorkPool: a fixed set of threads for CPU-heavy work (index search, scoring), fed by a
// bounded queue so that overload turns into a fast "try later" instead of growing latency.
//
// Thread-safe. TrySubmit never blocks: when the queue holds `queue_capacity` tasks it
// returns false and the caller answers 503 with Retry-After. Tasks must not throw.
// The destructor finishes the queued tasks, then joins the threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace recipe_rag::core {

class WorkPool {
 public:
  using Task = std::function<void()>;

  // threads >= 1; queue_capacity >= 1 (tasks waiting, not counting the ones running).
  WorkPool(std::size_t threads, std::size_t queue_capacity);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `task`; false (and `task` untouched) when the queue is full or the pool stops.
  bool TrySubmit(Task&& task);

  std::size_t threads() const { return threads_.size(); }
  std::size_t queue_capacity() const { return capacity_; }
  // Tasks waiting right now (racy by nature; for metrics and tests).
  std::size_t queued() const;

 private:
  void Run();

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace recipe_rag::core
