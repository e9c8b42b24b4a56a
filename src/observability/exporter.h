// Exporter: ships telemetry (spans to an OTLP endpoint such as Langfuse, scores to Langfuse's
// scores API) in the background so that no request ever waits on it.
//
//   request threads ──Add()──▶ bounded memory queue ──▶ exporter thread: batch by size or age,
//                                                       encode, send ──▶ receiver
//                                                          │ receiver down / 5xx / 429
//                                                          ▼
//                                                 bounded on-disk spill (files, oldest first),
//                                                 re-sent with exponential backoff
//
// Add() takes a lock and pushes; it never does I/O and never waits for the exporter thread.
// Nothing is dropped while there is room: a full memory queue drops the new items (counted,
// reason "queue_full"); a spill at its byte limit drops the batch it could not hold ("spill_full");
// a receiver that refuses a batch for good (4xx other than 408/429) has it dropped ("rejected").
// Spilled batches survive a restart: the exporter picks up the spill directory's files when it
// starts. Shutdown() sends what it can within its budget and spills the rest.
//
// Metrics (label kind): recipe_rag_exporter_{exported,retried,spilled}_total,
// recipe_rag_exporter_dropped_total{reason}, recipe_rag_exporter_queue_items,
// recipe_rag_exporter_spill_bytes.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "observability/metrics.h"

namespace recipe_rag::observability {

class Logger;

// Delivers one encoded batch. Called on the exporter's thread only; may block, but must give up
// within its own timeout.
class PayloadSender {
 public:
  enum class Outcome {
    kDelivered,
    kRetry,     // try again later: unreachable, timed out, 408, 429, 5xx
    kRejected,  // the receiver will never take it (other 4xx)
  };
  virtual ~PayloadSender() = default;
  virtual Outcome Send(const std::string& payload) = 0;
};

struct ExportOptions {
  std::string kind = "spans";                      // metric label and spill file prefix
  std::size_t queue_capacity = 65536;              // items held in memory
  std::size_t max_batch = 512;                     // items per payload
  std::chrono::milliseconds flush_interval{1000};  // the oldest item waits at most this long
  std::filesystem::path spill_dir;                 // empty: no spill, a failed batch is dropped
  std::uint64_t spill_max_bytes = 256ull << 20;
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30'000};
};

// The send-or-spill half, with no queue and no thread of its own: the exporter's thread drives
// it. Not thread-safe.
class Delivery {
 public:
  Delivery(const ExportOptions& options, PayloadSender& sender, Metrics& metrics, Logger& logger);

  // Sends `payload` (holding `items` items) now, or spills it while the receiver is backing us
  // off, when the send fails, or when `may_send` is false (shutdown out of time).
  void Deliver(const std::string& payload, std::size_t items, bool may_send = true);
  // Re-sends spilled payloads, oldest first, when the backoff has run out.
  void Pump();
  // When Pump() has work next; time_point::max() when the spill is empty.
  std::chrono::steady_clock::time_point next_attempt() const;
  std::uint64_t spill_bytes() const { return spill_bytes_; }
  std::size_t spilled_batches() const { return spill_.size(); }

 private:
  struct SpillFile {
    std::uint64_t seq;
    std::size_t items;
    std::uint64_t bytes;
    std::filesystem::path path;
  };
  void LoadSpill();
  void Spill(const std::string& payload, std::size_t items);
  void Failed();
  void Recovered();
  void Dropped(std::size_t items, const char* reason);

  const ExportOptions& options_;
  PayloadSender& sender_;
  Metrics& metrics_;
  Logger& logger_;
  Series& exported_;
  Series& retried_;
  Series& spilled_;
  Series& spill_gauge_;
  std::deque<SpillFile> spill_;
  std::uint64_t spill_bytes_ = 0;
  std::uint64_t next_seq_ = 1;
  bool failing_ = false;
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point retry_at_{};
};

// Items of one kind (spans, scores), batched and delivered in the background.
template <class Item>
class BatchExporter {
 public:
  // Turns a batch into one payload (on the exporter's thread).
  using Encode = std::function<std::string(const std::vector<Item>& batch)>;

  BatchExporter(ExportOptions options, Encode encode, PayloadSender& sender, Metrics& metrics,
                Logger& logger);
  ~BatchExporter() { Shutdown(std::chrono::milliseconds(0)); }
  BatchExporter(const BatchExporter&) = delete;
  BatchExporter& operator=(const BatchExporter&) = delete;

  // Queues items; the ones that do not fit are dropped and counted.
  void Add(std::vector<Item> items);
  // Sends what is queued within `budget` (spilling what it cannot), then stops the thread.
  // Idempotent.
  void Shutdown(std::chrono::milliseconds budget);
  // Waits until everything added so far has been sent or spilled (for tests and benchmarks).
  void Flush();

 private:
  void Run();

  const ExportOptions options_;
  const Encode encode_;
  Delivery delivery_;
  Series& queue_gauge_;
  Series& dropped_full_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable flushed_cv_;
  std::deque<Item> queue_;
  std::chrono::steady_clock::time_point oldest_{};  // when the queue's front item came
  std::uint64_t added_ = 0;
  std::uint64_t handled_ = 0;       // items sent, spilled or dropped by the thread
  std::uint64_t flush_wanted_ = 0;  // send without waiting until handled_ reaches this
  bool stopping_ = false;
  bool finished_ = false;
  std::chrono::steady_clock::time_point deadline_{};
  std::thread thread_;
};

// Non-template plumbing BatchExporter shares.
Series& ExporterQueueGauge(Metrics& metrics, const std::string& kind);
Series& ExporterDropped(Metrics& metrics, const std::string& kind, const char* reason);

template <class Item>
BatchExporter<Item>::BatchExporter(ExportOptions options, Encode encode, PayloadSender& sender,
                                   Metrics& metrics, Logger& logger)
    : options_(std::move(options)),
      encode_(std::move(encode)),
      delivery_(options_, sender, metrics, logger),
      queue_gauge_(ExporterQueueGauge(metrics, options_.kind)),
      dropped_full_(ExporterDropped(metrics, options_.kind, "queue_full")),
      thread_([this] { Run(); }) {}

template <class Item>
void BatchExporter<Item>::Add(std::vector<Item> items) {
  std::size_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    if (queue_.empty()) oldest_ = std::chrono::steady_clock::now();
    const std::size_t room =
        stopping_ ? 0 : options_.queue_capacity - std::min(options_.queue_capacity, queue_.size());
    const std::size_t take = std::min(room, items.size());
    for (std::size_t i = 0; i < take; ++i) queue_.push_back(std::move(items[i]));
    dropped = items.size() - take;
    added_ += take;
  }
  if (dropped > 0) dropped_full_.Add(static_cast<std::int64_t>(dropped));
  cv_.notify_one();
}

template <class Item>
void BatchExporter<Item>::Shutdown(std::chrono::milliseconds budget) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      deadline_ = std::chrono::steady_clock::now() + budget;
    }
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

template <class Item>
void BatchExporter<Item>::Flush() {
  std::unique_lock lock(mu_);
  const auto target = added_;
  flush_wanted_ = std::max(flush_wanted_, target);
  cv_.notify_one();
  flushed_cv_.wait(lock, [&] { return handled_ >= target || finished_; });
}

template <class Item>
void BatchExporter<Item>::Run() {
  using Clock = std::chrono::steady_clock;
  std::unique_lock lock(mu_);
  while (true) {
    const auto due = queue_.empty() ? Clock::time_point::max() : oldest_ + options_.flush_interval;
    const auto wake =
        std::min({due, delivery_.next_attempt(), Clock::now() + std::chrono::hours(1)});
    // One wait, then everything is worked out again: an Add() may have moved the deadline.
    if (!stopping_ && queue_.size() < options_.max_batch && flush_wanted_ <= handled_ &&
        Clock::now() < wake) {
      cv_.wait_until(lock, wake);
    }
    const bool send_now = !queue_.empty() && (stopping_ || queue_.size() >= options_.max_batch ||
                                              flush_wanted_ > handled_ || Clock::now() >= due);
    if (send_now) {
      std::vector<Item> batch;
      const std::size_t n = std::min(options_.max_batch, queue_.size());
      batch.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      // The rest came later than the batch's first item; count their age from now.
      oldest_ = Clock::now();
      queue_gauge_.Set(static_cast<std::int64_t>(queue_.size()));
      const bool may_send = !stopping_ || Clock::now() < deadline_;
      lock.unlock();
      delivery_.Deliver(encode_(batch), n, may_send);
      lock.lock();
      handled_ += n;
      flushed_cv_.notify_all();
      continue;
    }
    if (stopping_) break;
    lock.unlock();
    delivery_.Pump();
    lock.lock();
  }
  finished_ = true;
  flushed_cv_.notify_all();
}

}  // namespace recipe_rag::observability
