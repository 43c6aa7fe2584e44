
-- ---- validation -------------------------------------------------------------------------------
-- dts_validate(task) compares every copied table with its source, chunk by chunk: row counts and
-- an order-independent checksum (sum of a 60-bit hash of each row's text). The source side is read
-- through the FDW with the destination's column types, so both checksums hash the same values;
-- the key range of each chunk and the table's filter are evaluated by SQL Server.
-- Every run is kept in dts.validation_results (a month): the validation alert and dts_repair()
-- read the newest run of a task.
CREATE TABLE dts.validation_results (
  task_id       bigint NOT NULL REFERENCES dts.tasks ON DELETE CASCADE,
  run_at        timestamptz NOT NULL,
  source_db     text NOT NULL,
  source_schema text NOT NULL,
  source_table  text NOT NULL,
  chunk_no      integer,
  source_rows   bigint,
  target_rows   bigint,
  status        text NOT NULL,
  detail        text
);
CREATE INDEX ON dts.validation_results (task_id, run_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON dts.validation_results TO dts_admin;

-- A temporary foreign table over a task table's source, with the destination's columns and types
-- (so both sides hash the same values) and the table's row filter (evaluated by SQL Server).
CREATE FUNCTION dts._source_mirror(t dts.tasks, task_id bigint, source_db text, source_schema text,
                                   source_table text, name text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  target text;
  cols text;
  filter text;
  ft text := format('pg_temp.%I', name);
BEGIN
  SELECT format('%I.%I', x.target_schema, x.target_table) INTO target FROM dts.tables x
   WHERE (x.task_id, x.source_db, x.source_schema, x.source_table) = (_source_mirror.task_id, _source_mirror.source_db, _source_mirror.source_schema, _source_mirror.source_table);
  SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum)
    INTO cols FROM pg_attribute a
   WHERE a.attrelid = target::regclass AND a.attnum > 0 AND NOT a.attisdropped;
  SELECT s.filter INTO filter FROM dts.table_settings s
   WHERE (s.task_id, s.source_db, s.source_schema, s.source_table) = (_source_mirror.task_id, _source_mirror.source_db, _source_mirror.source_schema, _source_mirror.source_table);
  IF to_regclass(ft) IS NOT NULL THEN
    EXECUTE format('DROP FOREIGN TABLE %s', ft);
  END IF;
  EXECUTE format('CREATE FOREIGN TABLE %s (%s) SERVER %I OPTIONS (database_name %L, schema_name %L, table_name %L%s)',
                 ft, cols, t.server, source_db, source_schema, source_table,
                 CASE WHEN filter IS NOT NULL THEN format(', filter %L', filter) ELSE '' END);
  RETURN ft;
END $$;

-- ' WHERE <key range of a chunk>', or '' for a chunk that is the whole table.
CREATE FUNCTION dts._chunk_range(key_column text, lower_bound numeric, upper_bound numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN r = '' THEN '' ELSE ' WHERE ' || r END
    FROM concat_ws(' AND ',
           CASE WHEN key_column IS NOT NULL AND lower_bound IS NOT NULL THEN format('%I >= %s', key_column, lower_bound) END,
           CASE WHEN key_column IS NOT NULL AND upper_bound IS NOT NULL THEN format('%I < %s', key_column, upper_bound) END) r;
$$;

CREATE FUNCTION dts_validate(task text)
RETURNS TABLE (source_table text, target_table text, chunk_no integer, source_rows bigint,
               target_rows bigint, status text, detail text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  t dts.tasks := dts._task(task);
  x record;
  c record;
  ft text;
  n integer := 0;
  range_sql text;
  src record;
  dst record;
  run_at timestamptz := clock_timestamp();
BEGIN
  DELETE FROM dts.validation_results v WHERE v.task_id = t.task_id AND v.run_at < now() - interval '31 days';
  FOR x IN SELECT * FROM dts.tables z WHERE z.task_id = t.task_id ORDER BY 2, 3, 4 LOOP
    n := n + 1;
    source_table := x.source_db || '.' || x.source_schema || '.' || x.source_table;
    target_table := format('%I.%I', x.target_schema, x.target_table);
    IF to_regclass(target_table) IS NULL THEN
      chunk_no := NULL; source_rows := NULL; target_rows := NULL; status := 'error';
      detail := 'destination table does not exist';
      INSERT INTO dts.validation_results VALUES (t.task_id, run_at, x.source_db, x.source_schema,
        x.source_table, NULL, NULL, NULL, status, detail);
      RETURN NEXT;
      CONTINUE;
    END IF;
    ft := dts._source_mirror(t, x.task_id, x.source_db, x.source_schema, x.source_table, 'dts_validate_' || n);
    FOR c IN SELECT k.chunk_no, k.key_column, k.lower_bound, k.upper_bound FROM dts.chunks k
              WHERE (k.task_id, k.source_db, k.source_schema, k.source_table) = (x.task_id, x.source_db, x.source_schema, x.source_table)
             UNION ALL
             SELECT NULL, NULL, NULL, NULL
              WHERE NOT EXISTS (SELECT FROM dts.chunks k WHERE (k.task_id, k.source_db, k.source_schema, k.source_table) = (x.task_id, x.source_db, x.source_schema, x.source_table))
             ORDER BY 1 LOOP
      range_sql := dts._chunk_range(c.key_column, c.lower_bound, c.upper_bound);
      chunk_no := c.chunk_no;
      BEGIN
        EXECUTE format('SELECT count(*) AS n, coalesce(sum((''x'' || substr(md5(r::text), 1, 15))::bit(60)::bigint), 0) AS h FROM %s r%s', ft, range_sql) INTO src;
        EXECUTE format('SELECT count(*) AS n, coalesce(sum((''x'' || substr(md5(r::text), 1, 15))::bit(60)::bigint), 0) AS h FROM %s r%s', target_table, range_sql) INTO dst;
        source_rows := src.n;
        target_rows := dst.n;
        status := CASE WHEN src.n <> dst.n THEN 'different row count'
                       WHEN src.h <> dst.h THEN 'different rows' ELSE 'ok' END;
        detail := NULL;
      EXCEPTION WHEN OTHERS THEN
        source_rows := NULL; target_rows := NULL; status := 'error'; detail := SQLERRM;
      END;
      INSERT INTO dts.validation_results VALUES (t.task_id, run_at, x.source_db, x.source_schema,
        x.source_table, c.chunk_no, source_rows, target_rows, status, detail);
      RETURN NEXT;
    END LOOP;
    EXECUTE format('DROP FOREIGN TABLE %s', ft);
  END LOOP;
END $$;
