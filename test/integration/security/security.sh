#!/usr/bin/env bash
# Security suite: replays the findings of the security review (docs/security.md) as the roles
# they concern and checks each one is closed. Roles: postgres (superuser), alice (dts_admin, no
# user mapping, no USAGE), dave (dts_admin with USAGE; the PUBLIC mapping applies to him), bob
# (plain role, CREATE on schema public), carol (plain role with USAGE), sc (the sidecar's login,
# dts_sidecar), and the source login lowpriv (not sysadmin; simulator only).
# Prints "security: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../../.."
source scripts/lib.sh

finish() { echo "security: $passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit; }

if [ -n "${MSSQL_HOST:-}" ]; then
  SRC_HOST=$MSSQL_HOST SRC_PORT=${MSSQL_PORT:-1433} SRC_USER=$MSSQL_USER SRC_PASSWORD=$MSSQL_PASSWORD
  freetds_conf src "$SRC_HOST" "$SRC_PORT" >/dev/null
  FREETDSCONF="$WORK_DIR/freetds.conf" tsql -S src -U "$SRC_USER" -P "$SRC_PASSWORD" \
    <test/sample/regress_source.sql >"$WORK_DIR/load.log" 2>&1 || { cat "$WORK_DIR/load.log"; exit 1; }
  LOW_USER=${MSSQL_LOWPRIV_USER:-} LOW_PASSWORD=${MSSQL_LOWPRIV_PASSWORD:-}
else
  SRC_HOST=127.0.0.1 SRC_USER=sa SRC_PASSWORD=Sim_Passw0rd
  LOW_USER=lowpriv LOW_PASSWORD=Low_Passw0rd
  SRC_PORT=$(start_sim sec --cdc-poll-ms 200 --init-sql test/sample/regress_source.sql \
    --login "$LOW_USER:$LOW_PASSWORD") || exit 1
fi
PG_PORT=$(start_pg sec) || exit 1
PG_LOG="$WORK_DIR/pg_sec/server.log"
export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=postgres PGDATABASE=postgres
as() { local role=$1; shift; psql -X -At -v ON_ERROR_STOP=1 -U "$role" "$@"; }
# sqlstate ROLE SQL: the SQLSTATE of the error the statement raises as ROLE, or "ok".
sqlstate() {
  local out
  out=$(psql -X -At -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -U "$1" -c "$2" 2>&1) && { echo ok; return; }
  sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p' <<<"$out" | head -1
}
srcq() { # srcq DB TSQL -> first column, as the superuser's login
  q -c "SELECT * FROM dts._source_query('src', '$1', \$tsql\$$2\$tsql\$) AS x(v text)"
}
source_exec() { q -c "SELECT dts_source_exec('${2:-src}', \$tsql\$$1\$tsql\$)" >/dev/null; }
SIDECARS=()
start_sidecar() { # start_sidecar [EXTRA OPTIONS]
  build/dts-sidecar --destination "host=127.0.0.1 port=$PG_PORT dbname=postgres user=sc" \
    --poll-seconds 1 --workers 2 --heartbeat-seconds 1 "$@" >>"$WORK_DIR/sidecar.log" 2>&1 &
  SIDECARS+=($!)
}
trap 'for p in "${SIDECARS[@]}"; do kill -9 "$p" 2>/dev/null; done; cleanup_all' EXIT
task_id() { q -c "SELECT task_id FROM dts.tasks WHERE name = '$1'"; }
backed_up_db() { # backed_up_db DB TSQL: a FULL recovery database, backed up, TSQL run, log backed up
  source_exec "CREATE DATABASE $1"
  source_exec "ALTER DATABASE $1 SET RECOVERY FULL"
  source_exec "BACKUP DATABASE $1 TO DISK = N'$WORK_DIR/$1.bak'"
  source_exec "USE $1; $2"
  source_exec "BACKUP LOG $1 TO DISK = N'$WORK_DIR/$1.trn'"
}
start_olga_cdc_task() { # start_olga_cdc_task TASK SERVER DB TARGET_SCHEMA: all of DB's dbo, CDC mode
  as olga >/dev/null <<SQL
SELECT dts_create_task('$1', '$2', ARRAY['$3'], incremental_mode => 'cdc');
SELECT dts_add_objects('$1', 'dbo');
SELECT dts_map_object('$1', 'dbo', '$4');
SELECT count(*) FROM dts_precheck('$1');
SELECT dts_ack_precheck('$1');
SELECT dts_start_task('$1');
SQL
}

q >/dev/null <<SQL || exit 1
CREATE EXTENSION pg_dts;
CREATE ROLE alice LOGIN IN ROLE dts_admin;
CREATE ROLE dave LOGIN IN ROLE dts_admin;
CREATE ROLE bob LOGIN;
CREATE ROLE carol LOGIN;
CREATE ROLE olga LOGIN IN ROLE dts_admin;
-- The sidecar's login: dts_sidecar, and a member of the role whose tasks' tables it writes.
CREATE ROLE sc LOGIN IN ROLE dts_sidecar, olga;
GRANT CREATE ON DATABASE postgres TO sc, dave, alice, olga;
CREATE SERVER src FOREIGN DATA WRAPPER pg_dts OPTIONS (host '$SRC_HOST', port '$SRC_PORT', encrypt 'request');
GRANT USAGE ON FOREIGN SERVER src TO dave, carol, sc, olga;
CREATE USER MAPPING FOR postgres SERVER src OPTIONS (user '$SRC_USER', password '$SRC_PASSWORD');
CREATE USER MAPPING FOR PUBLIC SERVER src OPTIONS (user '$SRC_USER', password '$SRC_PASSWORD');
-- A server of another foreign data wrapper, holding another secret.
CREATE FOREIGN DATA WRAPPER sec_other_fdw;
CREATE SERVER otherpg FOREIGN DATA WRAPPER sec_other_fdw;
CREATE USER MAPPING FOR postgres SERVER otherpg OPTIONS (user 'app_owner', password 'PG_FDW_SECRET_42');
CREATE USER MAPPING FOR PUBLIC SERVER otherpg OPTIONS (user 'app_owner', password 'PG_FDW_SECRET_42');
CREATE SCHEMA carol AUTHORIZATION carol;
GRANT CREATE ON SCHEMA public TO bob;
SQL
if [ -n "$LOW_USER" ]; then
  q -c "CREATE SERVER src_low FOREIGN DATA WRAPPER pg_dts OPTIONS (host '$SRC_HOST', port '$SRC_PORT', encrypt 'request');
        CREATE USER MAPPING FOR postgres SERVER src_low OPTIONS (user '$LOW_USER', password '$LOW_PASSWORD')" >/dev/null || exit 1
fi
# From here on every statement is logged with its parameters: no password may show up (#14).
q -c "ALTER SYSTEM SET log_min_duration_statement = 0" -c "SELECT pg_reload_conf()" >/dev/null; sleep 0.5

# --- #6: a function planted in public (bob may create there) is never called by pg_dts --------
as bob >/dev/null <<'SQL' || exit 1
CREATE TABLE public.stolen (who text, what text);
GRANT INSERT ON public.stolen TO PUBLIC;
CREATE FUNCTION public.unnest(a text[]) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.stolen VALUES (current_user, array_to_string(a, ','));
  RETURN QUERY SELECT x FROM pg_catalog.unnest(a) x;
END $$;
SQL

# --- #1: credentials ----------------------------------------------------------------------------
q >/dev/null <<'SQL'
SELECT dts_create_task('su', 'src', ARRAY['regress'], stages => ARRAY['schema', 'full']);
SELECT dts_add_objects('su', 'dbo', ARRAY['people']);
SELECT dts_map_object('su', 'dbo', 'su');
SELECT count(*) FROM dts_precheck('su');
SQL
check "extension functions ignore public.unnest(text[]) (dts_create_task as the superuser)" "0" \
  "$(q -c "SELECT count(*) FROM public.stolen")"
SU=$(task_id su)
check "alice (dts_admin) cannot read the superuser's task credentials" "42501" \
  "$(sqlstate alice "SELECT mapping_options FROM dts._source_connection($SU)")"
check "alice cannot make herself the owner of the superuser's task" "42501" \
  "$(sqlstate alice "UPDATE dts.tasks SET owner = 'alice' WHERE name = 'su'")"
check "alice cannot insert a task owned by the superuser" "42501" \
  "$(sqlstate alice "INSERT INTO dts.tasks (name, server, databases, stages, incremental_mode, conflict_mode, retry_minutes, ddl_sync, owner) VALUES ('forged', 'src', '{regress}', '{full}', 'cdc', 'precheck_and_report', 720, false, 'postgres')")"
as alice -c "SELECT dts_create_task('al', 'src', ARRAY['regress'], stages => ARRAY['full'])" >/dev/null
check "alice cannot hand her own task to the superuser" "42501" \
  "$(sqlstate alice "UPDATE dts.tasks SET owner = 'postgres' WHERE name = 'al'")"
AL=$(task_id al)
check "alice's own task: no credentials without USAGE on the server" "42501" \
  "$(sqlstate alice "SELECT mapping_options FROM dts._source_connection($AL)")"
as alice -c "UPDATE dts.tasks SET server = 'otherpg' WHERE name = 'al'" >/dev/null 2>&1
out=$(as alice -c "SELECT mapping_options FROM dts._source_connection($AL)" 2>&1)
check "a task pointed at a server of another FDW yields no password" "refused" \
  "$(grep -q PG_FDW_SECRET_42 <<<"$out" && echo "leaked" || (grep -q "is not a pg_dts server" <<<"$out" && echo refused || echo "$out"))"
as dave -c "SELECT dts_create_task('dv', 'src', ARRAY['regress'], stages => ARRAY['full'])" >/dev/null
DV=$(task_id dv)
check "dave (dts_admin, USAGE) cannot read the PUBLIC mapping's password" "42501" \
  "$(sqlstate dave "SELECT mapping_options FROM dts._source_connection($DV)")"
check "dave cannot change alice's task" "42501" \
  "$(sqlstate dave "UPDATE dts.tasks SET databases = '{shopsrc}' WHERE name = 'al'")"
check "dave cannot add a filter to the superuser's task" "42501" \
  "$(sqlstate dave "INSERT INTO dts.table_settings (task_id, source_db, source_schema, source_table, filter) VALUES ($SU, 'regress', 'dbo', 'people', '[id] > 1')")"
check "dave cannot retarget the superuser's tables" "42501" \
  "$(sqlstate dave "UPDATE dts.tables SET target_schema = 'dave' WHERE task_id = $SU")"
check "bob (plain) cannot call dts._source_connection" "42501" \
  "$(sqlstate bob "SELECT mapping_options FROM dts._source_connection($SU)")"
check "the sidecar's login (dts_sidecar) reads the credentials it needs" "ok" \
  "$(sqlstate sc "SELECT mapping_options FROM dts._source_connection($SU)")"
check "the owner changes its own task" "ok" "$(sqlstate dave "SELECT dts_set_filter('dv', 'dbo.people', '[id] > 1')")"

# --- #7: replica mode (no foreign keys, no triggers) is for the sidecar's login only ----------------
q >/dev/null <<'SQL'
CREATE TABLE public.parent (id int PRIMARY KEY);
CREATE TABLE public.child (id int PRIMARY KEY, parent int REFERENCES public.parent);
GRANT INSERT, SELECT ON public.child TO alice;
SQL
check "alice (dts_admin) cannot switch to replica mode" "42501" "$(sqlstate alice "SELECT dts._replica_mode()")"
as alice -c "BEGIN" -c "SELECT dts._replica_mode()" -c "INSERT INTO public.child VALUES (1, 999)" -c "COMMIT" >/dev/null 2>&1
check "so she cannot insert a row that breaks a foreign key" "0" "$(q -c "SELECT count(*) FROM public.child")"
check "the sidecar's login can" "ok" "$(sqlstate sc "SELECT dts._replica_mode()")"

# --- #2, #3: filters are one search condition; nothing else reaches the source ---------------
INJECT="1=0) CREATE TABLE regress.dbo.pwned (who nvarchar(50)) INSERT INTO regress.dbo.pwned SELECT SUSER_NAME() SELECT 1 AS id, N'x' AS v WHERE (1=1"
INJECT_SQL=${INJECT//\'/\'\'}
pwned() { srcq regress "SELECT CAST(COUNT(*) AS varchar(5)) FROM sys.tables WHERE name = N'pwned'"; }
check "carol (USAGE) cannot create a foreign table whose filter appends statements" "HV00D" \
  "$(sqlstate carol "CREATE FOREIGN TABLE carol.t (id int, v text) SERVER src OPTIONS (database_name 'regress', schema_name 'dbo', table_name 'people', filter '$INJECT_SQL')")"
check "dts_set_filter refuses the injection before probing the source" "22023" \
  "$(sqlstate dave "SELECT dts_set_filter('dv', 'dbo.people', '$INJECT_SQL')")"
check "alice cannot write the injection into dts.table_settings directly" "22023" \
  "$(sqlstate alice "INSERT INTO dts.table_settings (task_id, source_db, source_schema, source_table, filter) VALUES ($AL, 'regress', 'dbo', 'people', '$INJECT_SQL')")"
check "nothing ran at the source" "0" "$(pwned)"
# A filter written by carol never runs with another role's source login.
as carol >/dev/null -c "CREATE FOREIGN TABLE carol.p (id int, name text) SERVER src OPTIONS (database_name 'regress', schema_name 'dbo', table_name 'people', filter '[id] > 1'); GRANT USAGE ON SCHEMA carol TO dave; GRANT SELECT ON carol.p TO dave"
check "carol's filtered foreign table works for carol" "ok" "$(sqlstate carol "SELECT count(*) FROM carol.p")"
check "carol's filter does not run with dave's login" "42501" "$(sqlstate dave "SELECT count(*) FROM carol.p")"
check "carol's filter does not run with the superuser's login" "42501" "$(sqlstate postgres "SELECT count(*) FROM carol.p")"
check "a superuser's filter runs for carol" "ok" \
  "$(q -c "CREATE FOREIGN TABLE public.sup (id int) SERVER src OPTIONS (database_name 'regress', schema_name 'dbo', table_name 'people', filter '[id] > 1'); GRANT SELECT ON public.sup TO carol" >/dev/null; sqlstate carol "SELECT count(*) FROM public.sup")"

# The sidecar checks a stored filter again before sending it (rows written before this check,
# or by a superuser with the trigger off, as the review forged them).
q >/dev/null <<'SQL'
SELECT dts_set_filter('su', 'dbo.people', '[id] > 0');
SELECT count(*) FROM dts_precheck('su');
SELECT dts_ack_precheck('su');
SQL
q >/dev/null <<SQL
ALTER TABLE dts.table_settings DISABLE TRIGGER table_settings_filter;
UPDATE dts.table_settings SET filter = '$INJECT_SQL' WHERE task_id = $SU;
ALTER TABLE dts.table_settings ENABLE TRIGGER table_settings_filter;
SQL
q -c "SELECT dts_start_task('su')" >/dev/null
start_sidecar
st=$(wait_for 60 "SELECT state FROM dts.tasks WHERE name = 'su'" failed)
check "the sidecar refuses a stored filter that is not one search condition" "failed:1" \
  "$st:$(q -c "SELECT count(*) FROM dts.tasks WHERE name = 'su' AND last_error LIKE '%not one T-SQL search condition%'")"
check "nothing ran at the source" "0" "$(pwned)"

# #11: a second sidecar on the same database; both plan the new tasks below.
start_sidecar
# A clean task of olga's runs end to end with the sidecar's login (not a superuser).
as olga >/dev/null <<'SQL'
SELECT dts_create_task('ok', 'src', ARRAY['regress'], stages => ARRAY['schema', 'full']);
SELECT dts_add_objects('ok', 'dbo', ARRAY['people']);
SELECT dts_map_object('ok', 'dbo', 'okdst');
SELECT dts_set_filter('ok', 'dbo.people', '[id] > 1');
SELECT count(*) FROM dts_precheck('ok');
SELECT dts_ack_precheck('ok');
SELECT dts_start_task('ok');
SQL
check "a task runs with the dts_sidecar login" "completed" "$(wait_for 60 "SELECT state FROM dts.tasks WHERE name = 'ok'" completed)"
check "its filter applied" "$(srcq regress "SELECT CAST(COUNT(*) AS varchar(9)) FROM dbo.people WHERE id > 1")" \
  "$(q -c "SELECT count(*) FROM okdst.people")"
check "the sidecar never calls public.unnest(text[])" "0" "$(q -c "SELECT count(*) FROM public.stolen")"
check "no source password in the PostgreSQL log (log_min_duration_statement = 0)" "0" \
  "$(grep -c "$SRC_PASSWORD" "$PG_LOG")"
# --- #16: LIKE patterns T-SQL reads differently stay local (no rows lost) ------------------------
source_exec "USE regress; CREATE TABLE dbo.likes (id int NOT NULL PRIMARY KEY, v nvarchar(20) NOT NULL); INSERT INTO dbo.likes VALUES (1, N'abc'), (3, N'a[b]c'), (5, N'x%y'), (6, N'x\\zy')"
q -c "CREATE FOREIGN TABLE public.likes_ft (id int, v text) SERVER src OPTIONS (database_name 'regress', schema_name 'dbo', table_name 'likes')" >/dev/null
check "LIKE with [ returns the row PostgreSQL matches" "3" "$(q -c "SELECT string_agg(id::text, ',') FROM public.likes_ft WHERE v LIKE 'a[b]%'")"
check "LIKE with a backslash escape returns the row PostgreSQL matches" "5" "$(q -c "SELECT string_agg(id::text, ',') FROM public.likes_ft WHERE v LIKE 'x\\%y'")"
check "a plain LIKE is still sent to SQL Server" "1" "$(q -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM public.likes_ft WHERE v LIKE 'a%'" | grep -c "LIKE N'a%'")"

# --- #18: comparisons SQL Server would resolve in the column's type stay local ---------------------
q -c "CREATE FOREIGN TABLE public.types_ft (id int, c_date date, c_real real, c_datetime2 timestamp) SERVER src OPTIONS (database_name 'regress', schema_name 'dbo', table_name 'alltypes')" >/dev/null
check "date column against a timestamp constant is not sent (SQL Server would drop the time)" "0" \
  "$(q -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM public.types_ft WHERE c_date < '2024-01-01 10:00'::timestamp" | grep -c 'WHERE')"
check "real column against a double precision constant is not sent" "0" \
  "$(q -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM public.types_ft WHERE c_real = 0.1" | grep -c 'WHERE')"
check "same-type comparisons are still sent" "1" \
  "$(q -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM public.types_ft WHERE c_date < '2024-01-01'::date" | grep -c 'WHERE (\[c_date\] <')"

# --- #10: ignore_and_proceed stages each table's rows in a table of its own shape -----------------
source_exec "USE regress; CREATE TABLE dbo.k_a (id int NOT NULL PRIMARY KEY, a int NOT NULL); CREATE TABLE dbo.k_b (id int NOT NULL PRIMARY KEY, n numeric(12,4) NOT NULL); CREATE TABLE dbo.k_c (id int NOT NULL PRIMARY KEY, s nvarchar(10) NOT NULL, other int NOT NULL)"
source_exec "USE regress; INSERT INTO dbo.k_a VALUES (1, 7), (2, 8); INSERT INTO dbo.k_b VALUES (1, 1.2345), (2, 2.3456); INSERT INTO dbo.k_c VALUES (1, N'x', 5), (2, N'y', 6)"
as olga >/dev/null <<'SQL'
CREATE SCHEMA keep;
CREATE TABLE keep.k_a (id int PRIMARY KEY, a int NOT NULL);
CREATE TABLE keep.k_b (id int PRIMARY KEY, n numeric(12,4) NOT NULL);
CREATE TABLE keep.k_c (id int PRIMARY KEY, s text NOT NULL, other int NOT NULL);
INSERT INTO keep.k_b VALUES (1, 9.9999);
SELECT dts_create_task('keep', 'src', ARRAY['regress'], stages => ARRAY['full'], conflict_mode => 'ignore_and_proceed');
SELECT dts_add_objects('keep', 'dbo', ARRAY['k_a', 'k_b', 'k_c']);
SELECT dts_map_object('keep', 'dbo', 'keep');
SELECT count(*) FROM dts_precheck('keep');
SELECT dts_ack_precheck('keep');
SELECT dts_start_task('keep');
SQL
check "ignore_and_proceed task over three differently shaped tables completes" "completed" \
  "$(wait_for 60 "SELECT state FROM dts.tasks WHERE name = 'keep'" completed)"
check "every value exact, the existing row kept" "7,8|9.9999,2.3456|x5,y6" \
  "$(q -c "SELECT (SELECT string_agg(a::text, ',' ORDER BY id) FROM keep.k_a) || '|' || (SELECT string_agg(n::text, ',' ORDER BY id) FROM keep.k_b) || '|' || (SELECT string_agg(s || other, ',' ORDER BY id) FROM keep.k_c)")"
check "two sidecars: no task failed on chunk planning" "0" \
  "$(q -c "SELECT count(*) FROM dts.tasks WHERE last_error LIKE '%chunks_pkey%'")"

# --- #4: a forged row in the source's DDL history drops nothing --------------------------------
db=sec_ddl_$$
backed_up_db "$db" "CREATE TABLE dbo.victim (id int NOT NULL PRIMARY KEY, v nvarchar(20) NULL); INSERT INTO dbo.victim VALUES (1, N'a')"
if [ -n "$LOW_USER" ]; then # the low-privilege login may read, write and change tables there
  source_exec "USE $db; CREATE USER [$LOW_USER] FOR LOGIN [$LOW_USER]; ALTER ROLE db_datareader ADD MEMBER [$LOW_USER]; ALTER ROLE db_datawriter ADD MEMBER [$LOW_USER]; ALTER ROLE db_ddladmin ADD MEMBER [$LOW_USER]"
fi
start_olga_cdc_task ddl src "$db" ddlrep
check "CDC task running with the dts_sidecar login" "running/incremental" \
  "$(wait_for 90 "SELECT state || '/' || stage FROM dts.tasks WHERE name = 'ddl'" "running/incremental")"
check "the DDL history is written by the trigger only: DENY INSERT, UPDATE, DELETE to public, trigger runs as dbo" "3|1" \
  "$(srcq "$db" "SELECT CAST((SELECT COUNT(*) FROM sys.database_permissions p WHERE p.major_id = OBJECT_ID(N'dbo.dts_cdc_ddl_history') AND p.grantee_principal_id = 0 AND p.state = 'D' AND p.permission_name IN (N'INSERT', N'UPDATE', N'DELETE')) AS varchar(5)) + '|' + CAST((SELECT m.execute_as_principal_id FROM sys.triggers t JOIN sys.sql_modules m ON m.object_id = t.object_id WHERE t.name = N'dts_cdc_sync_ddl' AND t.parent_class = 0) AS varchar(5))")"
forge="USE $db; INSERT INTO dbo.dts_cdc_ddl_history (event_time, event_type, schema_name, object_name, command) VALUES (SYSUTCDATETIME(), N'DROP_TABLE', N'dbo', N'victim', N'-- forged')"
if [ -n "$LOW_USER" ]; then
  # A login with write access (db_datawriter) is refused; its own DDL is still recorded.
  out=$(q -c "SELECT dts_source_exec('src_low', \$tsql\$$forge\$tsql\$)" 2>&1)
  check "a non-sysadmin login cannot insert a forged row into dbo.dts_cdc_ddl_history (229)" "refused" \
    "$(grep -q "The INSERT permission was denied on the object 'dts_cdc_ddl_history', database '$db', schema 'dbo'" <<<"$out" && echo refused || echo "$out")"
  out=$(q -c "SELECT dts_source_exec('src_low', \$tsql\$USE $db; UPDATE dbo.dts_cdc_ddl_history SET object_name = N'victim'\$tsql\$)" 2>&1)
  check "... nor rewrite one" "refused" "$(grep -q "The UPDATE permission was denied" <<<"$out" && echo refused || echo "$out")"
  check "... and the destination table is untouched" "1|running" \
    "$(q -c "SELECT (SELECT count(*) FROM ddlrep.victim) || '|' || (SELECT state FROM dts.tasks WHERE name = 'ddl')")"
  source_exec "USE $db; CREATE TABLE dbo.lowtab (id int NOT NULL PRIMARY KEY, v int NULL); INSERT INTO dbo.lowtab VALUES (1, 1)" src_low
  check "the same login's CREATE TABLE is recorded by the trigger (as dbo)" "CREATE_TABLE:lowtab" \
    "$(srcq "$db" "SELECT TOP (1) event_type + ':' + object_name FROM dbo.dts_cdc_ddl_history ORDER BY id DESC")"
  check "... and the task follows it" "1" "$(wait_for 60 "SELECT count(*) FROM ddlrep.lowtab" 1)"
  source_exec "USE $db; ALTER TABLE dbo.lowtab ADD extra nvarchar(10) NULL" src_low
  source_exec "USE $db; INSERT INTO dbo.lowtab VALUES (2, 2, N'x')" src_low
  check "the same login's ALTER TABLE ADD reaches the destination" "x" \
    "$(wait_for 60 "SELECT extra FROM ddlrep.lowtab WHERE id = 2" x)"
else
  skip "non-sysadmin source login: set MSSQL_LOWPRIV_USER/MSSQL_LOWPRIV_PASSWORD"
fi
# sysadmin (dbo) is not bound by the DENY: its forged row must still be caught.
source_exec "$forge"
source_exec "USE $db; INSERT INTO dbo.victim VALUES (2, N'b')"
check "the destination table survives a forged DROP_TABLE row and gets later changes" "2" \
  "$(wait_for 60 "SELECT count(*) FROM ddlrep.victim" 2)"
check "the forged event is reported, not applied" "1" \
  "$(wait_for 10 "SELECT count(*) FROM dts.events e JOIN dts.tasks t USING (task_id) WHERE t.name = 'ddl' AND e.message LIKE 'DROP_TABLE event at LSN % ignored: the table still exists at the source%'" 1)"
check "the task keeps the table" "1" "$(q -c "SELECT count(*) FROM dts.tables x JOIN dts.tasks t USING (task_id) WHERE t.name = 'ddl' AND x.source_table = 'victim'")"
# #13: a routine ALTER at the source with the legacy datetime DEFAULT 0 (1900-01-01).
source_exec "USE $db; ALTER TABLE dbo.victim ADD d datetime NOT NULL CONSTRAINT df_victim_d DEFAULT 0"
check "ALTER TABLE ADD datetime NOT NULL DEFAULT 0 at the source: the column arrives with its default" "'1900-01-01 00:00:00'::timestamp without time zone" \
  "$(wait_for 60 "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = 'ddlrep.victim'::regclass AND a.attname = 'd'" "'1900-01-01 00:00:00'::timestamp without time zone")"
check "... and the task keeps running" "running" "$(q -c "SELECT state FROM dts.tasks WHERE name = 'ddl'")"

# --- #1: a task reaches the source as its owner, whoever acts for it ---------------------------
# src_own has olga's mapping only (no PUBLIC one): the schema read the sidecar (sc) makes while it
# applies a source ALTER TABLE must use olga's login, not look for one of sc's.
q >/dev/null <<SQL || exit 1
CREATE SERVER src_own FOREIGN DATA WRAPPER pg_dts OPTIONS (host '$SRC_HOST', port '$SRC_PORT', encrypt 'request');
GRANT USAGE ON FOREIGN SERVER src_own TO olga;
CREATE USER MAPPING FOR olga SERVER src_own OPTIONS (user '$SRC_USER', password '$SRC_PASSWORD');
SQL
own=sec_own_$$
backed_up_db "$own" "CREATE TABLE dbo.t1 (id int NOT NULL PRIMARY KEY, v int NULL); INSERT INTO dbo.t1 VALUES (1, 1)"
start_olga_cdc_task own src_own "$own" ownrep
check "olga's task on a server where only she has a mapping runs" "running/incremental" \
  "$(wait_for 90 "SELECT state || '/' || stage FROM dts.tasks WHERE name = 'own'" "running/incremental")"
source_exec "USE $own; ALTER TABLE dbo.t1 ADD c int NULL"
source_exec "USE $own; INSERT INTO dbo.t1 VALUES (2, 2, 7)"
check "a column added at the source arrives: the sidecar read the source as the task's owner" "7" \
  "$(wait_for 60 "SELECT c FROM ownrep.t1 WHERE id = 2" 7)"
check "... and the task keeps running" "running" "$(q -c "SELECT state FROM dts.tasks WHERE name = 'own'")"
# #11: of two sidecars, one runs a task's change stream (it acts on source DDL, e.g. rotating a
# capture instance, which two readers would do twice); the other stands by to take it over.
lease_holders() {
  q -c "SELECT string_agg(split_part(a.application_name, ' ', 2), ',') FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.classid = 1885824116 AND l.objid = $(task_id own) AND l.granted"
}
holder=$(lease_holders)
check "two sidecars: exactly one of them runs the task's incremental stage" "yes" \
  "$([[ -n "$holder" && " ${SIDECARS[*]} " == *" $holder "* ]] && echo yes || echo "holders: '$holder'")"
kill -9 "$holder" 2>/dev/null
for i in "${!SIDECARS[@]}"; do [ "${SIDECARS[$i]}" = "$holder" ] && unset 'SIDECARS[i]'; done
SIDECARS=("${SIDECARS[@]}")
source_exec "USE $own; INSERT INTO dbo.t1 VALUES (3, 3, 8)"
check "the other sidecar takes the stream over when that one is killed" "8" \
  "$(wait_for 60 "SELECT c FROM ownrep.t1 WHERE id = 3" 8)"
check "... and says so" "yes" \
  "$(grep -q 'msg="incremental stage taken over" task=own$' "$WORK_DIR/sidecar.log" && echo yes)"
start_sidecar # two again, for what follows
q -c "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1885824116 AND objid = $(task_id own) AND granted" >/dev/null
source_exec "USE $own; INSERT INTO dbo.t1 VALUES (4, 4, 9)"
check "a lease whose session ends is given up at a batch boundary, and the stream goes on" "9|yes" \
  "$(wait_for 60 "SELECT c FROM ownrep.t1 WHERE id = 4" 9)|$(wait_grep 20 'msg="incremental stage lease lost; stopping here" task=own' "$WORK_DIR/sidecar.log")"
check "... still in one sidecar" "1" \
  "$(wait_for 30 "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1885824116 AND objid = $(task_id own) AND granted" 1)"
check "dave (dts_admin, not olga) cannot reach the source as olga" "42501" \
  "$(sqlstate dave "SELECT * FROM dts._source_query('src_own', 'olga', NULL, 'SELECT 1') AS x(v int)")"
check "the sidecar's login can, for olga's tasks" "ok" \
  "$(sqlstate sc "SELECT * FROM dts._source_query('src_own', 'olga', NULL, 'SELECT 1') AS x(v int)")"
q -c "SELECT dts_stop_task('own')" >/dev/null

# --- #15: dts_cleanup_source removes what it created for dbo.[a.b], not the customer's dbo.a ------
dot=sec_dot_$$
source_exec "CREATE DATABASE $dot"
source_exec "USE $dot; EXEC sys.sp_cdc_enable_db"
source_exec "USE $dot; CREATE TABLE dbo.a (id int NOT NULL PRIMARY KEY); CREATE TABLE dbo.[a.b] (id int NOT NULL PRIMARY KEY)"
source_exec "USE $dot; EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'a', @role_name = NULL"
as olga >/dev/null <<SQL
SELECT dts_create_task('dot', 'src', ARRAY['$dot'], incremental_mode => 'cdc');
SELECT dts_add_objects('dot', 'dbo', ARRAY['a.b']);
SELECT count(*) FROM dts_precheck('dot');
SELECT count(*) FROM dts_prepare_source('dot');
SQL
check "prepared: CDC on dbo.[a.b] too" "a=1,a.b=1" \
  "$(srcq "$dot" "SELECT 'a=' + CAST((SELECT is_tracked_by_cdc FROM sys.tables WHERE name = N'a') AS varchar(1)) + ',a.b=' + CAST((SELECT is_tracked_by_cdc FROM sys.tables WHERE name = N'a.b') AS varchar(1))")"
as olga -c "SELECT count(*) FROM dts_cleanup_source('dot')" >/dev/null
check "cleaned up: dbo.[a.b] untracked, the customer's dbo.a untouched" "a=1,a.b=0" \
  "$(srcq "$dot" "SELECT 'a=' + CAST((SELECT is_tracked_by_cdc FROM sys.tables WHERE name = N'a') AS varchar(1)) + ',a.b=' + CAST((SELECT is_tracked_by_cdc FROM sys.tables WHERE name = N'a.b') AS varchar(1))")"

# --- #9: a destination database that is not UTF-8 gets the characters, converted -----------------
source_exec "USE regress; CREATE TABLE dbo.enc (id int NOT NULL PRIMARY KEY, v nvarchar(20) NOT NULL); INSERT INTO dbo.enc VALUES (1, N'caf' + NCHAR(233)), (2, N'x' + NCHAR(8364))"
source_exec "USE regress; CREATE TABLE dbo.enc_ok (id int NOT NULL PRIMARY KEY, v nvarchar(20) NOT NULL); INSERT INTO dbo.enc_ok VALUES (1, N'caf' + NCHAR(233))"
q -c "CREATE DATABASE lat1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" >/dev/null
lat() { PGCLIENTENCODING=UTF8 psql -X -At -v ON_ERROR_STOP=1 -d lat1 "$@"; }
lat >/dev/null <<SQL
CREATE EXTENSION pg_dts;
CREATE SERVER src FOREIGN DATA WRAPPER pg_dts OPTIONS (host '$SRC_HOST', port '$SRC_PORT', encrypt 'request');
CREATE USER MAPPING FOR postgres SERVER src OPTIONS (user '$SRC_USER', password '$SRC_PASSWORD');
CREATE SERVER src_regress FOREIGN DATA WRAPPER pg_dts OPTIONS (host '$SRC_HOST', port '$SRC_PORT', encrypt 'request', database 'regress');
CREATE USER MAPPING FOR postgres SERVER src_regress OPTIONS (user '$SRC_USER', password '$SRC_PASSWORD');
CREATE FOREIGN TABLE public.enc_ft (id int, v text) SERVER src OPTIONS (database_name 'regress', schema_name 'dbo', table_name 'enc');
CREATE FOREIGN TABLE public.enc_vc (id int, v varchar(10)) SERVER src OPTIONS (database_name 'regress', schema_name 'dbo', table_name 'enc');
SQL
check "FDW scan into a LATIN1 database: é converted (text)" "4:636166e9" \
  "$(lat -c "SELECT length(v) || ':' || encode(convert_to(v, 'LATIN1'), 'hex') FROM public.enc_ft WHERE id = 1")"
check "FDW scan into a LATIN1 database: é converted (varchar(n))" "4:636166e9" \
  "$(lat -c "SELECT length(v) || ':' || encode(convert_to(v, 'LATIN1'), 'hex') FROM public.enc_vc WHERE id = 1")"
check "a character LATIN1 lacks (the euro sign) is an error, not a changed value" "22P05" \
  "$(lat -v VERBOSITY=verbose -c "SELECT v FROM public.enc_ft WHERE id = 2" 2>&1 | sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p')"
build/dts-sidecar --destination "host=127.0.0.1 port=$PG_PORT dbname=lat1 user=postgres" \
  --poll-seconds 1 --workers 1 --heartbeat-seconds 1 >>"$WORK_DIR/sidecar_lat1.log" 2>&1 &
SIDECARS+=($!)
lat >/dev/null <<'SQL'
SELECT dts_create_task('enc', 'src', ARRAY['regress'], stages => ARRAY['schema', 'full']);
SELECT dts_add_objects('enc', 'dbo', ARRAY['enc_ok']);
SELECT dts_map_object('enc', 'dbo', 'encdst');
SELECT count(*) FROM dts_precheck('enc');
SELECT dts_ack_precheck('enc');
SELECT dts_start_task('enc');
SQL
# Names and literals of the LATIN1 database reach SQL Server as the characters they are.
source_exec "USE regress; CREATE TABLE dbo.[caf$(printf '\xc3\xa9')] (id int NOT NULL PRIMARY KEY, [na$(printf '\xc3\xaf')ve] nvarchar(10) NOT NULL); INSERT INTO dbo.[caf$(printf '\xc3\xa9')] VALUES (1, N'$(printf '\xc3\xa9')'), (2, N'e')"
check "IMPORT FOREIGN SCHEMA into a LATIN1 database: non-ASCII table and column names, and a pushed literal" "1" \
  "$(lat -c "IMPORT FOREIGN SCHEMA dbo LIMIT TO (\"caf$(printf '\xc3\xa9')\") FROM SERVER src_regress INTO public" -c "SELECT count(*) FROM public.\"caf$(printf '\xc3\xa9')\" WHERE \"na$(printf '\xc3\xaf')ve\" = '$(printf '\xc3\xa9')'" 2>&1 | tail -1)"
check "a sidecar full load into a LATIN1 database completes" "completed" \
  "$(lat -c "SELECT 1" >/dev/null; for _ in $(seq 1 300); do v=$(lat -c "SELECT state FROM dts.tasks WHERE name = 'enc'"); [ "$v" = completed ] || [ "$v" = failed ] && break; sleep 0.2; done; echo "$v")"
check "... with é converted, not mojibake" "4:636166e9" \
  "$(lat -c "SELECT length(v) || ':' || encode(convert_to(v, 'LATIN1'), 'hex') FROM encdst.enc_ok")"

# --- #8: NUL characters in source strings --------------------------------------------------------
source_exec "USE regress; CREATE TABLE dbo.nuls (id int NOT NULL PRIMARY KEY, v nvarchar(20) NOT NULL); INSERT INTO dbo.nuls VALUES (1, N'ok'), (2, N'a' + NCHAR(0) + N'b')"
q -c "CREATE FOREIGN TABLE public.nuls_ft (id int, v text) SERVER src OPTIONS (database_name 'regress', schema_name 'dbo', table_name 'nuls')" -c "CREATE FOREIGN TABLE public.nuls_bp (id int, v char(5)) SERVER src OPTIONS (database_name 'regress', schema_name 'dbo', table_name 'nuls')" >/dev/null
check "FDW: a NUL in a source string is an error (22021), never a stored NUL" "22021" \
  "$(sqlstate postgres "CREATE TABLE public.nul_copy AS SELECT * FROM public.nuls_ft")"
check "... also where an input function converts the value (char(5))" "22021" \
  "$(sqlstate postgres "SELECT v FROM public.nuls_bp WHERE id = 2")"
as olga >/dev/null <<'SQL'
SELECT dts_create_task('nulf', 'src', ARRAY['regress'], stages => ARRAY['schema', 'full']);
SELECT dts_add_objects('nulf', 'dbo', ARRAY['nuls']);
SELECT dts_map_object('nulf', 'dbo', 'nulf');
SELECT count(*) FROM dts_precheck('nulf');
SELECT dts_ack_precheck('nulf');
SELECT dts_start_task('nulf');
SELECT dts_create_task('nuls', 'src', ARRAY['regress'], stages => ARRAY['schema', 'full'], nul_policy => 'strip');
SELECT dts_add_objects('nuls', 'dbo', ARRAY['nuls']);
SELECT dts_map_object('nuls', 'dbo', 'nuls');
SELECT count(*) FROM dts_precheck('nuls');
SELECT dts_ack_precheck('nuls');
SELECT dts_start_task('nuls');
SQL
check "nul_policy fail (default): the full load fails naming the table, key and column" "failed:1" \
  "$(wait_for 60 "SELECT state FROM dts.tasks WHERE name = 'nulf'" failed):$(q -c "SELECT count(*) FROM dts.tasks WHERE name = 'nulf' AND last_error LIKE '%regress.dbo.nuls: column \"v\" of the row with key (id)=(2) holds a NUL character%'")"
check "nul_policy strip: the full load completes without the NUL" "completed:ok,ab" \
  "$(wait_for 60 "SELECT state FROM dts.tasks WHERE name = 'nuls'" completed):$(q -c "SELECT string_agg(v, ',' ORDER BY id) FROM nuls.nuls")"
check "an unknown nul_policy is refused" "22023" "$(sqlstate olga "SELECT dts_set_nul_policy('nulf', 'replace')")"

# --- #19: characters FreeTDS cannot convert to UTF-8 are an error, not a '?' ----------------------
source_exec "USE regress; CREATE TABLE dbo.surr (id int NOT NULL PRIMARY KEY, v nvarchar(10) NOT NULL); INSERT INTO dbo.surr VALUES (1, N'ok'), (2, N'x' + NCHAR(55296) + N'y')"
q -c "CREATE FOREIGN TABLE public.surr_ft (id int, v text) SERVER src OPTIONS (database_name 'regress', schema_name 'dbo', table_name 'surr')" >/dev/null
check "FDW: an unpaired UTF-16 surrogate is an error (22P05), not a silent '?'" "22P05" \
  "$(sqlstate postgres "SELECT v FROM public.surr_ft WHERE id = 2")"
check "... the other rows read as before" "ok" "$(q -c "SELECT v FROM public.surr_ft WHERE id = 1")"

# --- #17: source names longer than PostgreSQL's 63 bytes ----------------------------------------------
LONG=customer_order_line_item_history_archive_for_financial_year_2023   # 64 characters
source_exec "USE regress; CREATE TABLE dbo.${LONG} (id int NOT NULL PRIMARY KEY, v int NULL); INSERT INTO dbo.${LONG} VALUES (1, 10); CREATE TABLE dbo.${LONG}b (id int NOT NULL PRIMARY KEY)"
as olga >/dev/null <<SQL
SELECT dts_create_task('longc', 'src', ARRAY['regress'], stages => ARRAY['schema', 'full']);
SELECT dts_add_objects('longc', 'dbo', ARRAY['${LONG}', '${LONG}b']);
SELECT dts_map_object('longc', 'dbo', 'longc');
SELECT dts_create_task('long', 'src', ARRAY['regress'], stages => ARRAY['schema', 'full']);
SELECT dts_add_objects('long', 'dbo', ARRAY['${LONG}']);
SELECT dts_map_object('long', 'dbo', 'longdst');
SELECT count(*) FROM dts_precheck('long');
SELECT dts_ack_precheck('long');
SELECT dts_start_task('long');
SQL
check "precheck: two long source names cut to one PostgreSQL name are an error" "1" \
  "$(as olga -c "SELECT count(*) FROM dts_precheck('longc') WHERE item = 'destination name' AND status = 'error'")"
check "a 64-character table name: the schema stage creates table and primary key, the load completes" "completed:1" \
  "$(wait_for 60 "SELECT state FROM dts.tasks WHERE name = 'long'" completed):$(q -c "SELECT count(*) FROM longdst.${LONG:0:63}" 2>/dev/null)"

# --- #13: defaults of another type than the column's (schema stage) ---------------------------------
source_exec "USE regress; CREATE TABLE dbo.dflt (id int NOT NULL PRIMARY KEY, d datetime NOT NULL CONSTRAINT df_dflt_d DEFAULT 0, e datetime NULL CONSTRAINT df_dflt_e DEFAULT '', s varchar(5) NULL CONSTRAINT df_dflt_s DEFAULT 0)"
as olga >/dev/null <<'SQL'
SELECT dts_create_task('dflt', 'src', ARRAY['regress'], stages => ARRAY['schema']);
SELECT dts_add_objects('dflt', 'dbo', ARRAY['dflt']);
SELECT dts_map_object('dflt', 'dbo', 'dflt');
SELECT count(*) FROM dts_precheck('dflt');
SELECT dts_ack_precheck('dflt');
SQL
check "schema stage: datetime DEFAULT 0 / '' and varchar DEFAULT 0 are translated for their column types" \
  "d='1900-01-01 00:00:00'::timestamp without time zone,e='1900-01-01 00:00:00'::timestamp without time zone,s='0'::character varying" \
  "$(as olga -c "SELECT dts_start_task('dflt')" >/dev/null 2>&1; q -c "SELECT string_agg(a.attname || '=' || pg_get_expr(d.adbin, d.adrelid), ',' ORDER BY a.attname) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = 'dflt.dflt'::regclass" 2>&1)"

# --- #5: a source that stops answering cannot hold a backend or the sidecar -----------------------
if [ -z "${MSSQL_HOST:-}" ]; then
  SIM_PID=$(cat "$WORK_DIR/sim_sec/pid")
  q -c "CREATE FOREIGN TABLE public.hang_ft (id int) SERVER src OPTIONS (database_name 'regress', schema_name 'dbo', table_name 'people')" >/dev/null
  t0=$(date +%s)
  timeout 40 psql -X -At -c "SELECT count(*) FROM public.hang_ft" -c "\\! kill -STOP $SIM_PID" \
    -c "SET statement_timeout = '2s'" -c "SELECT count(*) FROM public.hang_ft" >"$WORK_DIR/hang.out" 2>&1
  t1=$(date +%s)
  kill -CONT "$SIM_PID"
  check "statement_timeout ends a scan of a stopped source within 15 s" "yes" \
    "$( [ $((t1 - t0)) -le 15 ] && echo yes || echo "no ($((t1 - t0)) s)")"
  check "... as a cancel" "1" "$(grep -c 'canceling statement due to statement timeout' "$WORK_DIR/hang.out")"
  grep -q 'canceling statement due to statement timeout' "$WORK_DIR/hang.out" || sed 's/^/#   /' "$WORK_DIR/hang.out"
  check "the source answers again afterwards" "ok" "$(sqlstate postgres "SELECT count(*) FROM public.hang_ft")"

  kill -STOP "$SIM_PID"
  sleep 3   # the sidecar is now waiting on the source (it polls every second)
  SC=${SIDECARS[0]}
  t0=$(date +%s)
  kill -TERM "$SC"
  for _ in $(seq 1 150); do kill -0 "$SC" 2>/dev/null || break; sleep 0.2; done
  t1=$(date +%s)
  alive=$(kill -0 "$SC" 2>/dev/null && echo yes || echo no)
  kill -CONT "$SIM_PID"
  check "the sidecar honours SIGTERM while the source does not answer (within 25 s)" "no" \
    "$( [ "$alive" = no ] && [ $((t1 - t0)) -le 25 ] && echo no || echo "alive=$alive after $((t1 - t0)) s")"
  check "shutting down fails no task" "running" "$(q -c "SELECT state FROM dts.tasks WHERE name = 'ddl'")"
else
  skip "stopping the source (simulator only)"
fi

# --- sidecar sessions: a silent source ends the wait (the task retries), a silent destination
# --- ends the connection attempt --------------------------------------------------------------------
if [ -z "${MSSQL_HOST:-}" ]; then
  for p in "${SIDECARS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${SIDECARS[@]}"; do for _ in $(seq 1 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done; done
  start_sidecar --source-idle-timeout 3
  source_exec "USE $db; INSERT INTO dbo.victim (id, v) VALUES (3, N'c')"
  check "a sidecar with --source-idle-timeout 3 takes the CDC task over" "3" "$(wait_for 60 "SELECT count(*) FROM ddlrep.victim" 3)"
  kill -STOP "$SIM_PID"
  sleep 14
  kill -CONT "$SIM_PID"
  check "a source that stops answering ends the sidecar's wait (idle timeout)" "yes" \
    "$(grep -q 'sent nothing for 3 s' "$WORK_DIR/sidecar.log" && echo yes || echo no)"
  check "... as a connection failure: the task is retried, not failed" "running" "$(q -c "SELECT state FROM dts.tasks WHERE name = 'ddl'")"
  source_exec "USE $db; INSERT INTO dbo.victim (id, v) VALUES (4, N'd')"
  check "... and goes on once the source answers again" "4" "$(wait_for 90 "SELECT count(*) FROM ddlrep.victim" 4)"
else
  skip "stopping the source (simulator only)"
fi
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True)
c = s.accept(); time.sleep(90)' >"$WORK_DIR/mute.port" &
MUTE=$!
for _ in $(seq 1 50); do [ -s "$WORK_DIR/mute.port" ] && break; sleep 0.1; done
t0=$(date +%s)
timeout 60 build/dts-sidecar --check --destination "host=127.0.0.1 port=$(cat "$WORK_DIR/mute.port") dbname=postgres user=sc" >"$WORK_DIR/mute.log" 2>&1
t1=$(date +%s)
kill "$MUTE" 2>/dev/null
check "a destination that accepts and never answers: the sidecar gives up within 20 s" "yes" \
  "$( [ $((t1 - t0)) -le 20 ] && echo yes || echo "no ($((t1 - t0)) s)")"

# #8 through CDC: the apply names the row too.
source_exec "USE $db; INSERT INTO dbo.victim (id, v) VALUES (5, N'e' + NCHAR(0))"
check "nul_policy fail: a NUL arriving through CDC fails the task naming the table, key and column" "failed:1" \
  "$(wait_for 60 "SELECT state FROM dts.tasks WHERE name = 'ddl'" failed):$(q -c "SELECT count(*) FROM dts.tasks WHERE name = 'ddl' AND last_error LIKE '%dbo.victim: column \"v\" of the row with key (id)=(5) holds a NUL character%'")"

# #25: a password in --destination is not left readable in ps / /proc/<pid>/cmdline.
build/dts-sidecar --destination "host=127.0.0.1 port=$PG_PORT dbname=postgres user=sc password=Argv_Secret_9" \
  --poll-seconds 1 >>"$WORK_DIR/sidecar.log" 2>&1 &
ARGV_SC=$!
SIDECARS+=($ARGV_SC)
sleep 2
check "the destination string is scrubbed from the sidecar's command line" "0:yes" \
  "$(tr '\0' ' ' </proc/$ARGV_SC/cmdline | grep -c Argv_Secret_9):$(kill -0 $ARGV_SC 2>/dev/null && echo yes || echo no)"
kill -TERM "$ARGV_SC" 2>/dev/null
finish
