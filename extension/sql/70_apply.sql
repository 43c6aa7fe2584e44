
-- ---- apply engine -----------------------------------------------------------------------------
-- The change readers hand the extension one destination transaction per batch of whole source
-- transactions (docs/apply.md):
--   BEGIN;
--   SELECT dts._apply_begin(task, db, first_lsn)          -- false: already applied, roll back
--   per table: COPY its changes into a stage made by dts._apply_stage(target), then
--              SELECT dts._apply_table(target, stage, key columns)
--   SELECT dts._apply_commit(task, db, last_lsn, last_seqval, source transactions, changes)
--   COMMIT;
-- so the checkpoint moves in the same transaction as the rows, and a batch is applied once.

-- A stage for one target table: the target's columns plus __seq (order in the batch) and __op
-- ('U' upsert with the full row, 'D' delete; for tables without a key 'I' insert and 'D' delete
-- of one row equal to the given image). Temporary, emptied at commit.
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
-- CONFLICT on the key), both set-based; the stage holds at most one change per key (compacted by
-- the reader). Without key columns: the changes in __seq order, a delete removing one row equal
-- to its image (whole-row match). Returns the rows deleted and upserted.
CREATE FUNCTION dts._apply_table(target regclass, stage text, key_columns text[],
                                 OUT deleted bigint, OUT upserted bigint)
LANGUAGE plpgsql AS $$
DECLARE
  cols text;
  key_match text;
  sets text;
  has_unique boolean;
  r record;
  n bigint;
BEGIN
  SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO cols
    FROM pg_attribute a WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped;
  deleted := 0;
  upserted := 0;
  IF cardinality(key_columns) > 0 THEN
    SELECT string_agg(format('t.%1$I IS NOT DISTINCT FROM s.%1$I', k), ' AND ') INTO key_match
      FROM unnest(key_columns) k;
    EXECUTE format('DELETE FROM %s t USING %s s WHERE s.__op = ''D'' AND %s', target, stage, key_match);
    GET DIAGNOSTICS deleted = ROW_COUNT;
    -- ON CONFLICT needs a unique index on exactly the key; without one (a table kept by
    -- ignore_and_proceed) the upsert is a delete of the key followed by an insert.
    SELECT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = target AND i.indisunique AND i.indpred IS NULL
                     AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a
                           WHERE a.attrelid = target AND a.attnum = ANY (i.indkey))
                         = (SELECT array_agg(k ORDER BY k) FROM unnest(key_columns) k))
      INTO has_unique;
    SELECT string_agg(format('%1$I = EXCLUDED.%1$I', a.attname), ', ' ORDER BY a.attnum) INTO sets
      FROM pg_attribute a WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped
       AND NOT a.attname = ANY (key_columns);
    IF has_unique THEN
      EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s WHERE __op = ''U'' ON CONFLICT (%s) DO %s',
                     target, cols, cols, stage,
                     (SELECT string_agg(quote_ident(k), ', ') FROM unnest(key_columns) k),
                     CASE WHEN sets IS NULL THEN 'NOTHING' ELSE 'UPDATE SET ' || sets END);
    ELSE
      EXECUTE format('DELETE FROM %s t USING %s s WHERE s.__op = ''U'' AND %s', target, stage, key_match);
      EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s WHERE __op = ''U''', target, cols, cols, stage);
    END IF;
    GET DIAGNOSTICS upserted = ROW_COUNT;
    RETURN;
  END IF;
  FOR r IN EXECUTE format('SELECT __seq, __op, ROW(%s)::text AS img FROM %s ORDER BY __seq', cols, stage) LOOP
    IF r.__op = 'D' THEN
      EXECUTE format('DELETE FROM %1$s WHERE ctid = (SELECT ctid FROM %1$s t WHERE ROW(%2$s)::text = $1 LIMIT 1)', target,
                     (SELECT string_agg('t.' || quote_ident(a.attname), ', ' ORDER BY a.attnum)
                        FROM pg_attribute a WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped))
        USING r.img;
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

-- Closes a batch: the checkpoint becomes its last commit LSN (never moves back).
CREATE FUNCTION dts._apply_commit(task_id bigint, source_db text, last_lsn text,
                                  transactions bigint DEFAULT NULL, changes bigint DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE dts.checkpoints c SET lsn = lower(last_lsn), updated_at = now()
   WHERE (c.task_id, c.source_db, c.stage) = (_apply_commit.task_id, _apply_commit.source_db, 'incremental')
     AND (c.lsn IS NULL OR c.lsn < lower(last_lsn));
  IF NOT FOUND THEN
    RAISE EXCEPTION 'pg_dts task %: batch ending at LSN % does not move the checkpoint of database %',
      task_id, last_lsn, source_db USING ERRCODE = '55000',
      HINT = 'Open every batch with dts._apply_begin() and skip the batches it reports as applied.';
  END IF;
END $$;

REVOKE ALL ON FUNCTION dts._apply_stage(regclass), dts._apply_table(regclass, text, text[]),
  dts._apply_begin(bigint, text, text), dts._apply_commit(bigint, text, text, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dts._apply_stage(regclass), dts._apply_table(regclass, text, text[]),
  dts._apply_begin(bigint, text, text), dts._apply_commit(bigint, text, text, bigint, bigint) TO dts_admin;
