#!/usr/bin/env bash
# How many changes per second the SQL Server simulator takes from bench/apply_load.py (the source
# load of issue 12's latency benchmark: 60% insert / 30% update / 10% delete on dbo.narrow, 1..40
# changes per transaction, one batch per transaction) at full speed.
#
# Measures, in one run, each case on a fresh simulator with the same seeded statements:
#   baseline  the generator against dbo.narrow in tempdb: the same TDS, T-SQL parsing and
#             translation, SQLite storage, constraint checks and commits, but no transaction log
#             (the simulator logs no tempdb changes), so no logical records, no fn_dblog records
#             and row images, no page bookkeeping
#   log       the generator against a user database in FULL recovery after a full and a log
#             backup (as bench/log_reader.sh's setup_source), where every change is logged as
#             sys.fn_dblog and CDC read it: the case issue 12 measures
# and prints changes/s, the simulator's CPU seconds and changes per simulator CPU second (the
# figure that stays meaningful on a shared machine), and the ratio log / baseline: what the log
# emulation costs. There is no SQL Server in this comparison: the simulator's speed is not SQL
# Server's. Target: log >= 5 500 changes/s (so that 5 000 changes/s can be offered).
#
# Settings (environment): LOAD_SECONDS (20), CONNECTIONS ("1 2": the generator's --connections,
# each measured), RUNS (2: best of), SKIP_BUILD.
set -euo pipefail
cd "$(dirname "$0")/.."
LOAD_SECONDS=${LOAD_SECONDS:-20}
CONNECTIONS=${CONNECTIONS:-1 2}
RUNS=${RUNS:-2}
[ -n "${SKIP_BUILD:-}" ] || make -s simulator >/dev/null
source scripts/lib.sh

sim_exec() { # sim_exec PORT SQL...: each SQL as its own batch, as sa
  /usr/bin/python3 - "$@" <<'PY'
import sys, warnings
warnings.filterwarnings("ignore")
import pytds
conn = pytds.connect(server="127.0.0.1", port=int(sys.argv[1]), user="sa",
                     password="Sim_Passw0rd", autocommit=True, timeout=300)
cur = conn.cursor()
for sql in sys.argv[2:]:
    cur.execute(sql)
PY
}
cpu_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }

# measure CASE CONNECTIONS RUN -> "changes seconds sim_cpu_seconds"
measure() {
  local case=$1 conns=$2 name="w_$1_$2_$3" port pid db c0 c1 out
  port=$(start_sim "$name")
  pid=$(cat "$WORK_DIR/sim_$name/pid")
  if [ "$case" = baseline ]; then
    db=tempdb
  else
    db=wbench
    sim_exec "$port" "CREATE DATABASE $db" "ALTER DATABASE $db SET RECOVERY FULL" \
      "BACKUP DATABASE $db TO DISK = N'$WORK_DIR/$name.bak'"
  fi
  /usr/bin/python3 bench/apply_load.py setup --port "$port" --db "$db" --keys 10000 >/dev/null
  [ "$case" = baseline ] || sim_exec "$port" "BACKUP LOG $db TO DISK = N'$WORK_DIR/$name.trn'"
  c0=$(cpu_ticks "$pid")
  out=$(/usr/bin/python3 bench/apply_load.py run --port "$port" --db "$db" --keys 10000 \
    --rate 1000000 --seconds "$LOAD_SECONDS" --max-tx-changes 40 --seed 12 --connections "$conns")
  c1=$(cpu_ticks "$pid")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -rf "$WORK_DIR/sim_$name/data"
  /usr/bin/python3 -c 'import json, os, sys
r = json.loads(sys.argv[1])
print(r["changes"], r["seconds"], (int(sys.argv[3]) - int(sys.argv[2])) / os.sysconf("SC_CLK_TCK"))' \
    "$out" "$c0" "$c1"
}

results=()
for conns in $CONNECTIONS; do
  for case in baseline log; do
    for run in $(seq 1 "$RUNS"); do
      log "$case, $conns connection(s), run $run"
      results+=("$case $conns $(measure "$case" "$conns" "$run")")
    done
  done
done

/usr/bin/python3 - "$LOAD_SECONDS" "${results[@]}" <<'PY'
import sys
best = {}
for line in sys.argv[2:]:
    case, conns, changes, seconds, cpu = line.split()
    rate, per_cpu = int(changes) / float(seconds), int(changes) / max(float(cpu), 0.01)
    key = (case, int(conns))
    if key not in best or rate > best[key][0]:
        best[key] = (rate, float(cpu), per_cpu)
print("\ndbo.narrow, 60/30/10 insert/update/delete, 1-40 changes per transaction, "
      "%s s at full speed (best run)" % sys.argv[1])
print("%-44s %11s %9s %14s" % ("case", "changes/s", "sim CPU", "changes/CPU s"))
for (case, conns), (rate, cpu, per_cpu) in sorted(best.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    label = ("baseline: tempdb (no log)" if case == "baseline"
             else "log: FULL recovery, fn_dblog + CDC log") + ", %d conn" % conns
    print("%-44s %11d %8.1fs %14d" % (label, rate, cpu, per_cpu))
for conns in sorted({c for _, c in best}):
    if ("baseline", conns) in best and ("log", conns) in best:
        b, l = best[("baseline", conns)], best[("log", conns)]
        print("%-44s %11.2f %9s %14.2f" % ("ratio log / baseline, %d conn" % conns,
                                           l[0] / b[0], "", l[2] / b[2]))
top = max((v[0], c) for (case, c), v in best.items() if case == "log")
print("target log >= 5500 changes/s: %s (%d changes/s with %d connection(s))"
      % ("met" if top[0] >= 5500 else "NOT met", top[0], top[1]))
PY
