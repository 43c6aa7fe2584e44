
-- ---- apply engine -----------------------------------------------------------------------------
-- The change readers hand the extension one destination transaction per batch of whole source
-- transactions (docs/apply.md):
--   BEGIN;
--   SELECT dts._apply_begin(task, db, first_lsn)          -- false: already applied, roll back
--   per table: COPY its changes into a stage made by dts._apply_stage(target), then
--              SELECT dts._apply_table(target, stage, key columns)
--   SELECT dts._apply_heartbeat(task, db, source time)   -- for each heartbeat row in the batch
--   SELECT dts._apply_commit(task, db, last_lsn, source transactions, changes)
--   COMMIT;
-- so the checkpoint moves in the same transaction as the rows, and a batch is applied once.

-- When the task's incremental stage first made its checkpoints durable (the sidecar, from the
-- cutover). From then on a missing checkpoint is an error, never a restart from the cutover.
ALTER TABLE dts.tasks ADD COLUMN incremental_started_at timestamptz;

-- A stage for one target table: the target's columns plus __seq (order in the batch) and __op
-- ('U' upsert with the full row, 'N' the same for a key the source inserted in this batch, 'D'
-- delete; for tables without a key 'I' insert and 'D' delete of one row equal to the given image).
-- Temporary, emptied at commit.
CREATE FUNCTION dts._apply_stage(target regclass) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  stage text := 'dts_stage_' || target::oid;
BEGIN
  IF to_regclass('pg_temp.' || stage) IS NULL THEN
    EXECUTE format('CREATE TEMP TABLE %I (__seq bigint NOT NULL, __op "char" NOT NULL, LIKE %s) ON COMMIT DELETE ROWS',
                   stage, target);
    -- The target's NOT NULL constraints must not refuse the key-only images of deletes.
    EXECUTE coalesce((SELECT string_agg(format('ALTER TABLE pg_temp.%I ALTER COLUMN %I DROP NOT NULL', stage, a.attname), '; ')
                        FROM pg_attribute a WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull),
                     'SELECT');
  END IF;
  RETURN 'pg_temp.' || quote_ident(stage);
END $$;

-- Applies a stage to its target. With key columns: deletes by key, then upserts (INSERT ... ON
-- CONFLICT on the key), both set-based. A compacted stage holds at most one change per key (the
-- reader compacted it in memory); an uncompacted one (a source transaction too large to hold,
-- streamed straight into the stage) is compacted here first: the last change of each key in
-- __seq order decides. Without key columns: the changes in __seq order, a delete removing one row
-- equal to its image (whole-row match). `columns` are the target columns the changes carry (NULL:
-- all); the others keep their values (a column added before its capture instance delivers it).
-- Returns the rows deleted and upserted.
CREATE FUNCTION dts._apply_table(target regclass, stage text, key_columns text[],
                                 compacted boolean DEFAULT true, columns text[] DEFAULT NULL,
                                 lob_columns text[] DEFAULT '{}',
                                 OUT deleted bigint, OUT upserted bigint)
LANGUAGE plpgsql AS $$
DECLARE
  col_names text[] := coalesce(columns, ARRAY(SELECT a.attname::text FROM pg_attribute a
                                               WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped
                                               ORDER BY a.attnum));
  cols text := (SELECT string_agg(quote_ident(c), ', ' ORDER BY o) FROM unnest(col_names) WITH ORDINALITY u(c, o));
  key_match text;
  sets text;
  has_unique boolean;
  has_fresh boolean;
  images text;
  cols_out text;
  row_text text;
  row_t text;
  group_by text;
  net text;
  keys text := (SELECT string_agg(quote_ident(k), ', ') FROM unnest(key_columns) k);
  ops "char"[] := '{N,U}';
  r record;
  n bigint;
BEGIN
  deleted := 0;
  upserted := 0;
  IF cardinality(key_columns) > 0 THEN
    -- = where the column cannot be NULL (primary keys), so the key's index and hash joins apply;
    -- IS NOT DISTINCT FROM (NULL matches NULL) only for nullable key columns.
    SELECT string_agg(format(CASE WHEN a.attnotnull THEN 't.%1$I = s.%1$I' ELSE 't.%1$I IS NOT DISTINCT FROM s.%1$I' END, k), ' AND ')
      INTO key_match
      FROM unnest(key_columns) k LEFT JOIN pg_attribute a ON a.attrelid = target AND a.attname = k;
    IF NOT compacted THEN
      EXECUTE format('DELETE FROM %1$s s USING (SELECT ctid AS c, row_number() OVER (PARTITION BY %2$s ORDER BY __seq DESC) AS n FROM %1$s) d WHERE s.ctid = d.c AND d.n > 1',
                     stage, (SELECT string_agg(quote_ident(k), ', ') FROM unnest(key_columns) k));
    END IF;
    EXECUTE format('DELETE FROM %s t USING %s s WHERE s.__op = ''D'' AND %s', target, stage, key_match);
    GET DIAGNOSTICS deleted = ROW_COUNT;
    -- ON CONFLICT needs a unique index on exactly the key; without one (a table kept by
    -- ignore_and_proceed) the upsert is a delete of the key followed by an insert.
    SELECT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = target AND i.indisunique AND i.indpred IS NULL
                     AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a
                           WHERE a.attrelid = target AND a.attnum = ANY (i.indkey))
                         = (SELECT array_agg(k ORDER BY k) FROM unnest(key_columns) k))
      INTO has_unique;
    SELECT string_agg(format('%1$I = EXCLUDED.%1$I', c), ', ' ORDER BY o) INTO sets
      FROM unnest(col_names) WITH ORDINALITY u(c, o) WHERE NOT c = ANY (key_columns);
    IF has_unique THEN
      -- 'N' rows (keys new at the source) take a plain INSERT, about half the work of an upsert
      -- per row. A destination that has some of them already (rows a full load copied after the
      -- cutover, a table kept by ignore_and_proceed) refuses it whole, and they are upserted with
      -- the rest. The subtransaction this needs is one per table and batch, and only when the
      -- reader sent 'N' rows (it sends them only when there are many).
      -- Not on Citus tables: a refused INSERT into shards does not roll back to the
      -- subtransaction there, it ends the transaction (measured: the batch failed).
      EXECUTE format('SELECT EXISTS (SELECT FROM %s WHERE __op = ''N'')', stage) INTO has_fresh;
      IF has_fresh AND to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
        EXECUTE 'SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1)'
          INTO has_fresh USING target;
      END IF;
      IF has_fresh THEN
        BEGIN
          EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s WHERE __op = ''N'' ORDER BY %s', target, cols, cols, stage, keys);
          GET DIAGNOSTICS n = ROW_COUNT;
          ops := '{U}';
        EXCEPTION WHEN unique_violation THEN
          n := 0;
        END;
      END IF;
      EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s WHERE __op = ANY ($1) ORDER BY %s ON CONFLICT (%s) DO %s',
                     target, cols, cols, stage, keys, keys,
                     CASE WHEN sets IS NULL THEN 'NOTHING' ELSE 'UPDATE SET ' || sets END)
        USING ops;
      GET DIAGNOSTICS upserted = ROW_COUNT;
      upserted := upserted + coalesce(n, 0);
    ELSE
      EXECUTE format('DELETE FROM %s t USING %s s WHERE s.__op IN (''U'', ''N'') AND %s', target, stage, key_match);
      EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s WHERE __op IN (''U'', ''N'')', target, cols, cols, stage);
      GET DIAGNOSTICS upserted = ROW_COUNT;
    END IF;
    RETURN;
  END IF;
  -- Whole rows. Without large-value wildcards (below), set-based: within the batch a row image
  -- counts +1 per insert and -1 per delete; images that gain are inserted that many times, images
  -- that lose delete that many equal rows. On a destination in step with the source that is what
  -- the changes one by one give, since every delete's row was there or inserted before it.
  -- Columns that cannot be NULL are matched with = (an index or a hash join serves them), the
  -- others with IS NOT DISTINCT FROM; xml has no equality operator and is compared as text.
  IF cardinality(lob_columns) = 0 THEN
    SELECT string_agg(format('%s AS %I', format(CASE WHEN a.atttypid = 'xml'::regtype THEN 's.%I::text' ELSE 's.%I' END, c), c), ', ' ORDER BY o),
           string_agg(format(CASE WHEN a.atttypid = 'xml'::regtype THEN 'n.%I::xml' ELSE 'n.%I' END, c), ', ' ORDER BY o),
           string_agg(format(CASE WHEN a.attnotnull THEN '%s = n.%I' ELSE '%s IS NOT DISTINCT FROM n.%I' END,
                             format(CASE WHEN a.atttypid = 'xml'::regtype THEN 't.%I::text' ELSE 't.%I' END, c), c), ' AND ' ORDER BY o),
           string_agg((o + 1)::text, ', ' ORDER BY o),
           -- Without a NOT NULL column nothing above can be hashed: the rows' text is.
           CASE WHEN NOT bool_or(coalesce(a.attnotnull, false)) THEN
             format('ROW(%s)::text', string_agg(format(CASE WHEN a.atttypid = 'xml'::regtype THEN 's.%I::text' ELSE 's.%I' END, c), ', ' ORDER BY o))
           END,
           format('ROW(%s)::text', string_agg(format(CASE WHEN a.atttypid = 'xml'::regtype THEN 't.%I::text' ELSE 't.%I' END, c), ', ' ORDER BY o))
      INTO images, cols_out, key_match, group_by, row_text, row_t
      FROM unnest(col_names) WITH ORDINALITY u(c, o)
      LEFT JOIN pg_attribute a ON a.attrelid = target AND a.attname = c AND NOT a.attisdropped;
    net := format('SELECT row_number() OVER () AS __gid, %s, sum(CASE WHEN s.__op = ''I'' THEN 1 ELSE -1 END) AS __net%s FROM %s s GROUP BY %s',
                  images, CASE WHEN row_text IS NOT NULL THEN ', ' || row_text || ' AS __row' ELSE '' END, stage, group_by);
    IF row_text IS NOT NULL THEN
      key_match := row_t || ' = n.__row AND ' || key_match;
    END IF;
    EXECUTE format('DELETE FROM %1$s WHERE ctid = ANY (ARRAY(SELECT c FROM (SELECT t.ctid AS c, -n.__net AS want, row_number() OVER (PARTITION BY n.__gid) AS k FROM %1$s t JOIN (%2$s) n ON n.__net < 0 AND %3$s) d WHERE k <= want))',
                   target, net, key_match);
    GET DIAGNOSTICS deleted = ROW_COUNT;
    EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM (%s) n, generate_series(1, n.__net) WHERE n.__net > 0',
                   target, cols, cols_out, net);
    GET DIAGNOSTICS upserted = ROW_COUNT;
    RETURN;
  END IF;
  -- With large values: in lob_columns (text/ntext/image, which CDC leaves NULL in every delete
  -- and update before-image) a NULL in the image matches anything, so rows are matched one change
  -- at a time, in order. The reader restores unchanged (max) values of update before-images from
  -- the after-image, so those match exactly.
  SELECT string_agg(format(CASE WHEN c = ANY (lob_columns) THEN '(s.%1$I IS NULL OR t.%1$I%2$s = s.%1$I%2$s)'
                                ELSE 't.%1$I%2$s IS NOT DISTINCT FROM s.%1$I%2$s' END,
                           c, CASE WHEN a.atttypid = 'xml'::regtype THEN '::text' ELSE '' END), ' AND ' ORDER BY o)
    INTO key_match
    FROM unnest(col_names) WITH ORDINALITY u(c, o)
    LEFT JOIN pg_attribute a ON a.attrelid = target AND a.attname = c AND NOT a.attisdropped;
  FOR r IN EXECUTE format('SELECT __seq, __op FROM %s ORDER BY __seq', stage) LOOP
    IF r.__op = 'D' THEN
      EXECUTE format('DELETE FROM %1$s WHERE ctid = (SELECT t.ctid FROM %1$s t, %2$s s WHERE s.__seq = $1 AND %3$s LIMIT 1)',
                     target, stage, key_match)
        USING r.__seq;
      GET DIAGNOSTICS n = ROW_COUNT;
      deleted := deleted + n;
    ELSE
      EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s WHERE __seq = $1', target, cols, cols, stage) USING r.__seq;
      upserted := upserted + 1;
    END IF;
  END LOOP;
END $$;

-- Opens a batch: locks the task's incremental checkpoint for the database and tells whether the
-- batch (starting at first_lsn, the commit LSN of its first source transaction) is new.
CREATE FUNCTION dts._apply_begin(task_id bigint, source_db text, first_lsn text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  done text;
BEGIN
  PERFORM dts._replica_mode();
  INSERT INTO dts.checkpoints (task_id, source_db, stage, lsn)
  VALUES (task_id, source_db, 'incremental', NULL) ON CONFLICT DO NOTHING;
  SELECT c.lsn INTO done FROM dts.checkpoints c
   WHERE (c.task_id, c.source_db, c.stage) = (_apply_begin.task_id, _apply_begin.source_db, 'incremental')
   FOR UPDATE;
  -- LSNs print as fixed-width hex (vlf:block:slot): text order is log order.
  RETURN done IS NULL OR lower(first_lsn) > lower(done);
END $$;

-- A heartbeat row of the task (written at the source by the sidecar, datetime2 in UTC) reached
-- the destination in this batch.
CREATE FUNCTION dts._apply_heartbeat(task_id bigint, source_db text, source_time text) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO dts.heartbeats (task_id, source_db, source_time)
  VALUES (task_id, source_db, source_time::timestamp AT TIME ZONE 'UTC');
$$;

-- The source's newest CDC LSN, as the reader sees it when it polls.
CREATE FUNCTION dts._apply_source_lsn(task_id bigint, source_db text, max_lsn text) RETURNS void
LANGUAGE sql AS $$
  UPDATE dts.checkpoints c SET source_max_lsn = lower(max_lsn)
   WHERE (c.task_id, c.source_db, c.stage) = (_apply_source_lsn.task_id, _apply_source_lsn.source_db, 'incremental')
     AND c.source_max_lsn IS DISTINCT FROM lower(max_lsn);
$$;

-- Closes a batch: the checkpoint becomes its last commit LSN (never moves back).
CREATE FUNCTION dts._apply_commit(task_id bigint, source_db text, last_lsn text,
                                  transactions bigint DEFAULT NULL, changes bigint DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  prev_lsn text;
BEGIN
  SELECT c.lsn INTO prev_lsn FROM dts.checkpoints c
   WHERE (c.task_id, c.source_db, c.stage) = (_apply_commit.task_id, _apply_commit.source_db, 'incremental');
  UPDATE dts.checkpoints c SET lsn = lower(last_lsn), updated_at = now()
   WHERE (c.task_id, c.source_db, c.stage) = (_apply_commit.task_id, _apply_commit.source_db, 'incremental')
     AND (c.lsn IS NULL OR c.lsn < lower(last_lsn));
  IF NOT FOUND THEN
    RAISE EXCEPTION 'pg_dts task %: batch ending at LSN % does not move the checkpoint of database %',
      task_id, last_lsn, source_db USING ERRCODE = '55000',
      HINT = 'Open every batch with dts._apply_begin() and skip the batches it reports as applied.';
  END IF;
  INSERT INTO dts.apply_batches (task_id, source_db, after_lsn, last_lsn, transactions, changes)
  VALUES (task_id, source_db, prev_lsn, lower(last_lsn), coalesce(transactions, 0), coalesce(changes, 0));
  -- Statistics are kept a day; trimming now and then keeps the cost off most batches.
  IF random() < 0.01 THEN
    DELETE FROM dts.apply_batches b WHERE b.task_id = _apply_commit.task_id AND b.applied_at < now() - interval '1 day';
    DELETE FROM dts.heartbeats h WHERE h.task_id = _apply_commit.task_id AND h.applied_at < now() - interval '1 day';
  END IF;
END $$;

-- Brings a destination table in line with its source table after ALTER TABLE / CREATE INDEX /
-- DROP INDEX (schema_evolve.cpp). Returns the statements run and notes ("-- ...").
CREATE FUNCTION dts._evolve_table(task_id bigint, source_db text, source_schema text,
                                  source_table text, dropped_index text)
RETURNS SETOF text AS 'MODULE_PATHNAME', 'dts_evolve_table' LANGUAGE C VOLATILE;

-- Whether the task's object selection takes a table created at the source during the
-- incremental stage.
CREATE FUNCTION dts._selects(task_id bigint, source_db text, source_schema text, source_table text)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT NOT (source_schema = 'dbo' AND source_table IN ('dts_sync_progress', 'dts_log_heart_beat', 'dts_cdc_ddl_history'))
     AND EXISTS (SELECT FROM dts.task_objects o
                  WHERE (o.task_id, o.source_db, o.source_schema) = (_selects.task_id, _selects.source_db, _selects.source_schema)
                    AND (o.source_table = '' OR o.source_table = _selects.source_table));
$$;

-- A row of dbo.dts_cdc_ddl_history, applied at its place in the change stream (the apply
-- transaction of the source transaction that ran the DDL). Returns what was done:
--   'joined'  CREATE TABLE of a table the selection takes: resolved and created here;
--   'dropped' DROP TABLE of a synced table;   'altered' ALTER TABLE / CREATE|DROP INDEX applied;
--   'skipped' DDL inside a user transaction (with data changes or other DDL): recorded as a
--             warning, the destination is left alone; 'ignored' DDL on tables the task does not sync.
CREATE FUNCTION dts._apply_ddl(task_id bigint, source_db text, lsn text, event_type text,
                               schema_name text, object_name text, target_name text,
                               command text, in_user_transaction boolean)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  t dts.tasks;
  tab text := CASE WHEN event_type IN ('CREATE_INDEX', 'DROP_INDEX', 'ALTER_INDEX') THEN target_name ELSE object_name END;
  src text := source_db || '.' || schema_name || '.' || tab;
  x dts.tables;
  stmt text;
  done text[] := '{}';
  known text[];
BEGIN
  SELECT * INTO t FROM dts.tasks WHERE tasks.task_id = _apply_ddl.task_id;
  SELECT * INTO x FROM dts.tables y WHERE (y.task_id, y.source_db, y.source_schema, y.source_table)
                                         = (_apply_ddl.task_id, _apply_ddl.source_db, schema_name, tab);
  IF NOT FOUND AND NOT (event_type = 'CREATE_TABLE' AND dts._selects(task_id, source_db, schema_name, tab)) THEN
    RETURN 'ignored';
  END IF;
  IF in_user_transaction THEN
    PERFORM dts._log(task_id, 'warning', 'incremental', src,
      format('DDL at LSN %s skipped: it ran inside a user transaction with other changes (%s). Apply it to the destination by hand if needed.', lsn, command));
    RETURN 'skipped';
  END IF;
  IF event_type = 'CREATE_TABLE' THEN
    known := ARRAY(SELECT format('%I.%I.%I', y.source_db, y.source_schema, y.source_table)
                     FROM dts.tables y WHERE y.task_id = _apply_ddl.task_id);
    PERFORM FROM dts._resolve_tables(t);
    -- Only this table joins here. Others the selection takes that exist at the source by now were
    -- created later in the stream: each joins at its own CREATE TABLE, with its own capture.
    DELETE FROM dts.tables y
     WHERE y.task_id = _apply_ddl.task_id
       AND NOT format('%I.%I.%I', y.source_db, y.source_schema, y.source_table) = ANY (known)
       AND (y.source_db, y.source_schema, y.source_table) <> (_apply_ddl.source_db, schema_name, tab);
    IF NOT EXISTS (SELECT FROM dts.tables y WHERE (y.task_id, y.source_db, y.source_schema, y.source_table)
                                               = (_apply_ddl.task_id, _apply_ddl.source_db, schema_name, tab)) THEN
      RETURN 'ignored';
    END IF;
    PERFORM dts._sync_schema(task_id);
    PERFORM dts._log(task_id, 'info', 'incremental', src,
      format('table created at the source (LSN %s) joins the task; destination table created', lsn));
    RETURN 'joined';
  ELSIF event_type = 'DROP_TABLE' THEN
    -- dbo.dts_cdc_ddl_history is an ordinary table at the source: a row in it is a claim, not
    -- proof. Drop nothing while the very table it names (same object id) is still there.
    IF EXISTS (SELECT FROM dts._source_query(t.server, t.owner, source_db,
                 'SELECT OBJECT_ID(' || dts.tsql_literal(dts.tsql_ident(schema_name) || '.' || dts.tsql_ident(tab))
                 || ', N''U'')') AS y(id integer)
                WHERE y.id IS NOT NULL AND (x.source_object_id IS NULL OR y.id = x.source_object_id)) THEN
      PERFORM dts._log(task_id, 'warning', 'incremental', src,
        format('DROP_TABLE event at LSN %s ignored: the table still exists at the source. Rows of dbo.dts_cdc_ddl_history not written by the DDL trigger are not trusted.', lsn));
      RETURN 'ignored';
    END IF;
    IF x.schema_state = 'created' THEN
      EXECUTE format('DROP TABLE IF EXISTS %I.%I', x.target_schema, x.target_table);
    END IF;
    DELETE FROM dts.tables y WHERE (y.task_id, y.source_db, y.source_schema, y.source_table)
                                 = (x.task_id, x.source_db, x.source_schema, x.source_table);
    PERFORM dts._log(task_id, 'info', 'incremental', src,
      format('table dropped at the source (LSN %s); %s', lsn,
             CASE WHEN x.schema_state = 'created' THEN format('dropped %I.%I', x.target_schema, x.target_table)
                  ELSE format('%I.%I kept (pg_dts did not create it)', x.target_schema, x.target_table) END));
    RETURN 'dropped';
  -- ALTER_INDEX (a rebuild) changes nothing at the destination; as 'altered' it makes the log
  -- reader read the table's layout and allocation units again (a rebuilt index gets new ones).
  ELSIF event_type IN ('ALTER_TABLE', 'CREATE_INDEX', 'DROP_INDEX', 'ALTER_INDEX') THEN
    FOR stmt IN SELECT * FROM dts._evolve_table(task_id, source_db, schema_name, tab,
                                               CASE WHEN event_type = 'DROP_INDEX' THEN object_name END) LOOP
      done := done || stmt;
    END LOOP;
    -- This session's stage has the table's old columns.
    EXECUTE format('DROP TABLE IF EXISTS pg_temp.%I', 'dts_stage_' || format('%I.%I', x.target_schema, x.target_table)::regclass::oid);
    PERFORM dts._log(task_id, CASE WHEN EXISTS (SELECT FROM unnest(done) d WHERE d LIKE '--%') THEN 'warning' ELSE 'info' END,
      'incremental', src,
      format('%s at the source (LSN %s): %s', event_type, lsn,
             coalesce(nullif(array_to_string(done, '; '), ''), 'nothing to change at the destination')));
    RETURN 'altered';
  END IF;
  RETURN 'ignored';
END $$;

REVOKE ALL ON FUNCTION dts._apply_stage(regclass), dts._apply_table(regclass, text, text[], boolean, text[], text[]),
  dts._apply_begin(bigint, text, text), dts._apply_commit(bigint, text, text, bigint, bigint),
  dts._apply_heartbeat(bigint, text, text), dts._apply_source_lsn(bigint, text, text),
  dts._evolve_table(bigint, text, text, text, text), dts._selects(bigint, text, text, text),
  dts._apply_ddl(bigint, text, text, text, text, text, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dts._apply_stage(regclass), dts._apply_table(regclass, text, text[], boolean, text[], text[]),
  dts._apply_begin(bigint, text, text), dts._apply_commit(bigint, text, text, bigint, bigint),
  dts._apply_heartbeat(bigint, text, text), dts._apply_source_lsn(bigint, text, text),
  dts._evolve_table(bigint, text, text, text, text), dts._selects(bigint, text, text, text),
  dts._apply_ddl(bigint, text, text, text, text, text, text, text, boolean) TO dts_admin;
