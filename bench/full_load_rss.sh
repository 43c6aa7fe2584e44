#!/usr/bin/env bash
# Sidecar memory on a large table: pg_dts full load of a wide table of LARGE_GB (default 5) GB of
# ~1 KB rows, with the sidecar's peak RSS (VmHWM) sampled, against the same load of a table 100x
# smaller in the same run (baseline). Memory must not grow with table size (goal: peak <= 256 MiB).
# Takes a while and LARGE_GB * ~2.5 GB of disk (source and destination); not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
LARGE_GB=${LARGE_GB:-5}
WORKERS=${WORKERS:-2}
ROW_BYTES=1024
LARGE_ROWS=$(/usr/bin/python3 -c "print(int($LARGE_GB * 1024**3 / $ROW_BYTES))")
SMALL_ROWS=$((LARGE_ROWS / 100))
make -s all simulator >/dev/null && make -s install >/dev/null
source scripts/lib.sh

SIM_PORT=$(start_sim rss)
freetds_conf rss 127.0.0.1 "$SIM_PORT" >/dev/null
log "loading the source: $SMALL_ROWS and $LARGE_ROWS rows of ~$ROW_BYTES bytes"
for spec in "small $SMALL_ROWS" "large $LARGE_ROWS"; do
  set -- $spec
  FREETDSCONF="$WORK_DIR/freetds.conf" tsql -S rss -U sa -P Sim_Passw0rd -o q >/dev/null <<SQL
IF DB_ID(N'rss') IS NULL CREATE DATABASE rss
go
USE rss
CREATE TABLE dbo.$1 (id int NOT NULL PRIMARY KEY, created datetime2(3) NOT NULL, amount decimal(12,2) NULL,
  body varchar(1000) NULL)
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < $2)
INSERT INTO dbo.$1 SELECT i, DATEADD(second, i, CAST('2024-01-01' AS datetime2(3))), i / 100.0,
  REPLICATE('x', 990) + CAST(i AS varchar(10)) FROM n OPTION (MAXRECURSION 0)
go
exit
SQL
done

PG_PORT=$(start_pg rss)
export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=postgres PGDATABASE=postgres
q() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }
q >/dev/null <<SQL
CREATE EXTENSION pg_dts;
CREATE SERVER src FOREIGN DATA WRAPPER pg_dts OPTIONS (host '127.0.0.1', port '$SIM_PORT', database 'rss', encrypt 'off');
CREATE USER MAPPING FOR PUBLIC SERVER src OPTIONS (user 'sa', password 'Sim_Passw0rd');
SQL
now() { date +%s.%N; }
declare -A SECS RSS SIZE
for tbl in small large; do
  # A fresh sidecar per table, so each peak is that load's own.
  build/dts-sidecar --destination "host=127.0.0.1 port=$PG_PORT dbname=postgres user=postgres" \
    --workers "$WORKERS" --poll-seconds 1 >"$WORK_DIR/sidecar_$tbl.log" 2>&1 &
  SIDECAR=$!
  q >/dev/null <<SQL
SELECT dts_create_task('r_$tbl', 'src', ARRAY['rss'], stages => ARRAY['schema', 'full']);
SELECT dts_add_objects('r_$tbl', 'dbo', ARRAY['$tbl']);
SELECT count(*) FROM dts_precheck('r_$tbl');
SELECT dts_ack_precheck('r_$tbl');
SQL
  t0=$(now)
  q -c "SELECT dts_start_task('r_$tbl')" >/dev/null
  peak=0
  until [ "$(q -c "SELECT state FROM dts.tasks WHERE name = 'r_$tbl'")" != running ]; do
    sleep 1
    cur=$(awk '/VmHWM/ {print $2}' "/proc/$SIDECAR/status")
    [ "$cur" -gt "$peak" ] && peak=$cur
  done
  SECS[$tbl]=$(/usr/bin/python3 -c "print(f'{$(now) - $t0:.1f}')")
  [ "$(q -c "SELECT state FROM dts.tasks WHERE name = 'r_$tbl'")" = completed ] || { tail "$WORK_DIR/sidecar_$tbl.log"; exit 1; }
  cur=$(awk '/VmHWM/ {print $2}' "/proc/$SIDECAR/status")
  [ "$cur" -gt "$peak" ] && peak=$cur
  RSS[$tbl]=$peak
  SIZE[$tbl]=$(q -c "SELECT pg_table_size('dbo.$tbl')")
  kill "$SIDECAR"; wait "$SIDECAR" 2>/dev/null || true
done

/usr/bin/python3 - "$SMALL_ROWS" "${SECS[small]}" "${RSS[small]}" "${SIZE[small]}" \
  "$LARGE_ROWS" "${SECS[large]}" "${RSS[large]}" "${SIZE[large]}" "$WORKERS" <<'PY'
import sys
a = sys.argv[1:]
rows = {"small (baseline)": a[0:4], "large": a[4:8]}
print(f"\nSidecar memory during a full load ({a[8]} workers)")
print(f"{'table':<17} {'rows':>11} {'dest. size':>11} {'seconds':>8} {'MB/s':>7} {'peak RSS':>10}")
for name, (n, s, rss, size) in rows.items():
    print(f"{name:<17} {int(n):>11,} {int(size) / 1e9:>9.2f} GB {float(s):>8.1f} "
          f"{int(size) / 1e6 / float(s):>7.1f} {int(rss) / 1024:>6.1f} MiB")
small, large = int(a[2]), int(a[6])
print(f"ratio peak RSS large/small: {large / small:.2f} (size ratio {int(a[7]) / int(a[3]):.0f})")
print(f"goal peak RSS <= 256 MiB on a >= 5 GB table: {'met' if large <= 256 * 1024 else 'NOT met'}"
      f" ({large / 1024:.1f} MiB)")
PY
