-- Schema synchronization: destination tables from the source catalogs, idempotent and atomic.
\set SHOW_CONTEXT never
SELECT dts_create_task('ss', 'src', ARRAY['shopsrc'], stages => ARRAY['schema']) > 0 AS created;
SELECT dts_add_objects('ss', 'sales');
SELECT dts_add_objects('ss', 'dbo', ARRAY['settings']);
SELECT dts_map_object('ss', 'shopsrc.sales', 'ods');
SELECT dts_map_objects('ss', 'table', '^settings$', 'app_settings');
SELECT dts_set_keys('ss', 'sales.events', primary_key => ARRAY['at', 'kind']);
SELECT status, count(*) FROM dts_precheck('ss') GROUP BY 1 ORDER BY 1;
SELECT dts_ack_precheck('ss');
-- The DDL, as schema sync will run it.
SELECT * FROM dts_schema_ddl('ss', 'sales.customers');
SELECT * FROM dts_schema_ddl('ss', 'sales.orders');
-- A table that appears after the precheck stops the stage as a whole: nothing is created.
CREATE SCHEMA ods;
CREATE TABLE ods.orders (x int);
SELECT dts_start_task('ss');
SELECT count(*) AS tables_created FROM pg_tables WHERE schemaname IN ('ods', 'dbo');
SELECT state, stage FROM dts.tasks WHERE name = 'ss';
DROP TABLE ods.orders;
SELECT dts_start_task('ss');
SELECT source_schema, source_table, target_schema, target_table, schema_state
  FROM dts.tables x JOIN dts.tasks t USING (task_id) WHERE t.name = 'ss' ORDER BY 1, 2;
\d ods.customers
\d ods.orders
\d ods.events
\d ods.archive
\d dbo.app_settings
SELECT level, object, message FROM dts.events e JOIN dts.tasks t USING (task_id)
 WHERE t.name = 'ss' AND e.stage = 'schema' ORDER BY event_id;
-- The created tables work: identity and defaults fill in, the foreign key holds.
INSERT INTO ods.customers (email, name) VALUES ('cy@example.com', 'Cy') RETURNING id, vip, region;
INSERT INTO ods.orders (order_id, customer_id, amount, qty) VALUES (1, 999, 1, 1);
-- Running the stage again changes nothing and loses nothing.
SELECT dts_start_task('ss');
SELECT count(*) FROM ods.customers;
SELECT state FROM dts.task_status WHERE name = 'ss';
-- Every SQL Server type through the one type mapping; the types DTS does not sync are left out.
SELECT dts_create_task('ss_types', 'src', ARRAY['regress'], stages => ARRAY['schema']) > 0 AS created;
SELECT dts_add_objects('ss_types', 'dbo', ARRAY['alltypes']);
SELECT dts_map_object('ss_types', 'dbo', 'types');
SELECT item, status, object FROM dts_precheck('ss_types') WHERE status <> 'ok';
SELECT dts_ack_precheck('ss_types');
SELECT dts_start_task('ss_types');
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
  FROM pg_attribute a WHERE a.attrelid = 'types.alltypes'::regclass AND a.attnum > 0 ORDER BY a.attnum;
-- ignore_and_proceed keeps an existing destination table as it is.
CREATE TABLE public.settings (name text PRIMARY KEY, value text);
INSERT INTO public.settings VALUES ('kept', 'yes');
SELECT dts_create_task('ss_keep', 'src', ARRAY['shopsrc'], stages => ARRAY['schema'],
                       conflict_mode => 'ignore_and_proceed') > 0 AS created;
SELECT dts_add_objects('ss_keep', 'dbo', ARRAY['settings']);
SELECT dts_map_object('ss_keep', 'dbo', 'public');
SELECT item, status, object FROM dts_precheck('ss_keep') WHERE status <> 'ok';
SELECT dts_ack_precheck('ss_keep');
SELECT dts_start_task('ss_keep');
SELECT * FROM public.settings;
SELECT schema_state FROM dts.tables x JOIN dts.tasks t USING (task_id) WHERE t.name = 'ss_keep';
-- A task with a full stage is handed to the sidecar after its schema stage.
SELECT dts_create_task('ss_full', 'src', ARRAY['shopsrc'], stages => ARRAY['schema', 'full']) > 0 AS created;
SELECT dts_add_objects('ss_full', 'dbo', ARRAY['settings']);
SELECT dts_map_object('ss_full', 'dbo', 'full_copy');
SELECT count(*) FROM dts_precheck('ss_full') WHERE status <> 'ok';
SELECT dts_start_task('ss_full');
SELECT dts_add_objects('ss_full', 'sales');
SELECT dts_drop_task('ss_full');
SELECT dts_stop_task('ss_full');
SELECT dts_drop_task('ss_full');
SELECT to_regclass('full_copy.settings') IS NOT NULL AS destination_table_kept;
