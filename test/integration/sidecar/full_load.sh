#!/usr/bin/env bash
# Full data synchronization end to end: dts-sidecar against the simulator (or a real SQL Server
# when MSSQL_* are set) and a throwaway PostgreSQL. Every type arrives equal, filters, renames,
# both conflict modes, kill -9 in the middle of a large table, stop/start, and a source that
# disappears for a while. Prints "full_load: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../../.."
source scripts/lib.sh

finish() { echo "full_load: $passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit; }

if [ -n "${MSSQL_HOST:-}" ]; then
  SRC_HOST=$MSSQL_HOST SRC_PORT=${MSSQL_PORT:-1433} SRC_USER=$MSSQL_USER SRC_PASSWORD=$MSSQL_PASSWORD
  freetds_conf src "$SRC_HOST" "$SRC_PORT" >/dev/null
  FREETDSCONF="$WORK_DIR/freetds.conf" tsql -S src -U "$SRC_USER" -P "$SRC_PASSWORD" \
    <test/sample/regress_source.sql >"$WORK_DIR/load.log" 2>&1 || { cat "$WORK_DIR/load.log"; exit 1; }
  SIM=""
else
  SRC_HOST=127.0.0.1 SRC_USER=sa SRC_PASSWORD=Sim_Passw0rd
  SRC_PORT=$(start_sim full --init-sql test/sample/regress_source.sql) || exit 1
  SIM="$WORK_DIR/sim_full"
fi
PG_PORT=$(start_pg full) || exit 1
export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=postgres PGDATABASE=postgres
DEST="host=127.0.0.1 port=$PG_PORT dbname=postgres user=dts_loader"
SIDECAR_PIDS=()
start_sidecar() { # start_sidecar LOGNAME [options]
  local name=$1; shift
  build/dts-sidecar --destination "$DEST" --poll-seconds 1 "$@" >>"$WORK_DIR/$name.log" 2>&1 &
  SIDECAR_PIDS+=($!)
  echo $!
}
trap 'for p in "${SIDECAR_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; cleanup_all' EXIT
wait_state() { # wait_state TASK STATE SECONDS -> prints the final state
  local s
  for _ in $(seq 1 $(($3 * 5))); do
    s=$(q -c "SELECT state || '/' || coalesce(stage, '') FROM dts.tasks WHERE name = '$1'")
    [ "${s%%/*}" = "$2" ] && break
    [ "${s%%/*}" = "failed" ] && break
    sleep 0.2
  done
  echo "$s"
}
source_exec() { q -c "SELECT dts_source_exec('src', \$tsql\$$1\$tsql\$)" >/dev/null; }

q >/dev/null <<SQL || exit 1
CREATE EXTENSION pg_dts;
CREATE ROLE dts_loader LOGIN IN ROLE dts_admin, dts_sidecar;
GRANT CREATE ON DATABASE postgres TO dts_loader;
CREATE SERVER src FOREIGN DATA WRAPPER pg_dts OPTIONS (host '$SRC_HOST', port '$SRC_PORT', encrypt 'request');
GRANT USAGE ON FOREIGN SERVER src TO dts_loader;
CREATE USER MAPPING FOR PUBLIC SERVER src OPTIONS (user '$SRC_USER', password '$SRC_PASSWORD');
CREATE SERVER src_regress FOREIGN DATA WRAPPER pg_dts OPTIONS (host '$SRC_HOST', port '$SRC_PORT', database 'regress', encrypt 'request');
CREATE USER MAPPING FOR PUBLIC SERVER src_regress OPTIONS (user '$SRC_USER', password '$SRC_PASSWORD');
SQL
# A table large enough to stop or kill a load in the middle of it (1M rows, 50 chunks below).
source_exec "USE regress; CREATE TABLE dbo.huge (id int NOT NULL PRIMARY KEY, grp int NOT NULL, label varchar(30) NOT NULL);
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO dbo.huge SELECT i, i % 97, 'huge row ' + CAST(i AS varchar(10)) FROM n OPTION (MAXRECURSION 0)"
# Every task below is configured and started by dts_loader, a dts_admin member, not a superuser.
loader() { psql -X -At -v ON_ERROR_STOP=1 -U dts_loader "$@"; }
run_task() { # run_task NAME SQL... : configure, precheck, acknowledge, start
  loader >/dev/null <<SQL
$2
SELECT count(*) FROM dts_precheck('$1');
SELECT dts_ack_precheck('$1');
SELECT dts_start_task('$1');
SQL
}

# 1. Every type, and a big table in chunks; the sidecar is started once and serves every task.
SC=$(start_sidecar sidecar1 --workers 2 --chunk-rows 20000)
run_task types "SELECT dts_create_task('types', 'src', ARRAY['regress'], stages => ARRAY['schema', 'full']);
SELECT dts_add_objects('types', 'dbo', ARRAY['alltypes', 'people', 'big']);
SELECT dts_map_object('types', 'dbo', 'reg');"
check "types task completes" "completed/full" "$(wait_state types completed 120)"
check "no cutover for a task without the incremental stage (no log position read)" "0" "$(q -c "SELECT count(*) FROM dts.checkpoints WHERE stage = 'cutover'")"
check "big table copied in chunks" "10" "$(q -c "SELECT count(*) FROM dts.chunks WHERE source_table = 'big' AND state = 'done'")"
check "row counts" "3 4 200000" "$(q -c "SELECT (SELECT count(*) FROM reg.alltypes) || ' ' || (SELECT count(*) FROM reg.people) || ' ' || (SELECT count(*) FROM reg.big)")"
check "validation: every chunk equal" "ok:12" "$(q -c "SELECT string_agg(DISTINCT status, ',') || ':' || count(*) FROM dts_validate('types')")"
# Every column of every type equal to the source, compared through the FDW.
q >/dev/null <<'SQL'
CREATE SCHEMA cmp;
IMPORT FOREIGN SCHEMA dbo LIMIT TO (alltypes) FROM SERVER src_regress INTO cmp;
SQL
cols=$(q -c "SELECT string_agg(quote_ident(attname) || '::text', ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'reg.alltypes'::regclass AND attnum > 0")
check "every type's values equal the source" "0 0" \
  "$(q -c "SELECT (SELECT count(*) FROM (SELECT $cols FROM reg.alltypes EXCEPT SELECT $cols FROM cmp.alltypes) a) || ' ' || (SELECT count(*) FROM (SELECT $cols FROM cmp.alltypes EXCEPT SELECT $cols FROM reg.alltypes) b)")"
check "LOBs whole" "70000 70000" "$(q -c "SELECT length(c_varcharmax) || ' ' || length(c_nvarcharmax) FROM reg.alltypes WHERE id = 2")"
check "progress complete" "100:200000" "$(q -c "SELECT percent || ':' || rows_copied FROM dts_task_progress('types') WHERE source_table = 'regress.dbo.big'")"

# 2. Filters, renames, identity continuation.
run_task shop "SELECT dts_create_task('shop', 'src', ARRAY['shopsrc'], stages => ARRAY['schema', 'full']);
SELECT dts_add_objects('shop', 'sales', ARRAY['customers', 'orders']);
SELECT dts_map_object('shop', 'sales', 'ods');
SELECT dts_map_objects('shop', 'table', '^', 'src_');
SELECT dts_set_filter('shop', 'sales.orders', '[amount] > 50');"
check "shop task completes" "completed/full" "$(wait_state shop completed 60)"
check "filter applied at the source" "1:2" "$(q -c "SELECT (SELECT count(*) FROM ods.src_orders) || ':' || (SELECT min(order_id) FROM ods.src_orders)")"
check "renamed tables hold the rows" "2" "$(q -c "SELECT count(*) FROM ods.src_customers")"
check "validation honours the filter" "ok" "$(q -c "SELECT string_agg(DISTINCT status, ',') FROM dts_validate('shop')")"
check "identity continues after the copied values" "110" "$(q -q -c "INSERT INTO ods.src_customers (email, name) VALUES ('x@y', 'X') RETURNING id")"

# 3. ignore_and_proceed keeps existing rows with the same key.
q >/dev/null <<'SQL'
CREATE SCHEMA keep AUTHORIZATION dts_loader;
SET ROLE dts_loader;
CREATE TABLE keep.people (id int PRIMARY KEY, name varchar(40) NOT NULL, city varchar(20), born date, score numeric(6,2), active boolean NOT NULL);
INSERT INTO keep.people VALUES (1, 'Local Ann', 'Here', NULL, NULL, false);
RESET ROLE;
SQL
run_task keep "SELECT dts_create_task('keep', 'src', ARRAY['regress'], stages => ARRAY['schema', 'full'], conflict_mode => 'ignore_and_proceed');
SELECT dts_add_objects('keep', 'dbo', ARRAY['people']);
SELECT dts_map_object('keep', 'dbo', 'keep');"
check "keep task completes" "completed/full" "$(wait_state keep completed 60)"
check "existing row kept, others copied" "4:Local Ann" "$(q -c "SELECT count(*) || ':' || max(name) FILTER (WHERE id = 1) FROM keep.people")"

# 4. kill -9 in the middle of a large table, then a restart: exact rows, no duplicates.
run_task crash "SELECT dts_create_task('crash', 'src', ARRAY['regress'], stages => ARRAY['schema', 'full']);
SELECT dts_add_objects('crash', 'dbo', ARRAY['huge']);
SELECT dts_map_object('crash', 'dbo', 'crash');"
for _ in $(seq 1 300); do
  d=$(q -c "SELECT count(*) FROM dts.chunks c JOIN dts.tasks t USING (task_id) WHERE t.name = 'crash' AND c.state = 'done'")
  [ "$d" -ge 5 ] && break
  sleep 0.05
done
kill -9 "$SC"
done_at_kill=$(q -c "SELECT count(*) FROM dts.chunks c JOIN dts.tasks t USING (task_id) WHERE t.name = 'crash' AND c.state = 'done'")
rows_at_kill=$(q -c "SELECT count(*) FROM crash.huge")
check "killed mid-table (some chunks done, not all)" "yes" "$( [ "$done_at_kill" -ge 1 ] && [ "$done_at_kill" -lt 50 ] && echo yes || echo "no ($done_at_kill done)")"
check "only committed chunks are in the table" "$rows_at_kill" "$(q -c "SELECT coalesce(sum(rows), 0) FROM dts.chunks c JOIN dts.tasks t USING (task_id) WHERE t.name = 'crash' AND c.state = 'done'")"
SC=$(start_sidecar sidecar2 --workers 2 --chunk-rows 20000)
check "crash task completes after restart" "completed/full" "$(wait_state crash completed 120)"
check "exactly the source rows, no duplicates" "1000000:1000000:500000500000" "$(q -c "SELECT count(*) || ':' || count(DISTINCT id) || ':' || sum(id) FROM crash.huge")"
check "validation after the crash" "ok" "$(q -c "SELECT string_agg(DISTINCT status, ',') FROM dts_validate('crash')")"

# 5. Stop and start.
run_task stopper "SELECT dts_create_task('stopper', 'src', ARRAY['regress'], stages => ARRAY['schema', 'full']);
SELECT dts_add_objects('stopper', 'dbo', ARRAY['huge']);
SELECT dts_map_object('stopper', 'dbo', 'stopper');"
sleep 0.5
loader -c "SELECT dts_stop_task('stopper')" >/dev/null
sleep 2
stopped_rows=$(q -c "SELECT count(*) FROM stopper.huge")
sleep 1
check "a stopped task copies nothing more" "$stopped_rows" "$(q -c "SELECT count(*) FROM stopper.huge")"
check "stopped state" "stopped/full" "$(q -c "SELECT state || '/' || stage FROM dts.tasks WHERE name = 'stopper'")"
loader >/dev/null <<'SQL'
SELECT count(*) FROM dts_precheck('stopper');
SELECT dts_start_task('stopper');
SQL
check "restarted task completes" "completed/full" "$(wait_state stopper completed 120)"
check "restarted task has every row once" "1000000:1000000" "$(q -c "SELECT count(*) || ':' || count(DISTINCT id) FROM stopper.huge")"

# 6. The source goes away for a while and comes back within the retry window.
if [ -n "$SIM" ]; then
  run_task outage "SELECT dts_create_task('outage', 'src', ARRAY['regress'], stages => ARRAY['schema', 'full'], retry_minutes => 10);
SELECT dts_add_objects('outage', 'dbo', ARRAY['huge']);
SELECT dts_map_object('outage', 'dbo', 'outage');"
  sleep 0.3
  simpid=$(pgrep -f "sqlsim --port 0 --port-file $SIM/port")
  kill "$simpid"; sleep 4
  attempts=$(q -c "SELECT attempts FROM dts.tasks WHERE name = 'outage'")
  check "failed attempts are visible" "yes" "$( [ "${attempts:-0}" -ge 1 ] && echo yes || echo "no ($attempts)")"
  build/sqlsim --port "$SRC_PORT" --data-dir "$SIM/data" >>"$SIM/restart.log" 2>&1 &
  SIDECAR_PIDS+=($!)
  check "outage task completes once the source is back" "completed/full" "$(wait_state outage completed 120)"
  check "every row after the outage" "1000000" "$(q -c "SELECT count(*) FROM outage.huge")"
  check "attempts reset by progress" "0" "$(q -c "SELECT attempts FROM dts.tasks WHERE name = 'outage'")"
else
  skip "source outage (needs the simulator to take the source down)"
fi

# 7. SIGTERM: a clean exit.
kill -TERM "$SC"
for _ in $(seq 1 100); do kill -0 "$SC" 2>/dev/null || break; sleep 0.1; done
check "sidecar exits on SIGTERM" "gone" "$(kill -0 "$SC" 2>/dev/null && echo running || echo gone)"
finish
