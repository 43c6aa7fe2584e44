#include "metrics.hpp"

#include "error.hpp"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <unistd.h>

#include <fstream>
#include <memory>
#include <mutex>

namespace sidecar::metrics {

namespace {

// The resident set size, read when scraped (the conventional process_ metric).
class ProcessCollector : public prometheus::Collectable {
public:
    std::vector<prometheus::MetricFamily> Collect() const override {
        long pages_total = 0, pages_resident = 0;
        std::ifstream statm("/proc/self/statm");
        statm >> pages_total >> pages_resident;
        prometheus::MetricFamily f;
        f.name = "process_resident_memory_bytes";
        f.help = "Resident memory size in bytes.";
        f.type = prometheus::MetricType::Gauge;
        prometheus::ClientMetric m;
        m.gauge.value =
            static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
        f.metric.push_back(m);
        return {f};
    }
};

struct Metrics {
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
    std::shared_ptr<ProcessCollector> process = std::make_shared<ProcessCollector>();
    prometheus::Family<prometheus::Counter> &rows =
        prometheus::BuildCounter()
            .Name("dts_full_load_rows_copied_total")
            .Help("Rows copied by the full stage, counted when their chunk commits.")
            .Register(*registry);
    prometheus::Family<prometheus::Counter> &changes =
        prometheus::BuildCounter()
            .Name("dts_changes_applied_total")
            .Help("Source changes applied by the incremental stage, counted when their "
                  "destination transaction commits.")
            .Register(*registry);
    prometheus::Family<prometheus::Histogram> &batch_changes =
        prometheus::BuildHistogram()
            .Name("dts_batch_changes")
            .Help("Source changes per committed destination transaction of the incremental stage.")
            .Register(*registry);
    prometheus::Family<prometheus::Histogram> &batch_seconds =
        prometheus::BuildHistogram()
            .Name("dts_batch_duration_seconds")
            .Help("Time from opening to committing a destination transaction of the incremental "
                  "stage.")
            .Register(*registry);
    prometheus::Family<prometheus::Counter> &retries =
        prometheus::BuildCounter()
            .Name("dts_retries_total")
            .Help("Connection failures retried within the task's retry window.")
            .Register(*registry);
    prometheus::Family<prometheus::Counter> &errors = prometheus::BuildCounter()
                                                          .Name("dts_errors_total")
                                                          .Help("Errors that failed a task.")
                                                          .Register(*registry);
    prometheus::Family<prometheus::Gauge> &lag =
        prometheus::BuildGauge()
            .Name("dts_lag_seconds")
            .Help("Seconds from the source time of the newest applied heartbeat to now.")
            .Register(*registry);
    prometheus::Family<prometheus::Counter> &webhooks =
        prometheus::BuildCounter()
            .Name("dts_alert_webhook_deliveries_total")
            .Help("Alert webhook posts by result.")
            .Register(*registry);
    std::unique_ptr<prometheus::Exposer> exposer;
    std::mutex mutex; // serve() and gauge removal
};

Metrics &m() {
    static Metrics instance;
    return instance;
}

const prometheus::Histogram::BucketBoundaries kChangeBuckets{1,     10,     100,    1000,
                                                             10000, 100000, 1000000};
const prometheus::Histogram::BucketBoundaries kSecondBuckets{
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

} // namespace

void serve(const std::string &address) {
    std::lock_guard<std::mutex> lock(m().mutex);
    try {
        m().exposer = std::make_unique<prometheus::Exposer>(address, 1);
    } catch (const std::exception &e) {
        throw dts::Error("58000", "cannot serve metrics on \"" + address + "\": " + e.what(), {},
                         "Give --metrics-address as host:port with a free port.");
    }
    m().exposer->RegisterCollectable(m().registry);
    m().exposer->RegisterCollectable(m().process);
}

void rows_copied(const std::string &task, const std::string &table, uint64_t rows) {
    m().rows.Add({{"task", task}, {"table", table}}).Increment(static_cast<double>(rows));
}

void changes_applied(const std::string &task, const std::string &table,
                     const std::string &operation, uint64_t changes) {
    m().changes.Add({{"task", task}, {"table", table}, {"operation", operation}})
        .Increment(static_cast<double>(changes));
}

void batch_applied(const std::string &task, uint64_t changes, double seconds) {
    m().batch_changes.Add({{"task", task}}, kChangeBuckets).Observe(static_cast<double>(changes));
    m().batch_seconds.Add({{"task", task}}, kSecondBuckets).Observe(seconds);
}

void retry(const std::string &task) {
    m().retries.Add({{"task", task}}).Increment();
}

void error(const std::string &task) {
    m().errors.Add({{"task", task}}).Increment();
}

void lag(const std::string &task, std::optional<double> seconds) {
    std::lock_guard<std::mutex> lock(m().mutex);
    if (seconds) {
        m().lag.Add({{"task", task}}).Set(*seconds);
    } else if (m().lag.Has({{"task", task}})) {
        m().lag.Remove(&m().lag.Add({{"task", task}}));
    }
}

void webhook(const std::string &result) {
    m().webhooks.Add({{"result", result}}).Increment();
}

} // namespace sidecar::metrics
