// Prometheus metrics of the sidecar (prometheus-cpp): counters and histograms kept in one registry,
// served as Prometheus text on --metrics-address. Every function is safe to call from any thread;
// without an address the values are kept but not served.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sidecar::metrics {

// Serves /metrics on `address` (host:port, or :port for every interface). Throws dts::Error when
// the address cannot be bound.
void serve(const std::string &address);

// Full stage: rows of one committed chunk.
void rows_copied(const std::string &task, const std::string &table, uint64_t rows);
// Incremental stage: source changes applied in a committed destination transaction, by
// operation ("insert", "update", "delete").
void changes_applied(const std::string &task, const std::string &table,
                     const std::string &operation, uint64_t changes);
// One committed destination transaction of the incremental stage.
void batch_applied(const std::string &task, uint64_t changes, double seconds);
void retry(const std::string &task);
void error(const std::string &task);
// Seconds from the newest applied heartbeat's source time to now; nullopt removes the series.
void lag(const std::string &task, std::optional<double> seconds);
// Webhook deliveries of alerts: "delivered", "failed" (to be retried) or "abandoned".
void webhook(const std::string &result);

} // namespace sidecar::metrics
