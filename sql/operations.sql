-- Operations API: pausing and resuming, alert rules, and how dts_check_alerts() fires and clears
-- (task states, retry windows, heartbeats and validation results set by hand here; the sidecar
-- test test/integration/sidecar/operations.sh runs them for real).
\set SHOW_CONTEXT never
SET ROLE regress_dts_admin;
SELECT dts_create_task('ops', 'src', ARRAY['shopsrc']) > 0 AS created;
-- Only a running task in its incremental stage pauses; only a paused one resumes.
SELECT dts_pause_task('ops');
SELECT dts_resume_task('ops');
SELECT dts_pause_task('nosuch');
RESET ROLE;
UPDATE dts.tasks SET state = 'running', stage = 'full' WHERE name = 'ops';
SET ROLE regress_dts_admin;
SELECT dts_pause_task('ops');
RESET ROLE;
UPDATE dts.tasks SET stage = 'incremental' WHERE name = 'ops';
SET ROLE regress_dts_admin;
SELECT dts_pause_task('ops');
SELECT dts_pause_task('ops');
SELECT state, paused_at IS NOT NULL AS paused_at FROM dts.tasks WHERE name = 'ops';
SELECT dts_resume_task('ops');
SELECT dts_resume_task('ops');
SELECT state, resumed_at >= paused_at AS resumed_after FROM dts.tasks WHERE name = 'ops';
-- A configuration changed while paused needs a precheck and a new start.
SELECT dts_pause_task('ops');
SELECT dts_map_objects('ops', 'table', '^', 'x_');
SELECT dts_resume_task('ops');
SELECT regexp_replace(message, '\d+ s', 'N s') AS message FROM dts.events e JOIN dts.tasks t USING (task_id)
 WHERE t.name = 'ops' ORDER BY event_id;
-- Alert rules: invalid ones, each with its fix.
SELECT dts_set_alert('ops', 'latency', 1);
SELECT dts_set_alert('ops', 'lag');
SELECT dts_set_alert('ops', 'lag', -1);
SELECT dts_set_alert('ops', 'lag', 10, '-1 minute');
SELECT dts_set_alert('ops', 'task_failed', 3);
SELECT dts_set_alert('ops', 'retry_window', 2);
SELECT dts_set_alert('ops', 'validation', -1);
SELECT dts_set_alert('nosuch', 'lag', 10);
SELECT dts_set_alert('ops', 'task_failed');
SELECT dts_set_alert('ops', 'retry_window');
SELECT dts_set_alert('ops', 'validation');
SELECT dts_set_alert('ops', 'lag', 60);
SELECT dts_set_alert('ops', 'lag', 30, '1 minute');
SELECT kind, threshold, for_interval, firing FROM dts.alert_rules ORDER BY kind;
-- Paused: nothing holds (no lag while paused, no validation run yet).
SELECT dts_check_alerts();
RESET ROLE;
-- A failed task fires task_failed at once.
UPDATE dts.tasks SET state = 'failed', last_error = 'boom' WHERE name = 'ops';
SET ROLE regress_dts_admin;
SELECT dts_check_alerts();
SELECT dts_check_alerts();
RESET ROLE;
-- Running again but failing to connect for 7 of its 12 hours: task_failed clears, retry_window
-- fires.
UPDATE dts.tasks SET state = 'running', stage = 'incremental', last_error = 'connection refused',
       attempts = 9, failing_since = now() - interval '7 hours', started_at = now() - interval '1 hour',
       resumed_at = NULL
 WHERE name = 'ops';
INSERT INTO dts.heartbeats (task_id, source_db, source_time)
SELECT task_id, 'shopsrc', now() - interval '2 minutes' FROM dts.tasks WHERE name = 'ops';
SET ROLE regress_dts_admin;
SELECT dts_check_alerts();
-- The lag (2 minutes above 30 s) must hold for a minute first.
SELECT kind, firing, pending_since IS NOT NULL AS pending, last_value > 100 AS lagging
  FROM dts.alert_rules WHERE kind = 'lag';
RESET ROLE;
UPDATE dts.alert_rules SET pending_since = pending_since - interval '61 seconds' WHERE kind = 'lag';
-- The newest validation found one chunk different.
INSERT INTO dts.validation_results (task_id, run_at, source_db, source_schema, source_table, chunk_no, status)
SELECT task_id, now() - interval '1 day', 'shopsrc', 'sales', 'orders', 1, 'different rows' FROM dts.tasks WHERE name = 'ops';
INSERT INTO dts.validation_results (task_id, run_at, source_db, source_schema, source_table, chunk_no, status)
SELECT task_id, now(), 'shopsrc', 'sales', 'orders', n, CASE n WHEN 2 THEN 'different rows' ELSE 'ok' END
  FROM dts.tasks, generate_series(1, 3) n WHERE name = 'ops';
SET ROLE regress_dts_admin;
SELECT dts_check_alerts();
SELECT kind, firing, CASE WHEN kind = 'lag' THEN last_value > 100 ELSE last_value = last_value END AS measured,
       CASE WHEN kind <> 'lag' THEN last_value END AS last_value
  FROM dts.alert_rules ORDER BY kind;
RESET ROLE;
-- Everything back to normal: a fresh heartbeat, connected, a clean validation.
UPDATE dts.tasks SET attempts = 0, failing_since = NULL WHERE name = 'ops';
INSERT INTO dts.heartbeats (task_id, source_db, source_time)
SELECT task_id, 'shopsrc', now() FROM dts.tasks WHERE name = 'ops';
INSERT INTO dts.validation_results (task_id, run_at, source_db, source_schema, source_table, chunk_no, status)
SELECT task_id, clock_timestamp(), 'shopsrc', 'sales', 'orders', 1, 'ok' FROM dts.tasks WHERE name = 'ops';
SET ROLE regress_dts_admin;
SELECT dts_check_alerts();
SELECT kind, event, value IS NOT NULL AS has_value,
       payload ?& ARRAY['alert_id', 'task', 'kind', 'event', 'at', 'value', 'threshold', 'message'] AS payload_complete,
       payload->>'task' AS task, payload->>'event' = event AS same_event
  FROM dts.alerts ORDER BY alert_id;
SELECT message FROM dts.alerts WHERE kind IN ('task_failed', 'validation') ORDER BY alert_id;
-- Removing rules clears what fires.
UPDATE dts.tasks SET state = 'failed' WHERE name = 'ops';
SELECT dts_check_alerts();
SELECT dts_drop_alert('ops', 'task_failed');
SELECT dts_drop_alert('ops');
SELECT kind, event, message FROM dts.alerts WHERE alert_id > (SELECT max(alert_id) - 2 FROM dts.alerts) ORDER BY alert_id;
-- dts_repair re-copies what the newest validation found different (here: nothing); it needs a
-- validation, dts_resnapshot the tables, the incremental stage and a task that is not running.
SELECT * FROM dts_repair('ops');
SELECT dts_create_task('ops2', 'src', ARRAY['shopsrc']) > 0 AS created;
SELECT * FROM dts_repair('ops2');
SELECT * FROM dts_resnapshot('ops2', ARRAY['sales.orders']);
SELECT * FROM dts_resnapshot('ops', NULL);
SELECT * FROM dts_resnapshot('ops', ARRAY['sales.nosuch']);
SELECT * FROM dts_resnapshot('ops', ARRAY['otherdb.sales.orders']);
-- A task without the incremental stage: dts_resnapshot is its re-sync (NULL: every table), once
-- its tables are known and while it is not running.
SELECT dts_create_task('ops3', 'src', ARRAY['shopsrc'], stages => '{schema,full}') > 0 AS created;
SELECT * FROM dts_resnapshot('ops3', NULL);
SELECT * FROM dts_resnapshot('ops3', ARRAY['sales.orders']);
UPDATE dts.tasks SET state = 'running' WHERE name = 'ops3';
SELECT * FROM dts_resnapshot('ops3', NULL);
UPDATE dts.tasks SET state = 'created' WHERE name = 'ops3';
SELECT dts_drop_task('ops3');
SELECT dts_drop_task('ops2');
RESET ROLE;
-- Outside dts_admin: refused.
SET ROLE regress_dts_plain;
SELECT dts_check_alerts();
SELECT dts_pause_task('ops');
SELECT dts_set_alert('ops', 'task_failed');
RESET ROLE;
DELETE FROM dts.tasks WHERE name = 'ops';
