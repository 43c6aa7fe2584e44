#!/usr/bin/env bash
# Full load throughput, one run, same destination table definition and rows:
#   (a) COPY FROM a file of those rows      the destination's own limit
#   (b) pg_dts full load (dts-sidecar)      source -> COPY, chunked, N workers
#   (c) pgloader from the same source       Debian's pgloader (installed here if missing)
#   (d) INSERT INTO ... SELECT via the FDW  one backend, no sidecar
# for a narrow table (NARROW_ROWS, default 5M) and a wide one (~1 KB rows, WIDE_ROWS, default
# 300k). Prints rows/s, MB/s and the ratios (b)/(a) (goal >= 0.8) and (b)/(c) (goal >= 5), and
# the sidecar's peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
NARROW_ROWS=${NARROW_ROWS:-5000000}
WIDE_ROWS=${WIDE_ROWS:-300000}
WORKERS=${WORKERS:-2}
if ! dpkg-query -W -f='${Status}' pgloader 2>/dev/null | grep -q "ok installed"; then
  apt-get install -y -qq pgloader >/dev/null 2>&1 || echo "pgloader could not be installed; (c) skipped" >&2
fi
make -s all simulator >/dev/null && make -s install >/dev/null
source scripts/lib.sh

SIM_PORT=$(start_sim bench)
freetds_conf bench 127.0.0.1 "$SIM_PORT" >/dev/null
log "loading the source: $NARROW_ROWS narrow rows, $WIDE_ROWS wide rows"
FREETDSCONF="$WORK_DIR/freetds.conf" tsql -S bench -U sa -P Sim_Passw0rd -o q >/dev/null <<SQL
CREATE DATABASE bench
go
USE bench
CREATE TABLE dbo.narrow (id int NOT NULL PRIMARY KEY, a int NOT NULL, b bigint NULL, c varchar(20) NULL)
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < $NARROW_ROWS)
INSERT INTO dbo.narrow SELECT i, i % 1000, CAST(i AS bigint) * 7, 'v' + CAST(i AS varchar(10)) FROM n OPTION (MAXRECURSION 0)
CREATE TABLE dbo.wide (id int NOT NULL PRIMARY KEY, created datetime2(3) NOT NULL, amount decimal(12,2) NULL,
  body nvarchar(480) NULL, tag varchar(20) NULL)
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < $WIDE_ROWS)
INSERT INTO dbo.wide SELECT i, DATEADD(second, i, CAST('2024-01-01' AS datetime2(3))), i / 100.0,
  REPLICATE(N'x', 460) + CAST(i AS nvarchar(10)), 'tag' + CAST(i % 50 AS varchar(5)) FROM n OPTION (MAXRECURSION 0)
go
exit
SQL

PG_PORT=$(start_pg bench)
export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=postgres PGDATABASE=postgres
q() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }
q >/dev/null <<SQL
CREATE EXTENSION pg_dts;
CREATE SERVER src FOREIGN DATA WRAPPER pg_dts OPTIONS (host '127.0.0.1', port '$SIM_PORT', database 'bench', encrypt 'off');
CREATE USER MAPPING FOR PUBLIC SERVER src OPTIONS (user 'sa', password 'Sim_Passw0rd');
SQL
now() { date +%s.%N; }
secs() { /usr/bin/python3 -c "print(f'{$2 - $1:.3f}')"; }

# (b) pg_dts: schema + full stages; the clock runs from dts_start_task to 'completed'.
build/dts-sidecar --destination "host=127.0.0.1 port=$PG_PORT dbname=postgres user=postgres" \
  --workers "$WORKERS" --poll-seconds 1 >"$WORK_DIR/sidecar.log" 2>&1 &
SIDECAR=$!
trap 'kill $SIDECAR 2>/dev/null; cleanup_all' EXIT
declare -A T_DTS T_COPY T_PGL T_FDW BYTES
for tbl in narrow wide; do
  q >/dev/null <<SQL
SELECT dts_create_task('b_$tbl', 'src', ARRAY['bench'], stages => ARRAY['schema', 'full']);
SELECT dts_add_objects('b_$tbl', 'dbo', ARRAY['$tbl']);
SELECT dts_map_object('b_$tbl', 'dbo', 'dts');
SELECT count(*) FROM dts_precheck('b_$tbl');
SELECT dts_ack_precheck('b_$tbl');
SQL
  t0=$(now)
  q -c "SELECT dts_start_task('b_$tbl')" >/dev/null
  until [ "$(q -c "SELECT state FROM dts.tasks WHERE name = 'b_$tbl'")" != running ]; do sleep 0.1; done
  T_DTS[$tbl]=$(secs "$t0" "$(now)")
  [ "$(q -c "SELECT state FROM dts.tasks WHERE name = 'b_$tbl'")" = completed ] || { tail "$WORK_DIR/sidecar.log"; exit 1; }
  BYTES[$tbl]=$(q -c "SELECT pg_table_size('dts.$tbl')")

  # (a) the same rows from a file into an identical empty table.
  mkdir -p "$WORK_DIR/copy" && chown postgres "$WORK_DIR/copy" 2>/dev/null || true
  q -c "CREATE TABLE dts.${tbl}_copy (LIKE dts.$tbl INCLUDING ALL)" -c "COPY dts.$tbl TO '$WORK_DIR/copy/$tbl.copy'" >/dev/null
  t0=$(now); q -c "COPY dts.${tbl}_copy FROM '$WORK_DIR/copy/$tbl.copy'" >/dev/null; T_COPY[$tbl]=$(secs "$t0" "$(now)")

  # (d) INSERT ... SELECT through the FDW.
  q -c "CREATE TABLE dts.${tbl}_fdw (LIKE dts.$tbl INCLUDING ALL)" \
    -c "CREATE FOREIGN TABLE dts.${tbl}_src (LIKE dts.$tbl) SERVER src OPTIONS (table_name '$tbl')" >/dev/null 2>&1 ||
  q -c "IMPORT FOREIGN SCHEMA dbo LIMIT TO ($tbl) FROM SERVER src INTO public" >/dev/null
  src=$(q -c "SELECT CASE WHEN to_regclass('dts.${tbl}_src') IS NULL THEN 'public.$tbl' ELSE 'dts.${tbl}_src' END")
  t0=$(now); q -c "INSERT INTO dts.${tbl}_fdw SELECT * FROM $src" >/dev/null; T_FDW[$tbl]=$(secs "$t0" "$(now)")

  # (c) pgloader into its own schema, data only, into an identical table.
  T_PGL[$tbl]=""
  if command -v pgloader >/dev/null; then
    q -c "CREATE SCHEMA IF NOT EXISTS pgl" -c "CREATE TABLE pgl.$tbl (LIKE dts.$tbl INCLUDING ALL)" >/dev/null
    cat >"$WORK_DIR/$tbl.load" <<LOAD
LOAD DATABASE
  FROM mssql://sa:Sim_Passw0rd@127.0.0.1:$SIM_PORT/bench
  INTO postgresql://postgres@127.0.0.1:$PG_PORT/postgres
  WITH data only, truncate, workers = 2, concurrency = 1
  INCLUDING ONLY TABLE NAMES LIKE '$tbl' IN SCHEMA 'dbo'
  ALTER SCHEMA 'dbo' RENAME TO 'pgl';
LOAD
    t0=$(now)
    if FREETDSCONF="$WORK_DIR/freetds.conf" timeout 1800 pgloader "$WORK_DIR/$tbl.load" >"$WORK_DIR/pgloader_$tbl.log" 2>&1 &&
       [ "$(q -c "SELECT count(*) FROM pgl.$tbl")" = "$(q -c "SELECT count(*) FROM dts.$tbl")" ]; then
      T_PGL[$tbl]=$(secs "$t0" "$(now)")
    else
      echo "pgloader failed on $tbl (see below); (c) not measured" >&2
      grep -iE "error|fatal" "$WORK_DIR/pgloader_$tbl.log" | head -5 >&2
    fi
  fi
done
RSS=$(grep VmHWM "/proc/$SIDECAR/status" | awk '{print $2}')

/usr/bin/python3 - "$NARROW_ROWS" "$WIDE_ROWS" "$RSS" "$WORKERS" \
  "${T_COPY[narrow]}" "${T_DTS[narrow]}" "${T_PGL[narrow]:-0}" "${T_FDW[narrow]}" "${BYTES[narrow]}" \
  "${T_COPY[wide]}" "${T_DTS[wide]}" "${T_PGL[wide]:-0}" "${T_FDW[wide]}" "${BYTES[wide]}" <<'PY'
import sys
a = sys.argv[1:]
rows = {"narrow": int(a[0]), "wide": int(a[1])}
rss_kb, workers = int(a[2] or 0), a[3]
data = {"narrow": list(map(float, a[4:9])), "wide": list(map(float, a[9:14]))}
print(f"\nFull load, {workers} sidecar workers (seconds, rows/s, MB/s of destination table size)")
print(f"{'table':<8} {'method':<34} {'seconds':>8} {'rows/s':>11} {'MB/s':>8}")
for t, (copy, dts, pgl, fdw, size) in data.items():
    mb = size / 1e6
    for name, s in (("(a) COPY FROM file", copy), ("(b) pg_dts full load", dts),
                    ("(c) pgloader", pgl), ("(d) INSERT ... SELECT via FDW", fdw)):
        if s <= 0:
            print(f"{t:<8} {name:<34} {'n/a':>8}")
            continue
        print(f"{t:<8} {name:<34} {s:>8.2f} {rows[t] / s:>11,.0f} {mb / s:>8.1f}")
    print(f"{t:<8} {'ratio (b)/(a), goal >= 0.8':<34} {copy / dts:>8.2f}")
    if pgl > 0:
        print(f"{t:<8} {'ratio (b)/(c), goal >= 5':<34} {pgl / dts:>8.2f}")
print(f"sidecar peak RSS: {rss_kb / 1024:.1f} MiB (goal <= 256 MiB)")
PY
