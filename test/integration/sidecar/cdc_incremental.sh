#!/usr/bin/env bash
# Incremental sync from SQL Server CDC end to end: schema + full + incremental stages, then
# inserts, updates (also of the primary key), deletes and a multi-table transaction at the source
# arrive at the destination; kill -9 of the sidecar in the middle and a restart apply every change
# exactly once; a heap table applies by whole-row match. Against the simulator, or a real SQL Server
# with the SQL Server Agent running when MSSQL_* are set.
# Prints "cdc_incremental: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../../.."
source scripts/lib.sh

use_source cdc --cdc-poll-ms 200 || exit 1
use_destination cdc || exit 1
SIDECARS=()
start_sidecar() {
  build/dts-sidecar --destination "$DEST" --poll-seconds 1 --workers 2 --heartbeat-seconds 1 --read-limit 500 >>"$WORK_DIR/sidecar.log" 2>&1 &
  SIDECARS+=($!)
  echo $!
}
trap 'for p in "${SIDECARS[@]}"; do kill -9 "$p" 2>/dev/null; done; cleanup_all' EXIT

db=cdc_it_$$
create_source_server || exit 1
src "CREATE DATABASE $db"
src "ALTER DATABASE $db SET RECOVERY FULL"
src "BACKUP DATABASE $db TO DISK = N'/tmp/$db.bak'"
src "USE $db; CREATE TABLE dbo.acct (id int NOT NULL PRIMARY KEY, owner nvarchar(40) NOT NULL, balance decimal(12,2) NOT NULL, note varchar(max) NULL)"
src "USE $db; CREATE TABLE dbo.ledger (at datetime2(3) NOT NULL, amount decimal(12,2) NOT NULL)"
src "USE $db; CREATE TABLE dbo.audit (id int NOT NULL PRIMARY KEY, what nvarchar(40) NOT NULL)"
src "USE $db; INSERT INTO dbo.acct VALUES (1, N'Ann', 10, NULL), (2, N'Bob', 20, 'x'), (3, N'Cid', 30, NULL)"
src "USE $db; INSERT INTO dbo.ledger VALUES ('2024-01-01', 1), ('2024-01-01', 1)"
src "BACKUP LOG $db TO DISK = N'/tmp/$db.trn'"

SC=$(start_sidecar)
q >/dev/null <<SQL || exit 1
SELECT dts_create_task('inc', 'src', ARRAY['$db'], incremental_mode => 'cdc');
SELECT dts_add_objects('inc', 'dbo');
SELECT dts_map_object('inc', 'dbo', 'replica');
SELECT dts_set_dml('inc', 'dbo.audit', ARRAY['INSERT']);
SELECT count(*) FROM dts_precheck('inc');
SELECT dts_ack_precheck('inc');
SELECT dts_start_task('inc');
SQL
check "full stage done, incremental running" "running/incremental" \
  "$(wait_for 60 "SELECT state || '/' || stage FROM dts.tasks WHERE name = 'inc'" "running/incremental")"
srcq() { q -c "SELECT * FROM dts._source_query('src', '$db', \$tsql\$$1\$tsql\$) AS x(v text)"; }
check "source prepared: CDC (3 tables + heartbeat + DDL history), DDL trigger" "1|5|2|1" \
  "$(srcq "SELECT CAST((SELECT is_cdc_enabled FROM sys.databases WHERE name = DB_NAME()) AS varchar(5)) + '|' + CAST((SELECT COUNT(*) FROM sys.tables WHERE is_tracked_by_cdc = 1) AS varchar(5)) + '|' + CAST((SELECT COUNT(*) FROM sys.tables WHERE name IN (N'dts_sync_progress', N'dts_cdc_ddl_history')) AS varchar(5)) + '|' + CAST((SELECT COUNT(*) FROM sys.triggers WHERE name = N'dts_cdc_sync_ddl' AND parent_class = 0) AS varchar(5))")"
check "full copy" "3:2" "$(q -c "SELECT (SELECT count(*) FROM replica.acct) || ':' || (SELECT count(*) FROM replica.ledger)")"

# Changes at the source, including a primary key update and a two-table transaction.
src "USE $db; INSERT INTO dbo.acct VALUES (4, N'Dee', 40, REPLICATE(CAST('L' AS varchar(max)), 20000))"
src "USE $db; UPDATE dbo.acct SET balance = balance + 1 WHERE id <= 2"
src "USE $db; DELETE FROM dbo.acct WHERE id = 3"
src "USE $db; UPDATE dbo.acct SET id = 30 WHERE id = 1"
src "USE $db; BEGIN TRAN; INSERT INTO dbo.acct VALUES (5, N'Eve', 50, NULL); INSERT INTO dbo.ledger VALUES ('2024-02-01', 50); COMMIT"
src "USE $db; DELETE TOP (1) FROM dbo.ledger WHERE amount = 1"
expect_acct="2:Bob:21.00|4:Dee:40.00|5:Eve:50.00|30:Ann:11.00"
acct_sql="SELECT string_agg(id || ':' || owner || ':' || balance, '|' ORDER BY id) FROM replica.acct"
check "inserts, updates, deletes and a key change arrive" "$expect_acct" "$(wait_for 60 "$acct_sql" "$expect_acct")"
src "USE $db; INSERT INTO dbo.audit VALUES (1, N'kept'), (2, N'kept too')"
src "USE $db; UPDATE dbo.audit SET what = N'changed' WHERE id = 1"
src "USE $db; DELETE FROM dbo.audit WHERE id = 2"
src "USE $db; INSERT INTO dbo.audit VALUES (3, N'last')"
check "DML selection: only inserts reach an INSERT-only table" "1:kept|2:kept too|3:last" \
  "$(wait_for 30 "SELECT string_agg(id || ':' || what, '|' ORDER BY id) FROM replica.audit" "1:kept|2:kept too|3:last")"
check "LOB value whole" "20000" "$(q -c "SELECT length(note) FROM replica.acct WHERE id = 4")"
check "heap table by whole-row match" "2:51.00" "$(wait_for 30 "SELECT count(*) || ':' || sum(amount) FROM replica.ledger" "2:51.00")"
check "checkpoint advanced" "t" "$(q -c "SELECT lsn > (SELECT lsn FROM dts.checkpoints WHERE stage = 'cutover') FROM dts.checkpoints WHERE stage = 'incremental'")"

# kill -9 while changes flow, restart: every change exactly once.
for i in $(seq 100 160); do src "USE $db; INSERT INTO dbo.acct VALUES ($i, N'bulk', $i, NULL)"; [ $i = 120 ] && kill -9 "$SC"; done
SC=$(start_sidecar)
src "USE $db; UPDATE dbo.acct SET balance = balance * 2 WHERE owner = N'bulk'"
check "after kill -9 and restart: every row once, every update once" "61:15860.00" \
  "$(wait_for 60 "SELECT count(*) || ':' || sum(balance) FROM replica.acct WHERE owner = 'bulk'" "61:15860.00")"
# Source transactions larger than a read (--read-limit 500): streamed whole into one destination
# transaction, key moves included.
D="(VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9))"
src "USE $db; INSERT INTO dbo.acct (id, owner, balance) SELECT 10000 + 1000*a.n + 100*b.n + 10*c.n + d.n, N'big', 1 FROM $D a(n) CROSS JOIN $D b(n) CROSS JOIN $D c(n) CROSS JOIN (VALUES (0),(1)) d(n)"
src "USE $db; UPDATE dbo.acct SET id = id + 100000, balance = 2 WHERE owner = N'big'"
check "large transactions streamed: 2000 inserted, then all moved to new keys" "2000:4000.00:2000" \
  "$(wait_for 60 "SELECT count(*) || ':' || sum(balance) || ':' || count(*) FILTER (WHERE id > 100000) FROM replica.acct WHERE owner = 'big'" "2000:4000.00:2000")"
check "the sidecar said it streamed them" "2" "$(grep -c 'large source transaction applied whole' "$WORK_DIR/sidecar.log")"
src "USE $db; DELETE FROM dbo.acct WHERE owner = N'big'"
check "and deleted again" "0" "$(wait_for 60 "SELECT count(*) FROM replica.acct WHERE owner = 'big'" "0")"
# 300 keys new at the source in one batch go in by plain INSERT; one of them is at the destination
# already (as a full load that copied it after the cutover would leave it): the INSERT is refused
# and the batch upserts instead, every row once with the source's values.
q -c "INSERT INTO replica.acct (id, owner, balance) VALUES (20123, 'early', 0)" >/dev/null
src "USE $db; INSERT INTO dbo.acct (id, owner, balance) SELECT 20000 + 100*a.n + 10*b.n + c.n, N'new', 3 FROM (VALUES (0),(1),(2)) a(n) CROSS JOIN $D b(n) CROSS JOIN $D c(n)"
check "new keys by plain INSERT, a key already there upserted" "300:900.00:new" \
  "$(wait_for 60 "SELECT count(*) || ':' || sum(balance) || ':' || min(owner) FROM replica.acct WHERE id BETWEEN 20000 AND 20299" "300:900.00:new")"
src "USE $db; DELETE FROM dbo.acct WHERE owner = N'new'"
check "and gone again" "0" "$(wait_for 60 "SELECT count(*) FROM replica.acct WHERE id BETWEEN 20000 AND 20299" "0")"
check "validation after catch-up (the INSERT-only table differs by design)" "ok:different row count" "$(q -c "SELECT string_agg(DISTINCT status, ',') FILTER (WHERE source_table NOT LIKE '%.audit') || ':' || string_agg(DISTINCT status, ',') FILTER (WHERE source_table LIKE '%.audit') FROM dts_validate('inc')")"
src "USE $db; CREATE INDEX ix_owner ON dbo.acct (owner)"
check "DDL recorded by the trigger" "CREATE_INDEX:ix_owner" "$(srcq "SELECT TOP (1) event_type + ':' + object_name FROM dbo.dts_cdc_ddl_history ORDER BY id DESC")"
check "CREATE INDEX applied at its LSN" "acct_ix_owner" "$(wait_for 30 "SELECT indexname FROM pg_indexes WHERE schemaname = 'replica' AND indexname = 'acct_ix_owner'" "acct_ix_owner")"
# ADD COLUMN: applied at its place in the stream, then a new capture instance carries the column.
src "USE $db; INSERT INTO dbo.acct VALUES (6, N'Fay', 60, NULL)"
src "USE $db; ALTER TABLE dbo.acct ADD tier int NULL"
src "USE $db; UPDATE dbo.acct SET tier = 2 WHERE id = 6"
src "USE $db; INSERT INTO dbo.acct (id, owner, balance, note, tier) VALUES (7, N'Gus', 70, NULL, 3)"
check "ADD COLUMN applied, values through the new capture instance" "6:2|7:3" \
  "$(wait_for 60 "SELECT string_agg(id || ':' || tier, '|' ORDER BY id) FROM replica.acct WHERE tier IS NOT NULL" "6:2|7:3")"
check "a second capture instance for acct" "2" "$(srcq "SELECT CAST(COUNT(*) AS varchar(5)) FROM cdc.change_tables WHERE source_object_id = OBJECT_ID(N'dbo.acct')")"
src "USE $db; ALTER TABLE dbo.acct DROP COLUMN note"
src "USE $db; UPDATE dbo.acct SET balance = 71 WHERE id = 7"
check "DROP COLUMN applied, changes keep flowing" "0:71.00" \
  "$(wait_for 60 "SELECT (SELECT count(*) FROM pg_attribute WHERE attrelid = 'replica.acct'::regclass AND attname = 'note' AND NOT attisdropped) || ':' || (SELECT balance FROM replica.acct WHERE id = 7)" "0:71.00")"
src "USE $db; DROP INDEX ix_owner ON dbo.acct"
check "DROP INDEX applied" "0" "$(wait_for 30 "SELECT count(*) FROM pg_indexes WHERE schemaname = 'replica' AND indexname = 'acct_ix_owner'" "0")"
# CREATE TABLE in a selected schema: the table joins the task, with the rows it had and its changes.
src "USE $db; CREATE TABLE dbo.fresh (id int NOT NULL PRIMARY KEY, v nvarchar(10) NULL)"
src "USE $db; INSERT INTO dbo.fresh VALUES (1, N'a'), (2, N'b')"
src "USE $db; UPDATE dbo.fresh SET v = N'bb' WHERE id = 2"
check "CREATE TABLE: new table joins with its rows and changes" "1:a|2:bb" \
  "$(wait_for 60 "SELECT string_agg(id || ':' || v, '|' ORDER BY id) FROM replica.fresh" "1:a|2:bb")"
src "USE $db; INSERT INTO dbo.fresh VALUES (3, N'c')"
check "new table's later changes" "3" "$(wait_for 30 "SELECT count(*) FROM replica.fresh" "3")"
# ADD COLUMN met only after more DDL on the table followed it (the sidecar was down): the new
# capture instance starts after both, the window before it holds nothing to read, and the reader
# still moves on to the new instance.
kill -9 "$SC"
src "USE $db; ALTER TABLE dbo.fresh ADD w int NULL"
src "USE $db; CREATE INDEX ix_fresh_w ON dbo.fresh (w)"
SC=$(start_sidecar)
src "USE $db; INSERT INTO dbo.fresh (id, v, w) VALUES (4, N'd', 42)"
check "DDL met late: the reader moves on to the new capture instance" "42" \
  "$(wait_for 60 "SELECT w FROM replica.fresh WHERE id = 4" "42")"
# ADD COLUMN on a table without a key: its next capture instance starts after the reader's
# position with nothing to read in between (no re-copy for such tables), and the reader moves on.
src "USE $db; ALTER TABLE dbo.ledger ADD memo nvarchar(20) NULL"
wait_for 60 "SELECT * FROM dts._source_query('src', '$db', \$tsql\$SELECT CAST(COUNT(*) AS varchar(5)) FROM cdc.change_tables WHERE source_object_id = OBJECT_ID(N'dbo.ledger')\$tsql\$) AS x(v text)" "2" >/dev/null
src "USE $db; INSERT INTO dbo.ledger VALUES ('2024-03-01', 5, N'memo')"
check "heap ADD COLUMN: the reader moves on to the new capture instance" "memo" \
  "$(wait_for 60 "SELECT memo FROM replica.ledger WHERE amount = 5" "memo")"
# DDL inside a user transaction with data changes: recorded as a warning, not applied.
src "USE $db; BEGIN TRAN; INSERT INTO dbo.audit VALUES (9, N'tx'); ALTER TABLE dbo.audit ADD extra int NULL; COMMIT"
check "DDL inside a user transaction skipped with a warning, its data applied" "1:0" \
  "$(wait_for 30 "SELECT (SELECT count(*) FROM replica.audit WHERE id = 9) || ':' || (SELECT count(*) FROM pg_attribute WHERE attrelid = 'replica.audit'::regclass AND attname = 'extra')" "1:0")"
check "warning recorded" "1" "$(q -c "SELECT count(*) FROM dts.events WHERE level = 'warning' AND message LIKE 'DDL at LSN % skipped: it ran inside a user transaction%'")"
src "USE $db; DROP TABLE dbo.fresh"
check "DROP TABLE applied" "0" "$(wait_for 30 "SELECT count(*) FROM pg_tables WHERE schemaname = 'replica' AND tablename = 'fresh'" "0")"
# A byte budget per poll (--read-bytes, here its minimum of 1 MiB) bounds what the reader holds
# when rows are large: 24 single-row transactions of 100 000-character values are read in
# several polls of at most ~10 rows, and one transaction of 15 such rows (more than the budget)
# is streamed whole.
src "USE $db; CREATE TABLE dbo.blob (id int NOT NULL PRIMARY KEY, what nvarchar(10) NOT NULL, b varchar(max) NULL)"
wait_for 60 "SELECT count(*) FROM pg_tables WHERE schemaname = 'replica' AND tablename = 'blob'" 1 >/dev/null
# Written while no sidecar runs, so that the first poll finds all of them.
kill -TERM "$SC"; while kill -0 "$SC" 2>/dev/null; do sleep 0.2; done
for i in $(seq 200 223); do
  src "USE $db; INSERT INTO dbo.blob VALUES ($i, N'big', REPLICATE(CAST('B' AS varchar(max)), 100000))"
done
src "USE $db; INSERT INTO dbo.blob SELECT 300 + n, N'huge', REPLICATE(CAST('H' AS varchar(max)), 100000) FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9),(10),(11),(12),(13),(14)) v(n)"
build/dts-sidecar --destination "$DEST" --poll-seconds 1 --workers 2 --heartbeat-seconds 1 \
  --read-bytes 1048576 --log-level debug >>"$WORK_DIR/sidecar_bytes.log" 2>&1 &
SC=$!
SIDECARS+=($SC)
check "large rows under a 1 MiB read budget: all arrive whole" "39:3900000" \
  "$(wait_for 90 "SELECT count(*) || ':' || sum(length(b)) FROM replica.blob" "39:3900000")"
check "... in polls of at most 10 such rows (the budget stops a read), the larger transaction streamed" "yes:yes" \
  "$(awk 'index($0, "msg=poll ") && index($0, "task=inc ") { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "rows" && kv[2] + 0 > max) max = kv[2] + 0 } }
     END { print (max >= 2 && max <= 12 ? "yes" : "no (max " max ")") }' "$WORK_DIR/sidecar_bytes.log"):$(grep -q 'large source transaction applied whole.*changes=15' "$WORK_DIR/sidecar_bytes.log" && echo yes || echo no)"
check "heartbeat written" "1" "$(wait_for 30 "SELECT * FROM dts._source_query('src', '$db', 'SELECT CAST(COUNT(*) AS varchar(5)) FROM dbo.dts_sync_progress') AS x(v text)" "1")"
check "lag from the heartbeat, LSNs and rate in dts.task_status" "true|true|true" \
  "$(wait_for 30 "SELECT (lag_seconds BETWEEN 0 AND 30) || '|' || (applied_lsn <= source_max_lsn) || '|' || (changes_per_second >= 0) FROM dts.task_status WHERE name = 'inc'" "true|true|true")"
q -c "SELECT dts_stop_task('inc')" >/dev/null
kill -TERM "$SC"
sleep 1
check "cleanup removes what preparation created (and the capture of dbo.blob, which joined)" "11" "$(q -c "SELECT count(*) FILTER (WHERE action = 'removed') FROM dts_cleanup_source('inc')")"
check "source left clean" "0|0|0|0" \
  "$(srcq "SELECT CAST((SELECT is_cdc_enabled FROM sys.databases WHERE name = DB_NAME()) AS varchar(5)) + '|' + CAST((SELECT COUNT(*) FROM sys.tables WHERE is_tracked_by_cdc = 1) AS varchar(5)) + '|' + CAST((SELECT COUNT(*) FROM sys.tables WHERE name IN (N'dts_sync_progress', N'dts_cdc_ddl_history')) AS varchar(5)) + '|' + CAST((SELECT COUNT(*) FROM sys.triggers WHERE name = N'dts_cdc_sync_ddl') AS varchar(5))")"
echo "cdc_incremental: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
