#include "observability/logger.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace recipe_rag::observability {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

// An unlinked temporary file: the logger writes to fd(), the test reads it back.
class TempFile {
 public:
  TempFile() {
    std::string tmpl = "/tmp/logger_test.XXXXXX";
    fd_ = mkstemp(tmpl.data());
    if (fd_ >= 0) unlink(tmpl.c_str());
  }
  ~TempFile() {
    if (fd_ >= 0) close(fd_);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_; }
  std::string Contents() const {
    std::string out;
    char buf[4096];
    off_t offset = 0;
    while (true) {
      const ssize_t n = pread(fd_, buf, sizeof buf, offset);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      offset += n;
    }
    return out;
  }

 private:
  int fd_ = -1;
};

// A pipe whose write end is completely full, so the next write(2) to it blocks until
// Drain() starts a reader. Close() the write end once nothing writes any more; Output()
// then returns everything written after the filler.
class StalledPipe {
 public:
  StalledPipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return;
    read_fd_ = fds[0];
    write_fd_ = fds[1];
    const int flags = fcntl(write_fd_, F_GETFL);
    fcntl(write_fd_, F_SETFL, flags | O_NONBLOCK);
    const std::string chunk(4096, kFiller);
    while (write(write_fd_, chunk.data(), chunk.size()) > 0) {
    }
    while (write(write_fd_, chunk.data(), 1) > 0) {
    }
    full_ = errno == EAGAIN;
    fcntl(write_fd_, F_SETFL, flags);  // blocking again: the logger's write will wait
  }
  ~StalledPipe() {
    Drain();
    Close();
    if (reader_.joinable()) reader_.join();
    if (read_fd_ >= 0) close(read_fd_);
  }
  StalledPipe(const StalledPipe&) = delete;
  StalledPipe& operator=(const StalledPipe&) = delete;

  bool full() const { return full_; }
  int write_fd() const { return write_fd_; }

  // Starts reading everything until the write end is closed.
  void Drain() {
    if (draining_ || read_fd_ < 0) return;
    draining_ = true;
    reader_ = std::thread([this] {
      char buf[4096];
      ssize_t n;
      while ((n = read(read_fd_, buf, sizeof buf)) > 0) data_.append(buf, static_cast<size_t>(n));
    });
  }
  void Close() {
    if (write_fd_ >= 0) close(write_fd_);
    write_fd_ = -1;
  }
  // Call after Close(): what the logger wrote, without the filler.
  std::string Output() {
    Drain();
    if (reader_.joinable()) reader_.join();
    const auto start = data_.find_first_not_of(kFiller);
    return start == std::string::npos ? std::string() : data_.substr(start);
  }

 private:
  static constexpr char kFiller = '\n';
  int read_fd_ = -1;
  int write_fd_ = -1;
  bool full_ = false;
  bool draining_ = false;
  std::thread reader_;
  std::string data_;
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// True when `ts` looks like 2024-05-01T12:34:56.789Z (UTC, milliseconds).
bool IsUtcMillisTimestamp(const std::string& ts) {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (ts.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const bool ok = kShape[i] == 'd' ? (ts[i] >= '0' && ts[i] <= '9') : ts[i] == kShape[i];
    if (!ok) return false;
  }
  return true;
}

// Every line of `text` parsed as a JSON object; a line that is not is a test failure.
std::vector<Json> JsonLines(const std::string& text) {
  EXPECT_TRUE(text.empty() || text.back() == '\n') << "last line not terminated";
  std::vector<Json> out;
  for (const auto& line : Lines(text)) {
    auto j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(j.is_object()) << "not a JSON object: " << line;
    out.push_back(std::move(j));
  }
  return out;
}

TEST(LogLineTest, FinishProducesOneTerminatedJsonObject) {
  LogLine line(LogLevel::kWarn, "slow query");
  line.Int("ms", 1500);
  const std::string text = std::move(line).Finish();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1);
  const auto j = Json::parse(text, nullptr, false);
  ASSERT_TRUE(j.is_object()) << text;
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["msg"], "slow query");
  EXPECT_EQ(j["ms"], 1500);
}

TEST(LoggerTest, EachEmitWritesOneJsonLineWithTsLevelMsgAndFields) {
  TempFile file;
  ASSERT_GE(file.fd(), 0);
  Logger logger(file.fd(), LogLevel::kDebug);
  logger.Emit(LogLine(LogLevel::kInfo, "listening")
                  .Str("address", "127.0.0.1:8080")
                  .Int("threads", -4)
                  .Bool("tls", false)
                  .RawJson("limits", R"({"body":[1,2]})"));
  logger.Flush();

  const auto lines = JsonLines(file.Contents());
  ASSERT_EQ(lines.size(), 1u);
  const Json& j = lines[0];
  ASSERT_TRUE(j.contains("ts"));
  EXPECT_TRUE(IsUtcMillisTimestamp(j["ts"].get<std::string>())) << j["ts"];
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["msg"], "listening");
  EXPECT_EQ(j["address"], "127.0.0.1:8080");
  EXPECT_EQ(j["threads"], -4);
  EXPECT_EQ(j["tls"], false);
  EXPECT_EQ(j["limits"], Json::parse(R"({"body":[1,2]})"));
}

TEST(LoggerTest, WritesLinesInEmitOrder) {
  TempFile file;
  ASSERT_GE(file.fd(), 0);
  Logger logger(file.fd(), LogLevel::kInfo);
  for (int i = 0; i < 100; ++i) logger.Emit(LogLine(LogLevel::kInfo, "n").Int("i", i));
  logger.Flush();
  const auto lines = JsonLines(file.Contents());
  ASSERT_EQ(lines.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(lines[static_cast<std::size_t>(i)]["i"], i);
}

TEST(LoggerTest, EscapesQuotesNewlinesAndInvalidUtf8) {
  TempFile file;
  ASSERT_GE(file.fd(), 0);
  Logger logger(file.fd(), LogLevel::kInfo);
  logger.Emit(LogLine(LogLevel::kError, "bad \"query\"\nsecond line\r\tand \\ slash")
                  .Str("query", "caf\xC3\xA9 \xFF\xFE tail")
                  .Str("ctl", std::string_view("\x01\0\x1f", 3))
                  .Str("key \"with\" quotes\n", "v"));
  logger.Flush();

  const std::string text = file.Contents();
  const auto lines = JsonLines(text);
  ASSERT_EQ(lines.size(), 1u) << text;
  const Json& j = lines[0];
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["msg"], "bad \"query\"\nsecond line\r\tand \\ slash");
  EXPECT_EQ(j["query"], "caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD tail");
  EXPECT_EQ(j["ctl"], std::string("\x01\0\x1f", 3));
  EXPECT_EQ(j["key \"with\" quotes\n"], "v");
}

TEST(LoggerTest, DropsLinesBelowTheMinimumLevel) {
  TempFile file;
  ASSERT_GE(file.fd(), 0);
  Logger logger(file.fd(), LogLevel::kInfo);
  EXPECT_FALSE(logger.Enabled(LogLevel::kDebug));
  EXPECT_TRUE(logger.Enabled(LogLevel::kInfo));
  EXPECT_TRUE(logger.Enabled(LogLevel::kError));
  logger.Log(LogLevel::kDebug, "hidden");
  logger.Log(LogLevel::kInfo, "shown-info");
  logger.Log(LogLevel::kWarn, "shown-warn");
  logger.Emit(LogLine(LogLevel::kDebug, "hidden too").Int("x", 1));
  logger.Log(LogLevel::kError, "shown-error");
  logger.Flush();

  const auto lines = JsonLines(file.Contents());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["msg"], "shown-info");
  EXPECT_EQ(lines[1]["msg"], "shown-warn");
  EXPECT_EQ(lines[2]["msg"], "shown-error");
  EXPECT_EQ(logger.dropped(), 0u);  // filtered is not dropped
}

TEST(LoggerTest, ErrorLevelKeepsOnlyErrors) {
  TempFile file;
  ASSERT_GE(file.fd(), 0);
  Logger logger(file.fd(), LogLevel::kError);
  logger.Log(LogLevel::kInfo, "no");
  logger.Log(LogLevel::kWarn, "no");
  logger.Log(LogLevel::kError, "yes");
  logger.Flush();
  const auto lines = JsonLines(file.Contents());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["msg"], "yes");
}

TEST(LoggerTest, FlushReturnsAfterEveryLineIsWritten) {
  TempFile file;
  ASSERT_GE(file.fd(), 0);
  Logger logger(file.fd(), LogLevel::kInfo);
  for (int i = 0; i < 2000; ++i) {
    logger.Emit(LogLine(LogLevel::kInfo, "line").Int("i", i).Str("pad", std::string(100, 'p')));
  }
  logger.Flush();
  EXPECT_EQ(Lines(file.Contents()).size(), 2000u);
}

TEST(LoggerTest, FlushWaitsWhileTheWriterIsStalled) {
  StalledPipe pipe;
  ASSERT_TRUE(pipe.full());
  {
    Logger logger(pipe.write_fd(), LogLevel::kInfo);
    logger.Log(LogLevel::kInfo, "pending");
    auto flushed = std::async(std::launch::async, [&] { logger.Flush(); });
    EXPECT_EQ(flushed.wait_for(50ms), std::future_status::timeout)
        << "Flush returned before the line could be written";
    pipe.Drain();
    EXPECT_EQ(flushed.wait_for(5s), std::future_status::ready);
  }
  pipe.Close();
  const auto lines = JsonLines(pipe.Output());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["msg"], "pending");
}

TEST(LoggerTest, EmitDoesNotBlockAndCountsDropsWhenTheQueueIsFull) {
  constexpr int kEmits = 50;
  constexpr int kCapacity = 2;
  StalledPipe pipe;
  ASSERT_TRUE(pipe.full());
  std::uint64_t dropped = 0;
  {
    Logger logger(pipe.write_fd(), LogLevel::kInfo, kCapacity);
    auto emitted = std::async(std::launch::async, [&] {
      for (int i = 0; i < kEmits; ++i) logger.Emit(LogLine(LogLevel::kInfo, "burst").Int("i", i));
    });
    const bool finished = emitted.wait_for(2s) == std::future_status::ready;
    EXPECT_TRUE(finished) << "Emit blocked on a stalled writer";
    if (!finished) pipe.Drain();  // unblock so the test can end
    emitted.wait();
    dropped = logger.dropped();
    // The writer takes at most one batch before it stalls, so at most 2 * capacity got through.
    EXPECT_GE(dropped, static_cast<std::uint64_t>(kEmits - 2 * kCapacity));
    EXPECT_LE(dropped, static_cast<std::uint64_t>(kEmits - kCapacity));
    pipe.Drain();
  }  // the destructor writes whatever was queued
  pipe.Close();
  const auto lines = JsonLines(pipe.Output());
  EXPECT_EQ(lines.size(), static_cast<std::size_t>(kEmits) - dropped);
  for (const auto& j : lines) EXPECT_EQ(j["msg"], "burst");
}

TEST(LoggerTest, DestructorWritesQueuedLines) {
  StalledPipe pipe;
  ASSERT_TRUE(pipe.full());
  std::thread drain_later;
  {
    Logger logger(pipe.write_fd(), LogLevel::kInfo, 64);
    for (int i = 0; i < 20; ++i) logger.Emit(LogLine(LogLevel::kInfo, "queued").Int("i", i));
    EXPECT_EQ(logger.dropped(), 0u);
    // Let the pipe drain only once the destructor is already waiting for the writer.
    drain_later = std::thread([&] {
      std::this_thread::sleep_for(20ms);
      pipe.Drain();
    });
  }
  drain_later.join();
  pipe.Close();
  const auto lines = JsonLines(pipe.Output());
  ASSERT_EQ(lines.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(lines[static_cast<std::size_t>(i)]["i"], i);
}

TEST(LoggerTest, LinesFromManyThreadsNeverInterleave) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  TempFile file;
  ASSERT_GE(file.fd(), 0);
  Logger logger(file.fd(), LogLevel::kInfo);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&logger, t] {
      for (int i = 0; i < kPerThread; ++i) {
        logger.Emit(LogLine(LogLevel::kInfo, "worker")
                        .Int("t", t)
                        .Int("i", i)
                        .Str("pad", std::string(200, static_cast<char>('a' + t))));
      }
    });
  }
  for (auto& th : threads) th.join();
  logger.Flush();
  const auto lines = JsonLines(file.Contents());
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kPerThread));
  std::vector<int> next(kThreads, 0);
  for (const auto& j : lines) {
    const int t = j["t"].get<int>();
    ASSERT_GE(t, 0);
    ASSERT_LT(t, kThreads);
    EXPECT_EQ(j["i"], next[static_cast<std::size_t>(t)]++);  // per-thread order kept
    EXPECT_EQ(j["pad"], std::string(200, static_cast<char>('a' + t)));
  }
  EXPECT_EQ(logger.dropped(), 0u);
}

TEST(ParseLogLevelTest, ParsesTheFourNames) {
  LogLevel level = LogLevel::kError;
  ASSERT_TRUE(ParseLogLevel("debug", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  ASSERT_TRUE(ParseLogLevel("info", &level));
  EXPECT_EQ(level, LogLevel::kInfo);
  ASSERT_TRUE(ParseLogLevel("warn", &level));
  EXPECT_EQ(level, LogLevel::kWarn);
  ASSERT_TRUE(ParseLogLevel("error", &level));
  EXPECT_EQ(level, LogLevel::kError);
}

TEST(ParseLogLevelTest, RejectsOtherNamesAndLeavesOutputUnchanged) {
  LogLevel level = LogLevel::kWarn;
  for (const char* bad : {"", "INFO", "warning", "trace", "info "}) {
    EXPECT_FALSE(ParseLogLevel(bad, &level)) << bad;
    EXPECT_EQ(level, LogLevel::kWarn) << bad;
  }
}

}  // namespace
}  // namespace recipe_rag::observability
