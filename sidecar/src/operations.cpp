#include "operations.hpp"

#include "log.hpp"
#include "metrics.hpp"
#include "pg_connection.hpp"
#include "webhook.hpp"

#include "error.hpp"

#include <chrono>
#include <memory>
#include <thread>

namespace sidecar {

namespace {

// A webhook that keeps failing gets this many posts (backoff 2, 4, ... up to 300 s: about half an
// hour), then the alert is left undelivered and an error event says so.
constexpr int kMaxDeliveries = 12;

void refresh_lag(PgConnection &pg) {
    for (auto &r : pg.query_rows("SELECT name, dts._alert_value(t, 'lag') FROM dts.tasks t"))
        metrics::lag(*r[0], r[1] ? std::optional<double>(std::stod(*r[1])) : std::nullopt);
}

// Posts undelivered alerts, oldest first, each under a row lock (several sidecars never post the
// same one at once). Stops at the first failure: the endpoint is probably down.
void deliver(PgConnection &pg, const Options &opts) {
    for (int i = 0; i < 50; ++i) {
        pg.exec("BEGIN");
        // In order: a cleared alert never reaches the receiver before its firing one, so the
        // oldest undelivered alert waits out its backoff before any newer one goes.
        auto rows = pg.query_rows(
            "SELECT alert_id, payload::text, next_delivery_at <= clock_timestamp() FROM dts.alerts "
            "WHERE delivered_at IS NULL AND delivery_attempts < $1 AND at > clock_timestamp() - "
            "interval '1 day' ORDER BY alert_id LIMIT 1 FOR UPDATE SKIP LOCKED",
            {std::to_string(kMaxDeliveries)});
        if (rows.empty() || rows[0][2] != "t") {
            pg.exec("COMMIT");
            return;
        }
        const std::string id = *rows[0][0];
        auto failure = post_json(opts.alert_webhook, *rows[0][1],
                                 static_cast<long>(opts.webhook_timeout * 1000));
        if (!failure) {
            pg.exec("UPDATE dts.alerts SET delivered_at = clock_timestamp(), delivery_attempts = "
                    "delivery_attempts + 1, delivery_error = NULL WHERE alert_id = $1",
                    {id});
            pg.exec("COMMIT");
            metrics::webhook("delivered");
            continue;
        }
        auto after = pg.query_rows(
            "UPDATE dts.alerts SET delivery_attempts = delivery_attempts + 1, delivery_error = $2, "
            "next_delivery_at = clock_timestamp() + make_interval(secs => least(300, 2 ^ "
            "(delivery_attempts + 1))) WHERE alert_id = $1 RETURNING delivery_attempts, task_id",
            {id, *failure});
        const bool abandoned = std::stoi(*after.at(0)[0]) >= kMaxDeliveries;
        if (abandoned)
            pg.exec("SELECT dts._log($1::bigint, 'error', NULL, NULL, $2)",
                    {*after[0][1], "alert " + id + " not delivered to the webhook after " +
                                       std::to_string(kMaxDeliveries) + " attempts: " + *failure});
        pg.exec("COMMIT");
        metrics::webhook(abandoned ? "abandoned" : "failed");
        log::warning("alert webhook failed", {{"alert", id},
                                              {"attempt", *after[0][0]},
                                              {"error", *failure},
                                              {"abandoned", abandoned ? "yes" : "no"}});
        return;
    }
}

void sleep_unless(const std::atomic<bool> &shutdown, double seconds) {
    for (int i = 0; i < static_cast<int>(seconds * 10) && !shutdown; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

} // namespace

void run_operations(const Options &opts, const std::atomic<bool> &shutdown) {
    std::unique_ptr<PgConnection> pg;
    while (!shutdown) {
        try {
            if (!pg || !pg->healthy())
                pg = std::make_unique<PgConnection>(opts.destination);
            // The session's search_path is pinned to pg_catalog: the extension lives in public.
            auto fired = pg->query_rows("SELECT public.dts_check_alerts()");
            if (fired.at(0)[0] != "0")
                log::info("alerts changed", {{"count", *fired[0][0]}});
            refresh_lag(*pg);
            if (!opts.alert_webhook.empty())
                deliver(*pg, opts);
        } catch (const dts::Error &e) {
            log::warning("alert check failed, retrying", {{"error", e.what()}});
            if (pg && pg->healthy() && pg->in_transaction()) {
                try {
                    pg->exec("ROLLBACK");
                } catch (const dts::Error &) {
                    pg.reset();
                }
            }
        }
        sleep_unless(shutdown, opts.alert_check_seconds);
    }
}

void note_paused(const Options &opts, const TaskRef &task) {
    try {
        PgConnection pg(opts.destination);
        pg.exec(
            "SELECT dts._log(t.task_id, 'info', t.stage, NULL, 'sidecar stopped reading: paused "
            "at checkpoint ' || coalesce((SELECT string_agg(c.source_db || ' ' || c.lsn, ', ' "
            "ORDER BY c.source_db) FROM dts.checkpoints c WHERE c.task_id = t.task_id AND "
            "c.stage = 'incremental'), 'none')) FROM dts.tasks t WHERE t.task_id = $1 AND "
            "t.state = 'paused'",
            {std::to_string(task.id)});
    } catch (const dts::Error &e) {
        log::warning("cannot record the pause", {{"task", task.name}, {"error", e.what()}});
    }
}

} // namespace sidecar
