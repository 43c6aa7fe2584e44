#include "options.hpp"

#include "error.hpp"

#include <boost/program_options.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>

namespace po = boost::program_options;

namespace sidecar {

namespace {
// DTS_DESTINATION -> destination, DTS_LOG_LEVEL -> log-level; other variables are ignored.
std::string env_to_option(const std::string &var) {
    if (var == "DTS_DESTINATION")
        return "destination";
    if (var == "DTS_LOG_LEVEL")
        return "log-level";
    if (var == "DTS_WORKERS")
        return "workers";
    if (var == "DTS_CHUNK_ROWS")
        return "chunk-rows";
    if (var == "DTS_HEARTBEAT_SECONDS")
        return "heartbeat-seconds";
    if (var == "DTS_READ_LIMIT")
        return "read-limit";
    if (var == "DTS_READ_BYTES")
        return "read-bytes";
    if (var == "DTS_METRICS_ADDRESS")
        return "metrics-address";
    if (var == "DTS_ALERT_WEBHOOK")
        return "alert-webhook";
    if (var == "DTS_SOURCE_IDLE_TIMEOUT")
        return "source-idle-timeout";
    return {};
}
} // namespace

std::optional<Options> parse_options(int argc, char **argv) {
    Options opts;
    std::string config_file;
    po::options_description visible("dts-sidecar options");
    visible.add_options()("help,h", "print this help and exit")("version", "print the version")(
        "config,c", po::value(&config_file), "read options from this file (key = value lines)")(
        "destination,d", po::value(&opts.destination),
        "libpq connection string of the destination database (env DTS_DESTINATION); source "
        "credentials are read from its user mappings, never from here")(
        "log-level", po::value(&opts.log_level)->default_value("info"),
        "debug, info, warning or error (env DTS_LOG_LEVEL)")(
        "check", po::bool_switch(&opts.check_only),
        "connect to the destination, report what is installed, and exit")(
        "workers,j", po::value(&opts.workers)->default_value(4),
        "chunks copied in parallel, across tables (env DTS_WORKERS)")(
        "chunk-rows", po::value(&opts.chunk_rows)->default_value(100000),
        "rows per key-range chunk of a large table (env DTS_CHUNK_ROWS)")(
        "poll-seconds", po::value(&opts.poll_seconds)->default_value(5),
        "re-read task states this often when no notification arrives")(
        "heartbeat-seconds", po::value(&opts.heartbeat_seconds)->default_value(10),
        "write the heartbeat row at the source this often; its arrival measures the lag (env "
        "DTS_HEARTBEAT_SECONDS)")(
        "read-limit", po::value(&opts.read_limit)->default_value(20000),
        "CDC rows read per capture instance and poll; a larger source transaction is streamed "
        "(env DTS_READ_LIMIT)")(
        "read-bytes", po::value(&opts.read_bytes)->default_value(256LL << 20),
        "bytes of change data a CDC poll holds over all capture instances, and an apply batch "
        "carries; a poll that reaches it applies the transactions before the last one it read, a "
        "larger source transaction is streamed (env DTS_READ_BYTES)")(
        "metrics-address", po::value(&opts.metrics_address),
        "serve Prometheus metrics at http://ADDRESS/metrics, ADDRESS as host:port (env "
        "DTS_METRICS_ADDRESS)")(
        "alert-webhook", po::value(&opts.alert_webhook),
        "post every alert that fires or clears, as JSON, to this http(s) URL (env "
        "DTS_ALERT_WEBHOOK)")("alert-check-seconds",
                              po::value(&opts.alert_check_seconds)->default_value(10),
                              "evaluate the alert rules (dts_check_alerts()) this often")(
        "webhook-timeout-seconds", po::value(&opts.webhook_timeout)->default_value(5),
        "time limit of one webhook post; a failed post is retried with backoff")(
        "source-idle-timeout", po::value(&opts.source_idle_timeout)->default_value(600),
        "seconds a source query may go without receiving anything before its connection is "
        "abandoned and the task retried; 0 for none (env DTS_SOURCE_IDLE_TIMEOUT)");

    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, visible), vm);
        po::store(po::parse_environment(visible, env_to_option), vm);
        if (vm.count("config")) {
            std::ifstream in(vm["config"].as<std::string>());
            if (!in)
                throw dts::Error(
                    "58P01", "cannot read config file \"" + vm["config"].as<std::string>() + "\"",
                    {}, "Check the path given with --config.");
            po::store(po::parse_config_file(in, visible), vm);
        }
        po::notify(vm);
    } catch (const po::error &e) {
        throw dts::Error("22023", std::string("invalid dts-sidecar option: ") + e.what(), {},
                         "Run dts-sidecar --help for the list of options.");
    }
    if (vm.count("help")) {
        std::cout << "Usage: dts-sidecar [options]\n\n" << visible << '\n';
        return std::nullopt;
    }
    if (vm.count("version")) {
        std::cout << "dts-sidecar " PG_DTS_VERSION "\n";
        return std::nullopt;
    }
    if (opts.destination.empty())
        throw dts::Error("22023", "no destination database given", {},
                         "Pass --destination 'host=... dbname=...' or set DTS_DESTINATION.");
    if (opts.log_level != "debug" && opts.log_level != "info" && opts.log_level != "warning" &&
        opts.log_level != "error")
        throw dts::Error("22023", "invalid --log-level \"" + opts.log_level + "\"", {},
                         "Use debug, info, warning or error.");
    if (opts.workers < 1 || opts.workers > 64)
        throw dts::Error("22023", "invalid --workers " + std::to_string(opts.workers), {},
                         "Use 1 to 64.");
    if (opts.chunk_rows < 1000)
        throw dts::Error("22023", "invalid --chunk-rows " + std::to_string(opts.chunk_rows), {},
                         "Use at least 1000 rows per chunk.");
    if (opts.heartbeat_seconds < 0.1)
        throw dts::Error("22023", "invalid --heartbeat-seconds", {}, "Use 0.1 or more.");
    if (opts.read_limit < 100)
        throw dts::Error("22023", "invalid --read-limit", {}, "Use 100 or more.");
    if (opts.read_bytes < (1LL << 20))
        throw dts::Error("22023", "invalid --read-bytes " + std::to_string(opts.read_bytes), {},
                         "Use 1048576 (1 MiB) or more.");
    if (opts.alert_check_seconds < 0.5)
        throw dts::Error("22023", "invalid --alert-check-seconds", {}, "Use 0.5 or more.");
    if (opts.webhook_timeout < 0.1 || opts.webhook_timeout > 60)
        throw dts::Error("22023", "invalid --webhook-timeout-seconds", {}, "Use 0.1 to 60.");
    if (!opts.alert_webhook.empty() && opts.alert_webhook.rfind("http://", 0) != 0 &&
        opts.alert_webhook.rfind("https://", 0) != 0)
        throw dts::Error("22023", "invalid --alert-webhook \"" + opts.alert_webhook + "\"", {},
                         "Give an http:// or https:// URL.");
    if (opts.source_idle_timeout < 0 || opts.source_idle_timeout > 86400)
        throw dts::Error("22023", "invalid --source-idle-timeout", {},
                         "Use 0 (none) to 86400 seconds.");
    if (opts.poll_seconds < 1)
        throw dts::Error("22023", "invalid --poll-seconds", {}, "Use 1 or more.");
    return opts;
}

} // namespace sidecar
