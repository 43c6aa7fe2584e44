#!/usr/bin/env bash
# Install-style T-SQL scripts (test/integration/simulator/install_scripts: several schemas, alias
# data types by sp_addtype and CREATE TYPE, SET DATEFORMAT dmy strings, NOCHECK / WITH CHECK CHECK
# CONSTRAINT ALL, the compatibility views, EXEC (string), sp_executesql, CHECKPOINT, IF EXISTS ...
# DROP and DROP ... IF EXISTS, views / procedures / functions, thousands of rows) load through
# FreeTDS tsql with every GO batch accepted; python-tds (INSERT BULK after SET FMTONLY ON) and
# freebcp bulk-load more rows. pg_dts then syncs the database (schema + full + incremental over
# CDC) while an upgrade script changes it, and every row of every table is compared with the
# source through IMPORT FOREIGN SCHEMA. Against the simulator, or a real SQL Server when MSSQL_*
# are set. Prints "install_scripts: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../../.."
source scripts/lib.sh

use_source inst --cdc-poll-ms 200 || exit 1
use_destination inst || exit 1
FREETDSCONF=$(freetds_conf src "$SRC_HOST" "$SRC_PORT")
export FREETDSCONF
db=inst_$$
SCRIPTS=test/integration/simulator/install_scripts
SIDECAR=
trap '[ -z "$SIDECAR" ] || kill -9 "$SIDECAR" 2>/dev/null; cleanup_all' EXIT

# load FILE: the script through tsql, as sqlcmd would run it (GO ends a batch); every batch must
# be accepted (no message of severity 11 or more).
load() {
  local f=$1 out batches errors
  batches=$(grep -ciE '^[[:space:]]*go[[:space:]]*$' "$f")
  out=$(sed "s/\$(DB)/$db/g" "$f" | tsql -S src -U "$SRC_USER" -P "$SRC_PASSWORD" -o q 2>&1)
  errors=$(grep -cE '^Msg [0-9]+ \(severity (1[1-9]|2[0-9])' <<<"$out")
  check "$(basename "$f"): all $batches batches accepted" 0 "$errors"
  [ "$errors" = 0 ] || grep -A1 -E '^Msg [0-9]+ \(severity (1[1-9]|2[0-9])' <<<"$out" | head -20
}

start=$(date +%s)
for f in "$SCRIPTS"/0[1-5]_*.sql; do load "$f"; done
check "python-tds: INSERT BULK after SET FMTONLY ON" "1500" \
  "$(/usr/bin/python3 test/integration/simulator/bulk_load.py "$SRC_HOST" "$SRC_PORT" "$SRC_USER" "$SRC_PASSWORD" "$db" 1 1500 2>&1 | tail -1)"
for i in $(seq 0 999); do
  printf 'S%03d\t%s\t%d.%02d\n' $((i % 200)) "$(date -u -d "2024-01-01 + $((i / 200)) month" +%Y-%m-%d)" $((i % 90 + 1)) $((i % 100))
done >"$WORK_DIR/price.txt"
check "freebcp in (its own FMTONLY metadata query, then INSERT BULK)" "1" \
  "$(freebcp "$db.inv.price" in "$WORK_DIR/price.txt" -S src -U "$SRC_USER" -P "$SRC_PASSWORD" -c 2>&1 | grep -c '^1000 rows copied')"
log "scripts and bulk loads took $(( $(date +%s) - start )) s"

q >/dev/null <<SQL || exit 1
CREATE EXTENSION pg_dts;
CREATE SERVER src FOREIGN DATA WRAPPER pg_dts OPTIONS (host '$SRC_HOST', port '$SRC_PORT', encrypt 'request');
CREATE USER MAPPING FOR CURRENT_USER SERVER src OPTIONS (user '$SRC_USER', password '$SRC_PASSWORD');
CREATE SERVER srcdb FOREIGN DATA WRAPPER pg_dts OPTIONS (host '$SRC_HOST', port '$SRC_PORT', database '$db', encrypt 'request');
CREATE USER MAPPING FOR CURRENT_USER SERVER srcdb OPTIONS (user '$SRC_USER', password '$SRC_PASSWORD');
SQL
srcq() { q -c "SELECT * FROM dts._source_query('src', '$db', \$tsql\$$1\$tsql\$) AS x(v text)"; }
check "source: 5 alias types, all 9 tables, 9254 rows" "5|9|9254" \
  "$(srcq "SELECT CAST((SELECT COUNT(*) FROM sys.types WHERE is_user_defined = 1) AS varchar(9)) + '|' + CAST((SELECT COUNT(*) FROM sys.tables WHERE is_ms_shipped = 0) AS varchar(9)) + '|' + CAST((SELECT SUM(rows) FROM sys.partitions p JOIN sys.tables t ON t.object_id = p.object_id WHERE p.index_id IN (0, 1)) AS varchar(9))")"
check "source: every foreign key enabled and trusted again" "4|0" \
  "$(srcq "SELECT CAST(COUNT(*) AS varchar(9)) + '|' + CAST(SUM(CAST(is_disabled AS int) + CAST(is_not_trusted AS int)) AS varchar(9)) FROM sys.foreign_keys")"
# freebcp loads inv.price without CHECK_CONSTRAINTS: its CHECK constraint is no longer trusted.
check "source: 6 CHECK constraints enforced, only ck_price_positive not trusted after freebcp" \
  "6|ck_price_positive" \
  "$(srcq "SELECT CAST(COUNT(*) AS varchar(9)) + '|' + ISNULL(MAX(CASE WHEN is_not_trusted = 1 THEN name END), '') FROM sys.check_constraints WHERE is_disabled = 0")"
check "source: modules stored (1 view, 1 procedure, 2 functions)" "4" \
  "$(srcq "SELECT CAST(COUNT(*) AS varchar(9)) FROM sys.sql_modules")"
check "source: dmy strings read day first" "2010-02-01|2011-02-13|2012-02-28|2013-03-01|2014-03-04" \
  "$(srcq "SELECT CAST(CAST(created AS date) AS varchar(10)) FROM hr.department ORDER BY dept_id" | paste -sd'|')"

SIDECAR_LOG=$WORK_DIR/sidecar.log
build/dts-sidecar --destination "host=127.0.0.1 port=$PG_PORT dbname=postgres user=postgres" \
  --poll-seconds 1 --workers 2 --heartbeat-seconds 1 >>"$SIDECAR_LOG" 2>&1 &
SIDECAR=$!
q >/dev/null <<SQL || exit 1
SELECT dts_create_task('inst', 'src', ARRAY['$db'], incremental_mode => 'cdc');
SELECT dts_add_objects('inst', s) FROM unnest(ARRAY['sales', 'hr', 'inv']) s;
SELECT dts_map_object('inst', s, 'r_' || s) FROM unnest(ARRAY['sales', 'hr', 'inv']) s;
SELECT count(*) FROM dts_precheck('inst');
SELECT dts_ack_precheck('inst');
SQL
q -c "SELECT dts_start_task('inst')" >/dev/null ||
  q -c "SELECT item, object, detail FROM dts_precheck('inst') WHERE status = 'error'"
check "schema + full stages done, incremental running" "running/incremental" \
  "$(wait_for 180 "SELECT state || '/' || stage FROM dts.tasks WHERE name = 'inst'" "running/incremental")"
check "alias-typed columns synced as their base types" \
  "integer|integer|character varying(60) NOT NULL|character varying(24)|date NOT NULL|numeric(14,2) NOT NULL|boolean NOT NULL" \
  "$(q -c "SELECT string_agg(format_type(atttypid, atttypmod) || CASE WHEN attnotnull AND attnum > 2 THEN ' NOT NULL' ELSE '' END, '|' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'r_hr.employee'::regclass AND attnum > 0 AND NOT attisdropped")"

# Every row, through IMPORT FOREIGN SCHEMA of the same source schemas (alias types import as
# their base types too): both EXCEPT ALL directions empty and the counts equal.
q >/dev/null <<SQL || exit 1
CREATE SCHEMA f_sales; CREATE SCHEMA f_hr; CREATE SCHEMA f_inv;
IMPORT FOREIGN SCHEMA sales FROM SERVER srcdb INTO f_sales;
IMPORT FOREIGN SCHEMA hr FROM SERVER srcdb INTO f_hr;
IMPORT FOREIGN SCHEMA inv FROM SERVER srcdb INTO f_inv;
SQL
TABLES="sales.customer sales.orders sales.order_line hr.department hr.employee hr.timesheet inv.item inv.movement inv.price"
same_types=0
for t in $TABLES; do
  same_types=$((same_types + $(q -c "SELECT count(*) FROM (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) a FROM pg_attribute WHERE attrelid = 'f_$t'::regclass AND attnum > 0) f, (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) a FROM pg_attribute WHERE attrelid = 'r_$t'::regclass AND attnum > 0 AND NOT attisdropped) r WHERE f.a = r.a" || echo 0)))
done
check "IMPORT FOREIGN SCHEMA: the same column types as schema sync, alias types included" "9" "$same_types"
compare_sql() {
  local parts=() t
  for t in $TABLES; do
    parts+=("SELECT '$t:' || (SELECT count(*) FROM r_$t) || ':' || (SELECT count(*) FROM (SELECT * FROM f_$t EXCEPT ALL SELECT * FROM r_$t) a) + (SELECT count(*) FROM (SELECT * FROM r_$t EXCEPT ALL SELECT * FROM f_$t) b) AS v")
  done
  local IFS=$'\n'
  echo "SELECT string_agg(v, ' ') FROM ($(printf '%s UNION ALL ' "${parts[@]}" | sed 's/ UNION ALL $//')) x"
}
expect_full="sales.customer:300:0 sales.orders:2000:0 sales.order_line:4000:0 hr.department:5:0 hr.employee:50:0 hr.timesheet:1500:0 inv.item:200:0 inv.movement:199:0 inv.price:1000:0"
check "full load: every row of every table equals the source" "$expect_full" \
  "$(wait_for 60 "$(compare_sql)" "$expect_full")"

# Changes while syncing: the upgrade script and another bulk load.
load "$SCRIPTS/06_upgrade.sql"
check "python-tds bulk load while syncing" "600" \
  "$(/usr/bin/python3 test/integration/simulator/bulk_load.py "$SRC_HOST" "$SRC_PORT" "$SRC_USER" "$SRC_PASSWORD" "$db" 51 600 2>&1 | tail -1)"
expect_inc="sales.customer:300:0 sales.orders:1961:0 sales.order_line:3922:0 hr.department:6:0 hr.employee:50:0 hr.timesheet:2100:0 inv.item:200:0 inv.movement:215:0 inv.price:1000:0"
check "incremental: every row of every table equals the source again" "$expect_inc" \
  "$(wait_for 120 "$(compare_sql)" "$expect_inc")"
check "dts_validate agrees" "ok" "$(q -c "SELECT string_agg(DISTINCT status, ',') FROM dts_validate('inst')")"
check "the sidecar logged no error" "0" "$(grep -ci 'error' "$SIDECAR_LOG")"
log "install_scripts took $(( $(date +%s) - start )) s"
echo "install_scripts: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
