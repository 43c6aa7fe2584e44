-- The task API: who may use it, what it accepts, and the messages for what it does not.
\set SHOW_CONTEXT never
CREATE ROLE regress_dts_plain;
CREATE ROLE regress_dts_admin IN ROLE dts_admin;
GRANT USAGE ON FOREIGN SERVER src TO regress_dts_admin;
CREATE USER MAPPING FOR regress_dts_admin SERVER src OPTIONS (user 'sa', password 'Sim_Passw0rd');
-- Roles outside dts_admin are refused with the fix in the hint, and cannot read the tables.
SET ROLE regress_dts_plain;
SELECT dts_create_task('nope', 'src', ARRAY['shopsrc']);
SELECT * FROM dts.tasks;
SELECT * FROM dts._source_query('src', 'shopsrc', 'SELECT 1') AS x(one int);
SELECT * FROM dts._source_connection(1);
SELECT dts._replica_mode();
SELECT * FROM dts.task_status;
RESET ROLE;
-- Members of dts_admin configure tasks.
SET ROLE regress_dts_admin;
SELECT dts_create_task('shop', 'src', ARRAY['shopsrc']) > 0 AS created;
SELECT name, server, databases, stages, incremental_mode, conflict_mode, retry_minutes, ddl_sync,
       state, owner FROM dts.tasks;
-- Invalid tasks, each named with its fix.
SELECT dts_create_task('shop', 'src', ARRAY['shopsrc']);
SELECT dts_create_task('bad name', 'src', ARRAY['shopsrc']);
SELECT dts_create_task('t_noserver', 'nosuch', ARRAY['shopsrc']);
SELECT dts_create_task('t_dbs', 'src', ARRAY['d1','d2','d3','d4','d5','d6','d7','d8','d9','d10','d11']);
SELECT dts_create_task('t_dbs', 'src', ARRAY['d1','d1']);
SELECT dts_create_task('t_dbs', 'src', ARRAY[]::text[]);
SELECT dts_create_task('t_mode', 'src', ARRAY['shopsrc'], incremental_mode => 'binlog');
SELECT dts_create_task('t_conflict', 'src', ARRAY['shopsrc'], conflict_mode => 'overwrite');
SELECT dts_create_task('t_stage', 'src', ARRAY['shopsrc'], stages => ARRAY['schema', 'copy']);
SELECT dts_create_task('t_retry', 'src', ARRAY['shopsrc'], retry_minutes => 5);
SELECT dts_create_task('t_retry', 'src', ARRAY['shopsrc'], retry_minutes => 1441);
SELECT dts_create_task('t_ten', 'src', ARRAY['d1','d2','d3','d4','d5','d6','d7','d8','d9','d10']) > 0 AS ten_databases_ok;
-- Objects: whole schemas or single tables, in the task's databases only.
SELECT dts_add_objects('shop', 'sales');
SELECT dts_add_objects('shop', 'dbo', ARRAY['settings']);
SELECT dts_add_objects('shop', 'dbo', ARRAY['settings']);
SELECT dts_add_objects('shop', 'dbo', database => 'regress');
SELECT dts_add_objects('t_ten', 'dbo');
SELECT dts_add_objects('nosuchtask', 'dbo');
SELECT source_db, source_schema, source_table FROM dts.task_objects o JOIN dts.tasks t USING (task_id)
 WHERE t.name = 'shop' ORDER BY 1, 2, 3;
-- Limits: 5000 tables one by one; 1000 CDC tables.
SELECT dts_add_objects('t_ten', 'dbo', (SELECT array_agg('t' || i) FROM generate_series(1, 5001) i), 'd1');
SELECT dts_create_task('t_cdc', 'src', ARRAY['shopsrc'], incremental_mode => 'cdc') > 0 AS created;
SELECT dts_add_objects('t_cdc', 'dbo', (SELECT array_agg('t' || i) FROM generate_series(1, 1001) i));
SELECT dts_add_objects('t_cdc', 'dbo', (SELECT array_agg('t' || i) FROM generate_series(1, 1000) i));
-- Renames: single schema and table, then rules in order (regular expressions; prefix '^').
SELECT dts_map_object('shop', 'shopsrc.sales', 'ods');
SELECT dts_map_object('shop', 'sales.archive', 'history.orders_archive');
SELECT dts_map_object('shop', 'shopsrc.dbo.settings', 'app_settings');
SELECT dts_map_objects('shop', 'table', '^', 'src_');
SELECT dts_map_objects('shop', 'table', '_archive$', '_old');
SELECT dts_map_objects('shop', 'schema', '^dbo$', 'main');
SELECT dts_map_objects('shop', 'column', '^', 'x');
SELECT dts_map_objects('shop', 'table', '(', 'x');
SELECT dts_map_object('shop', 'sales.archive', 'a.b.c');
SELECT dts_map_object('shop', 'otherdb.sales.archive', 'x');
SELECT dts_map_object('shop', '[sales].[odd.name]', 'odd');
SELECT v.s, v.tb, n.* FROM dts.tasks t,
       (VALUES ('sales', 'orders'), ('sales', 'archive'), ('dbo', 'settings'), ('dbo', 'other'),
               ('sales', 'odd.name')) v(s, tb),
       LATERAL dts._target_name(t.task_id, 'shopsrc', v.s, v.tb) n
 WHERE t.name = 'shop';
-- Filters are T-SQL search conditions the source must accept.
SELECT dts_set_filter('shop', 'sales.orders', '[amount] > 10 AND [qty] >= 1');
SELECT dts_set_filter('shop', 'sales.orders', '[nosuch] > 10');
SELECT dts_set_filter('shop', 'sales.orders', '1 = 1; DROP TABLE sales.orders');
SELECT dts_set_filter('shop', 'sales.orders', 'amount >');
SELECT source_table, filter FROM dts.table_settings WHERE filter IS NOT NULL;
-- Keys and DML selection.
SELECT dts_set_keys('shop', 'sales.events', primary_key => ARRAY['at', 'kind']);
SELECT dts_set_keys('shop', 'sales.events', distribution_key => ARRAY['kind']);
SELECT dts_set_keys('shop', 'sales.events', primary_key => ARRAY[]::text[]);
SELECT dts_set_dml('shop', 'sales.events', ARRAY['insert']);
SELECT dts_set_dml('shop', 'sales.events', ARRAY['MERGE']);
SELECT source_table, primary_key, distribution_key, dml FROM dts.table_settings
 WHERE source_table = 'events';
-- Starting needs a precheck of the current configuration; stopping and dropping.
SELECT dts_start_task('shop');
SELECT dts_stop_task('shop');
SELECT dts_drop_task('t_retry');
SELECT dts_drop_task('t_cdc');
SELECT dts_drop_task('t_ten');
SELECT name FROM dts.tasks ORDER BY name;
SELECT level, message FROM dts.events e JOIN dts.tasks t USING (task_id) WHERE t.name = 'shop' ORDER BY event_id;
RESET ROLE;
