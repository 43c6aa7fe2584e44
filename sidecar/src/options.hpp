// dts-sidecar configuration: command line, environment (DTS_*) and an optional config file, in
// that order of precedence.
#pragma once

#include <optional>
#include <string>

namespace sidecar {

struct Options {
    std::string destination; // libpq connection string of the destination database
    std::string log_level = "info";
    bool check_only = false;  // connect, report, exit
    int workers = 4;          // chunks copied at once (each with its own source and destination
                              // connection)
    long chunk_rows = 100000; // rows per key-range chunk of a large table
    int poll_seconds = 5;     // how often task states are re-read without a notification
    double heartbeat_seconds = 10; // how often the heartbeat row is written at the source
    long read_limit = 20000;       // CDC rows read per capture instance and poll (memory bound)
    long long read_bytes = 256LL << 20; // change data a CDC poll holds, an apply batch carries
    std::string metrics_address;        // host:port for Prometheus scrapes; empty: not served
    std::string alert_webhook;          // URL the alert rows are posted to; empty: none
    double alert_check_seconds = 10;    // how often dts_check_alerts() runs
    double webhook_timeout = 5;         // seconds one webhook post may take
    int source_idle_timeout = 600;      // seconds a source call may wait with nothing received
};

// Parses argv. Returns nullopt when the process should exit at once (help/version printed);
// throws dts::Error on invalid input.
std::optional<Options> parse_options(int argc, char **argv);

} // namespace sidecar
