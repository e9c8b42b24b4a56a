#include "core/work_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

namespace recipe_rag::core {
namespace {

using namespace std::chrono_literals;

// Occupies a worker until Release(); WaitStarted() returns once the worker has picked it up.
class Blocker {
 public:
  WorkPool::Task Task() {
    return [this] {
      started_.count_down();
      release_.wait();
    };
  }
  void WaitStarted() { started_.wait(); }
  // Idempotent, so a failed assertion still lets the pool's destructor join.
  void Release() {
    if (!released_.exchange(true)) release_.count_down();
  }

 private:
  std::latch started_{1};
  std::latch release_{1};
  std::atomic<bool> released_{false};
};

// Releases the blocker when the scope ends (declare it after the pool so it runs first).
class ReleaseOnExit {
 public:
  explicit ReleaseOnExit(Blocker& b) : b_(b) {}
  ~ReleaseOnExit() { b_.Release(); }
  ReleaseOnExit(const ReleaseOnExit&) = delete;
  ReleaseOnExit& operator=(const ReleaseOnExit&) = delete;

 private:
  Blocker& b_;
};

TEST(WorkPoolTest, RunsSubmittedTasksOnPoolThreads) {
  constexpr int kTasks = 64;
  std::latch done(kTasks);
  std::mutex mu;
  std::set<std::thread::id> ids;
  {
    WorkPool pool(4, kTasks);
    for (int i = 0; i < kTasks; ++i) {
      ASSERT_TRUE(pool.TrySubmit([&] {
        {
          std::lock_guard lock(mu);
          ids.insert(std::this_thread::get_id());
        }
        done.count_down();
      }));
    }
    done.wait();
  }
  EXPECT_FALSE(ids.empty());
  EXPECT_LE(ids.size(), 4u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
}

TEST(WorkPoolTest, ReportsItsSize) {
  WorkPool pool(3, 17);
  EXPECT_EQ(pool.threads(), 3u);
  EXPECT_EQ(pool.queue_capacity(), 17u);
  EXPECT_EQ(pool.queued(), 0u);
}

TEST(WorkPoolTest, ClampsZeroThreadsAndCapacityToOne) {
  WorkPool pool(0, 0);
  EXPECT_EQ(pool.threads(), 1u);
  EXPECT_EQ(pool.queue_capacity(), 1u);
  std::promise<void> ran;
  ASSERT_TRUE(pool.TrySubmit([&] { ran.set_value(); }));
  EXPECT_EQ(ran.get_future().wait_for(5s), std::future_status::ready);
}

TEST(WorkPoolTest, TrySubmitFailsWhenTheQueueIsFull) {
  Blocker blocker;
  std::atomic<int> ran{0};
  WorkPool pool(1, 2);
  ReleaseOnExit guard(blocker);
  ASSERT_TRUE(pool.TrySubmit(blocker.Task()));
  blocker.WaitStarted();  // the only worker is busy; nothing else leaves the queue

  EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
  EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
  EXPECT_EQ(pool.queued(), 2u);
  EXPECT_FALSE(pool.TrySubmit([&] { ran += 100; }));
  EXPECT_FALSE(pool.TrySubmit([&] { ran += 100; }));
  EXPECT_EQ(pool.queued(), 2u);

  blocker.Release();
  // Once the worker frees up, the queue drains and accepts work again.
  std::promise<void> later;
  auto later_done = later.get_future();
  bool accepted = false;
  for (int i = 0; i < 500 && !accepted; ++i) {
    accepted = pool.TrySubmit([&] { later.set_value(); });
    if (!accepted) std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(accepted);
  EXPECT_EQ(later_done.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(ran.load(), 2);
}

TEST(WorkPoolTest, RejectedTaskIsLeftUntouched) {
  Blocker blocker;
  WorkPool pool(1, 1);
  ReleaseOnExit guard(blocker);
  ASSERT_TRUE(pool.TrySubmit(blocker.Task()));
  blocker.WaitStarted();
  ASSERT_TRUE(pool.TrySubmit([] {}));

  auto payload = std::make_shared<int>(5);
  WorkPool::Task task = [payload] {};
  EXPECT_FALSE(pool.TrySubmit(std::move(task)));
  // The contract says a rejected task is not consumed, so the caller may retry it.
  EXPECT_TRUE(static_cast<bool>(task));  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(payload.use_count(), 2);
}

TEST(WorkPoolTest, DestructorFinishesQueuedTasks) {
  constexpr int kQueued = 5;
  Blocker blocker;
  std::atomic<int> ran{0};
  std::thread releaser;
  {
    WorkPool pool(1, kQueued);
    ASSERT_TRUE(pool.TrySubmit(blocker.Task()));
    blocker.WaitStarted();
    for (int i = 0; i < kQueued; ++i) EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
    EXPECT_EQ(pool.queued(), static_cast<std::size_t>(kQueued));
    // Release the worker only after the destructor has begun (it is joining by then).
    releaser = std::thread([&] {
      std::this_thread::sleep_for(20ms);
      blocker.Release();
    });
  }
  if (releaser.joinable()) releaser.join();
  EXPECT_EQ(ran.load(), kQueued);
}

TEST(WorkPoolTest, BusyWorkersDoNotStopOthers) {
  Blocker blocker;
  WorkPool pool(2, 4);
  ReleaseOnExit guard(blocker);
  ASSERT_TRUE(pool.TrySubmit(blocker.Task()));
  blocker.WaitStarted();
  std::promise<void> ran;
  ASSERT_TRUE(pool.TrySubmit([&] { ran.set_value(); }));
  EXPECT_EQ(ran.get_future().wait_for(5s), std::future_status::ready);
}

}  // namespace
}  // namespace recipe_rag::core
