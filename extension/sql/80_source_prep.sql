
-- ---- source preparation -----------------------------------------------------------------------
-- What the incremental stage needs at the source, created idempotently by dts_prepare_source()
-- (dts_start_task calls it) and removed by dts_cleanup_source():
--   every mode with an incremental stage: a heartbeat table (dbo.dts_sync_progress; in log mode
--   dbo.dts_log_heart_beat, the only object log mode adds at the source);
--   hybrid and cdc: CDC on the database and on the tables captured with CDC, the DDL history table
--   dbo.dts_cdc_ddl_history, the database DDL trigger dts_cdc_sync_ddl that fills it, and a
--   DENY INSERT, UPDATE, DELETE on that table to public (kind 'permission'): only the trigger,
--   which runs WITH EXECUTE AS 'dbo', writes it.
-- dts.source_objects remembers what pg_dts created, so cleanup removes only that.

-- A batch at the source for a task: with the user mapping of the task's owner.
CREATE FUNCTION dts._source_exec(server name, owner name, database text, tsql text) RETURNS bigint
AS 'MODULE_PATHNAME', 'dts_source_exec_db' LANGUAGE C STRICT VOLATILE;
REVOKE ALL ON FUNCTION dts._source_exec(name, name, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dts._source_exec(name, name, text, text) TO dts_admin;

CREATE TABLE dts.source_objects (
  task_id    bigint NOT NULL REFERENCES dts.tasks ON DELETE CASCADE,
  source_db  text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('cdc_database', 'cdc_table', 'table', 'ddl_trigger', 'permission')),
  name       text NOT NULL,
  -- The table's schema and name for kinds 'table' and 'cdc_table' (name joins them with a dot,
  -- which a name may contain too: dbo.[a.b]).
  object_schema text,
  object_table  text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, source_db, kind, name)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON dts.source_objects TO dts_admin;

-- The preparation of a task, item by item, and whether each item is in place already.
CREATE FUNCTION dts._source_plan(t dts.tasks)
RETURNS TABLE (source_db text, kind text, name text, present boolean, tsql text,
               object_schema text, object_table text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  db text;
  uses_cdc boolean := t.incremental_mode IN ('hybrid', 'cdc');
  st record;
  r record;
BEGIN
  IF NOT 'incremental' = ANY (t.stages) THEN
    RETURN;
  END IF;
  FOREACH db IN ARRAY t.databases LOOP
    -- A database that cannot be read is the precheck's "source database" error, not ours.
    BEGIN
      SELECT * INTO st FROM dts._source_query(t.server, t.owner, db,
      'SELECT CAST(d.is_cdc_enabled AS int), '
      || 'CASE WHEN OBJECT_ID(N''dbo.' || CASE WHEN t.incremental_mode = 'log' THEN 'dts_log_heart_beat' ELSE 'dts_sync_progress' END || ''', N''U'') IS NULL THEN 0 ELSE 1 END, '
      || 'CASE WHEN OBJECT_ID(N''dbo.dts_cdc_ddl_history'', N''U'') IS NULL THEN 0 ELSE 1 END, '
      || '(SELECT COUNT(*) FROM sys.triggers tr WHERE tr.name = N''dts_cdc_sync_ddl'' AND tr.parent_class = 0), '
      || '(SELECT COUNT(*) FROM sys.triggers tr JOIN sys.sql_modules m ON m.object_id = tr.object_id '
      ||   'WHERE tr.name = N''dts_cdc_sync_ddl'' AND tr.parent_class = 0 AND m.execute_as_principal_id = DATABASE_PRINCIPAL_ID(N''dbo'')), '
      || '(SELECT COUNT(*) FROM sys.database_permissions p WHERE p.class = 1 AND p.major_id = OBJECT_ID(N''dbo.dts_cdc_ddl_history'', N''U'') '
      ||   'AND p.minor_id = 0 AND p.grantee_principal_id = DATABASE_PRINCIPAL_ID(N''public'') AND p.state = ''D'' '
      ||   'AND p.permission_name IN (N''INSERT'', N''UPDATE'', N''DELETE'')), '
      || '(SELECT COUNT(*) FROM sys.tables x WHERE x.name = N''dts_sync_progress'' AND x.schema_id = SCHEMA_ID(N''dbo'') AND x.is_tracked_by_cdc = 1), '
      || '(SELECT COUNT(*) FROM sys.tables x WHERE x.name = N''dts_cdc_ddl_history'' AND x.schema_id = SCHEMA_ID(N''dbo'') AND x.is_tracked_by_cdc = 1) '
      || 'FROM sys.databases d WHERE d.name = DB_NAME()')
      AS x(cdc int, progress int, history int, trig int, trig_dbo int, history_denied int,
           progress_cdc int, history_cdc int);
    EXCEPTION WHEN OTHERS THEN
      CONTINUE;
    END;
    source_db := db;
    -- The heartbeat: written by the sidecar, read back with the changes (lag). Log mode reads it
    -- from the log, so it has a clustered primary key like every table that mode reads.
    kind := 'table'; object_schema := 'dbo';
    object_table := CASE WHEN t.incremental_mode = 'log' THEN 'dts_log_heart_beat' ELSE 'dts_sync_progress' END;
    name := CASE WHEN t.incremental_mode = 'log' THEN 'dbo.dts_log_heart_beat' ELSE 'dbo.dts_sync_progress' END;
    present := st.progress = 1;
    tsql := 'CREATE TABLE ' || name || ' (task_name nvarchar(128) NOT NULL PRIMARY KEY CLUSTERED, '
            'heartbeat datetime2(3) NOT NULL, sidecar nvarchar(128) NULL)';
    RETURN NEXT;
    CONTINUE WHEN NOT uses_cdc;
    kind := 'cdc_database'; name := db; object_schema := NULL; object_table := NULL; present := st.cdc = 1;
    tsql := 'EXEC sys.sp_cdc_enable_db';
    RETURN NEXT;
    kind := 'table'; name := 'dbo.dts_cdc_ddl_history'; object_schema := 'dbo'; object_table := 'dts_cdc_ddl_history'; present := st.history = 1;
    tsql := 'CREATE TABLE dbo.dts_cdc_ddl_history (id int IDENTITY(1,1) NOT NULL PRIMARY KEY, '
            'event_time datetime2(3) NOT NULL, event_type nvarchar(64) NULL, schema_name sysname NULL, '
            'object_name sysname NULL, target_name sysname NULL, log_end_lsn nvarchar(24) NULL, '
            'command nvarchar(max) NULL, event_data xml NULL)';
    RETURN NEXT;
    -- The trigger runs as dbo: its INSERT passes the DENY below, and its read of
    -- sys.dm_db_log_stats (VIEW DATABASE STATE) does not depend on the rights of whoever runs
    -- the DDL. Creating it takes IMPERSONATE on dbo, which the sysadmin or db_owner login that
    -- prepares the source has. A trigger found without it (made before) is altered to have it.
    kind := 'ddl_trigger'; name := 'dts_cdc_sync_ddl'; object_schema := NULL; object_table := NULL; present := st.trig_dbo > 0;
    tsql := CASE WHEN st.trig > 0 THEN 'ALTER' ELSE 'CREATE' END
            || ' TRIGGER dts_cdc_sync_ddl ON DATABASE WITH EXECUTE AS ''dbo'' FOR CREATE_TABLE, ALTER_TABLE, DROP_TABLE, '
            'CREATE_INDEX, DROP_INDEX, ALTER_INDEX AS SET NOCOUNT ON; '
            'INSERT INTO dbo.dts_cdc_ddl_history (event_time, event_type, schema_name, object_name, '
            'target_name, log_end_lsn, command, event_data) SELECT SYSUTCDATETIME(), '
            'EVENTDATA().value(''(/EVENT_INSTANCE/EventType)[1]'', ''nvarchar(64)''), '
            'EVENTDATA().value(''(/EVENT_INSTANCE/SchemaName)[1]'', ''nvarchar(128)''), '
            'EVENTDATA().value(''(/EVENT_INSTANCE/ObjectName)[1]'', ''nvarchar(128)''), '
            'EVENTDATA().value(''(/EVENT_INSTANCE/TargetObjectName)[1]'', ''nvarchar(128)''), '
            '(SELECT s.log_end_lsn FROM sys.dm_db_log_stats(DB_ID()) s), '
            'EVENTDATA().value(''(/EVENT_INSTANCE/TSQLCommand/CommandText)[1]'', ''nvarchar(max)''), '
            'EVENTDATA()';
    RETURN NEXT;
    -- Only the trigger writes the history: users with write access to the database
    -- (db_datawriter) cannot forge rows. It binds neither dbo nor sysadmin members (pg_dts's own
    -- login, the CDC capture job, which reads the log and not the table), and reading stays open.
    -- A db_owner or db_securityadmin member can still REVOKE it: the DROP_TABLE check against the
    -- source catalog (70_apply.sql) stays the guard against them.
    kind := 'permission'; name := 'dbo.dts_cdc_ddl_history'; object_schema := 'dbo'; object_table := 'dts_cdc_ddl_history';
    present := st.history_denied = 3;
    tsql := 'DENY INSERT, UPDATE, DELETE ON OBJECT::dbo.dts_cdc_ddl_history TO public';
    RETURN NEXT;
    -- The heartbeat and DDL rows travel through CDC with everything else: the reader sees each
    -- at its exact place among the data changes (a DDL row commits with its DDL statement).
    kind := 'cdc_table'; name := 'dbo.dts_sync_progress'; object_schema := 'dbo'; object_table := 'dts_sync_progress'; present := st.progress_cdc = 1;
    tsql := 'EXEC sys.sp_cdc_enable_table @source_schema = N''dbo'', @source_name = N''dts_sync_progress'', @role_name = NULL';
    RETURN NEXT;
    kind := 'cdc_table'; name := 'dbo.dts_cdc_ddl_history'; object_schema := 'dbo'; object_table := 'dts_cdc_ddl_history'; present := st.history_cdc = 1;
    tsql := 'EXEC sys.sp_cdc_enable_table @source_schema = N''dbo'', @source_name = N''dts_cdc_ddl_history'', @role_name = NULL, '
            '@captured_column_list = N''id, event_time, event_type, schema_name, object_name, target_name, command''';
    RETURN NEXT;
    -- One catalog query per database, whatever the number of tables.
    FOR r IN SELECT x.source_schema, x.source_table, coalesce(y.tracked, 0) AS tracked
               FROM dts.tables x
               LEFT JOIN dts._source_query(t.server, t.owner, db,
                      'SELECT s.name, t.name, CAST(t.is_tracked_by_cdc AS int) FROM sys.tables t '
                      || 'JOIN sys.schemas s ON s.schema_id = t.schema_id')
                      AS y(s text, tb text, tracked int) ON y.s = x.source_schema AND y.tb = x.source_table
              WHERE x.task_id = t.task_id AND x.source_db = db AND x.capture = 'cdc'
              ORDER BY 1, 2 LOOP
      kind := 'cdc_table'; name := r.source_schema || '.' || r.source_table;
      object_schema := r.source_schema; object_table := r.source_table; present := r.tracked = 1;
      tsql := format('EXEC sys.sp_cdc_enable_table @source_schema = %s, @source_name = %s, @role_name = NULL',
                     dts.tsql_literal(r.source_schema), dts.tsql_literal(r.source_table));
      RETURN NEXT;
    END LOOP;
  END LOOP;
END $$;

-- Creates what the task's incremental stage needs at the source (idempotent). Returns what it did.
CREATE FUNCTION dts_prepare_source(task text)
RETURNS TABLE (source_db text, kind text, name text, action text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  t dts.tasks := dts._task(task);
  p record;
BEGIN
  IF NOT EXISTS (SELECT FROM dts.tables x WHERE x.task_id = t.task_id) THEN
    RAISE EXCEPTION 'pg_dts task "%" has no resolved tables', task USING ERRCODE = '55000',
      HINT = format('Run SELECT * FROM dts_precheck(%L); first.', task);
  END IF;
  -- Database first, tables after (CDC on a table needs it on the database); the DENY after the
  -- trigger runs as dbo, or a low-privilege user's DDL would fail on it in between.
  FOR p IN SELECT * FROM dts._source_plan(t)
            ORDER BY source_db, CASE kind WHEN 'cdc_database' THEN 0 WHEN 'table' THEN 1
                                          WHEN 'ddl_trigger' THEN 2 WHEN 'permission' THEN 3 ELSE 4 END, name LOOP
    source_db := p.source_db; kind := p.kind; name := p.name;
    IF p.present THEN
      action := 'present';
    ELSE
      BEGIN
        PERFORM dts._source_exec(t.server, t.owner, p.source_db, p.tsql);
      EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'preparing the source for task "%" failed at % % in database %: %',
          task, p.kind, p.name, p.source_db, SQLERRM USING ERRCODE = SQLSTATE,
          HINT = 'Objects created before this one stay; fix the cause and run dts_prepare_source() again.';
      END;
      INSERT INTO dts.source_objects (task_id, source_db, kind, name, object_schema, object_table)
      VALUES (t.task_id, p.source_db, p.kind, p.name, p.object_schema, p.object_table) ON CONFLICT DO NOTHING;
      PERFORM dts._log(t.task_id, 'info', NULL, p.source_db, format('source preparation: created %s %s', p.kind, p.name));
      action := 'created';
    END IF;
    RETURN NEXT;
  END LOOP;
END $$;

-- Removes what dts_prepare_source() created for the task (nothing it found in place).
CREATE FUNCTION dts_cleanup_source(task text)
RETURNS TABLE (source_db text, kind text, name text, action text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  t dts.tasks := dts._task(task, true);
  o record;
  undo text;
  parts text[];
BEGIN
  IF t.state = 'running' THEN
    RAISE EXCEPTION 'pg_dts task "%" is running', task USING ERRCODE = '55000',
      HINT = format('Stop it first: SELECT dts_stop_task(%L);', task);
  END IF;
  FOR o IN SELECT * FROM dts.source_objects s WHERE s.task_id = t.task_id
            ORDER BY s.source_db, CASE s.kind WHEN 'ddl_trigger' THEN 0 WHEN 'cdc_table' THEN 1
                                              WHEN 'permission' THEN 2 WHEN 'table' THEN 3 ELSE 4 END, s.name LOOP
    -- 'schema.table' as recorded; names may hold dots themselves: the task's tables tell how
    -- the name splits, the first dot otherwise.
    parts := coalesce((SELECT ARRAY[x.source_schema, x.source_table] FROM dts.tables x
                        WHERE (x.task_id, x.source_db) = (o.task_id, o.source_db)
                          AND x.source_schema || '.' || x.source_table = o.name LIMIT 1),
                      ARRAY[split_part(o.name, '.', 1), substr(o.name, length(split_part(o.name, '.', 1)) + 2)]);
    undo := CASE o.kind
      WHEN 'ddl_trigger' THEN 'DROP TRIGGER ' || dts.tsql_ident(o.name) || ' ON DATABASE'
      WHEN 'table' THEN 'DROP TABLE ' || dts.tsql_ident(o.object_schema) || '.' || dts.tsql_ident(o.object_table)
      -- A table dropped meanwhile took its permissions along.
      WHEN 'permission' THEN format('IF OBJECT_ID(%s, N''U'') IS NOT NULL REVOKE INSERT, UPDATE, DELETE ON OBJECT::%s FROM public',
                                    dts.tsql_literal(dts.tsql_ident(o.object_schema) || '.' || dts.tsql_ident(o.object_table)),
                                    dts.tsql_ident(o.object_schema) || '.' || dts.tsql_ident(o.object_table))
      WHEN 'cdc_table' THEN format('EXEC sys.sp_cdc_disable_table @source_schema = %s, @source_name = %s, @capture_instance = N''all''',
                                   dts.tsql_literal(o.object_schema), dts.tsql_literal(o.object_table))
      ELSE 'EXEC sys.sp_cdc_disable_db' END;
    BEGIN
      PERFORM dts._source_exec(t.server, t.owner, o.source_db, undo);
      action := 'removed';
    EXCEPTION WHEN OTHERS THEN
      action := 'failed: ' || SQLERRM;
    END;
    IF action = 'removed' THEN
      DELETE FROM dts.source_objects s WHERE (s.task_id, s.source_db, s.kind, s.name) = (o.task_id, o.source_db, o.kind, o.name);
    END IF;
    source_db := o.source_db; kind := o.kind; name := o.name;
    RETURN NEXT;
  END LOOP;
END $$;
