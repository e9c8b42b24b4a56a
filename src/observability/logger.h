// Logger: structured JSON log lines (one object per line) written by a background thread.
//
// Emit() never blocks on I/O: lines go into a bounded queue (default 8192 lines) that a writer
// thread drains to the sink file descriptor. When the queue is full the line is dropped and
// counted (dropped()), so a stalled stderr pipe cannot stall request handling.
// Thread-safe. The destructor writes every queued line before returning.
//
//   logger.Emit(LogLine(LogLevel::kInfo, "listening").Str("address", addr));
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace recipe_rag::observability {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug" | "info" | "warn" | "error"; false for anything else.
bool ParseLogLevel(std::string_view name, LogLevel* out);

// One log line under construction: {"ts":…,"level":…,"msg":…, fields…}. Values are escaped.
class LogLine {
 public:
  LogLine(LogLevel level, std::string_view msg);
  LogLine& Str(std::string_view key, std::string_view value);
  LogLine& Int(std::string_view key, std::int64_t value);
  LogLine& Bool(std::string_view key, bool value);
  // `json` must already be valid JSON (an object, array or number).
  LogLine& RawJson(std::string_view key, std::string_view json);
  LogLevel level() const { return level_; }
  // The finished line, newline-terminated.
  std::string Finish() &&;

 private:
  void Key(std::string_view key);
  LogLevel level_;
  std::string text_;
};

class Logger {
 public:
  // `fd` is written with write(2) and not closed. min_level filters at Emit().
  Logger(int fd, LogLevel min_level, std::size_t queue_capacity = 8192);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  bool Enabled(LogLevel level) const { return level >= min_level_; }
  // Takes the line's text (the line is left empty). Drops it when the level is disabled.
  void Emit(LogLine& line);
  void Emit(LogLine&& line) { Emit(line); }
  // A line already formatted (one JSON object, no newline), e.g. a CloudWatch EMF event. Not
  // filtered by level.
  void EmitRaw(std::string line);
  // Shorthand for a line with only a message.
  void Log(LogLevel level, std::string_view msg) { Emit(LogLine(level, msg)); }
  // Waits until every line emitted so far has been written.
  void Flush();

  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  void Run();

  const int fd_;
  const LogLevel min_level_;
  const std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable flushed_cv_;
  std::deque<std::string> queue_;
  std::uint64_t written_seq_ = 0;
  std::uint64_t queued_seq_ = 0;
  bool stopping_ = false;
  std::atomic<std::uint64_t> dropped_{0};
  std::thread writer_;
};

}  // namespace recipe_rag::observability
