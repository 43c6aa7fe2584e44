#!/usr/bin/env bash
# Incremental sync under a seeded random workload (cdc_workload.py beside this file), in the
# incremental mode WORKLOAD_MODE names: cdc (default), log (every table read from the transaction
# log; the heap table is left out, as log mode refuses heaps) or hybrid (the heap through CDC, the
# others from the log, a transaction touching both applied as one):
#   1. inserts, updates (also of primary keys), deletes, multi-table and rolled-back transactions
#      over a table with an int key, one with a composite key holding an nvarchar, a heap with
#      duplicate rows and a LOB column, a table with nvarchar(max)/varbinary(max), plus one
#      1,000,000-row transaction and an update of half of those rows in another: at quiescence
#      the destination equals the source row for row; then deletes and key changes in that big
#      table must apply within a time limit;
#   2. more of it with kill -9 of the sidecar at random moments and a destination restart, then
#      one more kill while a source transaction larger than a read is being applied whole;
#   4. the source (simulator) killed and restarted on the same port and data directory;
#   5. a change the destination refuses: its whole source transaction is held back, the task
#      fails naming the cause, and converges after the cause is removed and the task restarted;
#   3. CDC cleanup past the task's position: the task fails saying the changes are gone, and
#      nothing is skipped (run last: it leaves the task failed).
# Every comparison reads every row of every table through pg_dts foreign tables on the source
# and counts (source EXCEPT ALL destination) and (destination EXCEPT ALL source).
# WORKLOAD_SEED repeats a run's random choices; WORKLOAD_BIG_ROWS (a power of ten, default
# 1000000) and WORKLOAD_KILLS (default 10) scale it. Against the simulator, or a real SQL Server
# with the SQL Server Agent running when MSSQL_* are set (step 4 is then skipped).
# Prints "<mode>_workload: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../../.."
source scripts/lib.sh

MODE=${WORKLOAD_MODE:-cdc}
NAME=${MODE}_workload
SEED=${WORKLOAD_SEED:-$(((RANDOM << 15 | RANDOM) % 1000000000))}
BIG_ROWS=${WORKLOAD_BIG_ROWS:-1000000}
KILLS=${WORKLOAD_KILLS:-10}
echo "# $MODE mode, workload seed $SEED (WORKLOAD_SEED=$SEED repeats it), big transaction $BIG_ROWS rows, $KILLS kills"
RANDOM=$SEED

use_source cdcw --cdc-poll-ms 200 || exit 1
SIM=""
[ -n "${MSSQL_HOST:-}" ] || SIM="$WORK_DIR/sim_cdcw"
use_destination cdcw || exit 1
PG_DIR="$WORK_DIR/pg_cdcw"
export WORKLOAD_SRC_PASSWORD=$SRC_PASSWORD
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
db=cdc_wl_$$
srcq() { q -c "SELECT * FROM dts._source_query('src', '$db', \$tsql\$$1\$tsql\$) AS x(v text)"; }
gen() {
  /usr/bin/python3 test/integration/sidecar/cdc_workload.py --host "$SRC_HOST" --port "$SRC_PORT" \
    --user "$SRC_USER" --db "$db" "$@"
}
LOG="$WORK_DIR/sidecar.log"
SC=""
start_sidecar() { # sets SC (not in a subshell: the kill loop needs it)
  build/dts-sidecar --destination "$DEST" --poll-seconds 1 --workers 2 --log-level debug \
    >>"$LOG" 2>&1 &
  SC=$!
  echo "$SC" >>"$WORK_DIR/sidecar.pids"
}
kill_sidecar() { kill -9 "$SC" 2>/dev/null || return 1; wait "$SC" 2>/dev/null; return 0; }
on_exit() {
  for p in $(cat "$WORK_DIR/sidecar.pids" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  if [ "$failed" -gt 0 ] || [ -n "${WORKLOAD_SHOW_LOG:-}" ]; then
    echo "# last sidecar log lines:"; grep -v 'level=debug' "$LOG" 2>/dev/null | tail -n 25 | sed 's/^/#   /'
  fi
  cleanup_all
}
trap on_exit EXIT
state() { q -c "SELECT state || '/' || coalesce(stage, '') FROM dts.tasks WHERE name = 'w'"; }
checkpoint() { q -c "SELECT lsn FROM dts.checkpoints WHERE stage = 'incremental'"; }
# mark LABEL SECONDS: a marker row committed at the source after everything before it; waits
# until it is at the destination (so is every earlier source transaction) -> "1/running"
put_mark() { src "USE $db; INSERT INTO dbo.mark (id, label) SELECT ISNULL(MAX(id), 0) + 1, N'$1' FROM dbo.mark"; }
wait_mark() {
  local t=$SECONDS v="" end=$((SECONDS + $2))
  while :; do
    v=$(q -c "SELECT (SELECT count(*) FROM replica.mark WHERE label = '$1') || '/' || state FROM dts.tasks WHERE name = 'w'" 2>/dev/null)
    [ "${v%%/*}" = 1 ] || [ "${v#*/}" = failed ] || [ "$SECONDS" -ge "$end" ] && break
    sleep 0.2
  done
  log "marker $1: $v after $((SECONDS - t)) s"
  echo "$v"
}
mark() { put_mark "$1"; wait_mark "$1" "$2"; }
if [ "$MODE" = log ]; then
  TABLES="items kv docs bulk mark"
  SAME="items 0/0 kv 0/0 docs 0/0 bulk 0/0 mark 0/0"
else
  TABLES="items kv events docs bulk mark"
  SAME="items 0/0 kv 0/0 events 0/0 docs 0/0 bulk 0/0 mark 0/0"
fi
SYNCED="ARRAY['$(echo "$TABLES" | sed "s/ /', '/g")']"
# compare -> "items A/B ...": A rows only at the source, B rows only at the destination, as
# multisets (EXCEPT ALL: a duplicate row missing or doubled counts). Differences are listed.
compare() {
  local out="" t r s=$SECONDS
  for t in $TABLES; do
    r=$(q 2>&1 <<SQL
SET temp_buffers = '512MB'; SET work_mem = '256MB';
CREATE TEMP TABLE s AS SELECT * FROM srcfdw.$t;
CREATE TEMP VIEW d AS SELECT * FROM replica.$t;
SELECT (SELECT count(*) FROM (TABLE s EXCEPT ALL TABLE d) a) || '/' || (SELECT count(*) FROM (TABLE d EXCEPT ALL TABLE s) b);
SELECT '# ' || w || ' ' || left(j, 300) FROM (
  (SELECT 'source only:' AS w, row_to_json(a)::text AS j FROM (TABLE s EXCEPT ALL TABLE d) a LIMIT 5)
  UNION ALL
  (SELECT 'destination only:', row_to_json(b)::text FROM (TABLE d EXCEPT ALL TABLE s) b LIMIT 5)) x;
SQL
)
    echo "$r" | sed -n '2,$p' | sed "s/^# /#   $t /" >&2
    out+="$t $(echo "$r" | head -n 1) "
  done
  log "compared every row in $((SECONDS - s)) s (destination rows: $(q -c "SELECT (SELECT count(*) FROM replica.items) || ' items, ' || (SELECT count(*) FROM replica.kv) || ' kv, ' || (SELECT count(*) FROM replica.docs) || ' docs, ' || (SELECT count(*) FROM replica.bulk) || ' bulk'" 2>&1))"
  echo "${out% }"
}
# The newest change CDC captured in any of the task's tables, in dts.checkpoints' format.
captured_max() {
  local u="" t
  for t in $TABLES; do u+="${u:+ UNION ALL }SELECT MAX([__\$start_lsn]) AS l FROM cdc.dbo_${t}_CT"; done
  q -c "SELECT lower(substr(v, 3, 8) || ':' || substr(v, 11, 8) || ':' || substr(v, 19, 4)) FROM dts._source_query('src', '$db', \$tsql\$SELECT MAX(l) FROM ($u) x\$tsql\$) AS x(v text)"
}

# ---------------------------------------------------------------------------------------------
log "setup"
q >/dev/null <<SQL || exit 1
CREATE EXTENSION pg_dts;
CREATE SERVER src FOREIGN DATA WRAPPER pg_dts OPTIONS (host '$SRC_HOST', port '$SRC_PORT', encrypt 'request');
CREATE USER MAPPING FOR CURRENT_USER SERVER src OPTIONS (user '$SRC_USER', password '$SRC_PASSWORD');
SQL
src "CREATE DATABASE $db"
src "ALTER DATABASE $db SET RECOVERY FULL"
src "BACKUP DATABASE $db TO DISK = N'/tmp/$db.bak'" 2>/dev/null
gen --seed "$SEED" setup || exit 1
src "BACKUP LOG $db TO DISK = N'/tmp/$db.trn'" 2>/dev/null
q >/dev/null <<SQL || exit 1
CREATE SERVER srcdb FOREIGN DATA WRAPPER pg_dts OPTIONS (host '$SRC_HOST', port '$SRC_PORT', database '$db', encrypt 'request');
CREATE USER MAPPING FOR CURRENT_USER SERVER srcdb OPTIONS (user '$SRC_USER', password '$SRC_PASSWORD');
CREATE SCHEMA srcfdw;
IMPORT FOREIGN SCHEMA dbo LIMIT TO (items, kv, events, docs, bulk, mark) FROM SERVER srcdb INTO srcfdw;
SQL
start_sidecar
q >/dev/null <<SQL || exit 1
SELECT dts_create_task('w', 'src', ARRAY['$db'], incremental_mode => '$MODE');
SELECT dts_add_objects('w', 'dbo', $SYNCED);
SELECT dts_map_object('w', 'dbo', 'replica');
SELECT count(*) FROM dts_precheck('w');
SELECT dts_ack_precheck('w');
SELECT dts_start_task('w');
SQL
check "full stage done, incremental running" "running/incremental" \
  "$(wait_for 120 "SELECT state || '/' || stage FROM dts.tasks WHERE name = 'w'" "running/incremental")"
check "full stage copied the source exactly" "$SAME" "$(compare)"

# ---------------------------------------------------------------------------------------------
log "phase 1: random workload, then the $BIG_ROWS-row transaction"
t1=$SECONDS
gen --seed "$SEED" --phase 1 --txns 400 run | sed 's/^/# /'
check "phase 1: workload ran without source errors" "0" "${PIPESTATUS[0]}"
# Source DDL in the middle of the stream: a new column, written at once (before the sidecar has a
# capture instance that carries it), and a new index; the workload goes on around them.
src "USE $db; ALTER TABLE dbo.kv ADD memo nvarchar(30) NULL"
src "USE $db; UPDATE dbo.kv SET memo = N'm' + CAST(code % 5 AS nvarchar(5)) WHERE code % 2 = 0"
src "USE $db; CREATE INDEX ix_kv_amount ON dbo.kv (amount)"
q >/dev/null -c "DROP FOREIGN TABLE srcfdw.kv" -c "IMPORT FOREIGN SCHEMA dbo LIMIT TO (kv) FROM SERVER srcdb INTO srcfdw"
gen --seed $((SEED + 10)) --phase 1 --txns 100 run | sed 's/^/# /'
check "phase 1: workload after the DDL ran without source errors" "0" "${PIPESTATUS[0]}"
src "USE $db; BEGIN TRAN; INSERT INTO dbo.items (id, qty, name, flag) VALUES (-777, 7, N'rolled back', 0); UPDATE dbo.kv SET val = 'rolled back'; UPDATE dbo.docs SET body = N'rolled back'; DELETE FROM dbo.events; ROLLBACK"
hwm_before=$(awk '/VmHWM/ {print $2}' "/proc/$SC/status")
tb=$SECONDS
gen --rows "$BIG_ROWS" big | sed 's/^/# /'
check "phase 1: big transaction and mass update committed at the source" "0" "${PIPESTATUS[0]}"
gen --seed $((SEED + 1)) --phase 1 --txns 100 run | sed 's/^/# /'
check "phase 1: workload after the big transaction ran without source errors" "0" "${PIPESTATUS[0]}"
check "phase 1: caught up" "1/running" "$(mark p1 900)"
check "phase 1: a rolled-back transaction left no trace" "0|0|0" \
  "$(q -c "SELECT (SELECT count(*) FROM replica.items WHERE id = -777) || '|' || (SELECT count(*) FROM replica.kv WHERE val = 'rolled back') || '|' || (SELECT count(*) FROM replica.docs WHERE body = 'rolled back')")"
big_s=$((SECONDS - tb))
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$SC/status")
echo "# sidecar peak RSS (VmHWM): $((hwm_before / 1024)) MB before the big transaction, $((hwm / 1024)) MB after; source commit to destination caught up: ${big_s} s"
grep -E 'large source transaction|level=(warning|error)' "$LOG" | tail -n 5 | sed 's/^/#   /'
check "phase 1: ADD COLUMN and CREATE INDEX applied at their place in the stream" "memo:kv_ix_kv_amount" \
  "$(q -c "SELECT (SELECT attname FROM pg_attribute WHERE attrelid = 'replica.kv'::regclass AND attname = 'memo') || ':' || (SELECT indexname FROM pg_indexes WHERE schemaname = 'replica' AND indexname = 'kv_ix_kv_amount')")"
check "phase 1: destination equals the source row for row" "$SAME" "$(compare)"
if [ "$MODE" = cdc ]; then
  check "phase 1: checkpoint at or past the newest captured change" "t" \
    "$(q -c "SELECT '$(checkpoint)' >= '$(captured_max)'")"
fi
# Deletes and key changes in the big table, with a time limit: when keys were matched with IS NOT
# DISTINCT FROM (no index, hash or merge join serves it) each deleted key cost a scan of the whole
# destination table, and this took 4-7 minutes.
lo=$((BIG_ROWS / 5)) ndel=$(((BIG_ROWS + 1999) / 2000)) nkey=$(((BIG_ROWS + 9999) / 10000))
src "USE $db; BEGIN TRAN; DELETE FROM dbo.bulk WHERE id BETWEEN $((lo + 1)) AND $((lo + ndel)); UPDATE dbo.bulk SET id = id + $((BIG_ROWS * 5)) WHERE id BETWEEN $((2 * lo + 1)) AND $((2 * lo + nkey)); COMMIT"
put_mark p1b
check "phase 1: $ndel deletes and $nkey key changes in the $BIG_ROWS-row table applied within 20 s" \
  "1/running" "$(wait_mark p1b 20)"
[ "$(wait_mark p1b 900)" = "1/running" ] || log "still not applied"
log "phase 1 took $((SECONDS - t1)) s"

# ---------------------------------------------------------------------------------------------
log "phase 2: workload with $KILLS kill -9 of the sidecar and a destination restart"
t2=$SECONDS
rm -f "$WORK_DIR/stop2"
gen --seed $((SEED + 2)) --phase 2 --medium --txns 300 --pace-ms 15 --stop-file "$WORK_DIR/stop2" run \
  >"$WORK_DIR/gen2.out" 2>&1 &
GEN=$!
kills=0 pg_restarted=no starts_before=$(grep -c 'msg="incremental stage' "$LOG")
applied_before=$(grep -c 'msg="batch applied"' "$LOG")
for k in $(seq 1 "$KILLS"); do
  ms=$((300 + RANDOM % 2500))
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  kill_sidecar && kills=$((kills + 1))
  [ $((RANDOM % 2)) = 0 ] && sleep 0.$((RANDOM % 10))
  start_sidecar
  if [ "$k" = $((KILLS / 2)) ]; then
    sleep 1.$((RANDOM % 10))
    as_pg_owner "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -m fast -w restart \
      >/dev/null && pg_restarted=yes
    log "destination restarted"
  fi
done
sleep 1
touch "$WORK_DIR/stop2"
wait "$GEN"
gen_rc=$?
sed 's/^/# /' "$WORK_DIR/gen2.out"
check "phase 2: workload ran without source errors" "0" "$gen_rc"
check "phase 2: sidecar killed $KILLS times, destination restarted" "$KILLS/yes" "$kills/$pg_restarted"
check "phase 2: caught up with the workload" "1/running" "$(mark p2a 300)"
# One more kill, while a source transaction larger than a read (applied whole, streamed) is in the
# destination: nothing of it may be visible after the kill, all of it after the restart.
streamed=$(gen tx "UPDATE dbo.bulk SET grp = grp + 1000, v = N'streamed' WHERE id % 5 = 1; SELECT @@ROWCOUNT")
hit=no end=$((SECONDS + 180))
while [ "$SECONDS" -lt "$end" ]; do
  if [ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' AND (query LIKE 'COPY %' OR query LIKE '%dts._apply_table%')")" -gt 0 ]; then
    kill_sidecar && hit=yes
    break
  fi
  sleep 0.05
done
seen=$(q -c "SELECT count(*) FROM replica.bulk WHERE v = 'streamed'")
start_sidecar
check "phase 2: killed while the $streamed-row transaction was being applied; none or all of it visible" \
  "yes/t" "$hit/$(q -c "SELECT $seen IN (0, $streamed)")"
echo "# phase 2: rows of the streamed transaction visible right after the kill: $seen of $streamed"
check "phase 2: caught up" "1/running" "$(mark p2 300)"
echo "# phase 2: $(($(grep -c 'msg="incremental stage' "$LOG") - starts_before)) reader starts, $(($(grep -c 'msg="batch applied"' "$LOG") - applied_before)) batches applied, $(grep -c 'batch skipped' "$LOG") skipped as applied"
check "phase 2: destination equals the source row for row" "$SAME" "$(compare)"
check "phase 2: no task failure logged" "0" "$(grep -c 'task failed' "$LOG")"
log "phase 2 took $((SECONDS - t2)) s"

# ---------------------------------------------------------------------------------------------
if [ -n "$SIM" ]; then
  log "phase 4: source restart"
  t4=$SECONDS
  gen --seed $((SEED + 4)) --phase 4 --medium --txns 200 run | sed 's/^/# /'
  check "phase 4: workload before the source restart ran without source errors" "0" "${PIPESTATUS[0]}"
  retries_before=$(grep -c 'connection failure, retrying' "$LOG")
  old=$(cat "$SIM/pid")
  kill -9 "$old"
  while kill -0 "$old" 2>/dev/null; do sleep 0.05; done
  sleep 1
  rm -f "$SIM/port"
  new_port=$(start_sim cdcw --cdc-poll-ms 200 --port "$SRC_PORT")
  check "phase 4: simulator restarted on the same port with the same data directory" "$SRC_PORT" "$new_port"
  gen --seed $((SEED + 5)) --phase 4 --txns 150 run | sed 's/^/# /'
  check "phase 4: workload after the source restart ran without source errors" "0" "${PIPESTATUS[0]}"
  check "phase 4: caught up" "1/running" "$(mark p4 300)"
  check "phase 4: the sidecar saw the source go away and retried" "t" \
    "$([ "$(grep -c 'connection failure, retrying' "$LOG")" -gt "$retries_before" ] && echo t || echo f)"
  check "phase 4: destination equals the source row for row" "$SAME" "$(compare)"
  log "phase 4 took $((SECONDS - t4)) s"
else
  skip "phase 4: source restart (a real SQL Server is not restarted by this test)"
fi

# ---------------------------------------------------------------------------------------------
# Log modes: log backups truncate the active log while the reader is behind; it reads the
# backups (fn_dump_dblog), then the active log. A backup file that is gone stops the task naming
# it and the LSN.
phase3_log() {
  log "phase 3 ($MODE): log backups and truncation while the sidecar is down"
  local t3=$SECONDS n cp3 bk
  kill_sidecar
  cp3=$(checkpoint)
  for n in 1 2 3; do
    gen --seed $((SEED + 30 + n)) --phase 3 --txns 60 run | sed 's/^/# /'
    src "BACKUP LOG $db TO DISK = N'$WORK_DIR/$db.$n.trn'"
  done
  src "USE $db; CHECKPOINT"
  local active need="" first v b s
  active=$(srcq "SELECT TOP (1) [Current LSN] FROM sys.fn_dblog(NULL, NULL)" | tr A-F a-f)
  check "phase 3: the active log starts past the task's position" "t" \
    "$([[ "$active" > "$cp3" ]] && echo t || echo f)"
  # The backups the reader needs: those starting before the active log. With CDC tables (hybrid)
  # a backup truncates no further than the capture job has read, so that is not always all three.
  # msdb keeps LSNs as numeric(25,0): VLF, then the block in 10 digits and the slot in 5.
  IFS=: read -r v b s <<<"$active"
  for n in 1 2 3; do
    first=$(srcq "SELECT CAST(b.first_lsn AS varchar(30)) FROM msdb.dbo.backupset b JOIN msdb.dbo.backupmediafamily m ON m.media_set_id = b.media_set_id WHERE m.physical_device_name = N'$WORK_DIR/$db.$n.trn'")
    [ "$(q -c "SELECT $first < $(printf '%d%010d%05d' $((16#$v)) $((16#$b)) $((16#$s)))")" = t ] &&
      need+="$WORK_DIR/$db.$n.trn "
  done
  echo "# phase 3: active log from $active; backups holding records before it: ${need:-none}"
  start_sidecar
  check "phase 3: caught up through the log backups" "1/running" "$(mark p3 300)"
  check "phase 3: the reader read each log backup it needed, and no other" "${need:-none}" \
    "$(grep -o 'msg="reading a log backup".*backup=[^ ]*' "$LOG" | sed 's/.*backup=//; s/"//g' |
      grep -F "$WORK_DIR/$db." | sort -u | tr '\n' ' ')"
  check "phase 3: destination equals the source row for row" "$SAME" "$(compare)"
  kill_sidecar
  gen --seed $((SEED + 40)) --phase 3 --txns 30 run | sed 's/^/# /'
  bk="$WORK_DIR/$db.lost.trn"
  src "BACKUP LOG $db TO DISK = N'$bk'"
  src "USE $db; CHECKPOINT"
  rm -f "$bk"
  start_sidecar
  check "phase 3: a missing log backup fails the task" "failed/incremental" \
    "$(wait_for 60 "SELECT state || '/' || stage FROM dts.tasks WHERE name = 'w'" "failed/incremental")"
  echo "# last_error: $(q -c "SELECT last_error FROM dts.task_status WHERE name = 'w'")"
  check "phase 3: last_error names the backup file and the LSN" "true|true" \
    "$(q -c "SELECT (last_error LIKE '%$bk%') || '|' || (last_error ~ 'LSN [0-9a-f]{8}:') FROM dts.task_status WHERE name = 'w'")"
  log "phase 3 took $((SECONDS - t3)) s"
}

# ---------------------------------------------------------------------------------------------
log "phase 5: a change the destination refuses"
t5=$SECONDS
q -c "ALTER TABLE replica.items ADD CONSTRAINT workload_refuses_424242 CHECK (qty <> 424242)"
src "USE $db; BEGIN TRAN; INSERT INTO dbo.kv (region, code, val, amount) VALUES (N'bad-batch', 1, 'held back with its transaction', 1); UPDATE dbo.docs SET title = N'bad batch' WHERE id = (SELECT MIN(id) FROM dbo.docs); INSERT INTO dbo.items (id, qty, name, flag) VALUES (-424242, 424242, N'refused', 0); COMMIT"
src "USE $db; INSERT INTO dbo.mark (id, label) SELECT ISNULL(MAX(id), 0) + 1, N'after-bad' FROM dbo.mark"
check "phase 5: task failed on the refused change" "failed/incremental" \
  "$(wait_for 60 "SELECT state || '/' || stage FROM dts.tasks WHERE name = 'w'" "failed/incremental")"
err=$(q -c "SELECT last_error FROM dts.task_status WHERE name = 'w'")
echo "# last_error: $err"
check "phase 5: dts.task_status.last_error names the constraint" "t" \
  "$(q -c "SELECT last_error LIKE '%workload_refuses_424242%' FROM dts.task_status WHERE name = 'w'")"
check "phase 5: nothing of the refused source transaction (or later) applied" "0|0|0|0" \
  "$(q -c "SELECT (SELECT count(*) FROM replica.kv WHERE region = 'bad-batch') || '|' || (SELECT count(*) FROM replica.docs WHERE title = 'bad batch') || '|' || (SELECT count(*) FROM replica.items WHERE id = -424242) || '|' || (SELECT count(*) FROM replica.mark WHERE label = 'after-bad')")"
cp5=$(checkpoint)
if [ "$MODE" = cdc ]; then
  bad_lsn=$(q -c "SELECT lower(substr(v, 3, 8) || ':' || substr(v, 11, 8) || ':' || substr(v, 19, 4)) FROM dts._source_query('src', '$db', \$tsql\$SELECT [__\$start_lsn] FROM cdc.dbo_kv_CT WHERE region = N'bad-batch' AND [__\$operation] = 2\$tsql\$) AS x(v text)")
  check "phase 5: checkpoint before the refused transaction" "t" "$(q -c "SELECT '$cp5' < '$bad_lsn'")"
fi
sleep 3
check "phase 5: checkpoint does not move while failed" "$cp5" "$(checkpoint)"
q -c "ALTER TABLE replica.items DROP CONSTRAINT workload_refuses_424242"
q -c "SELECT dts_start_task('w')" >/dev/null
check "phase 5: restarted" "running/incremental" \
  "$(wait_for 60 "SELECT state || '/' || stage FROM dts.tasks WHERE name = 'w'" "running/incremental")"
check "phase 5: caught up after the cause was removed" "1/running" "$(mark p5 120)"
check "phase 5: destination equals the source row for row" "$SAME" "$(compare)"
log "phase 5 took $((SECONDS - t5)) s"

# ---------------------------------------------------------------------------------------------
if [ "$MODE" != cdc ]; then
  phase3_log
  kill_sidecar
  echo "# total $SECONDS s"
  echo "$NAME: $passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ]
  exit
fi
log "phase 3: CDC cleanup past the task's position while the sidecar is down"
t3=$SECONDS t3_at=$(q -c "SELECT now()")
kill_sidecar
cp3=$(checkpoint)
fingerprint() {
  q -c "SELECT md5(string_agg(t, '|')) FROM (SELECT (SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM replica.items x) UNION ALL SELECT (SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM replica.kv x) UNION ALL SELECT (SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM replica.events x) UNION ALL SELECT (SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM replica.docs x) UNION ALL SELECT (SELECT count(*) || ':' || sum(amount) || ':' || sum(grp) FROM replica.bulk) UNION ALL SELECT (SELECT string_agg(label, ',' ORDER BY id) FROM replica.mark)) f(t)"
}
fp3=$(fingerprint)
src "USE $db; BEGIN TRAN; UPDATE dbo.kv SET val = 'retention' WHERE code % 7 = 0; UPDATE dbo.items SET qty = qty + 1 WHERE id IN (SELECT TOP (3) id FROM dbo.items ORDER BY id); COMMIT"
src "USE $db; UPDATE dbo.items SET name = N'after the first' WHERE id IN (SELECT TOP (2) id FROM dbo.items ORDER BY id DESC)"
src "USE $db; INSERT INTO dbo.docs (id, title) VALUES (999999, N'retention'); DELETE TOP (1) FROM dbo.events"
src "USE $db; INSERT INTO dbo.mark (id, label) SELECT ISNULL(MAX(id), 0) + 1, N'p3' FROM dbo.mark"
check "phase 3: changes captured at the source" "1" \
  "$(wait_for 60 "SELECT * FROM dts._source_query('src', '$db', \$tsql\$SELECT CAST(COUNT(*) AS varchar(5)) FROM cdc.dbo_mark_CT WHERE label = N'p3'\$tsql\$) AS x(v text)" "1")"
lw=$(srcq "SELECT sys.fn_cdc_get_max_lsn()"); lw=${lw,,}
lw_hex="0x${lw:2}" lw_log="${lw:2:8}:${lw:10:8}:${lw:18:4}"
src "USE $db; EXEC sys.sp_cdc_cleanup_change_table @capture_instance = N'dbo_items', @low_water_mark = $lw_hex"
check "phase 3: CDC minimum LSN of dbo.items passed the checkpoint" "t" \
  "$(q -c "SELECT lower(substr(v, 3, 8) || ':' || substr(v, 11, 8) || ':' || substr(v, 19, 4)) > '$cp3' FROM dts._source_query('src', '$db', \$tsql\$SELECT sys.fn_cdc_get_min_lsn(N'dbo_items')\$tsql\$) AS x(v text)")"
start_sidecar
check "phase 3: task failed" "failed/incremental" \
  "$(wait_for 60 "SELECT state || '/' || stage FROM dts.tasks WHERE name = 'w'" "failed/incremental")"
err=$(q -c "SELECT last_error FROM dts.task_status WHERE name = 'w'")
echo "# last_error: $err"
check "phase 3: last_error says the changes of the table are gone, with the LSNs" "true|true|true" \
  "$(q -c "SELECT (last_error LIKE '%$db.dbo.items%') || '|' || (last_error ILIKE '%gone%') || '|' || (last_error LIKE '%$lw_log%') FROM dts.task_status WHERE name = 'w'")"
check "phase 3: checkpoint unchanged" "$cp3" "$(checkpoint)"
check "phase 3: nothing applied past the checkpoint (destination unchanged)" "$fp3" "$(fingerprint)"
check "phase 3: error event recorded" "1" \
  "$(q -c "SELECT count(*) FROM dts.events WHERE level = 'error' AND message LIKE '%$db.dbo.items%' AND at > '$t3_at'")"
log "phase 3 took $((SECONDS - t3)) s"

kill_sidecar
if [ -n "${MSSQL_HOST:-}" ]; then # leave a real server as it was
  q -c "SELECT count(*) FROM dts_cleanup_source('w')" >/dev/null 2>&1
  src "DROP DATABASE $db" 2>/dev/null
fi
echo "# total $SECONDS s"
echo "$NAME: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
