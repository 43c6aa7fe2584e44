#!/usr/bin/env bash
# How fast the SQL Server simulator streams a narrow table to a stock TDS client.
#
# Measures, in one run on the same rows:
#   baseline  sqlite3 CLI writing the rows of an equivalent standalone SQLite table as text
#             (the storage engine's own scan + format cost, no TDS)
#   sqlsim    freebcp "... out" from the simulator (TDS 7.4 encode, network, FreeTDS decode)
# and prints rows/s and the ratio. Target: sqlsim >= 300k rows/s.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
make -s simulator >/dev/null
source scripts/lib.sh

SIM_PORT=$(start_sim bench)
freetds_conf bench 127.0.0.1 "$SIM_PORT" >/dev/null
export FREETDSCONF="$WORK_DIR/freetds.conf"
sql() { tsql -S bench -U sa -P Sim_Passw0rd -o q <<<"$1
go
exit" >/dev/null; }

sql "CREATE DATABASE bench"
sql "USE bench; CREATE TABLE dbo.narrow (id int NOT NULL PRIMARY KEY, qty int NOT NULL, code varchar(12) NOT NULL);
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO dbo.narrow SELECT i, i % 1000, 'C' + CAST(i AS varchar(11)) FROM n OPTION (MAXRECURSION 0)"

now() { date +%s.%N; }
rate() { /usr/bin/python3 -c "print(int($1 / ($3 - $2)))"; }

# baseline: standalone SQLite, same shape and values
base_db="$WORK_DIR/baseline.sqlite"
sqlite3 "$base_db" "CREATE TABLE narrow (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL, code TEXT NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO narrow SELECT i, i % 1000, 'C' || i FROM n;"
t0=$(now); sqlite3 -separator $'\t' "$base_db" "SELECT id, qty, code FROM narrow" >"$WORK_DIR/base.txt"; t1=$(now)
base_rate=$(rate "$ROWS" "$t0" "$t1")

best=0
for run in 1 2 3; do
  t0=$(now)
  freebcp bench.dbo.narrow out "$WORK_DIR/sim.txt" -S bench -U sa -P Sim_Passw0rd -c >/dev/null
  t1=$(now)
  r=$(rate "$ROWS" "$t0" "$t1")
  [ "$r" -gt "$best" ] && best=$r
done
lines=$(wc -l <"$WORK_DIR/sim.txt")
[ "$lines" -eq "$ROWS" ] || { echo "freebcp wrote $lines rows, expected $ROWS" >&2; exit 1; }

printf '\n%-44s %12s\n' "narrow table ($ROWS rows: int, int, varchar)" "rows/s"
printf '%-44s %12s\n' "baseline: sqlite3 CLI scan -> text" "$base_rate"
printf '%-44s %12s\n' "sqlsim -> freebcp out (best of 3)" "$best"
/usr/bin/python3 -c "print('%-44s %12.2f' % ('ratio sqlsim / baseline', $best / $base_rate))"
/usr/bin/python3 -c "print('target >= 300000 rows/s:', 'met' if $best >= 300000 else 'NOT met')"
