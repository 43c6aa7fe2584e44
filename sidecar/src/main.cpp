// dts-sidecar: reads SQL Server for pg_dts tasks and pushes what it reads to the destination.
#include "error.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "options.hpp"
#include "pg_connection.hpp"
#include "supervisor.hpp"
#include "tds_connection.hpp"

#include <sybdb.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

namespace {
std::atomic<bool> g_shutdown{false};
extern "C" void on_signal(int) {
    g_shutdown = true; // lock-free store: all a signal handler may do here
}

int check_destination(const sidecar::Options &opts) {
    sidecar::PgConnection pg(opts.destination);
    auto server = pg.query("SELECT current_setting('server_version'), current_database()");
    auto ext = pg.query("SELECT extversion FROM pg_extension WHERE extname = 'pg_dts'");
    sidecar::log::info("destination reachable",
                       {{"server_version", server.at(0).at(0)},
                        {"database", server.at(0).at(1)},
                        {"pg_dts", ext.empty() ? "not installed" : ext.at(0).at(0)},
                        {"freetds", dbversion()}});
    if (ext.empty()) {
        sidecar::log::error("pg_dts is not installed in the destination database",
                            {{"hint", "run CREATE EXTENSION pg_dts there"}});
        return 2;
    }
    return 0;
}
// The destination string may hold a password; /proc/<pid>/cmdline (ps) shows argv to every
// local user. Overwritten in place once parsed (the docs recommend DTS_DESTINATION anyway).
void scrub_destination(int argc, char **argv) {
    auto blank = [](char *s) {
        for (; *s; ++s)
            *s = '*';
    };
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "--destination" || a == "-d") && i + 1 < argc)
            blank(argv[++i]);
        else if (a.rfind("--destination=", 0) == 0)
            blank(argv[i] + std::strlen("--destination="));
        else if (a.rfind("-d", 0) == 0 && a.size() > 2 && a[1] != '-')
            blank(argv[i] + 2);
    }
}
} // namespace

int main(int argc, char **argv) {
    try {
        auto opts = sidecar::parse_options(argc, argv);
        scrub_destination(argc, argv);
        if (!opts)
            return 0;
        sidecar::log::set_level(opts->log_level);
        if (dbinit() == FAIL)
            throw dts::Error("58000", "cannot initialise FreeTDS db-lib");
        dts::tds::Connection::pin_config_environment(); // before any thread

        int rc = check_destination(*opts);
        if (opts->check_only || rc != 0)
            return rc;
        if (!opts->metrics_address.empty()) {
            sidecar::metrics::serve(opts->metrics_address);
            sidecar::log::info("serving metrics", {{"address", opts->metrics_address}});
        }
        std::signal(SIGTERM, on_signal);
        std::signal(SIGINT, on_signal);
        std::signal(SIGPIPE, SIG_IGN);
        // SIGTERM cancels what the source is working on: a source that stopped answering must
        // not keep the sidecar alive (the attention is bounded, see tds_connection.cpp).
        dts::tds::Connection::set_interrupt_check([]() { return g_shutdown.load(); });
        return sidecar::supervise(*opts, g_shutdown);
    } catch (const dts::Error &e) {
        sidecar::log::error(e.what(), {{"sqlstate", e.sqlstate}, {"hint", e.hint}});
        return 1;
    } catch (const std::exception &e) {
        sidecar::log::error(e.what());
        return 1;
    }
}
