// The apply lane (sidecar/src/apply_lane.hpp): jobs run in order, off the caller's thread, and
// nothing runs after a job that failed.
#include "apply_lane.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using sidecar::ApplyLane;

TEST(ApplyLane, RunsJobsInOrderOffTheCallersThread) {
    ApplyLane lane;
    EXPECT_TRUE(lane.idle());
    std::mutex m;
    std::vector<int> order;
    std::atomic<bool> other_thread = true;
    const auto caller = std::this_thread::get_id();
    for (int i = 0; i < 20; ++i)
        lane.submit([&, i] {
            // Earlier jobs sleep longer: only the chaining keeps the order.
            std::this_thread::sleep_for(std::chrono::microseconds(200 * (20 - i)));
            if (std::this_thread::get_id() == caller)
                other_thread = false;
            std::lock_guard lock(m);
            order.push_back(i);
        });
    EXPECT_FALSE(lane.idle());
    lane.wait();
    EXPECT_TRUE(lane.idle());
    ASSERT_EQ(order.size(), 20u);
    for (int i = 0; i < 20; ++i)
        EXPECT_EQ(order[static_cast<size_t>(i)], i);
    EXPECT_TRUE(other_thread);
}

TEST(ApplyLane, TheCallerGoesOnWhileAJobRuns) {
    ApplyLane lane;
    std::atomic<bool> release = false, done = false;
    lane.submit([&] {
        while (!release)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        done = true;
    });
    // submit() returned although the job cannot finish before the caller lets it.
    EXPECT_FALSE(done);
    release = true;
    lane.wait();
    EXPECT_TRUE(done);
}

TEST(ApplyLane, NothingRunsAfterAFailedJobAndWaitRethrows) {
    ApplyLane lane;
    std::atomic<int> ran = 0;
    lane.submit([&] { ++ran; });
    lane.submit([] { throw std::runtime_error("batch 2 failed"); });
    lane.submit([&] { ran += 10; });
    try {
        lane.wait();
        FAIL() << "wait() did not rethrow";
    } catch (const std::runtime_error &e) {
        EXPECT_STREQ(e.what(), "batch 2 failed");
    }
    EXPECT_EQ(ran, 1);
    // The lane is usable again (its owner normally is gone by then).
    lane.submit([&] { ran += 100; });
    lane.wait();
    EXPECT_EQ(ran, 101);
}

TEST(ApplyLane, CheckSurfacesAnErrorOnlyOnceTheJobsAreDone) {
    ApplyLane lane;
    std::atomic<bool> release = false;
    lane.submit([&] {
        while (!release)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        throw std::runtime_error("refused");
    });
    lane.submit([] {});            // chained after the failure: fails with it
    EXPECT_NO_THROW(lane.check()); // still running: check() does not wait
    EXPECT_FALSE(lane.idle());
    release = true;
    for (int i = 0; i < 5000 && !lane.idle(); ++i) {
        try {
            lane.check();
        } catch (const std::runtime_error &e) {
            EXPECT_STREQ(e.what(), "refused");
            EXPECT_TRUE(lane.idle());
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    FAIL() << "check() never reported the failed job";
}

TEST(ApplyLane, DestructorWaitsForTheJobs) {
    std::atomic<bool> done = false;
    {
        ApplyLane lane;
        lane.submit([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            done = true;
        });
        lane.submit([] { throw std::runtime_error("dropped"); });
    }
    EXPECT_TRUE(done);
}

} // namespace
