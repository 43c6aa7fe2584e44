// The destination side of the change stream, one step behind the source side: batches are
// applied on their own thread, in order, while the reader reads and decodes the next window. A
// backlog then costs the slower of the two sides, not their sum.
#pragma once

#include <functional>
#include <future>

namespace sidecar {

class ApplyLane {
public:
    ApplyLane() = default;
    ApplyLane(const ApplyLane &) = delete;
    ApplyLane &operator=(const ApplyLane &) = delete;
    // Waits for the jobs still running; their errors are dropped (the owner is failing already,
    // or it called wait()).
    ~ApplyLane();

    // Runs `job` after every job submitted before it. A job whose predecessor failed does not
    // run: nothing is applied after a batch that failed.
    void submit(std::function<void()> job);
    // Returns when every submitted job has run; rethrows the first error of one.
    void wait();
    // wait() if the jobs are done already (their error surfaces now), else nothing.
    void check();
    bool idle() const { return !last_.valid(); }

private:
    std::future<void> last_;
};

} // namespace sidecar
