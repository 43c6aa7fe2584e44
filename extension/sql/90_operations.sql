
-- ---- operations: pause and resume, alerts -----------------------------------------------------
-- A paused task keeps its position: the sidecar finishes the batch it is applying (or rolls back
-- the one it has not committed), stops reading, and records where it stopped. Resuming goes back
-- to the incremental stage from that checkpoint, without the precheck, schema or full stages a
-- new start runs.

ALTER TABLE dts.tasks
  DROP CONSTRAINT tasks_state_check,
  ADD CONSTRAINT tasks_state_check CHECK (state IN ('created', 'running', 'paused', 'stopped',
                                                    'failed', 'completed')),
  ADD COLUMN paused_at timestamptz,
  ADD COLUMN resumed_at timestamptz;

CREATE FUNCTION dts_pause_task(task text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE t dts.tasks := dts._task(task, true);
BEGIN
  IF t.state = 'paused' THEN
    -- Scheduled pauses may repeat (pg_cron): the task stays as it is.
    RAISE NOTICE 'pg_dts task "%" is paused already', task;
    RETURN 'paused';
  END IF;
  IF t.state <> 'running' THEN
    RAISE EXCEPTION 'pg_dts task "%" is not running (state %): only a running task pauses', task, t.state
      USING ERRCODE = '55000', HINT = format('SELECT dts_start_task(%L); starts it.', task);
  END IF;
  IF t.stage IS DISTINCT FROM 'incremental' THEN
    RAISE EXCEPTION 'pg_dts task "%" is in its % stage: only the incremental stage pauses', task,
      coalesce(t.stage, 'first') USING ERRCODE = '55000',
      HINT = 'Wait until dts.task_status shows stage incremental, or stop the task with dts_stop_task().';
  END IF;
  UPDATE dts.tasks SET state = 'paused', paused_at = clock_timestamp() WHERE task_id = t.task_id;
  PERFORM dts._log(t.task_id, 'info', t.stage, NULL, 'task paused');
  PERFORM pg_notify('dts_task', t.name);
  RETURN 'paused';
END $$;

CREATE FUNCTION dts_resume_task(task text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE t dts.tasks := dts._task(task, true);
BEGIN
  IF t.state = 'running' THEN
    RAISE NOTICE 'pg_dts task "%" is running already', task;
    RETURN 'running';
  END IF;
  IF t.state <> 'paused' THEN
    RAISE EXCEPTION 'pg_dts task "%" is not paused (state %)', task, t.state
      USING ERRCODE = '55000', HINT = format('SELECT dts_start_task(%L); starts it again.', task);
  END IF;
  IF t.config_changed_at > t.paused_at THEN
    RAISE EXCEPTION 'pg_dts task "%" changed its configuration while paused; it cannot resume', task
      USING ERRCODE = '55000',
            HINT = format('Run SELECT * FROM dts_precheck(%L); then SELECT dts_start_task(%L);', task, task);
  END IF;
  UPDATE dts.tasks SET state = 'running', resumed_at = clock_timestamp(), attempts = 0,
                       failing_since = NULL
   WHERE task_id = t.task_id;
  PERFORM dts._log(t.task_id, 'info', t.stage, NULL,
    format('task resumed after %s s paused', round(extract(epoch FROM clock_timestamp() - t.paused_at))));
  PERFORM pg_notify('dts_task', t.name);
  RETURN 'running';
END $$;

-- ---- alerts -----------------------------------------------------------------------------------
-- Rules per task and kind; dts_check_alerts() (the sidecar calls it every few seconds, pg_cron
-- may too) evaluates them, writes a 'firing' row into dts.alerts when a condition has held for
-- the rule's interval and a 'cleared' row when it no longer holds, and sends each row's JSON on
-- channel dts_alerts. The sidecar posts the same JSON to its --alert-webhook.
--   task_failed    the task is in state failed (no threshold)
--   lag            seconds from the newest applied heartbeat's source time to now, above threshold
--                  (running incremental stage only; a paused task has no lag)
--   retry_window   fraction of the retry window spent failing, at or above threshold (0.5)
--   validation     chunks the newest dts_validate() run found different, above threshold (0)
CREATE TABLE dts.alert_rules (
  task_id       bigint NOT NULL REFERENCES dts.tasks ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('task_failed', 'lag', 'retry_window', 'validation')),
  threshold     numeric,
  for_interval  interval NOT NULL DEFAULT '0',
  pending_since timestamptz,              -- the condition holds since then
  firing        boolean NOT NULL DEFAULT false,
  last_value    numeric,
  checked_at    timestamptz,
  PRIMARY KEY (task_id, kind)
);

CREATE TABLE dts.alerts (
  alert_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id           bigint NOT NULL REFERENCES dts.tasks ON DELETE CASCADE,
  kind              text NOT NULL,
  event             text NOT NULL CHECK (event IN ('firing', 'cleared')),
  at                timestamptz NOT NULL DEFAULT clock_timestamp(),
  value             numeric,
  threshold         numeric,
  message           text NOT NULL,
  payload           jsonb NOT NULL,
  -- Webhook delivery by the sidecar (at least once).
  delivered_at      timestamptz,
  delivery_attempts integer NOT NULL DEFAULT 0,
  next_delivery_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  delivery_error    text
);
CREATE INDEX ON dts.alerts (task_id, at);
CREATE INDEX ON dts.alerts (next_delivery_at) WHERE delivered_at IS NULL;
GRANT SELECT, INSERT, UPDATE, DELETE ON dts.alert_rules, dts.alerts TO dts_admin;
SELECT pg_catalog.pg_extension_config_dump('dts.alert_rules', '');

CREATE FUNCTION dts_set_alert(task text, kind text, threshold numeric DEFAULT NULL,
                              for_interval interval DEFAULT '0') RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t dts.tasks := dts._task(task);
  th numeric := threshold;
BEGIN
  IF kind IS NULL OR kind NOT IN ('task_failed', 'lag', 'retry_window', 'validation') THEN
    RAISE EXCEPTION 'invalid alert kind "%" for task "%"', kind, task USING ERRCODE = '22023',
      HINT = 'Use task_failed, lag, retry_window or validation.';
  END IF;
  IF for_interval IS NULL OR for_interval < interval '0' THEN
    RAISE EXCEPTION 'invalid for_interval % for the % alert of task "%"', for_interval, kind, task
      USING ERRCODE = '22023', HINT = 'Give how long the condition must hold first, e.g. ''5 minutes'' (0: at once).';
  END IF;
  CASE kind
    WHEN 'task_failed' THEN
      IF th IS NOT NULL THEN
        RAISE EXCEPTION 'the task_failed alert takes no threshold' USING ERRCODE = '22023',
          HINT = format('SELECT dts_set_alert(%L, ''task_failed'');', task);
      END IF;
    WHEN 'lag' THEN
      IF th IS NULL OR th <= 0 THEN
        RAISE EXCEPTION 'the lag alert of task "%" needs a threshold in seconds above 0', task
          USING ERRCODE = '22023',
                HINT = format('SELECT dts_set_alert(%L, ''lag'', 60, ''5 minutes''); fires when the lag stays above 60 s for 5 minutes.', task);
      END IF;
    WHEN 'retry_window' THEN
      th := coalesce(th, 0.5);
      IF th <= 0 OR th > 1 THEN
        RAISE EXCEPTION 'the retry_window alert threshold is the fraction of the window spent, above 0 and at most 1 (got %)', th
          USING ERRCODE = '22023', HINT = '0.5 fires when half the retry window is spent.';
      END IF;
    WHEN 'validation' THEN
      th := coalesce(th, 0);
      IF th < 0 THEN
        RAISE EXCEPTION 'the validation alert threshold is a number of chunks, 0 or more (got %)', th
          USING ERRCODE = '22023';
      END IF;
  END CASE;
  INSERT INTO dts.alert_rules AS r (task_id, kind, threshold, for_interval)
  VALUES (t.task_id, kind, th, for_interval)
  ON CONFLICT ON CONSTRAINT alert_rules_pkey DO UPDATE
    SET threshold = EXCLUDED.threshold, for_interval = EXCLUDED.for_interval;
END $$;

-- Removes a rule (NULL: every rule of the task); a firing alert is cleared first.
CREATE FUNCTION dts_drop_alert(task text, kind text DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  t dts.tasks := dts._task(task);
  r dts.alert_rules;
  n integer := 0;
BEGIN
  FOR r IN SELECT * FROM dts.alert_rules a WHERE a.task_id = t.task_id
              AND (dts_drop_alert.kind IS NULL OR a.kind = dts_drop_alert.kind) FOR UPDATE LOOP
    IF r.firing THEN
      PERFORM dts._alert_event(t, r, 'cleared', NULL, 'alert rule removed');
    END IF;
    DELETE FROM dts.alert_rules a WHERE a.task_id = r.task_id AND a.kind = r.kind;
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;

-- One firing or clearing: the row, and its JSON on channel dts_alerts.
CREATE FUNCTION dts._alert_event(t dts.tasks, r dts.alert_rules, event text, value numeric,
                                 message text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  id bigint;
  at timestamptz := clock_timestamp();
  body jsonb;
BEGIN
  INSERT INTO dts.alerts (task_id, kind, event, at, value, threshold, message, payload)
  VALUES (t.task_id, r.kind, event, at, value, r.threshold, message, '{}')
  RETURNING alert_id INTO id;
  body := jsonb_build_object('alert_id', id, 'task', t.name, 'kind', r.kind, 'event', event,
                                'at', at, 'value', value, 'threshold', r.threshold,
                                'message', message, 'database', current_database());
  UPDATE dts.alerts a SET payload = body WHERE a.alert_id = id;
  PERFORM pg_notify('dts_alerts', body::text);
  PERFORM dts._log(t.task_id, CASE event WHEN 'firing' THEN 'warning' ELSE 'info' END, t.stage, NULL,
                   format('alert %s %s: %s', r.kind, event, message));
END $$;

-- The measured value of a rule now (NULL: nothing to measure, the condition does not hold).
CREATE FUNCTION dts._alert_value(t dts.tasks, kind text) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
  v numeric;
  run timestamptz;
BEGIN
  CASE kind
    WHEN 'task_failed' THEN
      RETURN CASE WHEN t.state = 'failed' THEN 1 ELSE 0 END;
    WHEN 'lag' THEN
      IF t.state <> 'running' OR t.stage IS DISTINCT FROM 'incremental' THEN
        RETURN NULL;
      END IF;
      -- Since the newest heartbeat's source time, or since the task (re)started reading.
      SELECT extract(epoch FROM clock_timestamp() - greatest(max(h.source_time), t.started_at, t.resumed_at))
        INTO v FROM dts.heartbeats h WHERE h.task_id = t.task_id;
      RETURN round(v, 3);
    WHEN 'retry_window' THEN
      IF t.state <> 'running' OR t.failing_since IS NULL THEN
        RETURN 0;
      END IF;
      RETURN round(extract(epoch FROM clock_timestamp() - t.failing_since) / (t.retry_minutes * 60), 4);
    WHEN 'validation' THEN
      SELECT max(v2.run_at) INTO run FROM dts.validation_results v2 WHERE v2.task_id = t.task_id;
      IF run IS NULL THEN
        RETURN NULL;
      END IF;
      SELECT count(*) INTO v FROM dts.validation_results v2
       WHERE v2.task_id = t.task_id AND v2.run_at = run AND v2.status <> 'ok';
      RETURN v;
  END CASE;
  RETURN NULL;
END $$;

-- Evaluates every rule; returns the number of alerts that fired or cleared.
CREATE FUNCTION dts_check_alerts() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r dts.alert_rules;
  t dts.tasks;
  v numeric;
  holds boolean;
  n integer := 0;
  now_ts timestamptz;
BEGIN
  PERFORM dts._require_admin();
  -- Rows locked in one order: concurrent checks (sidecar, pg_cron) take turns.
  FOR r IN SELECT * FROM dts.alert_rules ORDER BY task_id, kind FOR UPDATE LOOP
    SELECT * INTO t FROM dts.tasks k WHERE k.task_id = r.task_id;
    v := dts._alert_value(t, r.kind);
    holds := CASE r.kind WHEN 'task_failed' THEN v = 1
                         WHEN 'retry_window' THEN v >= r.threshold
                         ELSE v > r.threshold END;
    holds := coalesce(holds, false);
    now_ts := clock_timestamp();
    IF holds THEN
      r.pending_since := coalesce(r.pending_since, now_ts);
      IF NOT r.firing AND now_ts - r.pending_since >= r.for_interval THEN
        PERFORM dts._alert_event(t, r, 'firing', v,
          CASE r.kind
            WHEN 'task_failed' THEN format('task %s failed: %s', t.name, coalesce(t.last_error, 'no error recorded'))
            WHEN 'lag' THEN format('task %s lags %s s behind its source (threshold %s s, for %s)', t.name, v, r.threshold, r.for_interval)
            WHEN 'retry_window' THEN format('task %s has been failing to connect since %s: %s%% of its %s-minute retry window spent; last error: %s',
                                            t.name, t.failing_since, round(v * 100), t.retry_minutes, coalesce(t.last_error, '-'))
            ELSE format('the newest validation of task %s found %s chunk(s) different; SELECT dts_repair(%L) re-copies them', t.name, v, t.name)
          END);
        r.firing := true;
        n := n + 1;
      END IF;
    ELSE
      r.pending_since := NULL;
      IF r.firing THEN
        PERFORM dts._alert_event(t, r, 'cleared', v,
          format('%s alert of task %s cleared (value %s)', r.kind, t.name, coalesce(v::text, 'none')));
        r.firing := false;
        n := n + 1;
      END IF;
    END IF;
    UPDATE dts.alert_rules a SET pending_since = r.pending_since, firing = r.firing, last_value = v,
                                 checked_at = now_ts
     WHERE a.task_id = r.task_id AND a.kind = r.kind;
  END LOOP;
  DELETE FROM dts.alerts a WHERE a.at < now() - interval '90 days';
  RETURN n;
END $$;

-- ---- repair -----------------------------------------------------------------------------------
-- dts_repair(task [, tables]) re-copies the chunks the newest dts_validate() run found different,
-- while the incremental stage goes on. Each chunk is replaced in one transaction that holds the
-- task's incremental checkpoints (the apply batches wait for it), so every change up to the
-- checkpoint is in the source rows read, and every later change is applied after the commit.
-- Changes between the checkpoint and the read are in the copy and are applied once more: for a
-- table with a key that is an upsert or delete of the same row image, so the chunk matches its
-- source once the checkpoint passes the fence, the end of the source log after the read (tables
-- without a key are refused: applying a change twice would duplicate a row).
CREATE TABLE dts.repairs (
  task_id       bigint NOT NULL REFERENCES dts.tasks ON DELETE CASCADE,
  source_db     text NOT NULL,
  source_schema text NOT NULL,
  source_table  text NOT NULL,
  chunk_no      integer,
  repaired_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  rows_deleted  bigint NOT NULL,
  rows_copied   bigint NOT NULL,
  fence_lsn     text
);
CREATE INDEX ON dts.repairs (task_id, repaired_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON dts.repairs TO dts_admin;

-- Re-copying while changes flow applies some changes a second time, which only a table with a
-- key absorbs: refuses the others, naming the function.
CREATE FUNCTION dts._require_key(x dts.tables, what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(cardinality(x.source_primary_key), 0) = 0 AND NOT EXISTS (
       SELECT FROM dts.table_settings s WHERE (s.task_id, s.source_db, s.source_schema, s.source_table)
         = (x.task_id, x.source_db, x.source_schema, x.source_table) AND cardinality(s.primary_key) > 0) THEN
    RAISE EXCEPTION 'table %.%.% has no key: % cannot re-copy it while changes flow', x.source_db,
      x.source_schema, x.source_table, what USING ERRCODE = '55000',
      HINT = 'A change applied twice would duplicate a row of a table without a key. Restart the task with a full stage, or give the table a key with dts_set_keys().';
  END IF;
END $$;

-- The columns an INSERT of a table's rows names (generated columns compute themselves).
CREATE FUNCTION dts._insert_columns(target text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
   WHERE a.attrelid = target::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';
$$;

CREATE FUNCTION dts_repair(task text, tables text[] DEFAULT NULL)
RETURNS TABLE (source_table text, chunk_no integer, rows_deleted bigint, rows_copied bigint,
               fence_lsn text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  t dts.tasks := dts._task(task);
  run timestamptz;
  picked text[];
  v record;
  x dts.tables;
  k dts.chunks;
  ft text;
  target text;
  cols text;
  range_sql text;
  n integer := 0;
BEGIN
  SELECT max(r.run_at) INTO run FROM dts.validation_results r WHERE r.task_id = t.task_id;
  IF run IS NULL THEN
    RAISE EXCEPTION 'task "%" has no validation to repair from', task USING ERRCODE = '55000',
      HINT = format('Run SELECT * FROM dts_validate(%L); first.', task);
  END IF;
  IF tables IS NOT NULL THEN
    SELECT array_agg(array_to_string(dts._split_name(t, s, 3), '.')) INTO picked FROM unnest(tables) s;
  END IF;
  FOR v IN SELECT DISTINCT r.source_db, r.source_schema, r.source_table, r.chunk_no
             FROM dts.validation_results r
            WHERE r.task_id = t.task_id AND r.run_at = run AND r.status <> 'ok'
              AND (picked IS NULL OR r.source_db || '.' || r.source_schema || '.' || r.source_table = ANY (picked))
            ORDER BY 1, 2, 3, 4 LOOP
    SELECT * INTO x FROM dts.tables y
     WHERE (y.task_id, y.source_db, y.source_schema, y.source_table) = (t.task_id, v.source_db, v.source_schema, v.source_table);
    source_table := v.source_db || '.' || v.source_schema || '.' || v.source_table;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'table % is no longer part of task "%"', source_table, task USING ERRCODE = '55000',
        HINT = format('Run SELECT * FROM dts_validate(%L); again.', task);
    END IF;
    target := format('%I.%I', x.target_schema, x.target_table);
    IF to_regclass(target) IS NULL THEN
      RAISE EXCEPTION 'destination table % of % does not exist', target, source_table USING ERRCODE = '42P01',
        HINT = 'dts_resnapshot() cannot help either: recreate the table (dts_start_task with the schema stage).';
    END IF;
    PERFORM dts._require_key(x, 'dts_repair');
    SELECT * INTO k FROM dts.chunks c
     WHERE (c.task_id, c.source_db, c.source_schema, c.source_table, c.chunk_no)
           = (x.task_id, x.source_db, x.source_schema, x.source_table, v.chunk_no);
    -- The fence: the apply batches wait until this transaction ends.
    PERFORM FROM dts.checkpoints c WHERE c.task_id = t.task_id AND c.stage = 'incremental' FOR UPDATE;
    PERFORM dts._replica_mode();
    n := n + 1;
    ft := dts._source_mirror(t, x.task_id, x.source_db, x.source_schema, x.source_table, 'dts_repair_' || n);
    range_sql := dts._chunk_range(k.key_column, k.lower_bound, k.upper_bound);
    cols := dts._insert_columns(target);
    chunk_no := v.chunk_no;
    EXECUTE format('DELETE FROM %s%s', target, range_sql);
    GET DIAGNOSTICS rows_deleted = ROW_COUNT;
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s%s', target, cols, cols, ft, range_sql);
    GET DIAGNOSTICS rows_copied = ROW_COUNT;
    EXECUTE format('DROP FOREIGN TABLE %s', ft);
    SELECT lower(l) INTO fence_lsn
      FROM dts._source_query(t.server, t.owner, x.source_db, 'SELECT log_end_lsn FROM sys.dm_db_log_stats(DB_ID())') AS s(l text);
    INSERT INTO dts.repairs (task_id, source_db, source_schema, source_table, chunk_no, rows_deleted, rows_copied, fence_lsn)
    VALUES (t.task_id, x.source_db, x.source_schema, x.source_table, v.chunk_no, rows_deleted, rows_copied, fence_lsn);
    PERFORM dts._log(t.task_id, 'info', t.stage, source_table,
      format('chunk %s repaired: %s rows replaced by %s from the source; exact once the checkpoint passes LSN %s',
             coalesce(v.chunk_no::text, '(whole table)'), rows_deleted, rows_copied, fence_lsn));
    RETURN NEXT;
  END LOOP;
END $$;

-- dts_resnapshot(task, tables) after a retention overrun (CDC cleanup passed the task's position
-- for these tables): each table is copied again whole, and its changes are read from the CDC high
-- mark taken before the copy (dts.tables.incremental_from), while the other tables go on from the
-- checkpoint. Changes up to that mark are in the copy; later ones may be too and are applied once
-- more, which a table with a key absorbs (tables without a key are refused). A task that failed
-- for it runs again.
-- A task without the incremental stage (schema/full only) copies nothing when started again once
-- its tables are done: dts_resnapshot is its explicit re-sync. Each named table (NULL: every
-- table of the task) is emptied and copied again, in this one transaction (readers see the old
-- rows or the new ones); no change stream follows, so any table qualifies and the task's state
-- stays as it is.
CREATE FUNCTION dts_resnapshot(task text, tables text[])
RETURNS TABLE (source_table text, rows_copied bigint, read_from text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  t dts.tasks := dts._task(task, true);
  full_only boolean := NOT ('incremental' = ANY (t.stages));
  picked dts.tables[] := '{}';
  tab text;
  p text[];
  x dts.tables;
  target text;
  cols text;
  ft text;
  copied bigint;
  n integer := 0;
BEGIN
  IF (tables IS NULL OR cardinality(tables) = 0) AND NOT full_only THEN
    RAISE EXCEPTION 'dts_resnapshot needs the tables to copy again' USING ERRCODE = '22023',
      HINT = format('SELECT * FROM dts_resnapshot(%L, ARRAY[''dbo.orders'']); the task''s last_error names the table.', task);
  END IF;
  IF NOT full_only AND t.stage IS DISTINCT FROM 'incremental' THEN
    RAISE EXCEPTION 'pg_dts task "%" is not in its incremental stage (stage %)', task, coalesce(t.stage, 'none')
      USING ERRCODE = '55000', HINT = 'Only the incremental stage reads changes that retention can remove.';
  END IF;
  IF t.state = 'running' THEN
    RAISE EXCEPTION 'pg_dts task "%" is running', task USING ERRCODE = '55000',
      HINT = CASE WHEN full_only THEN 'Wait until it completes, or stop it first: ' || format('SELECT dts_stop_task(%L);', task)
                  ELSE format('A retention overrun fails the task; otherwise pause it first: SELECT dts_pause_task(%L);', task) END;
  END IF;
  IF tables IS NULL OR cardinality(tables) = 0 THEN
    SELECT coalesce(array_agg(y ORDER BY y.source_db, y.source_schema, y.source_table), '{}') INTO picked
      FROM dts.tables y WHERE y.task_id = t.task_id;
    IF cardinality(picked) = 0 THEN
      RAISE EXCEPTION 'task "%" has no tables to copy', task USING ERRCODE = '55000',
        HINT = format('Start it first (SELECT dts_start_task(%L);): its tables are resolved when it starts.', task);
    END IF;
  ELSE
    FOREACH tab IN ARRAY tables LOOP
      p := dts._split_name(t, tab, 3);
      SELECT * INTO x FROM dts.tables y
       WHERE (y.task_id, y.source_db, y.source_schema, y.source_table) = (t.task_id, p[1], p[2], p[3]);
      IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not part of task "%"', array_to_string(p, '.'), task USING ERRCODE = '42P01',
          HINT = format('SELECT source_table FROM dts_task_progress(%L); lists them.', task);
      END IF;
      picked := picked || x;
    END LOOP;
  END IF;
  PERFORM FROM dts.checkpoints c WHERE c.task_id = t.task_id AND c.stage = 'incremental' FOR UPDATE;
  PERFORM dts._replica_mode();
  FOREACH x IN ARRAY picked LOOP
    source_table := x.source_db || '.' || x.source_schema || '.' || x.source_table;
    read_from := NULL;
    target := format('%I.%I', x.target_schema, x.target_table);
    IF to_regclass(target) IS NULL THEN
      RAISE EXCEPTION 'destination table % of % does not exist', target, source_table USING ERRCODE = '42P01',
        HINT = format('Recreate it: SELECT dts_start_task(%L); with the schema stage.', task);
    END IF;
    IF NOT full_only THEN
      IF x.capture IS DISTINCT FROM 'cdc' THEN
        RAISE EXCEPTION 'table % is read from the transaction log, not with CDC: dts_resnapshot cannot help', source_table
          USING ERRCODE = '55000', HINT = 'A log position that is gone needs a new start with a full stage.';
      END IF;
      PERFORM dts._require_key(x, 'dts_resnapshot');
      -- The CDC high mark before the copy: every change up to it is in the rows read below.
      SELECT lower(substr(v, 3, 8) || ':' || substr(v, 11, 8) || ':' || substr(v, 19, 4)) INTO read_from
        FROM dts._source_query(t.server, t.owner, x.source_db, 'SELECT sys.fn_cdc_get_max_lsn()') AS s(v text);
      IF read_from IS NULL OR length(read_from) <> 22 THEN
        RAISE EXCEPTION 'SQL Server reports no CDC high mark for database %', x.source_db USING ERRCODE = '55000',
          HINT = 'Check that CDC is enabled there and its capture job runs.';
      END IF;
    END IF;
    n := n + 1;
    ft := dts._source_mirror(t, x.task_id, x.source_db, x.source_schema, x.source_table, 'dts_resnapshot_' || n);
    cols := dts._insert_columns(target);
    EXECUTE format('DELETE FROM %s', target);
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s', target, cols, cols, ft);
    GET DIAGNOSTICS copied = ROW_COUNT;
    rows_copied := copied;
    EXECUTE format('DROP FOREIGN TABLE %s', ft);
    IF full_only THEN
      UPDATE dts.tables y SET full_state = 'done', rows_copied = copied, full_finished_at = clock_timestamp()
       WHERE (y.task_id, y.source_db, y.source_schema, y.source_table) = (x.task_id, x.source_db, x.source_schema, x.source_table);
      PERFORM dts._log(t.task_id, 'info', 'full', source_table,
        format('table emptied and copied again (%s rows) by dts_resnapshot', rows_copied));
    ELSE
      UPDATE dts.tables y SET incremental_from = read_from
       WHERE (y.task_id, y.source_db, y.source_schema, y.source_table) = (x.task_id, x.source_db, x.source_schema, x.source_table);
      PERFORM dts._log(t.task_id, 'info', 'incremental', source_table,
        format('table copied again (%s rows); its changes are read from LSN %s', rows_copied, read_from));
    END IF;
    RETURN NEXT;
  END LOOP;
  IF NOT full_only AND t.state IN ('failed', 'stopped') THEN
    UPDATE dts.tasks SET state = 'running', stopped_at = NULL, last_error = NULL, attempts = 0,
                         failing_since = NULL, resumed_at = clock_timestamp()
     WHERE task_id = t.task_id;
    PERFORM dts._log(t.task_id, 'info', 'incremental', NULL, 'task runs again after dts_resnapshot');
    PERFORM pg_notify('dts_task', t.name);
  END IF;
END $$;
