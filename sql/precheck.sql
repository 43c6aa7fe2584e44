-- dts_precheck: every item in its passing and its failing form.
\set SHOW_CONTEXT never
\getenv sim_port SIM_PORT
\getenv sim_port_std2016 SIM_PORT_STD2016
\getenv sim_port_2017 SIM_PORT_2017
CREATE FUNCTION pc(task text) RETURNS TABLE (item text, status text, object text, detail text, fix text)
LANGUAGE sql AS $$
  SELECT item, status, object, regexp_replace(detail, '[0-9.]+ (bytes|kB|MB|GB|TB)', 'N', 'g'), fix
    FROM dts_precheck(task) $$;
CREATE SERVER src_reader FOREIGN DATA WRAPPER pg_dts
  OPTIONS (host '127.0.0.1', port :'sim_port', database 'shopsrc', encrypt 'off');
CREATE USER MAPPING FOR CURRENT_USER SERVER src_reader OPTIONS (user 'dts_reader', password 'Reader_Passw0rd');
CREATE SERVER src2016 FOREIGN DATA WRAPPER pg_dts
  OPTIONS (host '127.0.0.1', port :'sim_port_std2016', encrypt 'off');
CREATE USER MAPPING FOR CURRENT_USER SERVER src2016 OPTIONS (user 'sa', password 'Sim_Passw0rd');
CREATE SERVER src2017 FOREIGN DATA WRAPPER pg_dts
  OPTIONS (host '127.0.0.1', port :'sim_port_2017', encrypt 'off');
CREATE USER MAPPING FOR CURRENT_USER SERVER src2017 OPTIONS (user 'sa', password 'Sim_Passw0rd');
SELECT dts_source_exec('src2016', 'CREATE DATABASE shopsrc; ALTER DATABASE shopsrc SET RECOVERY FULL');
SELECT dts_source_exec('src2017', 'CREATE DATABASE shopsrc; ALTER DATABASE shopsrc SET RECOVERY FULL');
-- Log mode on the sample: no backups yet, and the log reader cannot take heaps, tables without
-- a clustered primary key, compressed tables or computed columns; a missing table; a table
-- without primary key.
SELECT dts_create_task('pc_log', 'src', ARRAY['shopsrc'], incremental_mode => 'log') > 0 AS created;
SELECT dts_add_objects('pc_log', 'sales');
SELECT dts_add_objects('pc_log', 'dbo', ARRAY['settings', 'nosuch']);
SELECT * FROM pc('pc_log');
SELECT dts_start_task('pc_log');
-- Fixing the source: backups taken, the missing table dropped from the task, a key chosen.
SELECT dts_source_exec('src', 'BACKUP DATABASE shopsrc TO DISK = N''/tmp/shopsrc.bak''; BACKUP LOG shopsrc TO DISK = N''/tmp/shopsrc.trn''');
SELECT dts_remove_objects('pc_log', 'dbo', ARRAY['nosuch']);
SELECT dts_set_keys('pc_log', 'sales.events', primary_key => ARRAY['at', 'kind']);
-- hybrid mode takes the same tables through CDC.
CREATE FUNCTION set_mode(task text, mode text) RETURNS void LANGUAGE sql AS $$
  UPDATE dts.tasks SET incremental_mode = mode, config_changed_at = clock_timestamp() WHERE name = task $$;
SELECT set_mode('pc_log', 'hybrid');
SELECT * FROM pc('pc_log');
SELECT source_schema, source_table, capture FROM dts.tables x JOIN dts.tasks t USING (task_id)
 WHERE t.name = 'pc_log' ORDER BY 1, 2;
-- Recovery model SIMPLE fails incremental tasks; schema/full-only tasks do not care.
SELECT dts_source_exec('src', 'ALTER DATABASE shopsrc SET RECOVERY SIMPLE');
SELECT item, status, object, detail FROM pc('pc_log') WHERE item LIKE 'source recovery%';
SELECT dts_create_task('pc_full', 'src', ARRAY['shopsrc'], stages => ARRAY['schema', 'full']) > 0 AS created;
SELECT dts_add_objects('pc_full', 'dbo', ARRAY['settings']);
SELECT item, status, object FROM pc('pc_full');
SELECT dts_source_exec('src', 'ALTER DATABASE shopsrc SET RECOVERY FULL; BACKUP DATABASE shopsrc TO DISK = N''/tmp/shopsrc.bak''');
-- Unsupported column types are announced with what happens to them.
SELECT dts_create_task('pc_types', 'src', ARRAY['regress'], stages => ARRAY['schema', 'full']) > 0 AS created;
SELECT dts_add_objects('pc_types', 'dbo', ARRAY['alltypes']);
SELECT item, status, object, detail FROM pc('pc_types') WHERE item = 'column type';
-- A login that is not sysadmin; a wrong password; a database that does not exist.
SELECT dts_create_task('pc_reader', 'src_reader', ARRAY['shopsrc']) > 0 AS created;
SELECT dts_add_objects('pc_reader', 'dbo', ARRAY['settings']);
SELECT item, status, object, detail, fix FROM pc('pc_reader') WHERE item = 'source sysadmin';
-- A task without the incremental stage does not need sysadmin.
SELECT dts_create_task('pc_reader_full', 'src_reader', ARRAY['shopsrc'], stages => ARRAY['schema', 'full']) > 0 AS created;
SELECT dts_add_objects('pc_reader_full', 'dbo', ARRAY['settings']);
SELECT item, status, object, detail, fix FROM pc('pc_reader_full') WHERE item = 'source sysadmin';
CREATE SERVER src_wrongpw FOREIGN DATA WRAPPER pg_dts
  OPTIONS (host '127.0.0.1', port :'sim_port', database 'shopsrc', encrypt 'off');
CREATE USER MAPPING FOR CURRENT_USER SERVER src_wrongpw OPTIONS (user 'sa', password 'wrong');
SELECT dts_create_task('pc_wrongpw', 'src_wrongpw', ARRAY['shopsrc']) > 0 AS created;
SELECT * FROM pc('pc_wrongpw');
SELECT dts_create_task('pc_nodb', 'src', ARRAY['nosuchdb']) > 0 AS created;
SELECT dts_add_objects('pc_nodb', 'dbo');
SELECT item, status, object, detail FROM pc('pc_nodb') WHERE item LIKE 'source%';
-- Standard 2016 RTM on a renamed host: no CDC; and, in log mode too, no sys.dm_db_log_stats
-- (2016 SP2), where the full and incremental stages read the log position.
SELECT dts_create_task('pc_2016', 'src2016', ARRAY['shopsrc'], incremental_mode => 'cdc') > 0 AS created;
SELECT item, status, object, detail, fix FROM pc('pc_2016') WHERE item IN ('source version', 'source server name');
SELECT set_mode('pc_2016', 'log');
SELECT item, status, object, detail FROM pc('pc_2016') WHERE item IN ('source version', 'source server name');
-- Standard 2017: a warning, which must be acknowledged before the task may start.
SELECT dts_create_task('pc_2017', 'src2017', ARRAY['shopsrc'], incremental_mode => 'cdc') > 0 AS created;
SELECT item, status, object, detail FROM pc('pc_2017') WHERE item = 'source version';
SELECT dts_ack_precheck('pc_2017', 'source version');
SELECT item, status, acknowledged_by FROM dts_precheck_results('pc_2017') WHERE item = 'source version';
-- Acknowledgements carry over to the next run of the same item and object.
SELECT item, status FROM pc('pc_2017') WHERE item = 'source version';
SELECT acknowledged_by FROM dts_precheck_results('pc_2017') WHERE item = 'source version';
-- A database not owned by sa cannot run CDC capture jobs.
SELECT dts_source_exec('src', 'CREATE DATABASE notsa; ALTER AUTHORIZATION ON DATABASE::notsa TO dts_reader');
SELECT dts_create_task('pc_owner', 'src', ARRAY['notsa', 'shopsrc'], incremental_mode => 'cdc') > 0 AS created;
SELECT item, status, object, fix FROM pc('pc_owner') WHERE item = 'source database owner';
-- A filter the source no longer accepts.
SELECT dts_source_exec('src', 'USE shopsrc; CREATE TABLE dbo.filt (id int NOT NULL PRIMARY KEY, a int NULL)');
SELECT dts_create_task('pc_filter', 'src', ARRAY['shopsrc'], stages => ARRAY['schema', 'full']) > 0 AS created;
SELECT dts_add_objects('pc_filter', 'dbo', ARRAY['filt']);
SELECT dts_set_filter('pc_filter', 'dbo.filt', '[a] > 1');
SELECT item, status, object, detail FROM pc('pc_filter') WHERE item = 'row filter';
SELECT dts_source_exec('src', 'USE shopsrc; ALTER TABLE dbo.filt DROP COLUMN a');
SELECT item, status, object, detail FROM pc('pc_filter') WHERE item = 'row filter';
-- Destination: two sources on one name; an existing table under both conflict modes; a role
-- that may not create schemas.
SELECT dts_map_object('pc_filter', 'dbo.filt', 'settings');
SELECT dts_add_objects('pc_filter', 'dbo', ARRAY['settings']);
SELECT item, status, object, detail FROM pc('pc_filter') WHERE item = 'destination name';
SELECT dts_map_object('pc_filter', 'dbo.filt', 'public.filt');
CREATE TABLE public.filt (id int);
SELECT item, status, object, detail FROM pc('pc_filter') WHERE item LIKE 'destination%' ORDER BY 1, 3;
UPDATE dts.tasks SET conflict_mode = 'ignore_and_proceed', config_changed_at = clock_timestamp() WHERE name = 'pc_filter';
SELECT item, status, object, detail FROM pc('pc_filter') WHERE item = 'destination table exists';
DROP TABLE public.filt;
CREATE ROLE regress_dts_nocreate IN ROLE dts_admin;
GRANT USAGE ON FOREIGN SERVER src TO regress_dts_nocreate;
CREATE USER MAPPING FOR regress_dts_nocreate SERVER src OPTIONS (user 'sa', password 'Sim_Passw0rd');
-- A dts_admin member prechecks only tasks it owns (the precheck writes the task's tables).
UPDATE dts.tasks SET owner = 'regress_dts_nocreate' WHERE name = 'pc_full';
SET ROLE regress_dts_nocreate;
SELECT item, status, object, detail, fix FROM pc('pc_full') WHERE item = 'destination privileges';
RESET ROLE;
UPDATE dts.tasks SET owner = current_user WHERE name = 'pc_full';
-- At most 1000 tables captured with CDC (whole schemas are counted when the precheck resolves
-- them).
SELECT dts_source_exec('src', 'USE shopsrc; EXEC(N''CREATE SCHEMA many'')');
SELECT dts_source_exec('src', 'USE shopsrc; ' ||
  (SELECT string_agg(format('CREATE TABLE many.t%s (id int NOT NULL PRIMARY KEY)', i), '; ')
     FROM generate_series(1, 1001) i));
SELECT dts_create_task('pc_many', 'src', ARRAY['shopsrc'], incremental_mode => 'cdc') > 0 AS created;
SELECT dts_add_objects('pc_many', 'many');
SELECT item, status, object, detail, fix FROM pc('pc_many') WHERE item = 'CDC table limit';
SELECT set_mode('pc_many', 'hybrid');
SELECT item, status, object, detail FROM pc('pc_many') WHERE item = 'CDC table limit';
-- Views, procedures, functions and triggers are listed as not synced.
SELECT dts_source_exec('src', 'USE shopsrc; EXEC(N''CREATE VIEW sales.big_orders AS SELECT order_id FROM sales.orders WHERE amount > 50'')');
SELECT dts_source_exec('src', 'USE shopsrc; EXEC(N''CREATE PROCEDURE dbo.touch AS SELECT 1'')');
SELECT item, status, object, detail FROM pc('pc_full') WHERE item = 'objects not synced';
-- Space: the estimate against what is free beyond the configured reserve.
SET pg_dts.space_reserve = '1000 TB';
SELECT item, status, regexp_replace(detail, '-?[0-9.]+ (bytes|kB|MB|GB|TB|PB)', 'N', 'g') AS detail, fix
  FROM dts_precheck('pc_full') WHERE item = 'destination space';
RESET pg_dts.space_reserve;
-- The status view sums it up.
SELECT name, state, tables, precheck_errors, precheck_open_warnings FROM dts.task_status ORDER BY name;
-- A datetime2(7) key: values that differ only below 1 microsecond collide; the warning says so.
SELECT dts_source_exec('src', 'USE regress; CREATE TABLE dbo.ticks (ts datetime2 NOT NULL PRIMARY KEY, v int NULL)');
SELECT dts_add_objects('pc_types', 'dbo', ARRAY['ticks']);
SELECT status, object, detail, fix FROM pc('pc_types') WHERE item = 'column type' AND object LIKE '%.ticks.%';
SELECT dts_remove_objects('pc_types', 'dbo', ARRAY['ticks']);
SELECT dts_source_exec('src', 'USE regress; DROP TABLE dbo.ticks');
