
-- ---- validation -------------------------------------------------------------------------------
-- dts_validate(task) compares every copied table with its source, chunk by chunk: row counts and
-- an order-independent checksum (sum of a 60-bit hash of each row's text). The source side is read
-- through the FDW with the destination's column types, so both checksums hash the same values;
-- the key range of each chunk and the table's filter are evaluated by SQL Server.
CREATE FUNCTION dts_validate(task text)
RETURNS TABLE (source_table text, target_table text, chunk_no integer, source_rows bigint,
               target_rows bigint, status text, detail text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  t dts.tasks := dts._task(task);
  x record;
  c record;
  cols text;
  ft text;
  n integer := 0;
  range_sql text;
  src record;
  dst record;
  filter text;
BEGIN
  FOR x IN SELECT * FROM dts.tables z WHERE z.task_id = t.task_id ORDER BY 2, 3, 4 LOOP
    n := n + 1;
    source_table := x.source_db || '.' || x.source_schema || '.' || x.source_table;
    target_table := format('%I.%I', x.target_schema, x.target_table);
    IF to_regclass(target_table) IS NULL THEN
      chunk_no := NULL; source_rows := NULL; target_rows := NULL; status := 'error';
      detail := 'destination table does not exist';
      RETURN NEXT;
      CONTINUE;
    END IF;
    SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum)
      INTO cols FROM pg_attribute a
     WHERE a.attrelid = target_table::regclass AND a.attnum > 0 AND NOT a.attisdropped;
    SELECT s.filter INTO filter FROM dts.table_settings s
     WHERE (s.task_id, s.source_db, s.source_schema, s.source_table) = (x.task_id, x.source_db, x.source_schema, x.source_table);
    ft := format('pg_temp.%I', 'dts_validate_' || n);
    IF to_regclass(ft) IS NOT NULL THEN
      EXECUTE format('DROP FOREIGN TABLE %s', ft);
    END IF;
    EXECUTE format('CREATE FOREIGN TABLE %s (%s) SERVER %I OPTIONS (database_name %L, schema_name %L, table_name %L%s)',
                   ft, cols, t.server, x.source_db, x.source_schema, x.source_table,
                   CASE WHEN filter IS NOT NULL THEN format(', filter %L', filter) ELSE '' END);
    FOR c IN SELECT k.chunk_no, k.key_column, k.lower_bound, k.upper_bound FROM dts.chunks k
              WHERE (k.task_id, k.source_db, k.source_schema, k.source_table) = (x.task_id, x.source_db, x.source_schema, x.source_table)
             UNION ALL
             SELECT NULL, NULL, NULL, NULL
              WHERE NOT EXISTS (SELECT FROM dts.chunks k WHERE (k.task_id, k.source_db, k.source_schema, k.source_table) = (x.task_id, x.source_db, x.source_schema, x.source_table))
             ORDER BY 1 LOOP
      range_sql := concat_ws(' AND ',
        CASE WHEN c.key_column IS NOT NULL AND c.lower_bound IS NOT NULL THEN format('%I >= %s', c.key_column, c.lower_bound) END,
        CASE WHEN c.key_column IS NOT NULL AND c.upper_bound IS NOT NULL THEN format('%I < %s', c.key_column, c.upper_bound) END);
      range_sql := CASE WHEN range_sql = '' THEN '' ELSE ' WHERE ' || range_sql END;
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
      RETURN NEXT;
    END LOOP;
    EXECUTE format('DROP FOREIGN TABLE %s', ft);
  END LOOP;
END $$;
