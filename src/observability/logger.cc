#include "observability/logger.h"

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/strings.h"

namespace recipe_rag::observability {
namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void AppendTimestamp(std::string& out) {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                              tm.tm_sec, static_cast<int>(ms.count()));
  out.append(buf, static_cast<std::size_t>(n));
}

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report it
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

bool ParseLogLevel(std::string_view name, LogLevel* out) {
  for (auto level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (name == LevelName(level)) {
      *out = level;
      return true;
    }
  }
  return false;
}

LogLine::LogLine(LogLevel level, std::string_view msg) : level_(level) {
  text_.reserve(256);
  text_.append("{\"ts\":\"");
  AppendTimestamp(text_);
  text_.append("\",\"level\":\"");
  text_.append(LevelName(level));
  text_.append("\",\"msg\":");
  core::AppendJsonString(text_, msg);
}

void LogLine::Key(std::string_view key) {
  text_.push_back(',');
  core::AppendJsonString(text_, key);
  text_.push_back(':');
}

LogLine& LogLine::Str(std::string_view key, std::string_view value) {
  Key(key);
  core::AppendJsonString(text_, value);
  return *this;
}

LogLine& LogLine::Int(std::string_view key, std::int64_t value) {
  Key(key);
  text_.append(std::to_string(value));
  return *this;
}

LogLine& LogLine::Bool(std::string_view key, bool value) {
  Key(key);
  text_.append(value ? "true" : "false");
  return *this;
}

LogLine& LogLine::RawJson(std::string_view key, std::string_view json) {
  Key(key);
  text_.append(json);
  return *this;
}

std::string LogLine::Finish() && {
  text_.append("}\n");
  return std::move(text_);
}

Logger::Logger(int fd, LogLevel min_level, std::size_t queue_capacity)
    : fd_(fd), min_level_(min_level), capacity_(queue_capacity), writer_([this] {
        pthread_setname_np(pthread_self(), "rr-log");
        Run();
      }) {}

Logger::~Logger() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  writer_.join();
}

void Logger::Emit(LogLine& line) {
  if (!Enabled(line.level())) return;
  EmitRaw(std::move(line).Finish());
}

void Logger::EmitRaw(std::string text) {
  if (text.empty() || text.back() != '\n') text.push_back('\n');
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= capacity_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(text));
    ++queued_seq_;
  }
  cv_.notify_one();
}

void Logger::Flush() {
  std::unique_lock lock(mu_);
  const auto target = queued_seq_;
  flushed_cv_.wait(lock, [&] { return written_seq_ >= target; });
}

void Logger::Run() {
  std::deque<std::string> batch;
  std::string buf;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
    }
    buf.clear();
    for (auto& line : batch) buf.append(line);
    WriteAll(fd_, buf);
    {
      std::lock_guard lock(mu_);
      written_seq_ += batch.size();
    }
    batch.clear();
    flushed_cv_.notify_all();
  }
}

}  // namespace recipe_rag::observability
