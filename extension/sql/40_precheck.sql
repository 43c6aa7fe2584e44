
-- ---- precheck ---------------------------------------------------------------------------------
-- dts_precheck(task) checks the source, the destination and the task's configuration, resolves
-- the task's tables into dts.tables, records the run and returns one row per item.

-- Reads the source catalog of the task's selected objects into dts.tables (rows whose schema is
-- already created keep their targets). Returns the source rows for the checks.
CREATE FUNCTION dts._resolve_tables(t dts.tasks)
RETURNS TABLE (source_db text, source_schema text, source_table text, object_id integer,
               est_rows bigint, est_bytes bigint, is_heap boolean, has_pk boolean,
               pk_clustered boolean, compressed text, computed_columns integer,
               pk_columns text, log_unsafe text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  db text;
  q text;
  schemas text;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS pg_temp.dts_resolved (
    source_db text, source_schema text, source_table text, object_id integer, est_rows bigint,
    est_bytes bigint, is_heap boolean, has_pk boolean, pk_clustered boolean, compressed text,
    computed_columns integer, pk_columns text, log_unsafe text) ON COMMIT DROP;
  TRUNCATE pg_temp.dts_resolved;
  FOREACH db IN ARRAY t.databases LOOP
    SELECT string_agg(DISTINCT dts.tsql_literal(o.source_schema), ', ') INTO schemas
      FROM dts.task_objects o WHERE o.task_id = t.task_id AND o.source_db = db;
    CONTINUE WHEN schemas IS NULL;
    q := 'SELECT s.name, t.name, t.object_id, '
      || '(SELECT SUM(p.rows) FROM sys.partitions p WHERE p.object_id = t.object_id AND p.index_id IN (0, 1)), '
      || '(SELECT SUM(CASE WHEN c.max_length < 0 THEN 1024 ELSE c.max_length END) FROM sys.columns c WHERE c.object_id = t.object_id), '
      || 'CASE WHEN EXISTS (SELECT 1 FROM sys.indexes i WHERE i.object_id = t.object_id AND i.type = 0) THEN 1 ELSE 0 END, '
      || 'CASE WHEN EXISTS (SELECT 1 FROM sys.indexes i WHERE i.object_id = t.object_id AND i.is_primary_key = 1) THEN 1 ELSE 0 END, '
      || 'CASE WHEN EXISTS (SELECT 1 FROM sys.indexes i WHERE i.object_id = t.object_id AND i.is_primary_key = 1 AND i.type = 1) THEN 1 ELSE 0 END, '
      || '(SELECT MAX(p.data_compression_desc) FROM sys.partitions p WHERE p.object_id = t.object_id AND p.data_compression > 0), '
      || '(SELECT COUNT(*) FROM sys.computed_columns cc WHERE cc.object_id = t.object_id), '
      -- What the log reader does not decode: the row formats of sparse columns and columnstore
      -- or memory-optimized tables, and values it cannot read from the row image.
      || 'CASE WHEN EXISTS (SELECT 1 FROM sys.columns c WHERE c.object_id = t.object_id AND c.is_sparse = 1) THEN N''sparse columns'' '
      || 'WHEN EXISTS (SELECT 1 FROM sys.indexes i WHERE i.object_id = t.object_id AND i.type IN (5, 6)) THEN N''columnstore index'' '
      || 'WHEN t.is_memory_optimized = 1 THEN N''memory-optimized'' '
      || 'WHEN EXISTS (SELECT 1 FROM sys.columns c WHERE c.object_id = t.object_id AND c.system_type_id IN (34, 35, 99, 98, 240, 241)) '
      || 'THEN N''text/ntext/image, xml, sql_variant or CLR type columns'' END '
      || 'FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id '
      || 'WHERE t.is_ms_shipped = 0 AND s.name IN (' || schemas || ') '
      -- pg_dts's own tables at the source (heartbeat, DDL history) are never synced.
      || 'AND NOT (s.name = N''dbo'' AND t.name IN (N''dts_sync_progress'', N''dts_log_heart_beat'', N''dts_cdc_ddl_history''))';
    INSERT INTO pg_temp.dts_resolved
    SELECT db, r.s, r.t, r.id, coalesce(r.nrows, 0), coalesce(r.nrows, 0) * (coalesce(r.width, 0) + 16),
           r.heap = 1, r.pk = 1, r.pkc = 1, r.comp, r.comp_cols, NULL, r.unsafe
      FROM dts._source_query(t.server, t.owner, db, q)
           AS r(s text, t text, id integer, nrows bigint, width bigint, heap integer, pk integer,
                pkc integer, comp text, comp_cols integer, unsafe text)
     WHERE EXISTS (SELECT FROM dts.task_objects o WHERE o.task_id = t.task_id AND o.source_db = db
                     AND o.source_schema = r.s AND (o.source_table = '' OR o.source_table = r.t));
    -- Primary key columns in key order (for the distribution-key check).
    UPDATE pg_temp.dts_resolved x SET pk_columns = k.cols
      FROM (SELECT k.object_id, array_agg(k.col ORDER BY k.ord)::text AS cols
              FROM dts._source_query(t.server, t.owner, db,
                'SELECT i.object_id, ic.key_ordinal, c.name FROM sys.indexes i '
                || 'JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id '
                || 'JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id '
                || 'WHERE i.is_primary_key = 1 AND ic.is_included_column = 0')
                   AS k(object_id integer, ord integer, col text)
             GROUP BY k.object_id) k
     WHERE x.source_db = db AND x.object_id = k.object_id;
  END LOOP;

  DELETE FROM dts.tables x WHERE x.task_id = t.task_id AND x.schema_state = 'pending'
     AND NOT EXISTS (SELECT FROM pg_temp.dts_resolved r WHERE r.source_db = x.source_db
                       AND r.source_schema = x.source_schema AND r.source_table = x.source_table);
  INSERT INTO dts.tables AS x (task_id, source_db, source_schema, source_table, target_schema,
                               target_table, source_object_id, estimated_rows, estimated_bytes,
                               source_primary_key, capture)
  SELECT t.task_id, r.source_db, r.source_schema, r.source_table, n.target_schema, n.target_table,
         r.object_id, r.est_rows, r.est_bytes, r.pk_columns::text[],
         CASE WHEN t.incremental_mode = 'cdc' THEN 'cdc'
              WHEN t.incremental_mode = 'log' THEN 'log'
              WHEN r.is_heap OR NOT r.has_pk OR NOT r.pk_clustered OR r.compressed IS NOT NULL
                   OR r.computed_columns > 0 OR r.log_unsafe IS NOT NULL THEN 'cdc'
              ELSE 'log' END
    FROM pg_temp.dts_resolved r,
         LATERAL dts._target_name(t.task_id, r.source_db, r.source_schema, r.source_table) n
  ON CONFLICT ON CONSTRAINT tables_pkey DO UPDATE
     SET target_schema = CASE WHEN x.schema_state = 'pending' THEN EXCLUDED.target_schema ELSE x.target_schema END,
         target_table = CASE WHEN x.schema_state = 'pending' THEN EXCLUDED.target_table ELSE x.target_table END,
         source_object_id = EXCLUDED.source_object_id, estimated_rows = EXCLUDED.estimated_rows,
         estimated_bytes = EXCLUDED.estimated_bytes, capture = EXCLUDED.capture,
         source_primary_key = EXCLUDED.source_primary_key;
  RETURN QUERY SELECT * FROM pg_temp.dts_resolved;
END $$;

CREATE FUNCTION dts_precheck(task text)
RETURNS TABLE (item text, status text, object text, detail text, fix text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  t dts.tasks := dts._task(task, true);
  run bigint;
  seq integer := 0;
  incremental boolean;
  uses_cdc boolean;
  v record;
  r record;
  db text;
  major integer;
  build integer;
  n bigint;
  free bigint;
  reserve bigint;
  flavour text;
  connected boolean := false;

BEGIN
  incremental := 'incremental' = ANY (t.stages);
  uses_cdc := incremental AND t.incremental_mode IN ('hybrid', 'cdc');
  INSERT INTO dts.precheck_runs (task_id) VALUES (t.task_id) RETURNING run_id INTO run;
  CREATE TEMP TABLE IF NOT EXISTS pg_temp.dts_check (seq integer, item text, status text,
    object text, detail text, fix text) ON COMMIT DROP;
  TRUNCATE pg_temp.dts_check;

  -- Source: connectivity, login and server properties.
  BEGIN
    SELECT * INTO v FROM dts._source_query(t.server, t.owner, NULL,
      'SELECT CAST(SERVERPROPERTY(''ProductVersion'') AS nvarchar(128)), '
      || 'CAST(SERVERPROPERTY(''Edition'') AS nvarchar(128)), '
      || 'CAST(SERVERPROPERTY(''EngineEdition'') AS int), IS_SRVROLEMEMBER(''sysadmin''), '
      || 'CAST(SERVERPROPERTY(''ServerName'') AS nvarchar(128)), '
      || '(SELECT srvname FROM sys.sysservers WHERE srvid = 0)')
      AS x(version text, edition text, engine_edition int, sysadmin int, server_name text, srvname text);
    connected := true;
    INSERT INTO pg_temp.dts_check VALUES (1, 'source connectivity', 'ok', t.server,
      format('connected; SQL Server %s, %s', v.version, v.edition), NULL);
  EXCEPTION WHEN OTHERS THEN
    INSERT INTO pg_temp.dts_check VALUES (1, 'source connectivity', 'error', t.server, SQLERRM,
      'Check the server''s host/port options and the user mapping''s user and password; the source must accept SQL logins.');
  END;

  IF connected THEN
    -- Reading the log and enabling CDC need sysadmin; the schema and full stages only read the
    -- catalog and SELECT the tables, which the table checks below exercise.
    INSERT INTO pg_temp.dts_check VALUES (2, 'source sysadmin', CASE WHEN v.sysadmin = 1 OR NOT incremental THEN 'ok' ELSE 'error' END,
      t.server, CASE WHEN v.sysadmin = 1 THEN 'the login is a member of sysadmin'
                     WHEN NOT incremental THEN 'the login is not a member of sysadmin, which a task without the incremental stage does not need'
                     ELSE 'the login of the user mapping is not a member of the sysadmin server role' END,
      CASE WHEN v.sysadmin <> 1 AND incremental THEN 'On SQL Server: ALTER SERVER ROLE sysadmin ADD MEMBER <login>; (reading the log and enabling CDC need it)' END);

    major := split_part(v.version, '.', 1)::integer;
    build := nullif(split_part(v.version, '.', 3), '')::integer;
    IF uses_cdc AND NOT (
         (v.engine_edition = 3 AND major >= 10)
         OR (v.engine_edition = 2 AND (major > 13 OR major = 13 AND build >= 4001))) THEN
      INSERT INTO pg_temp.dts_check VALUES (3, 'source version', 'error', t.server,
        format('SQL Server %s, %s: change data capture needs Enterprise/Developer 2008 or later, or Standard 2016 SP1 (13.0.4001) or later', v.version, v.edition),
        'Upgrade the source, or use incremental_mode log (no CDC).');
    ELSIF 'incremental' = ANY (t.stages) AND (major < 13 OR major = 13 AND coalesce(build, 0) < 5026) THEN
      -- The cutover position and the log reader's start come from sys.dm_db_log_stats (a task
      -- without the incremental stage records no cutover).
      INSERT INTO pg_temp.dts_check VALUES (3, 'source version', 'error', t.server,
        format('SQL Server %s, %s: the incremental stage reads the log position from sys.dm_db_log_stats, which exists from SQL Server 2016 SP2 (13.0.5026) on', v.version, v.edition),
        'Upgrade the source to SQL Server 2016 SP2 or later, or run only the schema and full stages.');
    ELSIF major = 14 THEN
      INSERT INTO pg_temp.dts_check VALUES (3, 'source version', 'warning', t.server,
        format('SQL Server 2017 (%s, %s): apply the latest cumulative update before syncing; CDC and log reading had fixes there', v.version, v.edition),
        'Install the latest SQL Server 2017 cumulative update, then acknowledge.');
    ELSIF major < 10 THEN
      INSERT INTO pg_temp.dts_check VALUES (3, 'source version', 'error', t.server,
        format('SQL Server %s is older than 2008', v.version), 'Upgrade the source to SQL Server 2008 or later.');
    ELSE
      INSERT INTO pg_temp.dts_check VALUES (3, 'source version', 'ok', t.server,
        format('SQL Server %s, %s', v.version, v.edition), NULL);
    END IF;

    IF uses_cdc THEN
      INSERT INTO pg_temp.dts_check VALUES (4, 'source server name',
        CASE WHEN v.srvname = v.server_name THEN 'ok' ELSE 'error' END, t.server,
        format('sys.sysservers srvname %s, SERVERPROPERTY(''ServerName'') %s', coalesce(v.srvname, 'missing'), v.server_name),
        CASE WHEN v.srvname IS DISTINCT FROM v.server_name THEN
          format('On SQL Server: EXEC sp_dropserver %s; EXEC sp_addserver %s, ''local''; then restart the service (CDC jobs need the names to agree).',
                 coalesce(dts.tsql_literal(v.srvname), 'N''<old name>'''), dts.tsql_literal(v.server_name)) END);
    END IF;

    -- Per database: present, recovery model, backups, owner.
    FOREACH db IN ARRAY t.databases LOOP
      BEGIN
        SELECT * INTO r FROM dts._source_query(t.server, t.owner, NULL,
          'SELECT d.state_desc, d.recovery_model_desc, CASE WHEN d.owner_sid = 0x01 THEN 1 ELSE 0 END, '
          || '(SELECT COUNT(*) FROM msdb.dbo.backupset b WHERE b.database_name = d.name AND b.type = ''D''), '
          || '(SELECT COUNT(*) FROM msdb.dbo.backupset b WHERE b.database_name = d.name AND b.type = ''L''), '
          -- Log backups of the last day closer than an hour to the one before.
          || '(SELECT COUNT(*) FROM msdb.dbo.backupset b WHERE b.database_name = d.name AND b.type = ''L'' '
          || 'AND b.backup_finish_date > DATEADD(day, -1, GETDATE()) AND EXISTS (SELECT 1 FROM msdb.dbo.backupset p '
          || 'WHERE p.database_name = d.name AND p.type = ''L'' AND p.backup_finish_date < b.backup_finish_date '
          || 'AND p.backup_finish_date > DATEADD(hour, -1, b.backup_finish_date))) '
          || 'FROM sys.databases d WHERE d.name = ' || dts.tsql_literal(db))
          AS x(state text, recovery text, owner_sa int, full_backups int, log_backups int, frequent_log_backups int);
      EXCEPTION WHEN OTHERS THEN
        INSERT INTO pg_temp.dts_check VALUES (10, 'source database', 'error', db, SQLERRM, NULL);
        CONTINUE;
      END;
      IF NOT FOUND THEN
        INSERT INTO pg_temp.dts_check VALUES (10, 'source database', 'error', db,
          'database does not exist on the source', 'Check the task''s databases (dts.tasks.databases) against sys.databases.');
        CONTINUE;
      END IF;
      INSERT INTO pg_temp.dts_check VALUES (10, 'source database', CASE WHEN r.state = 'ONLINE' THEN 'ok' ELSE 'error' END,
        db, 'state ' || r.state, CASE WHEN r.state <> 'ONLINE' THEN 'Bring the database online.' END);
      IF incremental THEN
        INSERT INTO pg_temp.dts_check VALUES (11, 'source recovery model', CASE WHEN r.recovery = 'FULL' THEN 'ok' ELSE 'error' END,
          db, 'recovery model ' || r.recovery,
          CASE WHEN r.recovery <> 'FULL' THEN format('On SQL Server: ALTER DATABASE %s SET RECOVERY FULL; then take a full backup.', dts.tsql_ident(db)) END);
        INSERT INTO pg_temp.dts_check VALUES (12, 'source backups',
          CASE WHEN r.full_backups > 0 AND r.log_backups > 0 THEN 'ok' ELSE 'error' END, db,
          format('%s full and %s log backups in msdb.dbo.backupset', r.full_backups, r.log_backups),
          CASE WHEN r.full_backups = 0 OR r.log_backups = 0 THEN
            format('On SQL Server: BACKUP DATABASE %1$s TO DISK = ...; BACKUP LOG %1$s TO DISK = ...; (without them the log is truncated and changes are lost).', dts.tsql_ident(db)) END);
        -- The log reader needs records the log still holds; each log backup truncates it.
        IF t.incremental_mode IN ('log', 'hybrid') AND r.frequent_log_backups > 0 THEN
          INSERT INTO pg_temp.dts_check VALUES (12, 'source log backup interval', 'warning', db,
            format('%s log backup(s) in the last day came less than an hour after the previous one', r.frequent_log_backups),
            'Back the log up at most hourly while the task reads it: records a paused or lagging task still needs are then read from the backups (slower), or lost when a backup file is gone.');
        END IF;
      END IF;
      IF uses_cdc THEN
        INSERT INTO pg_temp.dts_check VALUES (13, 'source database owner', CASE WHEN r.owner_sa = 1 THEN 'ok' ELSE 'error' END,
          db, CASE WHEN r.owner_sa = 1 THEN 'owned by sa' ELSE 'not owned by sa; CDC capture jobs fail for other owners' END,
          CASE WHEN r.owner_sa <> 1 THEN format('On SQL Server: ALTER AUTHORIZATION ON DATABASE::%s TO sa;', dts.tsql_ident(db)) END);
      END IF;
      -- Objects that heterogeneous sync leaves out.
      BEGIN
        FOR r IN SELECT * FROM dts._source_query(t.server, t.owner, db,
            'SELECT o.type_desc, COUNT(*) FROM sys.objects o WHERE o.is_ms_shipped = 0 AND o.type IN '
            || '(''V'', ''P'', ''FN'', ''IF'', ''TF'', ''TR'', ''SN'', ''SO'') GROUP BY o.type_desc')
            AS x(kind text, cnt int) LOOP
          INSERT INTO pg_temp.dts_check VALUES (14, 'objects not synced', 'ok', db,
            format('%s %s skipped: only tables are synchronized', r.cnt,
                   CASE WHEN r.kind = 'VIEW' THEN 'view(s)'
                        WHEN r.kind = 'SQL_STORED_PROCEDURE' THEN 'stored procedure(s)'
                        WHEN r.kind LIKE '%FUNCTION' THEN 'function(s)'
                        WHEN r.kind = 'SQL_TRIGGER' THEN 'trigger(s)'
                        WHEN r.kind = 'SYNONYM' THEN 'synonym(s)'
                        ELSE lower(r.kind) END), NULL);
        END LOOP;
      EXCEPTION WHEN OTHERS THEN
        NULL; -- the listing is informational
      END;
    END LOOP;

    -- Tables: resolve, then the five table checks and the column types.
    BEGIN
      FOR r IN SELECT * FROM dts._resolve_tables(t) LOOP
        IF r.is_heap OR NOT r.has_pk OR (r.has_pk AND NOT r.pk_clustered) OR r.compressed IS NOT NULL OR r.computed_columns > 0 OR r.log_unsafe IS NOT NULL THEN
          INSERT INTO pg_temp.dts_check VALUES (20, 'table capture',
            CASE WHEN incremental AND t.incremental_mode = 'log' THEN 'error' ELSE 'ok' END,
            r.source_db || '.' || r.source_schema || '.' || r.source_table,
            concat_ws(', ', CASE WHEN r.is_heap THEN 'heap table' END,
                            CASE WHEN NOT r.has_pk THEN 'no primary key' END,
                            CASE WHEN r.has_pk AND NOT r.pk_clustered THEN 'primary key not in the clustered index' END,
                            CASE WHEN r.compressed IS NOT NULL THEN r.compressed || ' compression' END,
                            CASE WHEN r.computed_columns > 0 THEN r.computed_columns || ' computed column(s)' END,
                            r.log_unsafe)
              || CASE WHEN NOT incremental THEN '' WHEN t.incremental_mode = 'log' THEN ': the log reader cannot decode it'
                      ELSE ': captured with CDC' END,
            CASE WHEN incremental AND t.incremental_mode = 'log' THEN 'Use incremental_mode hybrid or cdc, or remove the table from the task.' END);
        END IF;
        IF NOT r.has_pk AND NOT EXISTS (SELECT FROM dts.table_settings s WHERE s.task_id = t.task_id
             AND s.source_db = r.source_db AND s.source_schema = r.source_schema AND s.source_table = r.source_table
             AND s.primary_key IS NOT NULL) THEN
          INSERT INTO pg_temp.dts_check VALUES (21, 'table key', 'warning',
            r.source_db || '.' || r.source_schema || '.' || r.source_table,
            'no primary key: the destination table has none, updates and deletes match whole rows, and duplicate rows cannot be told apart',
            format('SELECT dts_set_keys(%L, %L, primary_key => ARRAY[...]); names unique columns.', t.name,
                   r.source_db || '.' || r.source_schema || '.' || r.source_table));
        END IF;
      END LOOP;
    EXCEPTION WHEN OTHERS THEN
      INSERT INTO pg_temp.dts_check VALUES (20, 'table capture', 'error', t.name, 'reading the source catalog failed: ' || SQLERRM, NULL);
    END;

    -- What the incremental stage will create at the source (dts_prepare_source).
    BEGIN
      FOR r IN SELECT * FROM dts._source_plan(t) p WHERE NOT p.present
                ORDER BY p.source_db, CASE p.kind WHEN 'cdc_database' THEN 0 WHEN 'table' THEN 1
                                                  WHEN 'ddl_trigger' THEN 2 WHEN 'permission' THEN 3 ELSE 4 END, p.name LOOP
        INSERT INTO pg_temp.dts_check VALUES (25, 'source preparation', 'ok', r.source_db,
          CASE WHEN r.kind = 'permission'
               THEN format('will deny INSERT, UPDATE, DELETE on %s to public', r.name)
               WHEN r.tsql LIKE 'ALTER %' THEN format('will alter %s %s to run as dbo', replace(r.kind, '_', ' '), r.name)
               ELSE format('will create %s %s', replace(r.kind, '_', ' '), r.name) END, NULL);
      END LOOP;
    EXCEPTION WHEN OTHERS THEN
      INSERT INTO pg_temp.dts_check VALUES (25, 'source preparation', 'error', t.name, SQLERRM, NULL);
    END;
    -- Selected tables that do not exist.
    FOR r IN SELECT o.* FROM dts.task_objects o WHERE o.task_id = t.task_id AND o.source_table <> ''
               AND NOT EXISTS (SELECT FROM dts.tables x WHERE x.task_id = o.task_id AND x.source_db = o.source_db
                                 AND x.source_schema = o.source_schema AND x.source_table = o.source_table) LOOP
      INSERT INTO pg_temp.dts_check VALUES (22, 'source table', 'error', r.source_db || '.' || r.source_schema || '.' || r.source_table,
        'table not found on the source', format('Check the name, or SELECT dts_remove_objects(%L, %L, ARRAY[%L], %L);', t.name, r.source_schema, r.source_table, r.source_db));
    END LOOP;
    IF NOT EXISTS (SELECT FROM dts.tables x WHERE x.task_id = t.task_id) THEN
      INSERT INTO pg_temp.dts_check VALUES (22, 'source table', 'error', t.name, 'the task selects no existing table',
        format('SELECT dts_add_objects(%L, ''dbo'');', t.name));
    END IF;

    -- Column types that are not synced.
    FOREACH db IN ARRAY t.databases LOOP
      BEGIN
        FOR r IN SELECT x.* FROM dts._source_query(t.server, t.owner, db,
            -- an alias type (CREATE TYPE ... FROM sql_variant) counts as its base type
            'SELECT s.name, t.name, c.name, COALESCE(bt.name, ty.name) FROM sys.columns c JOIN sys.tables t ON t.object_id = c.object_id '
            || 'JOIN sys.schemas s ON s.schema_id = t.schema_id JOIN sys.types ty ON ty.user_type_id = c.user_type_id '
            || 'LEFT JOIN sys.types bt ON bt.user_type_id = c.system_type_id AND ty.is_user_defined = 1 AND ty.is_assembly_type = 0 '
            || 'WHERE COALESCE(bt.name, ty.name) IN (''timestamp'', ''rowversion'', ''hierarchyid'', ''sql_variant'', ''geometry'', ''geography'')')
            AS x(s text, tb text, c text, ty text)
          WHERE EXISTS (SELECT FROM dts.tables z WHERE z.task_id = t.task_id AND z.source_db = db
                          AND z.source_schema = x.s AND z.source_table = x.tb) LOOP
          INSERT INTO pg_temp.dts_check VALUES (23, 'column type', 'warning', db || '.' || r.s || '.' || r.tb || '.' || r.c,
            format('%s is not synchronized: the column is left out of the destination table', r.ty),
            'Acknowledge, or keep the data in a supported type at the source.');
        END LOOP;
      EXCEPTION WHEN OTHERS THEN
        INSERT INTO pg_temp.dts_check VALUES (23, 'column type', 'error', db, SQLERRM, NULL);
      END;
      -- Fractional seconds PostgreSQL cannot hold: 100 ns digits are cut to microseconds.
      BEGIN
        FOR r IN SELECT x.* FROM dts._source_query(t.server, t.owner, db,
            'SELECT s.name, t.name, c.name, ty.name, c.scale, CASE WHEN EXISTS (SELECT 1 FROM sys.index_columns ic '
            || 'JOIN sys.indexes i ON i.object_id = ic.object_id AND i.index_id = ic.index_id '
            || 'WHERE ic.object_id = c.object_id AND ic.column_id = c.column_id AND i.is_unique = 1) THEN 1 ELSE 0 END '
            || 'FROM sys.columns c JOIN sys.tables t ON t.object_id = c.object_id '
            || 'JOIN sys.schemas s ON s.schema_id = t.schema_id JOIN sys.types ty ON ty.user_type_id = c.system_type_id '
            || 'WHERE ty.name IN (''datetime2'', ''time'', ''datetimeoffset'') AND c.scale > 6')
            AS x(s text, tb text, c text, ty text, scale int, in_key int)
          WHERE EXISTS (SELECT FROM dts.tables z WHERE z.task_id = t.task_id AND z.source_db = db
                          AND z.source_schema = x.s AND z.source_table = x.tb) LOOP
          INSERT INTO pg_temp.dts_check VALUES (23, 'column type', 'warning', db || '.' || r.s || '.' || r.tb || '.' || r.c,
            format('%s(%s) is stored with microseconds: the 7th fractional digit is cut', r.ty, r.scale)
              || CASE WHEN r.in_key = 1 THEN '; the column is in a unique key or index, so rows whose values differ only below 1 microsecond collide (the full load fails with a duplicate key, changes apply to one row)' ELSE '' END,
            CASE WHEN r.in_key = 1
              THEN 'Acknowledge only if no two keys differ below 1 microsecond; otherwise keep the column at precision 6 or less at the source.'
              ELSE 'Acknowledge, or keep the column at precision 6 or less at the source.' END);
        END LOOP;
      EXCEPTION WHEN OTHERS THEN
        -- One error per database: the query above reports a database it cannot read.
        IF NOT EXISTS (SELECT FROM pg_temp.dts_check k WHERE k.seq = 23 AND k.status = 'error' AND k.object = db) THEN
          INSERT INTO pg_temp.dts_check VALUES (23, 'column type', 'error', db, SQLERRM, NULL);
        END IF;
      END;
    END LOOP;

    -- Capture instances the user created with a column list: changes read through them would
    -- leave the other columns without values, so the incremental stage refuses them.
    IF uses_cdc THEN
      FOREACH db IN ARRAY t.databases LOOP
        BEGIN
          -- A database that cannot be read is reported by 'source database' already.
          CONTINUE WHEN NOT EXISTS (SELECT FROM dts._source_query(t.server, t.owner, db,
              'SELECT CAST(is_cdc_enabled AS varchar(1)) FROM sys.databases WHERE name = DB_NAME()') AS e(v text)
            WHERE e.v = '1');
        EXCEPTION WHEN OTHERS THEN
          CONTINUE;
        END;
        BEGIN
          FOR r IN SELECT x.s, x.tb, x.ci, string_agg(x.c, ', ' ORDER BY x.n) AS cols FROM dts._source_query(t.server, t.owner, db,
              'SELECT s.name, t.name, ct.capture_instance, c.name, CAST(c.column_id AS varchar(10)) FROM cdc.change_tables ct '
              || 'JOIN sys.tables t ON t.object_id = ct.source_object_id JOIN sys.schemas s ON s.schema_id = t.schema_id '
              || 'JOIN sys.columns c ON c.object_id = t.object_id JOIN sys.types ty ON ty.user_type_id = c.user_type_id '
              || 'WHERE ty.name NOT IN (N''timestamp'', N''rowversion'', N''hierarchyid'', N''sql_variant'', N''geometry'', N''geography'') '
              || 'AND NOT EXISTS (SELECT 1 FROM cdc.change_tables n WHERE n.source_object_id = ct.source_object_id AND n.create_date > ct.create_date) '
              || 'AND NOT EXISTS (SELECT 1 FROM cdc.captured_columns cc WHERE cc.object_id = ct.object_id AND cc.column_name = c.name)')
              AS x(s text, tb text, ci text, c text, n text)
            WHERE EXISTS (SELECT FROM dts.tables z WHERE z.task_id = t.task_id AND z.source_db = db
                            AND z.source_schema = x.s AND z.source_table = x.tb AND z.capture = 'cdc')
            GROUP BY x.s, x.tb, x.ci ORDER BY 1, 2 LOOP
            INSERT INTO pg_temp.dts_check VALUES (26, 'capture columns', 'error', db || '.' || r.s || '.' || r.tb,
              format('capture instance %s does not capture column(s) %s: their changes would arrive without values, so the incremental stage refuses it', r.ci, r.cols),
              format('Capture every column: EXEC sys.sp_cdc_disable_table @source_schema = %s, @source_name = %s, @capture_instance = %s; EXEC sys.sp_cdc_enable_table @source_schema = %s, @source_name = %s, @role_name = NULL;',
                     dts.tsql_literal(r.s), dts.tsql_literal(r.tb), dts.tsql_literal(r.ci), dts.tsql_literal(r.s), dts.tsql_literal(r.tb)));
          END LOOP;
        EXCEPTION WHEN OTHERS THEN
          INSERT INTO pg_temp.dts_check VALUES (26, 'capture columns', 'error', db, 'reading the capture instances failed: ' || SQLERRM, NULL);
        END;
      END LOOP;
    END IF;

    -- Row filters still accepted by the source.
    FOR r IN SELECT s.* FROM dts.table_settings s WHERE s.task_id = t.task_id AND s.filter IS NOT NULL LOOP
      -- Text that is not one search condition never reaches the source, not even to be parsed.
      IF dts.tsql_filter_error(r.filter) IS NOT NULL THEN
        INSERT INTO pg_temp.dts_check VALUES (24, 'row filter', 'error', r.source_db || '.' || r.source_schema || '.' || r.source_table,
          'not one T-SQL search condition: ' || dts.tsql_filter_error(r.filter), format('SELECT dts_set_filter(%L, %L, <T-SQL condition>);', t.name, r.source_db || '.' || r.source_schema || '.' || r.source_table));
        CONTINUE;
      END IF;
      BEGIN
        PERFORM * FROM dts._source_query(t.server, t.owner, r.source_db,
          'SELECT TOP (0) 1 FROM ' || dts.tsql_ident(r.source_schema) || '.' || dts.tsql_ident(r.source_table)
          || ' WHERE (' || r.filter || ')') AS x(one int);
        INSERT INTO pg_temp.dts_check VALUES (24, 'row filter', 'ok', r.source_db || '.' || r.source_schema || '.' || r.source_table, r.filter, NULL);
      EXCEPTION WHEN OTHERS THEN
        INSERT INTO pg_temp.dts_check VALUES (24, 'row filter', 'error', r.source_db || '.' || r.source_schema || '.' || r.source_table,
          'SQL Server rejects the filter: ' || SQLERRM, format('SELECT dts_set_filter(%L, %L, <T-SQL condition>);', t.name, r.source_db || '.' || r.source_schema || '.' || r.source_table));
      END;
    END LOOP;
  END IF;

  -- Limits.
  SELECT count(*) INTO n FROM dts.tables x WHERE x.task_id = t.task_id AND x.capture = 'cdc';
  IF uses_cdc THEN
    INSERT INTO pg_temp.dts_check VALUES (30, 'CDC table limit', CASE WHEN n > 1000 THEN 'error' ELSE 'ok' END, t.name,
      format('%s tables captured with CDC (limit 1000)', n),
      CASE WHEN n > 1000 THEN 'Split the task, or use incremental_mode log for clustered-key tables (hybrid).' END);
  END IF;

  -- Destination: names, privileges, conflicts, keys, space.
  flavour := CASE WHEN EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN 'citus'
                  WHEN version() ILIKE '%greenplum%' THEN 'greenplum' ELSE 'postgresql' END;
  -- Compared as PostgreSQL stores them: cut to 63 bytes (SQL Server allows 128 characters).
  FOR r IN SELECT x.target_schema::name AS target_schema, x.target_table::name AS target_table, count(*) AS cnt,
                  string_agg(x.source_db || '.' || x.source_schema || '.' || x.source_table, ', ') AS sources
             FROM dts.tables x WHERE x.task_id = t.task_id GROUP BY 1, 2 HAVING count(*) > 1 LOOP
    INSERT INTO pg_temp.dts_check VALUES (40, 'destination name', 'error', format('%I.%I', r.target_schema, r.target_table),
      'several source tables map to it (as PostgreSQL stores names, cut after their 63rd byte): ' || r.sources, 'Rename with dts_map_object() or dts_map_objects().');
  END LOOP;
  FOR r IN SELECT DISTINCT x.target_schema FROM dts.tables x WHERE x.task_id = t.task_id AND x.schema_state = 'pending' LOOP
    IF EXISTS (SELECT FROM pg_namespace WHERE nspname = r.target_schema) THEN
      INSERT INTO pg_temp.dts_check VALUES (41, 'destination privileges',
        CASE WHEN has_schema_privilege(r.target_schema, 'CREATE') THEN 'ok' ELSE 'error' END, r.target_schema,
        CASE WHEN has_schema_privilege(r.target_schema, 'CREATE') THEN 'may create tables in the schema'
             ELSE format('role %s may not create tables in schema %s', current_user, r.target_schema) END,
        CASE WHEN NOT has_schema_privilege(r.target_schema, 'CREATE') THEN format('GRANT CREATE ON SCHEMA %I TO %I;', r.target_schema, current_user) END);
    ELSE
      INSERT INTO pg_temp.dts_check VALUES (41, 'destination privileges',
        CASE WHEN has_database_privilege(current_database(), 'CREATE') THEN 'ok' ELSE 'error' END, r.target_schema,
        CASE WHEN has_database_privilege(current_database(), 'CREATE') THEN 'schema will be created'
             ELSE format('role %s may not create schemas in database %s', current_user, current_database()) END,
        CASE WHEN NOT has_database_privilege(current_database(), 'CREATE') THEN format('GRANT CREATE ON DATABASE %I TO %I;', current_database(), current_user) END);
    END IF;
  END LOOP;
  -- Looked up in the catalogs: to_regclass() would need USAGE on the schema.
  FOR r IN SELECT x.*, c.oid AS relid FROM dts.tables x
             JOIN pg_namespace n ON n.nspname = x.target_schema
             JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = x.target_table
            WHERE x.task_id = t.task_id AND x.schema_state = 'pending' LOOP
    IF t.conflict_mode = 'precheck_and_report' THEN
      INSERT INTO pg_temp.dts_check VALUES (42, 'destination table exists', 'error',
        format('%I.%I', r.target_schema, r.target_table),
        format('a table of that name exists for %s.%s.%s', r.source_db, r.source_schema, r.source_table),
        'Drop or rename the destination table, map the source to another name (dts_map_object), or use conflict_mode ignore_and_proceed.');
    ELSIF has_schema_privilege(r.target_schema, 'USAGE') AND has_table_privilege(r.relid, 'SELECT, INSERT, UPDATE, DELETE') THEN
      INSERT INTO pg_temp.dts_check VALUES (42, 'destination table exists', 'warning',
        format('%I.%I', r.target_schema, r.target_table),
        format('exists: kept; full sync keeps rows with existing keys, incremental sync overwrites them (%s.%s.%s)', r.source_db, r.source_schema, r.source_table), NULL);
    ELSE
      INSERT INTO pg_temp.dts_check VALUES (42, 'destination table exists', 'error',
        format('%I.%I', r.target_schema, r.target_table),
        format('exists, and role %s may not write it (ignore_and_proceed loads into it)', current_user),
        format('GRANT USAGE ON SCHEMA %I TO %I; GRANT SELECT, INSERT, UPDATE, DELETE ON %I.%I TO %I;',
               r.target_schema, current_user, r.target_schema, r.target_table, current_user));
    END IF;
  END LOOP;
  -- Key columns named by dts_set_keys must exist at the source; distributed destinations need
  -- the distribution key inside the primary key.
  FOR r IN SELECT s.source_db, s.source_schema, s.source_table, s.distribution_key,
                  coalesce(s.primary_key, x.source_primary_key) AS primary_key
             FROM dts.table_settings s
             JOIN dts.tables x USING (task_id, source_db, source_schema, source_table)
            WHERE s.task_id = t.task_id AND s.distribution_key IS NOT NULL LOOP
    IF r.distribution_key IS NOT NULL AND r.primary_key IS NOT NULL AND flavour <> 'postgresql'
       AND NOT r.distribution_key <@ r.primary_key THEN
      INSERT INTO pg_temp.dts_check VALUES (43, 'distribution key', 'error', r.source_db || '.' || r.source_schema || '.' || r.source_table,
        format('distribution key (%s) is not part of the primary key (%s)', array_to_string(r.distribution_key, ', '), array_to_string(r.primary_key, ', ')),
        'Choose distribution key columns from the primary key with dts_set_keys().');
    ELSIF r.distribution_key IS NOT NULL AND flavour = 'citus' AND cardinality(r.distribution_key) > 1 THEN
      INSERT INTO pg_temp.dts_check VALUES (43, 'distribution key', 'error', r.source_db || '.' || r.source_schema || '.' || r.source_table,
        'Citus distributes by one column', 'Name one column in dts_set_keys(..., distribution_key => ARRAY[''col'']).');
    END IF;
  END LOOP;
  BEGIN
    SELECT coalesce(sum(estimated_bytes), 0) INTO n FROM dts.tables x WHERE x.task_id = t.task_id AND x.schema_state <> 'existing';
    -- pg_dts.space_reserve (e.g. '50GB'): space that must stay free after the load (WAL,
    -- indexes, other databases on the same disk).
    reserve := coalesce(pg_size_bytes(nullif(current_setting('pg_dts.space_reserve', true), '')), 0);
    free := dts._free_bytes() - reserve;
    INSERT INTO pg_temp.dts_check VALUES (44, 'destination space',
      CASE WHEN n > free THEN 'error' WHEN n > free * 0.8 THEN 'warning' ELSE 'ok' END, current_database(),
      format('source data about %s, free in the data directory %s', pg_size_pretty(n),
             pg_size_pretty(free) || CASE WHEN reserve > 0 THEN format(' after the reserve of %s', pg_size_pretty(reserve)) ELSE '' END),
      CASE WHEN n > free * 0.8 THEN 'Free disk space on the destination, lower pg_dts.space_reserve, or sync fewer tables per task.' END);
  EXCEPTION WHEN insufficient_privilege THEN
    NULL;
  END;
  IF flavour <> 'postgresql' THEN
    INSERT INTO pg_temp.dts_check VALUES (45, 'destination flavour', 'ok', current_database(),
      flavour || ': tables are distributed by their distribution key (default: the primary key)', NULL);
  END IF;

  INSERT INTO dts.precheck_results (run_id, seq, item, status, object, detail, fix)
  SELECT run, row_number() OVER (ORDER BY c.seq, c.object, c.ctid), c.item, c.status, coalesce(c.object, ''), c.detail, c.fix
    FROM pg_temp.dts_check c;
  -- Warnings acknowledged for the same item and object in the previous run stay acknowledged.
  UPDATE dts.precheck_results cur SET acknowledged_by = prev.acknowledged_by, acknowledged_at = prev.acknowledged_at
    FROM dts.precheck_results prev
   WHERE cur.run_id = run AND cur.status = 'warning'
     AND prev.run_id = (SELECT max(run_id) FROM dts.precheck_runs p WHERE p.task_id = t.task_id AND p.run_id < run)
     AND prev.item = cur.item AND prev.object = cur.object AND prev.acknowledged_at IS NOT NULL;
  PERFORM dts._log(t.task_id, CASE WHEN EXISTS (SELECT FROM pg_temp.dts_check c WHERE c.status = 'error') THEN 'warning' ELSE 'info' END,
                   NULL, NULL, format('precheck run %s: %s error(s), %s warning(s)', run,
                   (SELECT count(*) FROM pg_temp.dts_check c WHERE c.status = 'error'),
                   (SELECT count(*) FROM pg_temp.dts_check c WHERE c.status = 'warning')));
  RETURN QUERY SELECT p.item, p.status, p.object, p.detail, p.fix FROM dts.precheck_results p
                WHERE p.run_id = run ORDER BY p.seq;
END $$;

-- The latest precheck without running a new one.
CREATE FUNCTION dts_precheck_results(task text)
RETURNS TABLE (item text, status text, object text, detail text, fix text, acknowledged_by name,
               acknowledged_at timestamptz)
LANGUAGE sql AS $$
  SELECT p.item, p.status, p.object, p.detail, p.fix, p.acknowledged_by, p.acknowledged_at
    FROM dts.precheck_results p
   WHERE p.run_id = (SELECT max(run_id) FROM dts.precheck_runs r WHERE r.task_id = (dts._task(task)).task_id)
   ORDER BY p.seq;
$$;
