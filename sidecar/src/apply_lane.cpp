#include "apply_lane.hpp"

#include <chrono>
#include <utility>

namespace sidecar {

ApplyLane::~ApplyLane() {
    if (last_.valid())
        last_.wait();
}

void ApplyLane::submit(std::function<void()> job) {
    // Each job waits for the one before it (and fails with it): one chain, one job at a time.
    last_ =
        std::async(std::launch::async, [before = std::move(last_), job = std::move(job)]() mutable {
            if (before.valid())
                before.get();
            job();
        });
}

void ApplyLane::check() {
    if (last_.valid() && last_.wait_for(std::chrono::seconds(0)) == std::future_status::ready)
        wait();
}

void ApplyLane::wait() {
    if (!last_.valid())
        return;
    std::future<void> last = std::move(last_);
    last.get();
}

} // namespace sidecar
