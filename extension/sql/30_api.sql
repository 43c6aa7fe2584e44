
-- ---- task API ---------------------------------------------------------------------------------
-- Functions are called unqualified (dts_create_task, ...); internals live in schema dts with a
-- leading underscore. PostgreSQL identifiers are quoted with format('%I'), T-SQL ones with
-- dts.tsql_ident()/dts.tsql_literal() (the C++ helpers the FDW uses).

CREATE FUNCTION dts.tsql_ident(text) RETURNS text
AS 'MODULE_PATHNAME', 'dts_tsql_ident' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dts.tsql_ident(text) IS 'T-SQL identifier quoting: [name] with ] doubled';
CREATE FUNCTION dts.tsql_literal(text) RETURNS text
AS 'MODULE_PATHNAME', 'dts_tsql_literal' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dts.tsql_literal(text) IS 'T-SQL string literal: N''text'' with '' doubled';
CREATE FUNCTION dts.tsql_filter_error(text) RETURNS text
AS 'MODULE_PATHNAME', 'dts_tsql_filter_error' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dts.tsql_filter_error(text) IS 'why a row filter is not one T-SQL search condition (NULL: it is)';

-- Rows of a T-SQL query on a pg_dts server, in the database given (column list at the call site:
-- ... AS t(a int, b text)). For dts_admin members with a user mapping, superusers and the owner.
CREATE FUNCTION dts._source_query(server name, database text, tsql text) RETURNS SETOF record
AS 'MODULE_PATHNAME', 'dts_source_query' LANGUAGE C VOLATILE;
-- The same for work done for a task: with the user mapping of the task's owner, whoever runs it
-- (the owner, the sidecar's login, a superuser), so the task reaches the source as one login.
CREATE FUNCTION dts._source_query(server name, owner name, database text, tsql text)
RETURNS SETOF record AS 'MODULE_PATHNAME', 'dts_source_query' LANGUAGE C VOLATILE;
-- Free bytes on the file system of the data directory.
CREATE FUNCTION dts._free_bytes() RETURNS bigint
AS 'MODULE_PATHNAME', 'dts_free_bytes' LANGUAGE C VOLATILE;
-- The schema stage (C++: reads the source catalogs, generates and runs the DDL).
CREATE FUNCTION dts._sync_schema(task_id bigint) RETURNS integer
AS 'MODULE_PATHNAME', 'dts_sync_schema' LANGUAGE C STRICT VOLATILE;
-- The DDL schema sync would run for one resolved table, without running it.
CREATE FUNCTION dts_schema_ddl(task text, source_table text) RETURNS TABLE (statement text)
AS 'MODULE_PATHNAME', 'dts_schema_ddl' LANGUAGE C STRICT VOLATILE;

ALTER TABLE dts.tasks ADD COLUMN config_changed_at timestamptz NOT NULL DEFAULT clock_timestamp();

CREATE FUNCTION dts._require_admin() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT (pg_has_role(current_user, 'dts_admin', 'member')
          OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)) THEN
    RAISE EXCEPTION 'permission denied: role "%" may not manage pg_dts tasks', current_user
      USING ERRCODE = '42501',
            HINT = 'A superuser grants it with: GRANT dts_admin TO ' || quote_ident(current_user) || ';';
  END IF;
END $$;

CREATE FUNCTION dts._task(task text, for_update boolean DEFAULT false) RETURNS dts.tasks
LANGUAGE plpgsql AS $$
DECLARE t dts.tasks;
BEGIN
  PERFORM dts._require_admin();
  IF for_update THEN
    SELECT * INTO t FROM dts.tasks WHERE name = task FOR UPDATE;
  ELSE
    SELECT * INTO t FROM dts.tasks WHERE name = task;
  END IF;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'pg_dts task "%" does not exist', task USING ERRCODE = '42704',
      HINT = 'SELECT name FROM dts.tasks lists the tasks; dts_create_task() creates one.';
  END IF;
  RETURN t;
END $$;

-- Configuration may change only while the task is not running; every change asks for a new
-- precheck.
CREATE FUNCTION dts._task_for_change(task text) RETURNS dts.tasks LANGUAGE plpgsql AS $$
DECLARE t dts.tasks := dts._task(task, true);
BEGIN
  IF t.state = 'running' THEN
    RAISE EXCEPTION 'pg_dts task "%" is running; its configuration cannot change', task
      USING ERRCODE = '55000', HINT = format('Stop it first: SELECT dts_stop_task(%L);', task);
  END IF;
  UPDATE dts.tasks SET config_changed_at = clock_timestamp() WHERE task_id = t.task_id;
  RETURN t;
END $$;

CREATE FUNCTION dts._log(task_id bigint, level text, stage text, object text, message text,
                         detail text DEFAULT NULL) RETURNS void LANGUAGE sql AS $$
  INSERT INTO dts.events (task_id, level, stage, object, message, detail)
  VALUES (task_id, level, stage, object, message, detail);
$$;

-- 'db.schema.table', 'schema.table' or 'table' (the task's only database, schema dbo); parts may
-- be bracketed as in T-SQL ([my.table]).
CREATE FUNCTION dts._split_name(t dts.tasks, name text, parts integer) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE p text[];
BEGIN
  SELECT array_agg(CASE WHEN m[1] LIKE '[%]' THEN replace(substr(m[1], 2, length(m[1]) - 2), ']]', ']')
                        ELSE m[1] END ORDER BY n)
    INTO p
    FROM regexp_matches(name, '(\[(?:[^\]]|\]\])*\]|[^.]+)', 'g') WITH ORDINALITY AS x(m, n);
  IF p IS NULL OR cardinality(p) > parts OR array_to_string(p, '') = '' THEN
    RAISE EXCEPTION 'invalid source object name "%"', name USING ERRCODE = '22023',
      HINT = CASE parts WHEN 3 THEN 'Write database.schema.table (brackets quote a part: [my.table]).'
                        ELSE 'Write database.schema.' END;
  END IF;
  IF parts = 3 AND cardinality(p) = 1 THEN p := ARRAY['dbo'] || p; END IF;
  IF cardinality(p) = parts - 1 THEN
    IF cardinality(t.databases) > 1 THEN
      RAISE EXCEPTION 'source object name "%" needs its database: task "%" reads % databases',
        name, t.name, cardinality(t.databases) USING ERRCODE = '22023',
        HINT = 'Write database.schema' || CASE parts WHEN 3 THEN '.table' ELSE '' END || '.';
    END IF;
    p := ARRAY[t.databases[1]] || p;
  END IF;
  IF NOT p[1] = ANY (t.databases) THEN
    RAISE EXCEPTION 'database "%" is not a source database of task "%"', p[1], t.name
      USING ERRCODE = '22023', HINT = format('The task reads: %s.', array_to_string(t.databases, ', '));
  END IF;
  RETURN p;
END $$;

CREATE FUNCTION dts_create_task(
    name text, server name, databases text[],
    stages text[] DEFAULT ARRAY['schema', 'full', 'incremental'],
    incremental_mode text DEFAULT 'hybrid',
    conflict_mode text DEFAULT 'precheck_and_report',
    retry_minutes integer DEFAULT 720,
    ddl_sync boolean DEFAULT true,
    nul_policy text DEFAULT 'fail') RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  id bigint;
  srv record;
BEGIN
  PERFORM dts._require_admin();
  SELECT s.srvname, w.fdwname INTO srv FROM pg_foreign_server s
    JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw WHERE s.srvname = server;
  IF NOT FOUND OR srv.fdwname <> 'pg_dts' THEN
    RAISE EXCEPTION 'foreign server "%" % a pg_dts server', server,
      CASE WHEN FOUND THEN 'is not' ELSE 'does not exist: it must be' END
      USING ERRCODE = '42704', HINT = 'CREATE SERVER ... FOREIGN DATA WRAPPER pg_dts OPTIONS (host ..., port ...) defines the source.';
  END IF;
  IF databases IS NULL OR cardinality(databases) = 0 THEN
    RAISE EXCEPTION 'task "%" needs at least one source database', name USING ERRCODE = '22023';
  END IF;
  IF cardinality(databases) > 10 THEN
    RAISE EXCEPTION 'task "%" lists % source databases; a task reads at most 10', name,
      cardinality(databases) USING ERRCODE = '54000', HINT = 'Split the databases over several tasks.';
  END IF;
  IF (SELECT count(DISTINCT d) FROM unnest(databases) d) <> cardinality(databases) THEN
    RAISE EXCEPTION 'task "%" lists a source database twice', name USING ERRCODE = '22023';
  END IF;
  IF stages IS NULL OR cardinality(stages) = 0 OR NOT stages <@ ARRAY['schema', 'full', 'incremental'] THEN
    RAISE EXCEPTION 'invalid stages % for task "%"', stages, name USING ERRCODE = '22023',
      HINT = 'Stages are any of schema, full, incremental.';
  END IF;
  IF incremental_mode IS NULL OR incremental_mode NOT IN ('log', 'hybrid', 'cdc') THEN
    RAISE EXCEPTION 'invalid incremental_mode "%" for task "%"', incremental_mode, name
      USING ERRCODE = '22023', HINT = 'Use log, hybrid or cdc.';
  END IF;
  IF conflict_mode IS NULL OR conflict_mode NOT IN ('precheck_and_report', 'ignore_and_proceed') THEN
    RAISE EXCEPTION 'invalid conflict_mode "%" for task "%"', conflict_mode, name
      USING ERRCODE = '22023', HINT = 'Use precheck_and_report or ignore_and_proceed.';
  END IF;
  IF retry_minutes IS NULL OR retry_minutes NOT BETWEEN 10 AND 1440 THEN
    RAISE EXCEPTION 'retry_minutes % out of range for task "%"', retry_minutes, name
      USING ERRCODE = '22023', HINT = 'The retry window is 10 to 1440 minutes (default 720).';
  END IF;
  IF nul_policy IS NULL OR nul_policy NOT IN ('fail', 'strip') THEN
    RAISE EXCEPTION 'invalid nul_policy "%" for task "%"', nul_policy, name
      USING ERRCODE = '22023', HINT = 'Use fail (stop at a NUL character, naming the row) or strip (drop NUL characters).';
  END IF;
  IF name IS NULL OR name !~ '^[A-Za-z_][A-Za-z0-9_-]{0,62}$' THEN
    RAISE EXCEPTION 'invalid task name "%"', name USING ERRCODE = '22023',
      HINT = 'Task names are 1 to 63 letters, digits, _ or -, starting with a letter or _.';
  END IF;
  IF EXISTS (SELECT FROM dts.tasks t WHERE t.name = dts_create_task.name) THEN
    RAISE EXCEPTION 'pg_dts task "%" already exists', name USING ERRCODE = '42710';
  END IF;
  INSERT INTO dts.tasks (name, server, databases, stages, incremental_mode, conflict_mode,
                         retry_minutes, ddl_sync, nul_policy)
  VALUES (name, server, databases, stages, incremental_mode, conflict_mode, retry_minutes, ddl_sync,
          nul_policy)
  RETURNING task_id INTO id;
  PERFORM dts._log(id, 'info', NULL, NULL, 'task created');
  RETURN id;
END $$;

-- Selects tables: a whole schema (tables NULL) or the tables named. Returns the objects added.
CREATE FUNCTION dts_add_objects(task text, source_schema text, tables text[] DEFAULT NULL,
                                database text DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  t dts.tasks := dts._task_for_change(task);
  db text := coalesce(database, CASE WHEN cardinality(t.databases) = 1 THEN t.databases[1] END);
  n integer;
  singles bigint;
BEGIN
  IF db IS NULL THEN
    RAISE EXCEPTION 'task "%" reads % databases: name the database of schema "%"', task,
      cardinality(t.databases), source_schema USING ERRCODE = '22023',
      HINT = format('dts_add_objects(%L, %L, database => ''...'')', task, source_schema);
  END IF;
  IF NOT db = ANY (t.databases) THEN
    RAISE EXCEPTION 'database "%" is not a source database of task "%"', db, task
      USING ERRCODE = '22023', HINT = format('The task reads: %s.', array_to_string(t.databases, ', '));
  END IF;
  IF source_schema IS NULL OR source_schema = '' THEN
    RAISE EXCEPTION 'a source schema is needed' USING ERRCODE = '22023';
  END IF;
  IF tables IS NULL THEN
    INSERT INTO dts.task_objects (task_id, source_db, source_schema, source_table)
    VALUES (t.task_id, db, source_schema, '') ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
  ELSE
    IF EXISTS (SELECT FROM unnest(tables) x WHERE x IS NULL OR x = '') THEN
      RAISE EXCEPTION 'empty table name in the list for task "%"', task USING ERRCODE = '22023';
    END IF;
    INSERT INTO dts.task_objects (task_id, source_db, source_schema, source_table)
    SELECT t.task_id, db, source_schema, x FROM unnest(tables) x ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
  END IF;
  SELECT count(*) INTO singles FROM dts.task_objects o WHERE o.task_id = t.task_id AND o.source_table <> '';
  IF singles > 5000 THEN
    RAISE EXCEPTION 'task "%" would select % tables one by one; the limit is 5000', task, singles
      USING ERRCODE = '54000', HINT = 'Select whole schemas (tables => NULL), or split the task.';
  END IF;
  IF t.incremental_mode = 'cdc' AND 'incremental' = ANY (t.stages) AND singles > 1000 THEN
    RAISE EXCEPTION 'task "%" would capture % tables with CDC; the limit is 1000', task, singles
      USING ERRCODE = '54000', HINT = 'Use incremental_mode log or hybrid, or split the task.';
  END IF;
  RETURN n;
END $$;

CREATE FUNCTION dts_remove_objects(task text, source_schema text, tables text[] DEFAULT NULL,
                                   database text DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  t dts.tasks := dts._task_for_change(task);
  db text := coalesce(database, t.databases[1]);
  n integer;
BEGIN
  DELETE FROM dts.task_objects o WHERE o.task_id = t.task_id AND o.source_db = db
     AND o.source_schema = dts_remove_objects.source_schema
     AND (tables IS NULL AND o.source_table = '' OR o.source_table = ANY (tables));
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

CREATE FUNCTION dts._settings_row(t dts.tasks, source_table text) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE p text[] := dts._split_name(t, source_table, 3);
BEGIN
  INSERT INTO dts.table_settings (task_id, source_db, source_schema, source_table)
  VALUES (t.task_id, p[1], p[2], p[3]) ON CONFLICT DO NOTHING;
  RETURN p;
END $$;

-- Renames one schema ('schema' or 'db.schema' -> 'target') or one table ('schema.table' or
-- 'db.schema.table' -> 'target_schema.target_table' or 'target_table').
CREATE FUNCTION dts_map_object(task text, source text, target text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t dts.tasks := dts._task_for_change(task);
  nparts integer := cardinality(regexp_split_to_array(regexp_replace(source, '\[(?:[^\]]|\]\])*\]', 'x', 'g'), '\.'));
  p text[];
  tp text[] := string_to_array(target, '.');
BEGIN
  IF target IS NULL OR target = '' OR cardinality(tp) > 2 OR '' = ANY (tp) OR length(tp[cardinality(tp)]) > 63 THEN
    RAISE EXCEPTION 'invalid target name "%" for %', target, source USING ERRCODE = '22023',
      HINT = 'Write schema.table or table for a table, schema for a schema (at most 63 characters each).';
  END IF;
  -- 'schema', or 'db.schema' when the first part is one of the task's databases: a schema
  -- rename; otherwise a table ('schema.table' or 'db.schema.table').
  IF nparts = 1 OR nparts = 2 AND split_part(source, '.', 1) = ANY (t.databases) THEN
    p := dts._split_name(t, source, 2);
    IF cardinality(tp) <> 1 THEN
      RAISE EXCEPTION 'a schema maps to a schema: "%" has a dot', target USING ERRCODE = '22023';
    END IF;
    INSERT INTO dts.schema_maps VALUES (t.task_id, p[1], p[2], target)
    ON CONFLICT (task_id, source_db, source_schema) DO UPDATE SET target_schema = EXCLUDED.target_schema;
  ELSE
    p := dts._settings_row(t, source);
    UPDATE dts.table_settings s
       SET target_schema = CASE WHEN cardinality(tp) = 2 THEN tp[1] END,
           target_table = tp[cardinality(tp)]
     WHERE s.task_id = t.task_id AND s.source_db = p[1] AND s.source_schema = p[2] AND s.source_table = p[3];
  END IF;
END $$;

-- Batch renames: every schema or table name matching the regular expression `pattern` is
-- rewritten with regexp_replace(name, pattern, replacement). Prefix: pattern '^'; suffix: '$'.
-- Rules apply in the order they were added. Returns the rule number.
CREATE FUNCTION dts_map_objects(task text, kind text, pattern text, replacement text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  t dts.tasks := dts._task_for_change(task);
  n integer;
BEGIN
  IF kind IS NULL OR kind NOT IN ('schema', 'table') THEN
    RAISE EXCEPTION 'invalid rename kind "%"', kind USING ERRCODE = '22023', HINT = 'Use schema or table.';
  END IF;
  BEGIN
    PERFORM regexp_replace('x', pattern, replacement);
  EXCEPTION WHEN invalid_regular_expression THEN
    RAISE EXCEPTION 'invalid rename pattern "%": %', pattern, SQLERRM USING ERRCODE = '2201B';
  END;
  SELECT coalesce(max(rule_no), 0) + 1 INTO n FROM dts.name_rules r WHERE r.task_id = t.task_id;
  INSERT INTO dts.name_rules VALUES (t.task_id, n, kind, pattern, coalesce(replacement, ''));
  RETURN n;
END $$;

-- A row filter (T-SQL search condition) for one table; NULL removes it. Checked on the source.
CREATE FUNCTION dts_set_filter(task text, source_table text, where_clause text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t dts.tasks := dts._task_for_change(task);
  p text[] := dts._settings_row(t, source_table);
BEGIN
  IF where_clause IS NOT NULL THEN
    -- Checked before anything reaches the source: the probe below runs the text there.
    IF dts.tsql_filter_error(where_clause) IS NOT NULL THEN
      RAISE EXCEPTION 'filter for % must be one T-SQL search condition: %', source_table,
        dts.tsql_filter_error(where_clause)
        USING ERRCODE = '22023', DETAIL = 'Filter: ' || where_clause,
              HINT = 'Write one boolean expression on the table''s columns, e.g. [id] > 100 AND [region] = N''EU''.';
    END IF;
    BEGIN
      PERFORM * FROM dts._source_query(t.server, t.owner, p[1],
        'SELECT TOP (0) 1 FROM ' || dts.tsql_ident(p[2]) || '.' || dts.tsql_ident(p[3]) ||
        ' WHERE (' || where_clause || ')') AS x(one int);
    EXCEPTION WHEN OTHERS THEN
      RAISE EXCEPTION 'SQL Server rejects the filter for %.%.%: %', p[1], p[2], p[3], SQLERRM
        USING ERRCODE = '22023', DETAIL = 'Filter: ' || where_clause,
              HINT = 'The filter is a T-SQL search condition on the source table, e.g. [id] > 100 AND [region] = N''EU''.';
    END;
  END IF;
  UPDATE dts.table_settings s SET filter = where_clause
   WHERE s.task_id = t.task_id AND s.source_db = p[1] AND s.source_schema = p[2] AND s.source_table = p[3];
END $$;

-- Key columns of the destination table (source column names): primary key for tables that have
-- none at the source, distribution key for distributed destinations. NULL keeps the current one.
CREATE FUNCTION dts_set_keys(task text, source_table text, primary_key text[] DEFAULT NULL,
                             distribution_key text[] DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t dts.tasks := dts._task_for_change(task);
  p text[] := dts._settings_row(t, source_table);
BEGIN
  IF cardinality(primary_key) = 0 OR cardinality(distribution_key) = 0 THEN
    RAISE EXCEPTION 'empty key list for %', source_table USING ERRCODE = '22023',
      HINT = 'Pass NULL to keep a key as it is.';
  END IF;
  UPDATE dts.table_settings s
     SET primary_key = coalesce(dts_set_keys.primary_key, s.primary_key),
         distribution_key = coalesce(dts_set_keys.distribution_key, s.distribution_key)
   WHERE s.task_id = t.task_id AND s.source_db = p[1] AND s.source_schema = p[2] AND s.source_table = p[3];
END $$;

-- Which DML of a table the incremental stage applies (any of INSERT, UPDATE, DELETE).
-- What the sidecar does with a NUL character in a source string (no PostgreSQL string holds one).
CREATE FUNCTION dts_set_nul_policy(task text, policy text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t dts.tasks := dts._task_for_change(task);
BEGIN
  IF policy IS NULL OR policy NOT IN ('fail', 'strip') THEN
    RAISE EXCEPTION 'invalid nul_policy "%" for task "%"', policy, task USING ERRCODE = '22023',
      HINT = 'Use fail (stop at a NUL character, naming the row) or strip (drop NUL characters).';
  END IF;
  UPDATE dts.tasks SET nul_policy = policy WHERE task_id = t.task_id;
END $$;

CREATE FUNCTION dts_set_dml(task text, source_table text, dml text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t dts.tasks := dts._task_for_change(task);
  p text[] := dts._settings_row(t, source_table);
  d text[] := (SELECT array_agg(DISTINCT upper(x)) FROM unnest(dml) x);
BEGIN
  IF d IS NULL OR NOT d <@ ARRAY['INSERT', 'UPDATE', 'DELETE'] THEN
    RAISE EXCEPTION 'invalid DML selection % for %', dml, source_table USING ERRCODE = '22023',
      HINT = 'Choose from INSERT, UPDATE, DELETE.';
  END IF;
  UPDATE dts.table_settings s SET dml = d
   WHERE s.task_id = t.task_id AND s.source_db = p[1] AND s.source_schema = p[2] AND s.source_table = p[3];
END $$;

-- The destination name of a source table: explicit renames first, then the rules in order.
CREATE FUNCTION dts._target_name(task_id bigint, db text, sch text, tab text,
                                 OUT target_schema text, OUT target_table text)
LANGUAGE plpgsql STABLE AS $$
DECLARE r record;
BEGIN
  SELECT s.target_schema, s.target_table INTO target_schema, target_table FROM dts.table_settings s
   WHERE s.task_id = _target_name.task_id AND s.source_db = db AND s.source_schema = sch AND s.source_table = tab;
  IF target_schema IS NULL THEN
    SELECT m.target_schema INTO target_schema FROM dts.schema_maps m
     WHERE m.task_id = _target_name.task_id AND m.source_db = db AND m.source_schema = sch;
    IF target_schema IS NULL THEN
      target_schema := sch;
      FOR r IN SELECT * FROM dts.name_rules n WHERE n.task_id = _target_name.task_id AND kind = 'schema' ORDER BY rule_no LOOP
        target_schema := regexp_replace(target_schema, r.pattern, r.replacement);
      END LOOP;
    END IF;
  END IF;
  IF target_table IS NULL THEN
    target_table := tab;
    FOR r IN SELECT * FROM dts.name_rules n WHERE n.task_id = _target_name.task_id AND kind = 'table' ORDER BY rule_no LOOP
      target_table := regexp_replace(target_table, r.pattern, r.replacement);
    END LOOP;
  END IF;
END $$;

CREATE FUNCTION dts_ack_precheck(task text, item text DEFAULT NULL, object text DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  t dts.tasks := dts._task(task);
  run bigint;
  n integer;
BEGIN
  SELECT max(run_id) INTO run FROM dts.precheck_runs r WHERE r.task_id = t.task_id;
  IF run IS NULL THEN
    RAISE EXCEPTION 'task "%" has no precheck to acknowledge', task USING ERRCODE = '55000',
      HINT = format('Run SELECT * FROM dts_precheck(%L);', task);
  END IF;
  UPDATE dts.precheck_results r SET acknowledged_by = current_user, acknowledged_at = now()
   WHERE r.run_id = run AND r.status = 'warning' AND r.acknowledged_at IS NULL
     AND (dts_ack_precheck.item IS NULL OR r.item = dts_ack_precheck.item)
     AND (dts_ack_precheck.object IS NULL OR r.object = dts_ack_precheck.object);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

CREATE FUNCTION dts_start_task(task text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  t dts.tasks := dts._task(task, true);
  run record;
  errors integer;
  open_warnings integer;
  n integer;
BEGIN
  IF t.state = 'running' THEN
    RAISE EXCEPTION 'pg_dts task "%" is already running', task USING ERRCODE = '55000';
  END IF;
  SELECT * INTO run FROM dts.precheck_runs r WHERE r.task_id = t.task_id ORDER BY run_id DESC LIMIT 1;
  IF NOT FOUND OR run.run_at < t.config_changed_at THEN
    RAISE EXCEPTION 'pg_dts task "%" needs a precheck of its current configuration', task
      USING ERRCODE = '55000', HINT = format('Run SELECT * FROM dts_precheck(%L);', task);
  END IF;
  SELECT count(*) FILTER (WHERE status = 'error'),
         count(*) FILTER (WHERE status = 'warning' AND acknowledged_at IS NULL)
    INTO errors, open_warnings FROM dts.precheck_results r WHERE r.run_id = run.run_id;
  IF errors > 0 THEN
    RAISE EXCEPTION 'pg_dts task "%" cannot start: its precheck found % error(s)', task, errors
      USING ERRCODE = '55000',
            HINT = format('SELECT * FROM dts_precheck(%L) WHERE status = ''error'' shows them with how to fix each.', task);
  END IF;
  IF open_warnings > 0 THEN
    RAISE EXCEPTION 'pg_dts task "%" cannot start: % precheck warning(s) are not acknowledged', task, open_warnings
      USING ERRCODE = '55000',
            HINT = format('Read them, then SELECT dts_ack_precheck(%L); (or per item and object).', task);
  END IF;
  UPDATE dts.tasks SET state = 'running', started_at = now(), stopped_at = NULL, last_error = NULL
   WHERE task_id = t.task_id;
  PERFORM dts._log(t.task_id, 'info', NULL, NULL, 'task started');
  -- The source's CDC, heartbeat and DDL capture exist before the full stage's cutover.
  IF 'incremental' = ANY (t.stages) THEN
    PERFORM @extschema@.dts_prepare_source(task);
  END IF;
  IF 'schema' = ANY (t.stages) THEN
    UPDATE dts.tasks SET stage = 'schema' WHERE task_id = t.task_id;
    n := dts._sync_schema(t.task_id);
    PERFORM dts._log(t.task_id, 'info', 'schema', NULL, format('schema synchronized: %s tables created', n));
  END IF;
  IF 'full' = ANY (t.stages) OR 'incremental' = ANY (t.stages) THEN
    UPDATE dts.tasks SET stage = CASE WHEN 'full' = ANY (t.stages) THEN 'full' ELSE 'incremental' END
     WHERE task_id = t.task_id;
    PERFORM pg_notify('dts_task', t.name);
  ELSE
    UPDATE dts.tasks SET state = 'completed', stopped_at = now() WHERE task_id = t.task_id;
    PERFORM dts._log(t.task_id, 'info', NULL, NULL, 'task completed');
  END IF;
  RETURN (SELECT state || coalesce(' (' || stage || ')', '') FROM dts.tasks WHERE task_id = t.task_id);
END $$;

CREATE FUNCTION dts_stop_task(task text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE t dts.tasks := dts._task(task, true);
BEGIN
  IF t.state <> 'running' THEN
    RAISE NOTICE 'pg_dts task "%" is not running (state %)', task, t.state;
    RETURN t.state;
  END IF;
  UPDATE dts.tasks SET state = 'stopped', stopped_at = now() WHERE task_id = t.task_id;
  PERFORM dts._log(t.task_id, 'info', t.stage, NULL, 'task stopped');
  PERFORM pg_notify('dts_task', t.name);
  RETURN 'stopped';
END $$;

-- Removes the task's configuration and history; destination tables and their rows stay.
CREATE FUNCTION dts_drop_task(task text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t dts.tasks := dts._task(task, true);
BEGIN
  IF t.state = 'running' THEN
    RAISE EXCEPTION 'pg_dts task "%" is running', task USING ERRCODE = '55000',
      HINT = format('Stop it first: SELECT dts_stop_task(%L);', task);
  END IF;
  DELETE FROM dts.tasks WHERE task_id = t.task_id;
END $$;

-- Everyone reaches the API's own permission check (a clear message naming dts_admin); the
-- tables stay closed, and what talks to the source is for dts_admin only.
GRANT USAGE ON SCHEMA dts TO PUBLIC;
REVOKE ALL ON FUNCTION dts._source_query(name, text, text), dts._source_query(name, name, text, text),
  dts._sync_schema(bigint), dts._free_bytes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dts._source_query(name, text, text), dts._source_query(name, name, text, text),
  dts._sync_schema(bigint), dts._free_bytes() TO dts_admin;
