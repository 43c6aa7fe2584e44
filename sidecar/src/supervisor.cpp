#include "supervisor.hpp"

#include "cdc_reader.hpp"
#include "full_load.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "operations.hpp"
#include "pg_connection.hpp"

#include "error.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <thread>

namespace sidecar {

namespace {

bool connection_failure(const dts::Error &e) {
    // Class 08 (connection exception), 57P01-03 (server shutting down), 53300 (too many
    // connections), 40001 (a read raced with the source, e.g. log truncation): worth retrying;
    // anything else is a problem with the data or configuration.
    return e.sqlstate.rfind("08", 0) == 0 || e.sqlstate == "57P01" || e.sqlstate == "57P02" ||
           e.sqlstate == "57P03" || e.sqlstate == "53300" || e.sqlstate == "40001";
}

struct Runner {
    TaskRef task;
    std::atomic<bool> stop{false};
    std::atomic<bool> finished{false};
    std::thread thread;
};

void sleep_unless(const std::atomic<bool> &a, const std::atomic<bool> &b, int seconds) {
    for (int i = 0; i < seconds * 10 && !a && !b; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

// Records a failed attempt; true while the task is still inside its retry window.
bool record_attempt(const Options &opts, const TaskRef &task, const std::string &error) {
    try {
        PgConnection pg(opts.destination);
        auto r = pg.query_rows(
            "UPDATE dts.tasks SET attempts = attempts + 1, failing_since = coalesce(failing_since, "
            "now()), last_error = $2 WHERE task_id = $1 RETURNING now() - failing_since < "
            "make_interval(mins => retry_minutes), attempts",
            {std::to_string(task.id), error});
        if (r.empty())
            return false;
        if (r[0][0] == "t")
            return true;
        pg.exec("BEGIN");
        pg.exec("UPDATE dts.tasks SET state = 'failed', stopped_at = now(), last_error = $2 WHERE "
                "task_id = $1",
                {std::to_string(task.id), "retry window exhausted after " + r[0][1].value_or("?") +
                                              " attempts; last error: " + error});
        pg.exec("SELECT dts._log($1::bigint, 'error', stage, NULL, $2) FROM dts.tasks WHERE "
                "task_id = $1",
                {std::to_string(task.id), "task failed: retry window exhausted: " + error});
        pg.exec("COMMIT");
        return false;
    } catch (const dts::Error &) {
        return true; // the destination itself is unreachable: keep trying, nothing to record in
    }
}

void fail_task(const Options &opts, const TaskRef &task, const dts::Error &e) {
    metrics::error(task.name);
    try {
        PgConnection pg(opts.destination);
        std::string msg = e.what();
        if (!e.detail.empty())
            msg += " (" + e.detail + ")";
        pg.exec("BEGIN");
        pg.exec("UPDATE dts.tasks SET state = 'failed', stopped_at = now(), last_error = $2 WHERE "
                "task_id = $1",
                {std::to_string(task.id), msg});
        pg.exec("SELECT dts._log($1::bigint, 'error', stage, NULL, $2, $3) FROM dts.tasks WHERE "
                "task_id = $1",
                {std::to_string(task.id), "task failed: " + msg,
                 e.hint.empty() ? PgConnection::Value() : e.hint});
        pg.exec("COMMIT");
    } catch (const dts::Error &inner) {
        log::error("cannot record the task failure",
                   {{"task", task.name}, {"error", inner.what()}});
    }
}

// The right to run a task's incremental stage: a session advisory lock on the destination, held
// by its own connection for as long as the stage runs. A sidecar that dies loses its connection
// and with it the lock, so a standing-by sidecar takes the stage over at its next try.
bool take_incremental_lease(const Options &opts, const TaskRef &task,
                            std::unique_ptr<PgConnection> &lease) {
    constexpr int kLockClass = 0x70676474; // 'pgdt': keeps clear of other users' advisory locks
    // Taking a lock this session already holds stacks it; one is enough.
    const std::string sql =
        "SELECT EXISTS (SELECT FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND pid = "
        "pg_catalog.pg_backend_pid() AND classid = $1::oid AND objid = ($2::int8 % "
        "2147483648)::oid AND objsubid = 2 AND granted) OR pg_catalog.pg_try_advisory_lock("
        "$1::int4, ($2::int8 % 2147483648)::int4)";
    const std::vector<PgConnection::Value> params = {std::to_string(kLockClass),
                                                     std::to_string(task.id)};
    if (lease) { // kept from the last try; its session may have ended since
        try {
            return lease->query_rows(sql, params).at(0)[0] == "t";
        } catch (const dts::Error &) {
            lease.reset();
        }
    }
    lease = std::make_unique<PgConnection>(opts.destination);
    return lease->query_rows(sql, params).at(0)[0] == "t";
}

void run_task(const Options &opts, Runner &r, const std::atomic<bool> &shutdown) {
    int attempt = 0;
    bool standing_by = false;
    std::unique_ptr<PgConnection> lease; // its session holds the incremental stage's lock
    auto stopped = [&]() { return r.stop.load() || shutdown.load(); };
    while (!stopped()) {
        try {
            // The stage as the task table has it now: a finished full stage hands over here.
            std::string stage;
            {
                PgConnection pg(opts.destination);
                auto row = pg.query_rows("SELECT stage FROM dts.tasks t WHERE task_id = $1 AND "
                                         "state = 'running'",
                                         {std::to_string(r.task.id)});
                if (row.empty())
                    break;
                stage = row[0][0].value_or("");
            }
            auto starting = [&] {
                log::info("task stage starting", {{"task", r.task.name}, {"stage", stage}});
            };
            bool done = false;
            if (stage == "full") {
                starting();
                done = run_full_load(opts, r.task, stopped);
            } else if (stage == "incremental") {
                // Chunks of a full load are shared between sidecars; a change stream is not: two
                // readers would both act on the same source DDL (capture-instance rotation).
                if (!take_incremental_lease(opts, r.task, lease)) {
                    if (!standing_by)
                        log::info("incremental stage held by another sidecar; standing by",
                                  {{"task", r.task.name}});
                    standing_by = true;
                    sleep_unless(r.stop, shutdown, opts.poll_seconds);
                    continue;
                }
                if (standing_by)
                    log::info("incremental stage taken over", {{"task", r.task.name}});
                standing_by = false;
                starting();
                // A lease whose session ended (destination restart, pg_terminate_backend) is no
                // longer held: stop at the next batch boundary and queue for it again.
                bool lost = false;
                auto checked = std::chrono::steady_clock::now();
                auto stopped_or_lost = [&]() {
                    if (stopped() || lost)
                        return true;
                    auto now = std::chrono::steady_clock::now();
                    if (now - checked < std::chrono::seconds(opts.poll_seconds))
                        return false;
                    checked = now;
                    try {
                        lease->exec("SELECT 1");
                    } catch (const dts::Error &e) {
                        log::warning("incremental stage lease lost; stopping here",
                                     {{"task", r.task.name}, {"error", e.what()}});
                        lost = true;
                    }
                    return lost;
                };
                // One reader for every mode: each table is read from the log or from its
                // capture instance (dts.tables.capture), merged by commit LSN.
                done = run_cdc_incremental(opts, r.task, stopped_or_lost);
                if (lost) {
                    lease.reset();
                    continue;
                }
            } else {
                break;
            }
            log::info(done ? "task stage finished" : "task stage stopped",
                      {{"task", r.task.name}, {"stage", stage}});
            if (!done)
                break;
        } catch (const dts::Error &e) {
            if (stopped()) { // a shutdown cancels source queries: not the task's failure
                log::info("task work interrupted by shutdown",
                          {{"task", r.task.name}, {"error", e.what()}});
                break;
            }
            if (!connection_failure(e)) {
                log::error("task failed", {{"task", r.task.name},
                                           {"sqlstate", e.sqlstate},
                                           {"error", e.what()},
                                           {"detail", e.detail}});
                fail_task(opts, r.task, e);
                break;
            }
            ++attempt;
            metrics::retry(r.task.name);
            log::warning(
                "connection failure, retrying",
                {{"task", r.task.name}, {"attempt", std::to_string(attempt)}, {"error", e.what()}});
            if (!record_attempt(opts, r.task, e.what()))
                break;
            sleep_unless(r.stop, shutdown, std::min(60, 1 << std::min(attempt, 6)));
        } catch (const std::exception &e) {
            log::error("task failed", {{"task", r.task.name}, {"error", e.what()}});
            fail_task(opts, r.task, dts::Error("XX000", e.what()));
            break;
        }
    }
    if (r.stop && !shutdown)
        note_paused(opts, r.task);
    r.finished = true;
}

} // namespace

int supervise(const Options &opts, const std::atomic<bool> &shutdown) {
    std::map<int64_t, std::unique_ptr<Runner>> runners;
    std::unique_ptr<PgConnection> ctl;
    int backoff = 1;
    std::thread operations([&opts, &shutdown] { run_operations(opts, shutdown); });
    while (!shutdown) {
        try {
            if (!ctl || !ctl->healthy()) {
                ctl = std::make_unique<PgConnection>(opts.destination);
                ctl->exec("LISTEN dts_task");
                log::info("listening for task changes", {{"channel", "dts_task"}});
                backoff = 1;
            }
            auto rows = ctl->query_rows("SELECT task_id, name FROM dts.tasks WHERE state = "
                                        "'running' AND stage IN ('full', 'incremental')");
            std::map<int64_t, std::string> wanted;
            for (auto &r : rows)
                wanted[std::stoll(*r[0])] = *r[1];
            for (auto &[id, runner] : runners)
                if (!wanted.count(id) && !runner->stop) {
                    log::info("task no longer running here; stopping its work",
                              {{"task", runner->task.name}});
                    runner->stop = true;
                }
            for (auto it = runners.begin(); it != runners.end();) {
                if (it->second->finished) {
                    it->second->thread.join();
                    it = runners.erase(it);
                } else {
                    ++it;
                }
            }
            for (auto &[id, name] : wanted)
                if (!runners.count(id)) {
                    auto r = std::make_unique<Runner>();
                    r->task = {id, name};
                    Runner *raw = r.get();
                    r->thread =
                        std::thread([&opts, raw, &shutdown] { run_task(opts, *raw, shutdown); });
                    runners.emplace(id, std::move(r));
                }
            ctl->wait_notifications(opts.poll_seconds * 1000);
        } catch (const dts::Error &e) {
            log::warning("destination unavailable, retrying",
                         {{"error", e.what()}, {"in_seconds", std::to_string(backoff)}});
            ctl.reset();
            std::atomic<bool> never{false};
            sleep_unless(shutdown, never, backoff);
            backoff = std::min(60, backoff * 2);
        }
    }
    log::info("shutting down: stopping task work at chunk boundaries");
    for (auto &[id, r] : runners)
        r->stop = true;
    for (auto &[id, r] : runners)
        r->thread.join();
    operations.join();
    return 0;
}

} // namespace sidecar
