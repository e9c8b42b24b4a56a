#include "observability/exporter.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "observability/logger.h"
#include "observability/metrics.h"

namespace recipe_rag::observability {
namespace {

namespace fs = std::filesystem;

// A receiver the test can take down and bring back; it keeps every payload it accepted.
class Receiver : public PayloadSender {
 public:
  Outcome Send(const std::string& payload) override {
    std::lock_guard lock(mu);
    ++attempts;
    if (outcome != Outcome::kDelivered) return outcome;
    accepted.push_back(payload);
    return outcome;
  }
  std::vector<std::string> Accepted() {
    std::lock_guard lock(mu);
    return accepted;
  }
  void Set(Outcome o) {
    std::lock_guard lock(mu);
    outcome = o;
  }
  std::mutex mu;
  Outcome outcome = Outcome::kDelivered;
  std::vector<std::string> accepted;
  int attempts = 0;
};

// Items are strings; a payload is the items joined by ',' (so the test can count them).
std::string Join(const std::vector<std::string>& batch) {
  std::string out;
  for (const auto& s : batch) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> Items(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back("i" + std::to_string(i));
  return out;
}

// Every item the receiver got, split out of its payloads, sorted.
std::vector<std::string> Received(Receiver& r) {
  std::vector<std::string> out;
  for (const auto& p : r.Accepted()) {
    std::size_t start = 0;
    while (start <= p.size()) {
      const auto comma = p.find(',', start);
      out.push_back(p.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

double Value(Metrics& m, const std::string& name, std::vector<std::string> labels) {
  return m
      .Counter(name, "",
               labels.size() == 1 ? std::vector<std::string>{"kind"}
                                  : std::vector<std::string>{"kind", "reason"})
      .With(labels)
      .value();
}

class ExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rr-exporter-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    options_.kind = "items";
    options_.max_batch = 10;
    options_.flush_interval = std::chrono::milliseconds(20);
    options_.spill_dir = dir_ / "spill";
    options_.backoff_initial = std::chrono::milliseconds(10);
    options_.backoff_max = std::chrono::milliseconds(40);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::size_t SpillFiles() {
    std::size_t n = 0;
    if (!fs::exists(options_.spill_dir)) return 0;
    for (const auto& e : fs::directory_iterator(options_.spill_dir)) {
      if (e.path().extension() == ".bin") ++n;
    }
    return n;
  }

  fs::path dir_;
  ExportOptions options_;
  Logger logger_{-1, LogLevel::kError};
  Metrics metrics_;
};

TEST_F(ExporterTest, BatchesBySizeAndByAge) {
  Receiver r;
  BatchExporter<std::string> e(options_, Join, r, metrics_, logger_);
  e.Add(Items(0, 25));  // two full batches at once, five items wait for the interval
  e.Flush();
  EXPECT_EQ(Received(r), Sorted(Items(0, 25)));
  const auto payloads = r.Accepted();
  ASSERT_EQ(payloads.size(), 3u);
  EXPECT_EQ(std::count(payloads[0].begin(), payloads[0].end(), ','), 9);
  e.Add(Items(25, 27));
  for (int i = 0; i < 200 && r.Accepted().size() < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the age trigger, no Flush()
  }
  EXPECT_EQ(r.Accepted().size(), 4u);
  EXPECT_EQ(Value(metrics_, "recipe_rag_exporter_exported_total", {"items"}), 27);
}

TEST_F(ExporterTest, ReceiverDownSpillsAndEverythingArrivesWhenItReturns) {
  Receiver r;
  r.Set(PayloadSender::Outcome::kRetry);
  BatchExporter<std::string> e(options_, Join, r, metrics_, logger_);
  e.Add(Items(0, 35));
  e.Flush();
  EXPECT_TRUE(r.Accepted().empty());
  EXPECT_GE(SpillFiles(), 1u);
  EXPECT_EQ(Value(metrics_, "recipe_rag_exporter_spilled_total", {"items"}), 35);
  r.Set(PayloadSender::Outcome::kDelivered);
  e.Add(Items(35, 40));
  e.Flush();
  for (int i = 0; i < 400 && Received(r).size() < 40; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(Received(r), Sorted(Items(0, 40)));
  EXPECT_EQ(SpillFiles(), 0u);
  // Whatever was spilled (the 35, and any of the later 5 that came during the backoff) was
  // re-sent.
  EXPECT_EQ(Value(metrics_, "recipe_rag_exporter_retried_total", {"items"}),
            Value(metrics_, "recipe_rag_exporter_spilled_total", {"items"}));
  EXPECT_EQ(Value(metrics_, "recipe_rag_exporter_exported_total", {"items"}), 40);
  for (const char* reason : {"queue_full", "spill_full", "rejected"}) {
    EXPECT_EQ(Value(metrics_, "recipe_rag_exporter_dropped_total", {"items", reason}), 0);
  }
}

TEST_F(ExporterTest, SpillSurvivesARestart) {
  {
    Receiver down;
    down.Set(PayloadSender::Outcome::kRetry);
    BatchExporter<std::string> e(options_, Join, down, metrics_, logger_);
    e.Add(Items(0, 12));
    e.Shutdown(std::chrono::milliseconds(0));
  }
  EXPECT_GE(SpillFiles(), 1u);
  Receiver up;
  Metrics fresh;
  BatchExporter<std::string> e(options_, Join, up, fresh, logger_);
  e.Add(Items(12, 13));
  e.Flush();
  for (int i = 0; i < 400 && Received(up).size() < 13; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(Received(up), Sorted(Items(0, 13)));
  EXPECT_EQ(SpillFiles(), 0u);
}

TEST_F(ExporterTest, FullSpillDropsAndCounts) {
  options_.spill_max_bytes = 40;  // room for one small batch
  Receiver r;
  r.Set(PayloadSender::Outcome::kRetry);
  BatchExporter<std::string> e(options_, Join, r, metrics_, logger_);
  e.Add(Items(0, 30));
  e.Flush();
  const double spilled = Value(metrics_, "recipe_rag_exporter_spilled_total", {"items"});
  const double dropped =
      Value(metrics_, "recipe_rag_exporter_dropped_total", {"items", "spill_full"});
  EXPECT_GT(dropped, 0);
  EXPECT_EQ(spilled + dropped, 30);
}

TEST_F(ExporterTest, RejectedBatchesAreDroppedNotRetried) {
  Receiver r;
  r.Set(PayloadSender::Outcome::kRejected);
  BatchExporter<std::string> e(options_, Join, r, metrics_, logger_);
  e.Add(Items(0, 10));
  e.Flush();
  EXPECT_EQ(Value(metrics_, "recipe_rag_exporter_dropped_total", {"items", "rejected"}), 10);
  EXPECT_EQ(SpillFiles(), 0u);
  EXPECT_EQ(r.attempts, 1);
}

TEST_F(ExporterTest, FullQueueDropsNewItemsWithoutWaiting) {
  options_.queue_capacity = 5;
  options_.max_batch = 1000;
  options_.flush_interval = std::chrono::hours(1);
  Receiver r;
  BatchExporter<std::string> e(options_, Join, r, metrics_, logger_);
  e.Add(Items(0, 8));
  EXPECT_EQ(Value(metrics_, "recipe_rag_exporter_dropped_total", {"items", "queue_full"}), 3);
  e.Flush();
  EXPECT_EQ(Received(r), Sorted(Items(0, 5)));
}

TEST_F(ExporterTest, ShutdownSendsWhatIsQueued) {
  options_.flush_interval = std::chrono::hours(1);
  Receiver r;
  {
    BatchExporter<std::string> e(options_, Join, r, metrics_, logger_);
    e.Add(Items(0, 7));
    e.Shutdown(std::chrono::seconds(5));
    e.Add(Items(7, 9));  // after the stop: dropped, counted
  }
  EXPECT_EQ(Received(r), Sorted(Items(0, 7)));
  EXPECT_EQ(Value(metrics_, "recipe_rag_exporter_dropped_total", {"items", "queue_full"}), 2);
}

TEST_F(ExporterTest, ShutdownOutOfTimeSpillsInsteadOfSending) {
  options_.flush_interval = std::chrono::hours(1);
  Receiver r;
  {
    BatchExporter<std::string> e(options_, Join, r, metrics_, logger_);
    e.Add(Items(0, 7));
    e.Shutdown(std::chrono::milliseconds(0));
  }
  EXPECT_EQ(r.attempts, 0);
  EXPECT_EQ(SpillFiles(), 1u);
}

}  // namespace
}  // namespace recipe_rag::observability
