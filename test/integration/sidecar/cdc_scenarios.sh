#!/usr/bin/env bash
# Incremental sync as a user drives it, in CDC mode (issue 16): tasks without a full stage, the
# checkpoint as the only truth (deleted, or ahead of the source), capture instances the user
# disables, enables again or replaces (keyed tables copied again, keyless ones stopped and
# named), tables created at the source while streaming (several at once; stop/start after they
# joined), a stopped task's objects changed (a table added, one removed), the user creating the
# capture instance for new columns first. Each scenario runs its own
# source database and task on one sidecar. Against the simulator, or a real SQL Server with the
# SQL Server Agent running when MSSQL_* are set.
# Prints "cdc_scenarios: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../../.."
source scripts/lib.sh

use_source cdcs --cdc-poll-ms 200 || exit 1
use_destination cdcs || exit 1
srcq() { q -c "SELECT * FROM dts._source_query('src', '$1', \$tsql\$$2\$tsql\$) AS x(v text)"; }
start_sidecar() { # sets SC (not in a subshell: the exit trap needs its pid)
  build/dts-sidecar --destination "$DEST" --poll-seconds 1 --workers 2 --heartbeat-seconds 1 \
    --read-limit 500 >>"$WORK_DIR/sidecar.log" 2>&1 &
  SC=$!
  echo "$SC" >>"$WORK_DIR/sidecar.pids"
}
on_exit() {
  for p in $(cat "$WORK_DIR/sidecar.pids" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  if [ "$failed" -gt 0 ]; then
    echo "# last sidecar log lines:"; tail -n 25 "$WORK_DIR/sidecar.log" 2>/dev/null | sed 's/^/#   /'
  fi
  cleanup_all
}
trap on_exit EXIT
state() { q -c "SELECT state || '/' || coalesce(stage, '') FROM dts.tasks WHERE name = '$1'"; }
wait_state() { wait_for "$2" "SELECT state || '/' || coalesce(stage, '') FROM dts.tasks WHERE name = '$1'" "$3"; }
error_of() { q -c "SELECT last_error FROM dts.tasks WHERE name = '$1'"; }
# new_db NAME: a source database in full recovery with a full and a log backup (the precheck asks
# for them for every incremental mode).
new_db() {
  src "CREATE DATABASE $1"
  src "ALTER DATABASE $1 SET RECOVERY FULL"
  src "BACKUP DATABASE $1 TO DISK = N'/tmp/$1.bak'"
  src "BACKUP LOG $1 TO DISK = N'/tmp/$1.trn'"
}
# new_task NAME DB STAGES [schema mapping target]: every table of dbo, prechecked and started
# (CONFLICT=ignore_and_proceed for destination tables that exist).
new_task() {
  q >/dev/null <<SQL
SELECT dts_create_task('$1', 'src', ARRAY['$2'], stages => '$3', incremental_mode => 'cdc',
                       conflict_mode => '${CONFLICT:-precheck_and_report}');
SELECT dts_add_objects('$1', 'dbo');
SELECT dts_map_object('$1', 'dbo', '${4:-$1}');
SELECT count(*) FROM dts_precheck('$1');
SELECT dts_ack_precheck('$1');
SQL
  q -c "SELECT r.item || ' ' || r.object || ': ' || r.detail FROM dts.precheck_results r WHERE r.status = 'error' AND r.run_id = (SELECT max(run_id) FROM dts.precheck_runs p JOIN dts.tasks t USING (task_id) WHERE t.name = '$1')" | sed 's/^/# precheck error: /'
  q -c "SELECT dts_start_task('$1')" >/dev/null
}
restart_task() { # stop, wait until the sidecar let go, then run a SQL step, then start again
  q -c "SELECT dts_stop_task('$1')" >/dev/null
  wait_for 30 "SELECT count(*) FROM dts.tasks WHERE name = '$1' AND sidecar_seen_at > stopped_at" "0" >/dev/null
  sleep 1
  [ -z "${2:-}" ] || q -c "$2" >/dev/null
  q -c "SELECT dts_start_task('$1')" >/dev/null
}

create_source_server || exit 1
start_sidecar
sfx=$$

# ---- item 1: a task without the full stage starts at the source's current end of the log --------
db=cdcs_inc_$sfx
new_db "$db"
src "USE $db; CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, v nvarchar(10) NOT NULL)"
src "USE $db; INSERT INTO dbo.t VALUES (1, N'a'), (2, N'b')"
src "USE $db; CREATE TABLE dbo.[x.y] (id int NOT NULL PRIMARY KEY)"
s1_db=$db
new_task s1 "$db" '{schema,incremental}'
check "schema+incremental task runs the incremental stage" "running/incremental" "$(wait_state s1 30 running/incremental)"
wait_for 30 "SELECT count(*) FROM dts.checkpoints c JOIN dts.tasks t USING (task_id) WHERE t.name = 's1' AND c.stage = 'incremental' AND c.lsn IS NOT NULL" 1 >/dev/null
src "USE $db; INSERT INTO dbo.t VALUES (3, N'c')"
src "USE $db; UPDATE dbo.t SET v = N'A' WHERE id = 1"
check "changes from the start on arrive (rows before it are not copied)" "1:A|3:c" \
  "$(wait_for 60 "SELECT string_agg(id || ':' || v, '|' ORDER BY id) FROM s1.t" "1:A|3:c")"
check "the start is recorded as an event" "1" \
  "$(q -c "SELECT count(*) FROM dts.events e JOIN dts.tasks t USING (task_id) WHERE t.name = 's1' AND e.message LIKE 'incremental stage begins after LSN %'")"
db=cdcs_inconly_$sfx
new_db "$db"
src "USE $db; CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, v nvarchar(10) NOT NULL)"
q -c "CREATE SCHEMA s1b; CREATE TABLE s1b.t (id int PRIMARY KEY, v text NOT NULL)" >/dev/null
CONFLICT=ignore_and_proceed new_task s1b "$db" '{incremental}'
check "incremental-only task into an existing table runs" "running/incremental" "$(wait_state s1b 30 running/incremental)"
wait_for 30 "SELECT count(*) FROM dts.checkpoints c JOIN dts.tasks t USING (task_id) WHERE t.name = 's1b' AND c.stage = 'incremental' AND c.lsn IS NOT NULL" 1 >/dev/null
src "USE $db; INSERT INTO dbo.t VALUES (7, N'g')"
check "incremental-only: changes arrive" "7:g" "$(wait_for 60 "SELECT string_agg(id || ':' || v, '|' ORDER BY id) FROM s1b.t" "7:g")"

# ---- item 5: the checkpoint is the truth ------------------------------------------------------
db=cdcs_cp_$sfx
new_db "$db"
src "USE $db; CREATE TABLE dbo.h (v int NOT NULL)"
src "USE $db; INSERT INTO dbo.h VALUES (1), (2)"
new_task s5 "$db" '{schema,full,incremental}'
check "full + incremental task streams" "running/incremental" "$(wait_state s5 60 running/incremental)"
src "USE $db; INSERT INTO dbo.h VALUES (3)"
check "a change arrives" "3:6" "$(wait_for 60 "SELECT count(*) || ':' || sum(v) FROM s5.h" "3:6")"
cp=$(q -c "SELECT lsn FROM dts.checkpoints c JOIN dts.tasks t USING (task_id) WHERE t.name = 's5' AND c.stage = 'incremental'")
restart_task s5 "DELETE FROM dts.checkpoints c USING dts.tasks t WHERE t.task_id = c.task_id AND t.name = 's5' AND c.stage = 'incremental'"
check "deleted checkpoint: the task fails instead of restarting from the cutover" "failed/incremental" "$(wait_state s5 30 failed/incremental)"
check "the error names the task, the database and the checkpoint" "t" \
  "$(q -c "SELECT last_error LIKE 'task s5 has no incremental checkpoint for $db%' FROM dts.tasks WHERE name = 's5'")"
check "the failure is in dts.events" "1" \
  "$(q -c "SELECT count(*) FROM dts.events e JOIN dts.tasks t USING (task_id) WHERE t.name = 's5' AND e.level = 'error' AND e.message LIKE '%no incremental checkpoint%'")"
check "nothing applied twice (heap table)" "3:6" "$(q -c "SELECT count(*) || ':' || sum(v) FROM s5.h")"
q -c "INSERT INTO dts.checkpoints (task_id, source_db, stage, lsn) SELECT task_id, '$db', 'incremental', '$cp' FROM dts.tasks WHERE name = 's5'" >/dev/null
q -c "SELECT dts_start_task('s5')" >/dev/null
src "USE $db; INSERT INTO dbo.h VALUES (4)"
check "restored checkpoint: the task resumes, every change once" "4:10" "$(wait_for 60 "SELECT count(*) || ':' || sum(v) FROM s5.h" "4:10")"
check "and runs" "running/incremental" "$(state s5)"
restart_task s5 "DELETE FROM dts.checkpoints c USING dts.tasks t WHERE t.task_id = c.task_id AND t.name = 's5'"
check "every checkpoint deleted: the full stage does not record a new cutover after its copy" "failed/full" "$(wait_state s5 30 failed/full)"
check "and says why" "t" "$(q -c "SELECT last_error LIKE 'task s5 has no cutover LSN for $db but copied rows already%' FROM dts.tasks WHERE name = 's5'")"
q -c "INSERT INTO dts.checkpoints (task_id, source_db, stage, lsn) SELECT task_id, '$db', s, '$cp' FROM dts.tasks, unnest(ARRAY['cutover', 'incremental']) s WHERE name = 's5'" >/dev/null
restart_task s5 "UPDATE dts.checkpoints c SET lsn = 'fffffff0:00000001:0001' FROM dts.tasks t WHERE t.task_id = c.task_id AND t.name = 's5' AND c.stage = 'incremental'"
check "checkpoint ahead of the source's log: the task fails loudly" "failed/incremental" "$(wait_state s5 30 failed/incremental)"
check "naming both LSNs" "t" "$(q -c "SELECT last_error LIKE 'the end of the log of $db (%) is below task s5''s checkpoint (fffffff0:00000001:0001)%' FROM dts.tasks WHERE name = 's5'")"

# ---- item 2: CDC disabled and enabled again on a table while the task runs ----------------------
db=cdcs_cap_$sfx
new_db "$db"
src "USE $db; CREATE TABLE dbo.k (id int NOT NULL PRIMARY KEY, v nvarchar(10) NOT NULL)"
src "USE $db; CREATE TABLE dbo.nk (v int NOT NULL)"
src "USE $db; INSERT INTO dbo.k VALUES (1, N'a'); INSERT INTO dbo.nk VALUES (1)"
new_task s2 "$db" '{schema,full,incremental}'
check "capture scenario task streams" "running/incremental" "$(wait_state s2 60 running/incremental)"
src "USE $db; INSERT INTO dbo.k VALUES (10, N'x')"
k_sql="SELECT string_agg(id || ':' || v, '|' ORDER BY id) FROM s2.k"
check "a change arrives" "1:a|10:x" "$(wait_for 60 "$k_sql" "1:a|10:x")"
disable() { src "USE $db; EXEC sys.sp_cdc_disable_table @source_schema = N'dbo', @source_name = N'$1', @capture_instance = N'all'"; }
enable() { src "USE $db; EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'$1', @role_name = NULL"; }
events_like() { q -c "SELECT count(*) FROM dts.events e JOIN dts.tasks t USING (task_id) WHERE t.name = '$1' AND e.level = '$2' AND e.message LIKE '$3'"; }
disable k
src "USE $db; INSERT INTO dbo.k VALUES (11, N'y')"
src "USE $db; DELETE FROM dbo.k WHERE id = 1"
check "CDC disabled on a table: a warning names it" "1" \
  "$(wait_for 30 "SELECT count(*) FROM dts.events e JOIN dts.tasks t USING (task_id) WHERE t.name = 's2' AND e.level = 'warning' AND e.message LIKE 'CDC capture of $db.dbo.k was disabled at the source: its changes after LSN % are not captured'" 1)"
check "dts.task_status shows the table" "t" "$(q -c "SELECT tables_stopped LIKE '$db.dbo.k: CDC capture disabled at the source%' FROM dts.task_status WHERE name = 's2'")"
check "the task goes on" "running/incremental" "$(state s2)"
enable k
src "USE $db; INSERT INTO dbo.k VALUES (12, N'z')"
src "USE $db; UPDATE dbo.k SET v = N'X' WHERE id = 10"
check "CDC enabled again: the table is copied again, then its changes follow" "10:X|11:y|12:z" "$(wait_for 60 "$k_sql" "10:X|11:y|12:z")"
check "a warning says it was copied again" "1" "$(events_like s2 warning "table $db.dbo.k copied again: CDC capture of $db.dbo.k was disabled at the source after LSN % and enabled again")"
check "dts.task_status no longer lists it" "" "$(q -c "SELECT tables_stopped FROM dts.task_status WHERE name = 's2'")"
# Disabled and enabled again between two reads: same capture instance name, another change table.
src "USE $db; EXEC sys.sp_cdc_disable_table @source_schema = N'dbo', @source_name = N'k', @capture_instance = N'all'; INSERT INTO dbo.k VALUES (13, N'lost'); EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'k', @role_name = NULL"
src "USE $db; INSERT INTO dbo.k VALUES (14, N'w')"
check "replaced capture instance: rows written in the gap and after arrive" "10:X|11:y|12:z|13:lost|14:w" \
  "$(wait_for 60 "$k_sql" "10:X|11:y|12:z|13:lost|14:w")"
check "and it was reported" "2" "$(events_like s2 warning "table $db.dbo.k copied again: %")"
# Replaced while the sidecar is down: found when it starts.
kill -9 "$SC"
disable k
src "USE $db; DELETE FROM dbo.k WHERE id = 14"
enable k
start_sidecar
src "USE $db; INSERT INTO dbo.k VALUES (15, N'v')"
check "replaced while the sidecar was down: found at start, copied again" "10:X|11:y|12:z|13:lost|15:v" \
  "$(wait_for 60 "$k_sql" "10:X|11:y|12:z|13:lost|15:v")"
# A table without a key cannot be copied again into the change stream: it stops, named.
disable nk
enable nk
src "USE $db; INSERT INTO dbo.nk VALUES (2)"
check "keyless table with a replaced capture instance: stopped with an error naming it" "1" \
  "$(wait_for 30 "SELECT count(*) FROM dts.events e JOIN dts.tasks t USING (task_id) WHERE t.name = 's2' AND e.level = 'error' AND e.message LIKE 'table $db.dbo.nk stopped: %'" 1)"
check "dts.task_status lists it" "t" "$(q -c "SELECT tables_stopped LIKE '$db.dbo.nk: stopped: %' FROM dts.task_status WHERE name = 's2'")"
src "USE $db; INSERT INTO dbo.k VALUES (16, N'u')"
check "the other tables go on" "16:u" "$(wait_for 60 "SELECT id || ':' || v FROM s2.k WHERE id = 16" "16:u")"
check "and the task runs" "running/incremental" "$(state s2)"

# ---- item 3: tables created at the source while streaming --------------------------------------
db=cdcs_new_$sfx
new_db "$db"
src "USE $db; CREATE TABLE dbo.base (id int NOT NULL PRIMARY KEY)"
new_task s3 "$db" '{schema,full,incremental}'
check "table-creation scenario task streams" "running/incremental" "$(wait_state s3 60 running/incremental)"
src "USE $db; CREATE TABLE dbo.n1 (id int NOT NULL PRIMARY KEY, v nvarchar(10) NULL)"
src "USE $db; CREATE TABLE dbo.n2 (id int NOT NULL PRIMARY KEY, v nvarchar(10) NULL)"
src "USE $db; INSERT INTO dbo.n1 VALUES (1, N'a'); INSERT INTO dbo.n2 VALUES (1, N'b')"
src "USE $db; INSERT INTO dbo.n2 VALUES (2, N'c')"
n_sql="SELECT (SELECT string_agg(id || ':' || v, '|' ORDER BY id) FROM s3.n1) || '/' || (SELECT string_agg(id || ':' || v, '|' ORDER BY id) FROM s3.n2)"
check "two CREATE TABLE in quick succession: both join with their rows" "1:a/1:b|2:c" "$(wait_for 60 "$n_sql" "1:a/1:b|2:c")"
check "the task runs" "running/incremental" "$(state s3)"
check "joined tables count as copied" "3" "$(q -c "SELECT count(*) FROM dts.tables x JOIN dts.tasks t USING (task_id) WHERE t.name = 's3' AND x.full_state = 'done'")"
restart_task s3
check "stop/start after tables joined: no second copy, the task streams" "running/incremental" "$(wait_state s3 60 running/incremental)"
src "USE $db; INSERT INTO dbo.n1 VALUES (2, N'd')"
check "and changes of a joined table still arrive once" "1:a|2:d/1:b|2:c" "$(wait_for 60 "$n_sql" "1:a|2:d/1:b|2:c")"
check "no failure recorded" "0" "$(q -c "SELECT count(*) FROM dts.events e JOIN dts.tasks t USING (task_id) WHERE t.name = 's3' AND e.level = 'error'")"

# ---- item 4: changing a stopped task's objects -------------------------------------------------
db=cdcs_obj_$sfx
new_db "$db"
src "USE $db; CREATE TABLE dbo.a (id int NOT NULL PRIMARY KEY, v nvarchar(10) NULL)"
src "USE $db; CREATE TABLE dbo.b (id int NOT NULL PRIMARY KEY, v nvarchar(10) NULL)"
src "USE $db; INSERT INTO dbo.a VALUES (1, N'a'); INSERT INTO dbo.b VALUES (1, N'b'), (2, N'bb')"
q >/dev/null <<SQL
SELECT dts_create_task('s4', 'src', ARRAY['$db'], incremental_mode => 'cdc');
SELECT dts_add_objects('s4', 'dbo', ARRAY['a']);
SELECT dts_map_object('s4', 'dbo', 's4');
SELECT count(*) FROM dts_precheck('s4');
SELECT dts_ack_precheck('s4');
SELECT dts_start_task('s4');
SQL
check "task with one table streams" "running/incremental" "$(wait_state s4 60 running/incremental)"
src "USE $db; INSERT INTO dbo.a VALUES (2, N'a2')"
check "its changes arrive" "2" "$(wait_for 60 "SELECT count(*) FROM s4.a" 2)"
q -c "SELECT dts_stop_task('s4')" >/dev/null
wait_for 30 "SELECT count(*) FROM dts.tasks WHERE name = 's4' AND sidecar_seen_at > stopped_at" "0" >/dev/null
sleep 1
src "USE $db; INSERT INTO dbo.b VALUES (3, N'bbb')"
q >/dev/null <<SQL
SELECT dts_add_objects('s4', 'dbo', ARRAY['b']);
SELECT dts_remove_objects('s4', 'dbo', ARRAY['a']);
SELECT count(*) FROM dts_precheck('s4');
SELECT dts_ack_precheck('s4');
SELECT dts_start_task('s4');
SQL
check "a table added to a stopped task (CDC enabled at the restart): the task streams again" "running/incremental" "$(wait_state s4 60 running/incremental)"
src "USE $db; INSERT INTO dbo.b VALUES (4, N'b4'); UPDATE dbo.b SET v = N'B' WHERE id = 1"
src "USE $db; INSERT INTO dbo.a VALUES (3, N'a3')"
check "the added table is copied, then its changes follow" "1:B|2:bb|3:bbb|4:b4" \
  "$(wait_for 60 "SELECT string_agg(id || ':' || v, '|' ORDER BY id) FROM s4.b" "1:B|2:bb|3:bbb|4:b4")"
sleep 2
check "the removed table is no longer synced" "2" "$(q -c "SELECT count(*) FROM s4.a")"
check "no warning or error (nothing had to be copied twice)" "0" \
  "$(q -c "SELECT count(*) FROM dts.events e JOIN dts.tasks t USING (task_id) WHERE t.name = 's4' AND e.level IN ('warning', 'error')")"

# ---- item 7: the user creates the capture instance for new columns first ------------------------
db=cdcs_rot_$sfx
new_db "$db"
src "USE $db; CREATE TABLE dbo.r (id int NOT NULL PRIMARY KEY, v nvarchar(10) NULL)"
src "USE $db; INSERT INTO dbo.r VALUES (1, N'a')"
new_task s7 "$db" '{schema,full,incremental}'
check "rotation scenario task streams" "running/incremental" "$(wait_state s7 60 running/incremental)"
kill -9 "$SC"
src "USE $db; ALTER TABLE dbo.r ADD w int NULL"
src "USE $db; UPDATE dbo.r SET w = 7 WHERE id = 1"
src "USE $db; INSERT INTO dbo.r (id, v, w) VALUES (2, N'b', 8)"
src "USE $db; EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'r', @role_name = NULL, @capture_instance = N'dbo_r_user'"
start_sidecar
src "USE $db; INSERT INTO dbo.r (id, v, w) VALUES (3, N'c', 9)"
check "values written before the user's new capture instance started arrive" "1:7|2:8|3:9" \
  "$(wait_for 60 "SELECT string_agg(id || ':' || coalesce(w::text, '-'), '|' ORDER BY id) FROM s7.r" "1:7|2:8|3:9")"
check "the task runs" "running/incremental" "$(state s7)"

# ---- item 9: row filters apply to streamed changes (cdc and log mode) ----------------------------
# SQL Server evaluates the filter: N'eu' matches N'EU' under the database's case-insensitive
# collation, and a NULL region is outside (NULL logic), which a translation to PostgreSQL would
# get wrong.
FILTER="[region] = N'EU' AND [amt] > 10"
for mode in cdc log; do
  db=cdcs_filter_${mode}_$sfx task=s9$mode
  new_db "$db"
  src "USE $db; CREATE TABLE dbo.f (id int NOT NULL PRIMARY KEY, region nvarchar(10) NULL, amt int NOT NULL)"
  src "USE $db; INSERT INTO dbo.f VALUES (1, N'EU', 20), (2, N'US', 20), (3, N'eu', 20), (8, N'EU', 80)"
  q >/dev/null <<SQL
SELECT dts_create_task('$task', 'src', ARRAY['$db'], incremental_mode => '$mode');
SELECT dts_add_objects('$task', 'dbo');
SELECT dts_map_object('$task', 'dbo', '$task');
SELECT dts_set_filter('$task', '$db.dbo.f', \$f\$$FILTER\$f\$);
SELECT count(*) FROM dts_precheck('$task');
SELECT dts_ack_precheck('$task');
SELECT dts_start_task('$task');
SQL
  check "$mode filter: task streams" "running/incremental" "$(wait_state $task 60 running/incremental)"
  check "$mode filter: the full load copied the rows inside (case-insensitive match)" "1|3|8" \
    "$(q -c "SELECT string_agg(id::text, '|' ORDER BY id) FROM $task.f")"
  src "USE $db; INSERT INTO dbo.f VALUES (4, N'EU', 5), (5, N'EU', 50), (6, NULL, 50)"
  src "USE $db; UPDATE dbo.f SET amt = 1 WHERE id = 1"
  src "USE $db; UPDATE dbo.f SET region = N'EU' WHERE id = 2"
  src "USE $db; UPDATE dbo.f SET amt = 30 WHERE id = 3"
  src "USE $db; DELETE FROM dbo.f WHERE id = 5"
  src "USE $db; BEGIN TRANSACTION; INSERT INTO dbo.f VALUES (7, N'EU', 70); UPDATE dbo.f SET amt = 7 WHERE id = 7; COMMIT"
  src "USE $db; UPDATE dbo.f SET id = 80, region = N'US' WHERE id = 8"
  src "USE $db; INSERT INTO dbo.f VALUES (9, N'EU', 90)"
  expected=$(srcq "$db" "SELECT CAST(id AS varchar(10)) + ':' + region + ':' + CAST(amt AS varchar(10)) FROM dbo.f WHERE ($FILTER) ORDER BY id" | paste -sd '|')
  check "$mode filter: the source's own WHERE gives the expected rows" "2:EU:20|3:eu:30|9:EU:90" "$expected"
  check "$mode filter: destination equals SELECT ... WHERE filter at the source (left rows deleted, entered rows inserted, outside inserts skipped)" \
    "$expected" "$(wait_for 60 "SELECT string_agg(id || ':' || region || ':' || amt, '|' ORDER BY id) FROM $task.f" "$expected")"
  # One transaction larger than a read (--read-limit 500): streamed whole, filtered the same way.
  D="(VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9))"
  src "USE $db; BEGIN TRANSACTION; INSERT INTO dbo.f SELECT 1000 + 100*a.n + 10*b.n + c.n, CASE WHEN c.n % 2 = 0 THEN N'EU' ELSE N'US' END, 50 FROM (VALUES (0),(1),(2),(3),(4),(5)) a(n) CROSS JOIN $D b(n) CROSS JOIN $D c(n); UPDATE dbo.f SET amt = 1 WHERE id BETWEEN 1000 AND 1099; UPDATE dbo.f SET region = N'EU' WHERE id BETWEEN 1100 AND 1199; COMMIT"
  expected=$(srcq "$db" "SELECT CAST(COUNT(*) AS varchar(10)) + ':' + CAST(SUM(id) AS varchar(20)) FROM dbo.f WHERE ($FILTER)")
  check "$mode filter: a large transaction arrives filtered (count:sum of ids as the source's WHERE gives)" \
    "$expected" "$(wait_for 90 "SELECT count(*) || ':' || sum(id) FROM $task.f" "$expected")"
  check "$mode filter: the task runs" "running/incremental" "$(state $task)"
done

# ---- item 6: columns a capture instance does not carry -----------------------------------------
# A capture instance created by the user with a column list: the precheck names table and column.
db=cdcs_cols_$sfx
new_db "$db"
src "USE $db; EXEC sys.sp_cdc_enable_db"
src "USE $db; CREATE TABLE dbo.c (id int NOT NULL PRIMARY KEY, a nvarchar(10) NOT NULL, b int NOT NULL)"
src "USE $db; INSERT INTO dbo.c VALUES (1, N'x', 10)"
src "USE $db; EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'c', @role_name = NULL, @capture_instance = N'dbo_c_list', @captured_column_list = N'id, a'"
new_task s6 "$db" '{schema,full,incremental}' 2>/dev/null | grep -v 'capture columns' 
check "precheck: a column the capture instance does not carry is an error naming table, instance and column" "1" \
  "$(q -c "SELECT count(*) FROM dts.precheck_results r JOIN dts.precheck_runs p USING (run_id) JOIN dts.tasks t ON t.task_id = p.task_id WHERE t.name = 's6' AND r.item = 'capture columns' AND r.status = 'error' AND r.object = '$db.dbo.c' AND r.detail LIKE '%dbo_c_list%column(s) b:%' AND r.run_id = (SELECT max(run_id) FROM dts.precheck_runs WHERE task_id = t.task_id)")"
check "the task does not start with it" "created" "$(q -c "SELECT state FROM dts.tasks WHERE name = 's6'")"
# Replaced by one with a column list while the task streams: the task fails naming the column
# (no row arrives with b missing, none fails in the middle of a batch on NOT NULL).
src "USE $db; EXEC sys.sp_cdc_disable_table @source_schema = N'dbo', @source_name = N'c', @capture_instance = N'dbo_c_list'"
q >/dev/null <<SQL
SELECT count(*) FROM dts_precheck('s6');
SELECT dts_ack_precheck('s6');
SELECT dts_start_task('s6');
SQL
check "with every column captured the task streams" "running/incremental" "$(wait_state s6 60 running/incremental)"
src "USE $db; INSERT INTO dbo.c VALUES (2, N'y', 20)"
check "a change arrives with every column" "1:10|2:20" "$(wait_for 60 "SELECT string_agg(id || ':' || b, '|' ORDER BY id) FROM s6.c" "1:10|2:20")"
src "USE $db; EXEC sys.sp_cdc_disable_table @source_schema = N'dbo', @source_name = N'c', @capture_instance = N'all'"
src "USE $db; EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'c', @role_name = NULL, @capture_instance = N'dbo_c_list2', @captured_column_list = N'id, a'"
src "USE $db; INSERT INTO dbo.c VALUES (3, N'z', 30)"
check "the task fails naming the table, the instance and the column" "failed:true" \
  "$(wait_for 60 "SELECT state || ':' || (last_error LIKE '%dbo_c_list2%$db.dbo.c%column(s) b,%') FROM dts.tasks WHERE name = 's6'" "failed:true")"
check "no row without its value" "0" "$(q -c "SELECT count(*) FROM s6.c WHERE b IS NULL")"

# ---- minor: defaults changed at the source while streaming follow; a default equals the value ---
db=cdcs_def_$sfx
new_db "$db"
src "USE $db; CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, d datetime2(7) NULL, b varbinary(4) NULL)"
new_task sdf "$db" '{schema,incremental}'
check "defaults task streams" "running/incremental" "$(wait_state sdf 60 running/incremental)"
default_of() { q -c "SELECT coalesce(column_default, '-') FROM information_schema.columns WHERE table_schema = 'sdf' AND table_name = 't' AND column_name = '$1'"; }
src "USE $db; ALTER TABLE dbo.t ADD CONSTRAINT df_t_d DEFAULT '2023-03-17 12:34:56.1234567' FOR d"
src "USE $db; ALTER TABLE dbo.t ADD CONSTRAINT df_t_b DEFAULT 0x00FF FOR b"
src "USE $db; INSERT INTO dbo.t (id) VALUES (1)"
check "a default added at the source arrives (datetime2(7): the 7th digit cut like values)" \
  "'2023-03-17 12:34:56.123456'::timestamp without time zone" \
  "$(wait_for 60 "SELECT coalesce(column_default, '-') FROM information_schema.columns WHERE table_schema = 'sdf' AND table_name = 't' AND column_name = 'd'" "'2023-03-17 12:34:56.123456'::timestamp without time zone")"
check "a binary default arrives" "'\\x00ff'::bytea" "$(default_of b)"
check "the row written with the defaults equals the destination's defaults" "t" \
  "$(wait_for 60 "SELECT d = '2023-03-17 12:34:56.123456'::timestamp AND b = '\\x00ff'::bytea FROM sdf.t WHERE id = 1" "t")"
src "USE $db; ALTER TABLE dbo.t DROP CONSTRAINT df_t_d"
check "a default dropped at the source is dropped" "-" \
  "$(wait_for 60 "SELECT coalesce(column_default, '-') FROM information_schema.columns WHERE table_schema = 'sdf' AND table_name = 't' AND column_name = 'd'" "-")"
check "the other default stays" "'\\x00ff'::bytea" "$(default_of b)"
check "the task runs" "running/incremental" "$(state sdf)"

# ---- minor: dts_cleanup_source and tables with dots in their names ------------------------------
q -c "SELECT dts_stop_task('s1')" >/dev/null
wait_for 30 "SELECT count(*) FROM dts.tasks WHERE name = 's1' AND sidecar_seen_at > stopped_at" "0" >/dev/null
check "cleanup disables CDC on a table with a dot in its name" "0" \
  "$(q -c "SELECT count(*) FROM dts_cleanup_source('s1') WHERE action <> 'removed'")"
check "no table left tracked at the source" "0" \
  "$(srcq "$s1_db" "SELECT CAST(COUNT(*) AS varchar(5)) FROM sys.tables WHERE is_tracked_by_cdc = 1")"

echo "cdc_scenarios: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
