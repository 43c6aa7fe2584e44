#!/usr/bin/env bash
# Operating a task: Prometheus metrics scraped with curl during a run; pause and resume at a batch
# boundary (nothing lost, nothing twice); a lag alert that fires and clears, with its NOTIFY and
# its webhook post (retried after a failed one); pg_cron jobs on a cluster with pg_cron preloaded
# (nightly validation, maintenance window pause/resume, alert check), run by cron itself.
# Against the simulator, or a real SQL Server when MSSQL_* are set.
# Prints "operations: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../../.."
source scripts/lib.sh

use_source ops --cdc-poll-ms 200 || exit 1
# pg_cron runs its jobs in background workers of this cluster's database postgres.
PG_EXTRA_CONF="shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 32" use_destination ops || exit 1
srcq() { q -c "SELECT * FROM dts._source_query('src', '$db', \$tsql\$$1\$tsql\$) AS x(v text)"; }

HOOK_OUT="$WORK_DIR/webhook.jsonl"
/usr/bin/python3 test/integration/sidecar/webhook_sink.py "$WORK_DIR/hook.port" "$HOOK_OUT" --fail 1 &
HOOK_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK_DIR/hook.port" ] && break; sleep 0.1; done
METRICS_PORT=$(free_port)
METRICS="http://127.0.0.1:$METRICS_PORT/metrics"
SIDECARS=()
start_sidecar() {
  build/dts-sidecar --destination "$DEST" --poll-seconds 1 --workers 2 --heartbeat-seconds 1 \
    --chunk-rows 1000 --metrics-address "127.0.0.1:$METRICS_PORT" --alert-check-seconds 1 \
    --alert-webhook "http://127.0.0.1:$(cat "$WORK_DIR/hook.port")/hook" \
    --webhook-timeout-seconds 2 >>"$WORK_DIR/sidecar.log" 2>&1 &
  SIDECARS+=($!)
  echo $!
}
trap 'for p in "${SIDECARS[@]}"; do kill -CONT "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done; kill "$HOOK_PID" 2>/dev/null; cleanup_all' EXIT
# metric NAME_AND_LABELS_REGEX -> the value of the first matching series (empty: none)
metric() { curl -s "$METRICS" | grep -E "^$1 " | head -1 | awk '{printf "%.10g", $2}'; }
wait_metric() { # wait_metric SECONDS REGEX EXPECTED
  local v
  for _ in $(seq 1 $(($1 * 5))); do
    v=$(metric "$2")
    [ "$v" = "$3" ] && break
    sleep 0.2
  done
  echo "$v"
}

db=ops_it_$$
q >/dev/null <<SQL || exit 1
CREATE EXTENSION pg_dts;
CREATE EXTENSION pg_cron;
CREATE SERVER src FOREIGN DATA WRAPPER pg_dts OPTIONS (host '$SRC_HOST', port '$SRC_PORT', encrypt 'request');
CREATE USER MAPPING FOR CURRENT_USER SERVER src OPTIONS (user '$SRC_USER', password '$SRC_PASSWORD');
SQL
src "CREATE DATABASE $db"
src "ALTER DATABASE $db SET RECOVERY FULL"
src "BACKUP DATABASE $db TO DISK = N'/tmp/$db.bak'"
src "USE $db; CREATE TABLE dbo.acct (id int NOT NULL PRIMARY KEY, owner nvarchar(40) NOT NULL, balance decimal(12,2) NOT NULL)"
src "USE $db; CREATE TABLE dbo.ledger (at datetime2(3) NOT NULL, amount decimal(12,2) NOT NULL)"
D="(VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9))"
src "USE $db; INSERT INTO dbo.acct (id, owner, balance) SELECT 1 + 1000*a.n + 100*b.n + 10*c.n + d.n, N'seed', 1 FROM (VALUES (0),(1)) a(n) CROSS JOIN $D b(n) CROSS JOIN $D c(n) CROSS JOIN $D d(n)"
src "USE $db; INSERT INTO dbo.ledger VALUES ('2024-01-01', 1)"
src "BACKUP LOG $db TO DISK = N'/tmp/$db.trn'"

SC=$(start_sidecar)
q >/dev/null <<SQL || exit 1
SELECT dts_create_task('ops', 'src', ARRAY['$db'], incremental_mode => 'cdc');
SELECT dts_add_objects('ops', 'dbo');
SELECT count(*) FROM dts_precheck('ops');
SELECT dts_ack_precheck('ops');
SELECT dts_start_task('ops');
SQL
check "full stage done, incremental running" "running/incremental" \
  "$(wait_for 90 "SELECT state || '/' || stage FROM dts.tasks WHERE name = 'ops'" "running/incremental")"

# ---- metrics ----------------------------------------------------------------------------------
check "metrics: rows copied by the full stage, per table" "2000" \
  "$(metric "dts_full_load_rows_copied_total\{table=\"$db.dbo.acct\",task=\"ops\"\}")"
src "USE $db; INSERT INTO dbo.acct VALUES (5001, N'new', 1), (5002, N'new', 1), (5003, N'new', 1)"
src "USE $db; UPDATE dbo.acct SET balance = 2 WHERE id IN (5001, 5002)"
src "USE $db; DELETE FROM dbo.acct WHERE id = 5003"
ops="operation=\"%s\",table=\"$db.dbo.acct\",task=\"ops\""
check "metrics: changes applied by table and operation (insert)" "3" \
  "$(wait_metric 60 "dts_changes_applied_total\{$(printf "$ops" insert)\}" 3)"
check "metrics: updates" "2" "$(wait_metric 30 "dts_changes_applied_total\{$(printf "$ops" update)\}" 2)"
check "metrics: deletes" "1" "$(wait_metric 30 "dts_changes_applied_total\{$(printf "$ops" delete)\}" 1)"
scrape=$(curl -s "$METRICS")
check "metrics: batch size and duration histograms" "yes" \
  "$(grep -qE '^dts_batch_changes_bucket\{task="ops",le="\+Inf"\} [1-9]' <<<"$scrape" &&
     grep -qE '^dts_batch_duration_seconds_count\{task="ops"\} [1-9]' <<<"$scrape" &&
     grep -q '^# TYPE dts_batch_duration_seconds histogram' <<<"$scrape" && echo yes)"
# The gauge is refreshed with each alert check (every second here): sample it for a few seconds.
lag_ok=""
for _ in $(seq 1 25); do
  lag=$(metric 'dts_lag_seconds\{task="ops"\}')
  lag_ok=$(awk -v v="$lag" 'BEGIN { if (v != "" && v >= 0 && v < 30) print "yes" }')
  [ -n "$lag_ok" ] && break
  sleep 0.2
done
[ -n "$lag_ok" ] || echo "# last dts_lag_seconds sample: '$lag'; lag now: $(q -c "SELECT dts._alert_value(t, 'lag') FROM dts.tasks t WHERE name = 'ops'")"
check "metrics: lag from the heartbeat (seconds, small)" "yes" "$lag_ok"
check "metrics: resident memory of the process" "yes" \
  "$(v=$(metric process_resident_memory_bytes); awk -v v="$v" 'BEGIN { if (v > 1000000) print "yes" }')"
check "metrics: retries and errors counted (none yet)" "0" "$(grep -c '^dts_\(retries\|errors\)_total{' <<<"$scrape")"

# ---- pause and resume -------------------------------------------------------------------------
check "pause" "paused" "$(q -c "SELECT dts_pause_task('ops')")"
check "the sidecar stops at a batch boundary and records its checkpoint" "1" \
  "$(wait_for 30 "SELECT count(*) FROM dts.events WHERE message LIKE 'sidecar stopped reading: paused at checkpoint $db %'" "1")"
cp=$(q -c "SELECT lsn FROM dts.checkpoints WHERE stage = 'incremental'")
for i in 1 2 3 4 5; do src "USE $db; INSERT INTO dbo.ledger VALUES ('2024-02-0$i', $i)"; done
src "USE $db; UPDATE dbo.acct SET balance = 9 WHERE id = 5001"
sleep 4
check "paused: nothing applied, checkpoint kept" "$cp|1" \
  "$(q -c "SELECT (SELECT lsn FROM dts.checkpoints WHERE stage = 'incremental') || '|' || (SELECT count(*) FROM dbo.ledger)")"
check "resume" "running" "$(q -c "SELECT dts_resume_task('ops')")"
check "after resume: changes made while paused arrive once (heap table: no duplicates)" "6:16.00:9.00" \
  "$(wait_for 60 "SELECT count(*) || ':' || sum(amount) || ':' || (SELECT balance FROM dbo.acct WHERE id = 5001) FROM dbo.ledger" "6:16.00:9.00")"
check "pause and resume recorded" "task paused|task resumed" \
  "$(q -c "SELECT string_agg(message, '|' ORDER BY event_id) FROM dts.events WHERE message IN ('task paused') OR message LIKE 'task resumed after %'" | sed 's/task resumed after .*/task resumed/')"

# ---- alerts: lag fires while the sidecar is frozen, clears when it goes on ---------------------
q -c "SELECT dts_set_alert('ops', 'lag', 5, '2 seconds')" >/dev/null
q -c "SELECT dts_set_alert('ops', 'task_failed')" >/dev/null
psql -X -At -c "LISTEN dts_alerts" -c "SELECT pg_sleep(25)" >"$WORK_DIR/notify.log" 2>&1 &
LISTENER=$!
sleep 1
kill -STOP "$SC"
# The sidecar (which checks the alerts too) is frozen: the check comes from here.
fired=""
for _ in $(seq 1 40); do
  # (a frozen sidecar may hold the rule rows: wait for them briefly, then try again)
  q -c "SET lock_timeout = '2s'" -c "SELECT dts_check_alerts()" >/dev/null 2>&1
  fired=$(q -c "SELECT count(*) FROM dts.alerts WHERE kind = 'lag' AND event = 'firing'")
  [ "$fired" = "1" ] && break
  sleep 0.5
done
check "lag alert fires after the lag stayed above 5 s for 2 s" "1" "$fired"
check "the firing row names the task and the lag" "yes" \
  "$(q -c "SELECT CASE WHEN message LIKE 'task ops lags % s behind its source (threshold 5 s, for 00:00:02)' AND value > 5 THEN 'yes' END FROM dts.alerts WHERE kind = 'lag' AND event = 'firing'")"
kill -CONT "$SC"
check "and clears once heartbeats arrive again (sidecar's own check)" "1" \
  "$(wait_for 60 "SELECT count(*) FROM dts.alerts WHERE kind = 'lag' AND event = 'cleared'" "1")"
check "task_failed did not fire" "0" "$(q -c "SELECT count(*) FROM dts.alerts WHERE kind = 'task_failed'")"
wait "$LISTENER"
check "NOTIFY dts_alerts carried the firing alert as JSON" "1" \
  "$(grep -c 'notification "dts_alerts" with payload "{.*"kind": "lag".*"task": "ops".*"event": "firing"\|notification "dts_alerts" with payload "{.*"event": "firing".*"kind": "lag".*"task": "ops"' "$WORK_DIR/notify.log")"
for _ in $(seq 1 100); do [ "$(wc -l <"$HOOK_OUT" 2>/dev/null || echo 0)" -ge 2 ] && break; sleep 0.2; done
check "webhook got firing then cleared (the first post failed and was retried)" "firing,cleared" \
  "$(/usr/bin/python3 -c "import json,sys; print(','.join(json.loads(l)['event'] for l in open(sys.argv[1]) if json.loads(l)['kind'] == 'lag'))" "$HOOK_OUT" 2>/dev/null)"
check "delivery recorded: both delivered, the first after 2 attempts" "2|3" \
  "$(wait_for 10 "SELECT count(delivered_at) || '|' || sum(delivery_attempts) FROM dts.alerts WHERE kind = 'lag'" "2|3")"
check "metrics: webhook deliveries" "2" "$(wait_metric 10 'dts_alert_webhook_deliveries_total\{result="delivered"\}' 2)"

# ---- pg_cron: the recipes of docs/monitoring.md, run by cron itself ----------------------------
# Nightly validation (here: every minute), the alert check, and the maintenance window's pause;
# pg_cron 1.4 schedules by the minute, so each job runs at the next minute's start.
q >/dev/null <<'SQL' || exit 1
SELECT cron.schedule('dts-validate-ops', '* * * * *', $$SELECT count(*) FROM dts_validate('ops')$$);
SELECT cron.schedule('dts-alerts', '* * * * *', $$SELECT dts_check_alerts()$$);
SELECT cron.schedule('dts-pause-ops', '* * * * *', $$SELECT dts_pause_task('ops')$$);
SQL
q -c "SELECT dts_set_alert('ops', 'validation')" >/dev/null
check "pg_cron paused the task (maintenance window opens)" "paused" \
  "$(wait_for 75 "SELECT state FROM dts.tasks WHERE name = 'ops'" "paused")"
check "pg_cron ran the validation: every chunk ok" "ok" \
  "$(wait_for 60 "SELECT string_agg(DISTINCT status, ',') FROM dts.validation_results WHERE run_at = (SELECT max(run_at) FROM dts.validation_results)" "ok")"
check "pg_cron job runs succeeded" "3" \
  "$(wait_for 60 "SELECT count(DISTINCT jobid) FROM cron.job_run_details WHERE status = 'succeeded'" "3")"
q >/dev/null <<'SQL' || exit 1
SELECT cron.unschedule('dts-pause-ops');
SELECT cron.unschedule('dts-validate-ops');
SELECT cron.schedule('dts-resume-ops', '* * * * *', $$SELECT dts_resume_task('ops')$$);
SQL
src "USE $db; INSERT INTO dbo.ledger VALUES ('2024-03-01', 100)"
check "pg_cron resumed the task (maintenance window closes), changes flow" "running:7" \
  "$(wait_for 90 "SELECT (SELECT state FROM dts.tasks WHERE name = 'ops') || ':' || (SELECT count(*) FROM dbo.ledger)" "running:7")"
q -c "SELECT cron.unschedule('dts-resume-ops')" >/dev/null

# A difference planted behind the task's back: the next validation finds it, the alert fires.
q -c "UPDATE dbo.acct SET balance = 777 WHERE id = 1" >/dev/null
q -c "SELECT count(*) FROM dts_validate('ops')" >/dev/null
check "validation alert fires for the planted difference (pg_cron's or the sidecar's check)" "1" \
  "$(wait_for 70 "SELECT count(*) FROM dts.alerts WHERE kind = 'validation' AND event = 'firing'" "1")"

# ---- dts_repair: only the chunk found different, while changes flow ----------------------------
( for i in $(seq 1 20); do src "USE $db; UPDATE dbo.acct SET balance = balance + 1 WHERE id IN ($((i * 90)), 5001)"; sleep 0.3; done ) &
FLOW=$!
sleep 1
check "dts_repair re-copies the one chunk found different while changes flow" "1" \
  "$(q -c "SELECT count(*) FROM dts_repair('ops')")"
wait "$FLOW"
fence=$(q -c "SELECT max(fence_lsn) FROM dts.repairs")
check "the checkpoint passes the repair's fence" "t" \
  "$(wait_for 60 "SELECT lsn >= '$fence' FROM dts.checkpoints WHERE stage = 'incremental'" "t")"
src_sum=$(srcq "SELECT CAST(SUM(balance) AS varchar(30)) FROM dbo.acct")
check "caught up with the flow of changes" "t" "$(wait_for 60 "SELECT sum(balance) = $src_sum FROM dbo.acct" "t")"
check "validation after the repair: every chunk ok, the planted row has its source value" "ok:1.00" \
  "$(q -c "SELECT string_agg(DISTINCT status, ',') FROM dts_validate('ops')"):$(q -c "SELECT balance FROM dbo.acct WHERE id = 1")"
check "validation alert cleared" "1" \
  "$(wait_for 30 "SELECT count(*) FROM dts.alerts WHERE kind = 'validation' AND event = 'cleared'" "1")"
check "repair recorded" "1" "$(q -c "SELECT count(*) FROM dts.events WHERE message LIKE 'chunk % repaired: % rows replaced by % from the source; exact once the checkpoint passes LSN %'")"
check "metrics: still served at the end" "yes" "$(curl -s "$METRICS" | grep -q '^dts_changes_applied_total' && echo yes)"

q -c "SELECT cron.unschedule('dts-alerts')" >/dev/null

# ---- retention overrun: CDC cleanup passes the position of dbo.acct while the sidecar is down ---
kill -TERM "$SC"
for _ in $(seq 1 100); do kill -0 "$SC" 2>/dev/null || break; sleep 0.1; done
src "USE $db; UPDATE dbo.acct SET balance = 42 WHERE id = 2"
src "USE $db; INSERT INTO dbo.acct VALUES (6001, N'late', 1)"
src "USE $db; INSERT INTO dbo.ledger VALUES ('2024-04-01', 200)"
wait_for 60 "SELECT * FROM dts._source_query('src', '$db', \$tsql\$SELECT CAST(COUNT(*) AS varchar(5)) FROM cdc.dbo_ledger_CT WHERE amount = 200\$tsql\$) AS x(v text)" "1" >/dev/null
lw=$(srcq "SELECT sys.fn_cdc_get_max_lsn()"); lw=${lw,,}
src "USE $db; EXEC sys.sp_cdc_cleanup_change_table @capture_instance = N'dbo_acct', @low_water_mark = 0x${lw:2}"
SC=$(start_sidecar)
check "retention overrun: the task fails naming the table" "failed:true" \
  "$(wait_for 60 "SELECT state || ':' || (last_error LIKE '%$db.dbo.acct%gone%') FROM dts.tasks WHERE name = 'ops'" "failed:true")"
check "dts_resnapshot copies the table again, read from the new CDC high mark" "2003:true" \
  "$(q -c "SELECT rows_copied || ':' || (read_from >= '${lw:2:8}:${lw:10:8}:${lw:18:4}') FROM dts_resnapshot('ops', ARRAY['dbo.acct'])")"
check "the task runs again" "running/incremental" \
  "$(wait_for 30 "SELECT state || '/' || stage FROM dts.tasks WHERE name = 'ops'" "running/incremental")"
check "the other table kept its position: the change made meanwhile arrives once" "1" \
  "$(wait_for 60 "SELECT count(*) FROM dbo.ledger WHERE amount = 200" "1")"
src "USE $db; UPDATE dbo.acct SET balance = 43 WHERE id = 2"
check "changes of the re-copied table flow again" "43.00" "$(wait_for 60 "SELECT balance FROM dbo.acct WHERE id = 2" "43.00")"
check "equal after resnapshot" "ok" "$(q -c "SELECT string_agg(DISTINCT status, ',') FROM dts_validate('ops')")"

# ---- dts_resnapshot: a fresh copy of a completed full-only task (issue 16 item 8) ---------------
fdb=ops_full_$$
src "CREATE DATABASE $fdb"
src "USE $fdb; CREATE TABLE dbo.k (id int NOT NULL PRIMARY KEY, v nvarchar(10) NOT NULL)"
src "USE $fdb; CREATE TABLE dbo.heap (v nvarchar(10) NOT NULL)"
src "USE $fdb; INSERT INTO dbo.k VALUES (1, N'a'), (2, N'b'), (3, N'c')"
src "USE $fdb; INSERT INTO dbo.heap VALUES (N'x'), (N'x'), (N'y')"
q >/dev/null <<SQL || exit 1
SELECT dts_create_task('fo', 'src', ARRAY['$fdb'], stages => '{schema,full}');
SELECT dts_add_objects('fo', 'dbo');
SELECT dts_map_object('fo', 'dbo', 'fo');
SELECT dts_set_filter('fo', '$fdb.dbo.k', '[id] <> 3');
SELECT count(*) FROM dts_precheck('fo');
SELECT dts_ack_precheck('fo');
SELECT dts_start_task('fo');
SQL
check "full-only task completes" "completed" "$(wait_for 60 "SELECT state FROM dts.tasks WHERE name = 'fo'" "completed")"
check "a full-only task records no cutover (it reads no log position)" "0" \
  "$(q -c "SELECT count(*) FROM dts.checkpoints c JOIN dts.tasks t USING (task_id) WHERE t.name = 'fo'")"
src "USE $fdb; DELETE FROM dbo.k WHERE id = 1; UPDATE dbo.k SET v = N'B' WHERE id = 2; INSERT INTO dbo.k VALUES (4, N'd')"
src "USE $fdb; DELETE FROM dbo.heap WHERE v = N'y'; INSERT INTO dbo.heap VALUES (N'z')"
check "dts_resnapshot(task, NULL) copies every table of the full-only task again" "$fdb.dbo.heap:3|$fdb.dbo.k:2" \
  "$(q -c "SELECT string_agg(source_table || ':' || rows_copied, '|' ORDER BY source_table) FROM dts_resnapshot('fo', NULL)")"
check "stale rows are gone, new ones are there, the filter holds (keyed table)" "2:B|4:d" \
  "$(q -c "SELECT string_agg(id || ':' || v, '|' ORDER BY id) FROM fo.k")"
check "table without a key: a fresh copy, not a merge" "x|x|z" "$(q -c "SELECT string_agg(v, '|' ORDER BY v) FROM fo.heap")"
check "the task stays completed; each copy is an event" "completed|2" \
  "$(q -c "SELECT t.state || '|' || count(e.*) FROM dts.tasks t LEFT JOIN dts.events e ON e.task_id = t.task_id AND e.message LIKE 'table emptied and copied again%' WHERE t.name = 'fo' GROUP BY t.state")"
src "USE $fdb; UPDATE dbo.k SET v = N'BB' WHERE id = 2"
check "one table by name" "$fdb.dbo.k:2" "$(q -c "SELECT source_table || ':' || rows_copied FROM dts_resnapshot('fo', ARRAY['dbo.k'])")"
check "its rows are fresh" "2:BB|4:d" "$(q -c "SELECT string_agg(id || ':' || v, '|' ORDER BY id) FROM fo.k")"

q -c "SELECT dts_stop_task('ops')" >/dev/null
kill -TERM "$SC"
echo "operations: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
