#!/usr/bin/env bash
# Schema sync onto a real Citus cluster (coordinator + 2 workers on loopback) from the simulator:
# tables are distributed by their distribution key, unique indexes follow the distribution rule,
# foreign keys are left out with a warning, and rows route to shards. Needs the Citus build in
# ../shared/vendor; without it every check is reported as skipped.
# Prints "citus: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../../.."
source scripts/lib.sh
CHECKS=10
vendor="$ROOT_DIR/../shared/vendor/install-citus.sh"
if [ ! -x "$vendor" ] && [ ! -f "$vendor" ]; then
  echo "citus: vendor build not found at $vendor"
  echo "citus: 0 passed, 0 failed, $CHECKS skipped"
  exit 0
fi
bash "$vendor" >/dev/null || { echo "citus: 0 passed, 1 failed, 0 skipped"; exit 1; }

# The source: a real SQL Server when MSSQL_* are set (the sample is loaded there), else the simulator.
if [ -n "${MSSQL_HOST:-}" ]; then
  SRC_HOST=$MSSQL_HOST SRC_PORT=${MSSQL_PORT:-1433} SRC_USER=$MSSQL_USER SRC_PASSWORD=$MSSQL_PASSWORD
  freetds_conf src "$SRC_HOST" "$SRC_PORT" >/dev/null
  FREETDSCONF="$WORK_DIR/freetds.conf" tsql -S src -U "$SRC_USER" -P "$SRC_PASSWORD" \
    <test/sample/regress_source.sql >"$WORK_DIR/load.log" 2>&1 || { cat "$WORK_DIR/load.log"; exit 1; }
else
  SRC_HOST=127.0.0.1 SRC_USER=sa SRC_PASSWORD=Sim_Passw0rd
  SRC_PORT=$(start_sim citus --init-sql test/sample/regress_source.sql) || exit 1
fi
export PG_EXTRA_CONF="shared_preload_libraries = 'citus'"
COORD=$(start_pg citus_coord) && W1=$(start_pg citus_w1) && W2=$(start_pg citus_w2) || exit 1
unset PG_EXTRA_CONF
q() { local port=$1; shift; psql -X -At -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 "$@"; }
for p in $COORD $W1 $W2; do q "$p" -c "CREATE EXTENSION citus" >/dev/null || exit 1; done
q "$COORD" -c "SELECT citus_set_coordinator_host('127.0.0.1', $COORD)" >/dev/null
q "$COORD" -c "SELECT citus_add_node('127.0.0.1', $W1)" -c "SELECT citus_add_node('127.0.0.1', $W2)" >/dev/null || exit 1
check "two workers joined" 2 "$(q "$COORD" -c "SELECT count(*) FROM pg_dist_node WHERE noderole = 'primary' AND groupid > 0")"

q "$COORD" >/dev/null <<SQL || { echo "citus: setup failed"; echo "citus: $passed passed, $((failed + 1)) failed, 0 skipped"; exit 1; }
CREATE EXTENSION pg_dts;
CREATE SERVER src FOREIGN DATA WRAPPER pg_dts OPTIONS (host '$SRC_HOST', port '$SRC_PORT', encrypt 'request');
CREATE USER MAPPING FOR CURRENT_USER SERVER src OPTIONS (user '$SRC_USER', password '$SRC_PASSWORD');
SELECT dts_create_task('cit', 'src', ARRAY['shopsrc'], stages => ARRAY['schema']);
SELECT dts_add_objects('cit', 'sales', ARRAY['customers', 'orders', 'events']);
SELECT dts_set_keys('cit', 'sales.events', primary_key => ARRAY['at', 'kind'], distribution_key => ARRAY['kind']);
SELECT dts_set_keys('cit', 'sales.orders', distribution_key => ARRAY['customer_id']);
SQL
check "precheck reports the flavour" "ok" "$(q "$COORD" -c "SELECT status FROM dts_precheck('cit') WHERE item = 'destination flavour'")"
check "orders: distribution key outside the primary key is an error" "error" \
  "$(q "$COORD" -c "SELECT status FROM dts_precheck_results('cit') WHERE item = 'distribution key'")"
q "$COORD" -c "SELECT dts_set_keys('cit', 'sales.orders', primary_key => ARRAY['order_id', 'customer_id'])" >/dev/null
q "$COORD" -c "SELECT count(*) FROM dts_precheck('cit') WHERE status = 'error'" >/dev/null
q "$COORD" -c "SELECT dts_ack_precheck('cit')" -c "SELECT dts_start_task('cit')" >/dev/null || failed=$((failed + 1))
check "tables distributed by their keys" "sales.customers:id sales.events:kind sales.orders:customer_id" \
  "$(q "$COORD" -c "SELECT string_agg(logicalrelid::regclass || ':' || column_to_column_name(logicalrelid, partkey), ' ' ORDER BY 1) FROM pg_dist_partition")"
check "foreign key left out with a warning" "1" \
  "$(q "$COORD" -c "SELECT count(*) FROM dts.events WHERE level = 'warning' AND message LIKE 'foreign key FK_orders_customers is not created on a citus destination%'")"
q "$COORD" -c "INSERT INTO sales.orders (order_id, customer_id, amount, qty) SELECT i, i % 7, 1, 1 FROM generate_series(1, 200) i" >/dev/null
check "rows spread over both workers" "2" \
  "$(q "$COORD" -c "SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 'sales.orders'::regclass AND shard_size > 0" 2>/dev/null || echo err)"
q "$COORD" -c "SELECT dts_start_task('cit')" >/dev/null
check "a rerun keeps the rows and the distribution" "200:3" \
  "$(q "$COORD" -c "SELECT (SELECT count(*) FROM sales.orders) || ':' || (SELECT count(*) FROM pg_dist_partition)")"
# The apply engine on a distributed table: one batch with keys new at the source ('N', one of them
# there already), an upsert and a delete. Citus tables take every row by upsert: a refused INSERT
# into shards does not roll back to a subtransaction there.
apply_out=$(q "$COORD" -q 2>&1 <<'SQL'
BEGIN;
SELECT dts._apply_begin(task_id, 'shopsrc', '00000027:00000010:0001') FROM dts.tasks WHERE name = 'cit';
SELECT dts._apply_stage('sales.orders') AS stage \gset
INSERT INTO :stage (__seq, __op, order_id, customer_id, amount, qty) VALUES
  (1, 'D', 3, 3, NULL, NULL), (2, 'U', 2, 2, 22, 2), (3, 'N', 1001, 1, 5, 5), (4, 'N', 1, 1, 7, 7),
  (5, 'N', 1002, 2, 5, 5);
SELECT deleted || ':' || upserted FROM dts._apply_table('sales.orders', :'stage', ARRAY['order_id', 'customer_id']);
SELECT dts._apply_commit(task_id, 'shopsrc', '00000027:00000010:0001') FROM dts.tasks WHERE name = 'cit';
COMMIT;
SELECT count(*) || ':' || sum(amount)::int FROM sales.orders;
SQL
)
check "apply batch on a distributed table" "t|1:4||201:236" \
  "$(echo "$apply_out" | tr '\n' '|' | sed 's/|$//')"
# Full load into distributed tables by the sidecar, then validation through the FDW.
build/dts-sidecar --destination "host=127.0.0.1 port=$COORD dbname=postgres user=postgres" \
  --workers 2 --poll-seconds 1 >"$WORK_DIR/sidecar.log" 2>&1 &
SIDECAR=$!
q "$COORD" >/dev/null <<'SQL'
SELECT dts_create_task('cit_full', 'src', ARRAY['regress'], stages => ARRAY['schema', 'full']);
SELECT dts_add_objects('cit_full', 'dbo', ARRAY['big', 'alltypes']);
SELECT dts_map_object('cit_full', 'dbo', 'cf');
SELECT count(*) FROM dts_precheck('cit_full');
SELECT dts_ack_precheck('cit_full');
SELECT dts_start_task('cit_full');
SQL
for _ in $(seq 1 600); do
  [ "$(q "$COORD" -c "SELECT state FROM dts.tasks WHERE name = 'cit_full'")" = running ] || break
  sleep 0.2
done
kill "$SIDECAR" 2>/dev/null
check "full load into distributed tables" "completed:200000:3" \
  "$(q "$COORD" -c "SELECT (SELECT state FROM dts.tasks WHERE name = 'cit_full') || ':' || (SELECT count(*) FROM cf.big) || ':' || (SELECT count(*) FROM cf.alltypes)")"
check "validation on the distributed copy" "ok" "$(q "$COORD" -c "SELECT string_agg(DISTINCT status, ',') FROM dts_validate('cit_full')")"
echo "citus: $passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
