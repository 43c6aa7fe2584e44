#!/usr/bin/env bash
# Transaction-log reader benchmarks (issue 12), measured in one run against the simulator.
#
# Part 1, throughput: one source database, one backlog of changes written while no task runs
# (bench/apply_load.py: 60% insert / 30% update / 10% delete of narrow rows, 1-40 changes per
# transaction), then caught up by
#   (a) a log-mode task: fn_dblog read, transactions assembled, rows decoded, applied
#   (b) a cdc-mode task over the same database: the CDC change tables read and applied
# one after the other (each alone on the machine), from its stopped position to the end of the
# backlog. Reported: changes/s, and for (a) the log it read in MB/s (the backlog's fn_dblog record
# lengths). Goals: (a) >= 20 MB/s of log per database (the product description's limit for a
# source) and (a) >= (b) changes/s. Both destinations are compared with the source.
#
# Part 1 also separates the two sides of (a) on the same backlog: (c) the source alone, serving
# the log task's fn_dblog reads to a client that only keeps the bytes (captured into a file), and
# (d) the reader alone: those captured reads replayed in memory through the sidecar's own decode
# path (build/log_decode_bench, linked with the sidecar's objects: row conversion, transaction
# assembly, row decoding, update completion; destination rows from memory). The simulator is not
# SQL Server: (c) says what this simulator costs, (d) what the product costs.
#
# Part 2, commit-to-visible latency in log mode: bench/apply.sh Part 2 with MODE=log (no capture
# job delay) at RATES. Goal: p99 < 1 s at 5 000 changes/s.
#
# Part 3, memory: the sidecar's peak RSS (VmHWM) while a log-mode task applies one source
# transaction of BIG_ROWS rows, against one of BIG_ROWS / 10 in the same run. Goal: bounded (the
# large transaction is streamed from the log again at its commit), ratio well under 10.
#
# Settings (environment): PARTS ("1 2 3"), BACKLOG_SECONDS (40: load-generator seconds at full
# speed for the backlog), RATES ("1000 5000"), LOAD_SECONDS (30), BIG_ROWS (1000000),
# SKIP_BUILD, HOLD (a file: Part 1 keeps its source and destination running until it is removed,
# and prints the (d) command to run again by hand), PERF_DATA (a file: Part 1's sidecar runs under perf record -g into it; its CPU
# column then counts perf, not the sidecar), DECODE_PERF_DATA (a file: the same for Part 1's (d),
# the decode replay), SIDECAR_BIN
# (build/dts-sidecar; another build's, to compare). Whole run:
# about 8 minutes on 2 cores. The simulator's speed is not SQL Server's:
# these figures say what the reader and the apply engine do with a log, not what fn_dblog costs
# on a real server.
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS=${PARTS:-1 2 3}
BACKLOG_SECONDS=${BACKLOG_SECONDS:-40}
BIG_ROWS=${BIG_ROWS:-1000000}
if [ -z "${SKIP_BUILD:-}" ]; then
  make -s all simulator bench-build >/dev/null && make -s install >/dev/null
fi
source scripts/lib.sh
q() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }
export PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=postgres
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
SIDECAR=""
trap '[ -n "$SIDECAR" ] && kill "$SIDECAR" 2>/dev/null; cleanup_all' EXIT

setup_source() { # setup_source DB: the database with dbo.narrow, backed up (FULL recovery)
  local db=$1 s
  for s in "CREATE DATABASE $db" "ALTER DATABASE $db SET RECOVERY FULL" \
    "BACKUP DATABASE $db TO DISK = N'$WORK_DIR/$db.bak'"; do
    q -c "SELECT dts_source_exec('src', \$tsql\$$s\$tsql\$)" >/dev/null
  done
  /usr/bin/python3 bench/apply_load.py setup --port "$SIM_PORT" --db "$db" --keys 10000 >/dev/null
  q -c "SELECT dts_source_exec('src', \$tsql\$BACKUP LOG $db TO DISK = N'$WORK_DIR/$db.trn'\$tsql\$)" >/dev/null
}
srcq() { q -c "SELECT * FROM dts._source_query('src', '$1', \$tsql\$$2\$tsql\$) AS x(v text)"; }
start_task() { # start_task TASK DB MODE: created, started, in the incremental stage
  q >/dev/null <<SQL
SELECT dts_create_task('$1', 'src', ARRAY['$2'], incremental_mode => '$3');
SELECT dts_add_objects('$1', 'dbo', ARRAY['narrow']);
SELECT dts_map_object('$1', 'dbo', '$1');
SELECT count(*) FROM dts_precheck('$1');
SELECT dts_ack_precheck('$1');
SELECT dts_start_task('$1');
SQL
  wait_until 300 "SELECT state || '/' || stage FROM dts.tasks WHERE name = '$1'" running/incremental
}
wait_until() { # wait_until SECONDS SQL EXPECTED
  local end=$((SECONDS + $1))
  while [ "$(q -c "$2" 2>/dev/null)" != "$3" ]; do
    [ $SECONDS -lt "$end" ] || { log "timed out waiting for: $2 = $3"; return 1; }
    sleep 0.1
  done
}
start_sidecar() {
  # PERF_DATA=FILE: the sidecar runs under `perf record -g` (where its CPU goes)
  ${PERF_DATA:+perf record -q -g -o "$PERF_DATA"} "${SIDECAR_BIN:-build/dts-sidecar}" --destination "host=127.0.0.1 port=$PGPORT dbname=postgres user=postgres" \
    --poll-seconds 1 --workers 2 --heartbeat-seconds 1 --log-level debug >>"$WORK_DIR/sidecar.log" 2>&1 &
  SIDECAR=$!
}
# cpu_ticks PID...: user + system CPU ticks of the processes, with their reaped children's
cpu_ticks() {
  local p t=0
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    t=$((t + $(awk '{sub(/^.*\) /, ""); print $12 + $13 + $14 + $15}' "/proc/$p/stat")))
  done
  echo $t
}
# component_ticks: "sidecar simulator postgres" CPU ticks so far (postgres: the postmaster and
# its live backends; the simulator of Part 1)
component_ticks() {
  local pm
  pm=$(head -1 "$WORK_DIR/pg_lr1/data/postmaster.pid")
  echo "$(cpu_ticks "$SIDECAR") $(cpu_ticks "$(cat "$WORK_DIR/sim_lr1/pid")") $(cpu_ticks "$pm" $(pgrep -P "$pm"))"
}
# catch_up TASK DB END_LSN -> "seconds sidecar_cpu simulator_cpu postgres_cpu" from
# dts_start_task until the task's checkpoint passed END (CPU in seconds: the figures that stay
# meaningful when the machine is shared)
catch_up() {
  local t0 t1 c0 c1
  c0=$(component_ticks)
  t0=$(date +%s.%N)
  q -c "SELECT dts_start_task('$1')" >/dev/null
  wait_until 1800 "SELECT lsn >= '$3' FROM dts.checkpoints c JOIN dts.tasks t USING (task_id) WHERE t.name = '$1' AND c.stage = 'incremental'" t
  t1=$(date +%s.%N)
  c1=$(component_ticks)
  q -c "SELECT dts_stop_task('$1')" >/dev/null
  /usr/bin/python3 -c 'import os, sys
hz = os.sysconf("SC_CLK_TCK")
a, b = sys.argv[3].split(), sys.argv[4].split()
print(float(sys.argv[2]) - float(sys.argv[1]), *[(int(y) - int(x)) / hz for x, y in zip(a, b)])' "$t0" "$t1" "$c0" "$c1"
}
same() { # same TASK: the destination equals the source (rows only at one side, both ways)
  q -c "SELECT (SELECT count(*) FROM (TABLE srcfdw.narrow EXCEPT ALL TABLE \"$1\".narrow) a) || '/' || (SELECT count(*) FROM (TABLE \"$1\".narrow EXCEPT ALL TABLE srcfdw.narrow) b)"
}

part1() {
  SIM_PORT=$(start_sim lr1 --cdc-poll-ms 500)
  PGPORT=$(start_pg lr1)
  export PGPORT
  local db=lr_bench
  q >/dev/null <<SQL
CREATE EXTENSION pg_dts;
CREATE SERVER src FOREIGN DATA WRAPPER pg_dts OPTIONS (host '127.0.0.1', port '$SIM_PORT', encrypt 'request');
CREATE USER MAPPING FOR CURRENT_USER SERVER src OPTIONS (user 'sa', password 'Sim_Passw0rd');
SQL
  setup_source $db
  q >/dev/null <<SQL
CREATE SERVER srcdb FOREIGN DATA WRAPPER pg_dts OPTIONS (host '127.0.0.1', port '$SIM_PORT', database '$db', encrypt 'request');
CREATE USER MAPPING FOR CURRENT_USER SERVER srcdb OPTIONS (user 'sa', password 'Sim_Passw0rd');
CREATE SCHEMA srcfdw;
IMPORT FOREIGN SCHEMA dbo LIMIT TO (narrow) FROM SERVER srcdb INTO srcfdw;
SQL
  start_sidecar
  start_task tl $db log
  start_task tc $db cdc
  q -c "SELECT dts_stop_task('tl'), dts_stop_task('tc')" >/dev/null
  sleep 2
  local begin_lsn end_lsn out changes log_bytes
  begin_lsn=$(srcq $db "SELECT log_end_lsn FROM sys.dm_db_log_stats(DB_ID())")
  log "Part 1: backlog of $BACKLOG_SECONDS s of load at full speed (no task running)"
  out=$(/usr/bin/python3 bench/apply_load.py run --port "$SIM_PORT" --db $db --keys 10000 \
    --rate 1000000 --seconds "$BACKLOG_SECONDS" --max-tx-changes 40 --seed 12)
  changes=$(/usr/bin/python3 -c 'import json, sys; print(json.loads(sys.argv[1])["changes"])' "$out")
  end_lsn=$(srcq $db "SELECT log_end_lsn FROM sys.dm_db_log_stats(DB_ID())")
  end_lsn=${end_lsn,,}
  local last_commit
  last_commit=$(srcq $db "SELECT MAX([Current LSN]) FROM sys.fn_dblog(NULL, NULL) WHERE [Operation] = N'LOP_COMMIT_XACT' AND [Current LSN] <= N'$end_lsn'")
  # The log the backlog wrote: every record between the two ends, as fn_dblog reports them.
  log_bytes=$(srcq $db "SELECT CAST(SUM(CAST([Log Record Length] AS bigint)) AS varchar(30)) FROM sys.fn_dblog(NULL, NULL) WHERE [Current LSN] > N'${begin_lsn,,}' AND [Current LSN] <= N'$end_lsn'")
  # CDC must have captured the backlog before its task is timed (SQL Server's capture job runs
  # whether or not a task reads).
  local prev="" cur
  for _ in $(seq 1 120); do # until the capture's high mark stops moving
    cur=$(srcq $db "SELECT sys.fn_cdc_get_max_lsn()")
    [ "$cur" = "$prev" ] && break
    prev=$cur
    sleep 5
  done
  log "backlog: $changes changes, $(echo "scale=1; $log_bytes / 1048576" | bc) MB of log"
  # (c) The source's side alone: the log task's reads (the sidecar's SQL, from its restart point,
  # read_limit records a read) by a client that only keeps the bytes, into a file.
  local bench_args=(--destination "host=127.0.0.1 port=$PGPORT dbname=postgres user=postgres"
    --task tl --db $db --port "$SIM_PORT" --password Sim_Passw0rd --file "$WORK_DIR/lr_capture.bin")
  local captured decoded
  captured=$(build/log_decode_bench capture "${bench_args[@]}" --end "$end_lsn")
  local ts_log ts_cdc same_log same_cdc
  ts_log=$(catch_up tl $db "$last_commit")
  same_log=$(same tl)
  ts_cdc=$(catch_up tc $db "$last_commit")
  same_cdc=$(same tc)
  # (d) The reader's side alone: the captured reads through the sidecar's decode path in memory
  # (compared with the log task's destination after its catch-up).
  decoded=$(${DECODE_PERF_DATA:+perf record -q -g -o "$DECODE_PERF_DATA"} build/log_decode_bench replay "${bench_args[@]}") || {
    log "the decode replay did not reproduce the log task's destination: $decoded"
    return 1
  }
  local lr
  lr=$(grep 'msg="log read"' "$WORK_DIR/sidecar.log" | tail -1 | grep -o 'completed=.*')
  # Where each catch-up's time went: the reader's polls (read: source reads and decoding; batch:
  # building batches for the apply lane) and the lane's destination transactions (apply, at the
  # same time as the reader's next window).
  local t
  for t in tl tc; do
    awk -v t="task=$t" 'index($0, t " ") {
      poll = index($0, "msg=poll ") > 0; applied = index($0, "msg=\"batch applied\"") > 0
      if (!poll && !applied) next
      for (i = 1; i <= NF; i++) { split($i, kv, "=")
        if (poll && kv[1] == "read_ms") r += kv[2]; if (poll && kv[1] == "batch_ms") b += kv[2]
        if (poll && kv[1] == "rows") n += kv[2]; if (applied && kv[1] == "ms") a += kv[2] }
      polls += poll } END { printf "# %s: %d polls, %d rows, read %.1f s, batch %.1f s, apply %.1f s\n", t, polls, n, r / 1000, b / 1000, a / 1000 }' "$WORK_DIR/sidecar.log"
  done
  /usr/bin/python3 - "$changes" "$log_bytes" "$ts_log" "$ts_cdc" "$same_log" "$same_cdc" "$lr" "$captured" "$decoded" <<'PY'
import json, sys
changes, log_bytes = int(sys.argv[1]), int(sys.argv[2])
lg, cd = [float(x) for x in sys.argv[3].split()], [float(x) for x in sys.argv[4].split()]
cap, dec = json.loads(sys.argv[8]), json.loads(sys.argv[9])
ts_log, ts_cdc = lg[0], cd[0]
mb = log_bytes / 1048576
cdc_rate = changes / ts_cdc
dec_s = dec["convert_s"] + dec["assemble_s"] + dec["decode_s"]
print(f"\nThroughput: catching up a backlog of {changes} changes ({mb:.1f} MB of log)")
print(f"{'path':<38} {'seconds':>8} {'changes/s':>10} {'log MB/s':>9} {'x cdc':>6} {'equal':>6}   CPU s: {'sidecar':>8} {'source':>7} {'postgres':>8}")
def row(name, secs, eq, cpu):
    rate = changes / secs
    print(f"{name:<38} {secs:>8.2f} {rate:>10.0f} {mb / secs:>9.1f} {rate / cdc_rate:>6.2f} {eq:>6}          {cpu}")
def cpus(r):
    return f"{r[1]:>8.2f} {r[2]:>7.2f} {r[3]:>8.2f}"
row("(a) log mode, end to end", ts_log, sys.argv[5], cpus(lg))
row("(b) cdc mode, end to end", ts_cdc, sys.argv[6], cpus(cd))
row("(c) source serving fn_dblog only", cap["seconds"], "-", f"{'':>8} {'':>7} {'':>8}  (client {cap['client_cpu']:.2f})")
row("(d) reader decode only, in memory", dec_s, "0/0" if dec["differ"] == 0 else f"{dec['differ']}", f"{dec['cpu_s']:>8.2f}")
print(f"(c): {cap['reads']} reads of the log task's SQL, {cap['records']} records, {cap['result_bytes'] / 1048576:.1f} MB of result data, by a client that keeps the bytes only (its CPU: the TDS client library receiving them, which the sidecar pays too)")
print(f"(d): of its {dec_s:.2f} s: TDS columns to log rows {dec['convert_s']:.2f} s, transaction assembly {dec['assemble_s']:.2f} s, row decoding and update completion {dec['decode_s']:.2f} s "
      f"({dec['changes']} changes, {dec['completed']} updates completed from the row before, {dec['dest_lookups']} destination lookups answered from memory, {dec['source_rereads']} rows re-read from the source by key, answered from memory); "
      f"applying to the in-memory destination ({dec['apply_s']:.2f} s) is not counted")
print(f"ratio log/cdc: {ts_cdc / ts_log:.2f}x changes/s; sidecar CPU per 10 000 changes: log {lg[1] * 1e4 / changes:.2f} s, cdc {cd[1] * 1e4 / changes:.2f} s; log reader: {sys.argv[7]}")
print(f"goal log >= 20 MB/s: end to end {'met' if mb / ts_log >= 20 else 'NOT MET'}, reader decode alone {'met' if mb / dec_s >= 20 else 'NOT MET'}; "
      f"goal log >= cdc changes/s: end to end {'met' if ts_log <= ts_cdc else 'NOT MET'}, reader decode alone {'met' if dec_s <= ts_cdc else 'NOT MET'}")
print("equal: rows only at the source / only at the destination after the catch-up (0/0); for (d), rows where the replay's in-memory destination differs from (a)'s")
print(f"(a) cannot pass the slower of (c) and (d) plus what applying adds; here the slower is {'(c), the source' if cap['seconds'] > dec_s else '(d), the reader'}")
PY
  if [ -n "${HOLD:-}" ]; then # keep the source and destination for (d) by hand, until HOLD is gone
    touch "$HOLD"
    log "holding until $HOLD is removed; (d) again: PGPORT=$PGPORT build/log_decode_bench replay ${bench_args[*]@Q}"
    while [ -e "$HOLD" ]; do sleep 1; done
  fi
  kill "$SIDECAR" 2>/dev/null || true; wait "$SIDECAR" 2>/dev/null || true; SIDECAR=""
  kill "$(cat "$WORK_DIR/sim_lr1/pid")" 2>/dev/null || true
  as_pg_owner "$PG_BINDIR/pg_ctl" -D "$WORK_DIR/pg_lr1/data" -m fast stop >/dev/null
}

part2() {
  log "Part 2: commit-to-visible latency in log mode"
  SKIP_BUILD=1 PARTS=2 MODE=log DELAYS=0 RATES="${RATES:-1000 5000}" LOAD_SECONDS="${LOAD_SECONDS:-30}" \
    bash bench/apply.sh
}

# big_select N (a power of ten >= 100): "<columns> FROM <digits cross join>" of N rows for
# dbo.narrow, ids from 1 000 000 on
big_select() {
  local k=$((${#1} - 1)) i from="" id="" d="(VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9))"
  for ((i = 0; i < k; i++)); do
    from+="${from:+ CROSS JOIN }$d d$i(n)"
    id+="${id:+ + }$((10 ** i)) * d$i.n"
  done
  echo "1000000 + $id, 1, 2, 'big' FROM $from"
}

part3() {
  SIM_PORT=$(start_sim lr3)
  PGPORT=$(start_pg lr3)
  export PGPORT
  q >/dev/null <<SQL
CREATE EXTENSION pg_dts;
CREATE SERVER src FOREIGN DATA WRAPPER pg_dts OPTIONS (host '127.0.0.1', port '$SIM_PORT', encrypt 'request');
CREATE USER MAPPING FOR CURRENT_USER SERVER src OPTIONS (user 'sa', password 'Sim_Passw0rd');
SQL
  local n small=$((BIG_ROWS / 10)) results=""
  for n in $small $BIG_ROWS; do
    local db=lr_rss_$n
    setup_source $db
    [ -n "$SIDECAR" ] && { kill "$SIDECAR" 2>/dev/null; wait "$SIDECAR" 2>/dev/null || true; }
    start_sidecar
    start_task "rss_$n" $db log
    local before t0 hwm
    before=$(awk '/VmHWM/ {print $2}' "/proc/$SIDECAR/status")
    log "Part 3: one source transaction of $n rows (log mode)"
    t0=$SECONDS
    q -c "SELECT dts_source_exec('src', \$tsql\$USE $db; INSERT INTO dbo.narrow SELECT $(big_select "$n")\$tsql\$)" >/dev/null
    wait_until 1800 "SELECT count(*) >= $n FROM \"rss_$n\".narrow WHERE c = 'big'" t
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$SIDECAR/status")
    results+="$n $before $hwm $((SECONDS - t0))"$'\n'
    q -c "SELECT dts_stop_task('rss_$n')" >/dev/null
  done
  /usr/bin/python3 - "$results" <<'PY'
import sys
rows = [l.split() for l in sys.argv[1].strip().splitlines()]
print("\nSidecar peak RSS while a log-mode task applies one large source transaction")
print(f"{'rows':>9} {'RSS before MB':>14} {'peak RSS MB':>12} {'seconds':>8}")
for n, before, hwm, s in rows:
    print(f"{int(n):>9} {int(before) / 1024:>14.1f} {int(hwm) / 1024:>12.1f} {int(s):>8}")
small, big = int(rows[0][2]), int(rows[1][2])
ratio = big / small
print(f"peak RSS ratio {rows[1][0]} rows / {rows[0][0]} rows: {ratio:.2f} (10x the rows); goal bounded (< 3): {'met' if ratio < 3 else 'NOT MET'}")
PY
}

for part in $PARTS; do
  log "load average before Part $part: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
  "part$part"
done
