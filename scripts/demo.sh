#!/usr/bin/env bash
# The main job on the embedded default: a throwaway PostgreSQL 15 cluster as destination, the SQL
# Server simulator loaded with the sample "shop" database as source, and pg_dts between them.
# Installs and builds what it needs. Set PG_DTS_KEEP=1 to leave both servers running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
echo "== building pg_dts, dts-sidecar and the simulator"
make -s -j"$(nproc)" all simulator >/tmp/pg_dts-build.log 2>&1 || { tail -40 /tmp/pg_dts-build.log; exit 1; }
if [ "$(id -u)" -eq 0 ]; then make -s install >/dev/null; fi

source scripts/lib.sh
if [ -n "${PG_DTS_KEEP:-}" ]; then trap - EXIT; fi

echo "== starting the source (SQL Server simulator) and loading the sample database (~1.2M rows)"
t0=$(date +%s)
SIM_PORT=$(start_sim demo --init-sql test/sample/shop.sql --cdc-poll-ms 1000)
echo "   loaded in $(( $(date +%s) - t0 )) s"
PG_PORT=$(start_pg demo)
export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=postgres
createdb shop_replica

freetds_conf source 127.0.0.1 "$SIM_PORT" >/dev/null
src_sql() { FREETDSCONF="$WORK_DIR/freetds.conf" tsql -S source -U sa -P Sim_Passw0rd -D shop -o q <<<"$1
go
exit"; }

echo
echo "== source: tables and row counts (sys.partitions, as pg_dts estimates them)"
src_sql "SELECT s.name + '.' + t.name AS [table], SUM(p.rows) AS [rows]
FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id
JOIN sys.partitions p ON p.object_id = t.object_id AND p.index_id IN (0, 1)
GROUP BY s.name, t.name ORDER BY 1"

echo "== source: tables that need CDC in hybrid mode (heap / no PK / PK not clustered / compressed / computed)"
src_sql "SELECT s.name + '.' + t.name AS [table], 'heap' AS reason FROM sys.schemas s JOIN sys.tables t ON s.schema_id = t.schema_id WHERE t.object_id IN (SELECT object_id FROM sys.indexes WHERE index_id = 0)
UNION ALL SELECT s.name + '.' + t.name, 'no primary key' FROM sys.schemas s JOIN sys.tables t ON s.schema_id = t.schema_id WHERE t.object_id NOT IN (SELECT parent_object_id FROM sys.objects WHERE type = 'PK')
UNION ALL SELECT s.name + '.' + t.name, 'primary key not clustered' FROM sys.schemas s JOIN sys.tables t ON s.schema_id = t.schema_id WHERE t.object_id IN (SELECT k.parent_object_id FROM sys.key_constraints k WHERE k.type = 'PK' AND k.unique_index_id <> 1)
UNION ALL SELECT s.name + '.' + t.name, 'compressed' FROM sys.schemas s JOIN sys.tables t ON s.schema_id = t.schema_id WHERE t.object_id IN (SELECT object_id FROM sys.partitions WHERE data_compression != 0)
UNION ALL SELECT s.name + '.' + t.name, 'computed column' FROM sys.schemas s JOIN sys.tables t ON s.schema_id = t.schema_id WHERE t.object_id IN (SELECT object_id FROM sys.columns WHERE is_computed = 1)
ORDER BY 1"

echo "== destination: installing pg_dts, the source as a foreign server"
psql -X -q -d shop_replica -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION pg_dts;
SELECT dts_version();
CREATE SERVER shop_src FOREIGN DATA WRAPPER pg_dts
  OPTIONS (host '127.0.0.1', port '$SIM_PORT', database 'shop', encrypt 'request');
CREATE USER MAPPING FOR CURRENT_USER SERVER shop_src OPTIONS (user 'sa', password 'Sim_Passw0rd');
SQL
echo "== the source through the FDW (IMPORT FOREIGN SCHEMA; WHERE, ORDER BY and LIMIT run remotely)"
psql -X -d shop_replica -v ON_ERROR_STOP=1 <<'SQL'
CREATE SCHEMA src;
IMPORT FOREIGN SCHEMA dbo LIMIT TO (customers, orders) FROM SERVER shop_src INTO src;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, name FROM src.customers WHERE id <= 3 ORDER BY id LIMIT 3;
SELECT id, name FROM src.customers WHERE id <= 3 ORDER BY id LIMIT 3;
SQL

echo "== the sidecar (dts-sidecar): it waits for tasks to run"
build/dts-sidecar --check --destination "host=127.0.0.1 port=$PG_PORT dbname=shop_replica user=postgres"
build/dts-sidecar --destination "host=127.0.0.1 port=$PG_PORT dbname=shop_replica user=postgres" \
  --workers 2 --chunk-rows 100000 --poll-seconds 1 --heartbeat-seconds 1 --log-level debug >"$WORK_DIR/sidecar.log" 2>&1 &
SIDECAR=$!
trap 'kill $SIDECAR 2>/dev/null; cleanup_all' EXIT
[ -n "${PG_DTS_KEEP:-}" ] && trap - EXIT

echo "== a sync task: every table of schemas dbo and sales (sales renamed to ods); schema, full and incremental"
echo "   (default hybrid mode: the transaction log for clustered-key tables, CDC for the others)"
psql -X -d shop_replica -v ON_ERROR_STOP=1 <<'SQL'
SELECT dts_create_task('shop', 'shop_src', ARRAY['shop']);
SELECT dts_add_objects('shop', 'dbo');
SELECT dts_add_objects('shop', 'sales');
SELECT dts_map_object('shop', 'sales', 'ods');
SQL
echo "== precheck"
psql -X -d shop_replica -v ON_ERROR_STOP=1 -c "SELECT item, status, object, detail FROM dts_precheck('shop')"
echo "== acknowledging the warnings, starting the task (source prepared for CDC, schema stage now, then the sidecar copies)"
psql -X -d shop_replica -v ON_ERROR_STOP=1 <<'SQL'
SELECT dts_ack_precheck('shop') AS warnings_acknowledged;
SELECT dts_start_task('shop');
SELECT source_schema || '.' || source_table AS "table", capture FROM dts.tables ORDER BY capture, 1;
SELECT level, object, message FROM dts.events WHERE stage = 'schema' OR message LIKE 'source preparation%' ORDER BY event_id;
SQL
echo "== full load progress (dts.task_status)"
t0=$(date +%s)
while :; do
  line=$(psql -X -At -d shop_replica -F ' ' -c "SELECT state, coalesce(stage, '-'), tables_copied || '/' || tables,
    coalesce(rows_copied, 0), coalesce(estimated_rows, 0), coalesce(percent, 0) || '%', coalesce(rows_per_second, 0),
    coalesce(to_char(eta, 'MI:SS'), '-') FROM dts.task_status WHERE name = 'shop'")
  set -- $line
  printf '   %3ss  state %-9s stage %-5s tables %-6s rows %9s / %-9s %6s  %8s rows/s  eta %s\n' \
    "$(( $(date +%s) - t0 ))" "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8"
  [ "$1" = running ] && [ "$2" = full ] || break
  sleep 2
done
psql -X -d shop_replica -c "SELECT source_table, state, rows_copied, estimated_rows, percent, rows_per_second, chunks_done || '/' || chunks AS chunks FROM dts_task_progress('shop')"
[ "$(psql -X -At -d shop_replica -c "SELECT state || '/' || stage FROM dts.tasks WHERE name = 'shop'")" = running/incremental ] ||
  { echo "the full stage did not finish:"; tail -20 "$WORK_DIR/sidecar.log"; exit 1; }
echo "== incremental stage: live changes at the source, from the log (customers, orders, order_items) and CDC (audit_log, a heap), one transaction"
src_sql "BEGIN TRAN
UPDATE dbo.customers SET credit_limit = credit_limit + 1000, notes = N'upgraded' WHERE id <= 100
INSERT INTO dbo.customers (name, email, country, created_at, is_active, credit_limit) VALUES (N'Zoë Live', 'zoe@example.com', 'NO', SYSDATETIME(), 1, 500)
DELETE FROM dbo.order_items WHERE order_id <= 50
UPDATE dbo.orders SET status = 9 WHERE id BETWEEN 1 AND 500
INSERT INTO dbo.audit_log (event_time, actor, detail) VALUES (SYSDATETIME(), N'demo', N'<live/>')
COMMIT"
t0=$(date +%s)
until [ "$(psql -X -At -d shop_replica -c "SELECT (SELECT count(*) FROM dbo.customers WHERE notes = 'upgraded') = 100 AND (SELECT count(*) FROM dbo.orders WHERE status = 9) = 500 AND EXISTS (SELECT FROM dbo.customers WHERE name = 'Zoë Live') AND EXISTS (SELECT FROM dbo.audit_log WHERE actor = 'demo')")" = t ]; do
  [ $(( $(date +%s) - t0 )) -lt 120 ] || { echo "changes did not arrive:"; tail -20 "$WORK_DIR/sidecar.log"; exit 1; }
  sleep 1
done
echo "   arrived $(( $(date +%s) - t0 )) s after the source committed (CDC capture polls every second here; the log side waits for it, so the transaction lands whole)"
grep 'msg="log read"' "$WORK_DIR/sidecar.log" | tail -1 | sed 's/.*records=/   transaction log read: records=/'
psql -X -d shop_replica -c "SELECT source_db, stage, lsn FROM dts.checkpoints ORDER BY stage"
echo "== source DDL travels with the changes: a new column, and values written into it"
src_sql "ALTER TABLE dbo.customers ADD loyalty_tier int NULL
go
UPDATE dbo.customers SET loyalty_tier = 3 WHERE id <= 10"
t0=$(date +%s)
until [ "$(psql -X -At -d shop_replica -c "SELECT count(*) FROM dbo.customers WHERE loyalty_tier = 3" 2>/dev/null)" = 10 ]; do
  [ $(( $(date +%s) - t0 )) -lt 120 ] || { echo "the DDL did not arrive:"; tail -20 "$WORK_DIR/sidecar.log"; exit 1; }
  sleep 1
done
psql -X -d shop_replica -c "SELECT level, object, message FROM dts.events WHERE stage = 'incremental' ORDER BY event_id"
echo "== incremental status (dts.task_status): LSNs, lag measured by the heartbeat, changes/s"
psql -X -d shop_replica -c "SELECT state, stage, source_max_lsn, applied_lsn, lag_seconds, last_heartbeat_at::time(0), changes_per_second FROM dts.task_status WHERE name = 'shop'"
echo "== validation after the changes: row counts and checksums per table and chunk, source (via the FDW) vs destination"
psql -X -d shop_replica -c "SELECT source_table, count(*) AS chunks, sum(source_rows) AS source_rows, sum(target_rows) AS target_rows, string_agg(DISTINCT status, ', ') AS status FROM dts_validate('shop') GROUP BY 1 ORDER BY 1"
psql -X -d shop_replica -c '\d ods.invoices'

echo
echo "Source:      127.0.0.1:$SIM_PORT (sa / Sim_Passw0rd, database shop)"
echo "Destination: psql -h 127.0.0.1 -p $PG_PORT -U postgres shop_replica"
echo "Shown: the FDW, task configuration, precheck, source preparation, schema sync, full load with"
echo "progress, incremental sync in hybrid mode (transaction log + CDC: data and DDL, lag), validation."
echo "The task keeps running while the servers do (PG_DTS_KEEP=1 leaves them up)."
