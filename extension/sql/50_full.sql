
-- ---- full data synchronization ----------------------------------------------------------------
-- The sidecar (dts-sidecar) copies the tables of running tasks in stage 'full'. It plans each
-- table into key-range chunks (dts.chunks) and commits every chunk's rows together with the
-- chunk's 'done' mark, so a restart redoes only the chunks that never committed.

ALTER TABLE dts.tasks
  ADD COLUMN attempts integer NOT NULL DEFAULT 0,        -- failed connection attempts in a row
  ADD COLUMN failing_since timestamptz,                  -- start of the current retry window
  ADD COLUMN sidecar_seen_at timestamptz;                -- last time a sidecar worked on it

ALTER TABLE dts.tables
  ADD COLUMN full_state text NOT NULL DEFAULT 'pending'
    CHECK (full_state IN ('pending', 'copying', 'done')),
  ADD COLUMN rows_copied bigint NOT NULL DEFAULT 0,
  ADD COLUMN full_started_at timestamptz,
  ADD COLUMN full_finished_at timestamptz;

CREATE TABLE dts.chunks (
  task_id       bigint NOT NULL REFERENCES dts.tasks ON DELETE CASCADE,
  source_db     text NOT NULL,
  source_schema text NOT NULL,
  source_table  text NOT NULL,
  chunk_no      integer NOT NULL,
  key_column    text,            -- NULL: the chunk is the whole table
  lower_bound   numeric,         -- key >= lower_bound (NULL: unbounded)
  upper_bound   numeric,         -- key <  upper_bound (NULL: unbounded)
  state         text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
  rows          bigint,
  copied_at     timestamptz,
  PRIMARY KEY (task_id, source_db, source_schema, source_table, chunk_no),
  FOREIGN KEY (task_id, source_db, source_schema, source_table) REFERENCES dts.tables ON DELETE CASCADE
);
GRANT SELECT, INSERT, UPDATE, DELETE ON dts.chunks TO dts_admin;

-- How the sidecar reaches a task's source: the foreign server's options and the user mapping of
-- the task's owner (or PUBLIC), as 'name=value' lists for the one option parser shared with the
-- FDW. SECURITY DEFINER so that the sidecar need not read pg_user_mapping itself. Credentials are
-- handed out only for a pg_dts server the owner may use (USAGE), and only to the owner itself (or
-- a member of it), to members of dts_sidecar (the sidecar's login) and to superusers: a dts_admin
-- member gets no one else's password. The password never lands in a table or a log.
CREATE FUNCTION dts._source_connection(task_id bigint,
    OUT server name, OUT server_options text[], OUT mapping_options text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t record;
  mapped oid;
BEGIN
  IF NOT (pg_has_role(session_user, 'dts_admin', 'member')
          OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)) THEN
    RAISE EXCEPTION 'permission denied: role "%" may not read pg_dts source credentials', session_user
      USING ERRCODE = '42501';
  END IF;
  SELECT k.server, k.owner, k.name, s.oid AS srvid, s.srvowner, s.srvoptions, w.fdwname,
         (SELECT r.oid FROM pg_roles r WHERE r.rolname = k.owner) AS owner_oid INTO t
    FROM dts.tasks k JOIN pg_foreign_server s ON s.srvname = k.server
    JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
   WHERE k.task_id = _source_connection.task_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'pg_dts task % or its server does not exist', task_id USING ERRCODE = '42704';
  END IF;
  IF t.fdwname <> 'pg_dts' THEN
    RAISE EXCEPTION 'server "%" of pg_dts task "%" is not a pg_dts server', t.server, t.name
      USING ERRCODE = '42501';
  END IF;
  IF t.owner_oid IS NULL THEN
    RAISE EXCEPTION 'the owner "%" of pg_dts task "%" no longer exists', t.owner, t.name
      USING ERRCODE = '42704', HINT = 'A superuser gives the task a new owner: UPDATE dts.tasks SET owner = ...';
  END IF;
  IF NOT (pg_has_role(session_user, t.owner_oid, 'member')
          OR pg_has_role(session_user, 'dts_sidecar', 'member')
          OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)) THEN
    RAISE EXCEPTION 'permission denied: role "%" may not use the source login of role "%" (owner of pg_dts task "%")',
      session_user, t.owner, t.name
      USING ERRCODE = '42501',
            HINT = 'Run the sidecar as the task''s owner, or as a login a superuser grants dts_sidecar to: GRANT dts_sidecar TO <sidecar login>;';
  END IF;
  IF NOT has_server_privilege(t.owner_oid, t.srvid, 'USAGE') THEN
    RAISE EXCEPTION 'the owner "%" of pg_dts task "%" has no USAGE on server "%"', t.owner, t.name, t.server
      USING ERRCODE = '42501', HINT = format('GRANT USAGE ON FOREIGN SERVER %I TO %I;', t.server, t.owner);
  END IF;
  server := t.server;
  server_options := coalesce(t.srvoptions, '{}');
  SELECT um.umoptions, um.umuser INTO mapping_options, mapped FROM pg_user_mapping um
   WHERE um.umserver = t.srvid AND um.umuser IN (t.owner_oid, 0)
   ORDER BY um.umuser DESC LIMIT 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no user mapping for role "%" on server "%"', t.owner, t.server
      USING ERRCODE = '42704', HINT = format('CREATE USER MAPPING FOR %I SERVER %I OPTIONS (user ..., password ...);', t.owner, t.server);
  END IF;
  -- As pg_user_mappings shows it: the options of a PUBLIC mapping only to the server's owner.
  IF mapped = 0 AND NOT (pg_has_role(session_user, 'dts_sidecar', 'member')
                         OR pg_has_role(session_user, t.srvowner, 'member')
                         OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)) THEN
    RAISE EXCEPTION 'permission denied: role "%" may not read the PUBLIC user mapping of server "%" (task "%")',
      session_user, t.server, t.name
      USING ERRCODE = '42501',
            HINT = format('Create a mapping for the task''s owner (CREATE USER MAPPING FOR %I SERVER %I ...), or run the sidecar as a login granted dts_sidecar.', t.owner, t.server);
  END IF;
  mapping_options := coalesce(mapping_options, '{}');
END $$;
REVOKE ALL ON FUNCTION dts._source_connection(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dts._source_connection(bigint) TO dts_admin;

-- Loading and applying run with session_replication_role = replica: foreign keys and user
-- triggers do not fire (the source already enforced them, and chunks arrive in any order). The
-- setting is superuser-only, hence SECURITY DEFINER; it lasts until the end of the transaction,
-- whatever else the caller does in it. So only the sidecar's login (dts_sidecar) and superusers
-- get it: for any other dts_admin member it would switch off foreign keys and triggers on every
-- table they can write.
CREATE FUNCTION dts._replica_mode() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT (pg_has_role(session_user, 'dts_sidecar', 'member')
          OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)) THEN
    RAISE EXCEPTION 'permission denied: role "%" may not write in replica mode', session_user
      USING ERRCODE = '42501',
            HINT = 'Only the sidecar''s login loads and applies; a superuser grants it with: GRANT dts_sidecar TO <sidecar login>;';
  END IF;
  PERFORM set_config('session_replication_role', 'replica', true);
END $$;
REVOKE ALL ON FUNCTION dts._replica_mode() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dts._replica_mode() TO dts_admin;

-- Per-table progress of the full stage.
CREATE FUNCTION dts_task_progress(task text)
RETURNS TABLE (source_table text, target_table text, state text, rows_copied bigint,
               estimated_rows bigint, percent numeric, rows_per_second numeric,
               elapsed interval, eta interval, chunks_done bigint, chunks bigint)
LANGUAGE sql AS $$
  SELECT x.source_db || '.' || x.source_schema || '.' || x.source_table,
         format('%I.%I', x.target_schema, x.target_table), x.full_state, x.rows_copied,
         x.estimated_rows,
         CASE WHEN x.full_state = 'done' THEN 100
              WHEN coalesce(x.estimated_rows, 0) = 0 THEN NULL
              ELSE least(99.9, round(100.0 * x.rows_copied / x.estimated_rows, 1)) END,
         CASE WHEN e.secs > 0 THEN round(x.rows_copied / e.secs) END,
         make_interval(secs => round(e.secs)::double precision),
         CASE WHEN x.full_state = 'done' THEN interval '0'
              WHEN x.rows_copied > 0 AND e.secs > 0 AND x.estimated_rows > x.rows_copied
              THEN make_interval(secs => round((x.estimated_rows - x.rows_copied) * e.secs / x.rows_copied)::double precision) END,
         (SELECT count(*) FILTER (WHERE c.state = 'done') FROM dts.chunks c WHERE (c.task_id, c.source_db, c.source_schema, c.source_table) = (x.task_id, x.source_db, x.source_schema, x.source_table)),
         (SELECT count(*) FROM dts.chunks c WHERE (c.task_id, c.source_db, c.source_schema, c.source_table) = (x.task_id, x.source_db, x.source_schema, x.source_table))
    FROM dts.tables x
    CROSS JOIN LATERAL (SELECT extract(epoch FROM coalesce(x.full_finished_at, clock_timestamp()) - x.full_started_at) AS secs) e
   WHERE x.task_id = (dts._task(task)).task_id
   ORDER BY 1;
$$;

-- The incremental stage's view of each table's CDC capture (the sidecar's capture check): the
-- capture instances it read from ("change table object_id@start LSN"), the position after which
-- changes were not captured (CDC disabled at the source), and why the table stopped syncing
-- while the rest of the task goes on (NULL: it syncs).
ALTER TABLE dts.tables
  ADD COLUMN capture_seen text[],
  ADD COLUMN capture_lost_after text,
  ADD COLUMN incremental_error text;

CREATE VIEW dts.task_status AS
SELECT t.task_id, t.name, t.state, t.stage, t.incremental_mode, t.conflict_mode, t.server,
       t.databases,
       (SELECT count(*) FROM dts.tables x WHERE x.task_id = t.task_id) AS tables,
       (SELECT count(*) FROM dts.tables x WHERE x.task_id = t.task_id
          AND x.schema_state <> 'pending') AS tables_with_schema,
       p.run_at AS last_precheck_at,
       (SELECT count(*) FROM dts.precheck_results r WHERE r.run_id = p.run_id
          AND r.status = 'error') AS precheck_errors,
       (SELECT count(*) FROM dts.precheck_results r WHERE r.run_id = p.run_id
          AND r.status = 'warning' AND r.acknowledged_at IS NULL) AS precheck_open_warnings,
       t.started_at, t.stopped_at, t.last_error,
       f.tables_copied, f.rows_copied, f.estimated_rows,
       CASE WHEN f.estimated_rows > 0 THEN least(100, round(100.0 * f.rows_copied / f.estimated_rows, 1)) END AS percent,
       CASE WHEN f.secs > 0 THEN round(f.rows_copied / f.secs) END AS rows_per_second,
       CASE WHEN f.rows_copied > 0 AND f.secs > 0 AND f.estimated_rows > f.rows_copied
            THEN make_interval(secs => round((f.estimated_rows - f.rows_copied) * f.secs / f.rows_copied)::double precision) END AS eta,
       t.attempts, t.failing_since, t.sidecar_seen_at,
       i.source_max_lsn, i.applied_lsn, i.applied_at,
       round(h.lag, 3) AS lag_seconds, h.last_heartbeat_at,
       i.changes_per_second,
       (SELECT string_agg(x.source_db || '.' || x.source_schema || '.' || x.source_table || ': ' ||
                          coalesce(x.incremental_error, 'CDC capture disabled at the source; changes after LSN ' || x.capture_lost_after || ' are not captured'),
                          '; ' ORDER BY x.source_db, x.source_schema, x.source_table)
          FROM dts.tables x WHERE x.task_id = t.task_id
           AND (x.incremental_error IS NOT NULL OR x.capture_lost_after IS NOT NULL)) AS tables_stopped
FROM dts.tasks t
LEFT JOIN LATERAL (SELECT run_id, run_at FROM dts.precheck_runs r WHERE r.task_id = t.task_id
                   ORDER BY run_id DESC LIMIT 1) p ON true
LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE x.full_state = 'done') AS tables_copied,
                          sum(x.rows_copied) AS rows_copied, sum(x.estimated_rows) AS estimated_rows,
                          extract(epoch FROM coalesce(max(x.full_finished_at) FILTER (WHERE NOT EXISTS (SELECT FROM dts.tables y WHERE y.task_id = t.task_id AND y.full_state <> 'done')), clock_timestamp())
                                  - min(x.full_started_at)) AS secs
                     FROM dts.tables x WHERE x.task_id = t.task_id) f ON true
-- Incremental stage: per database LSNs, shown as "db: lsn" when the task reads several.
LEFT JOIN LATERAL (SELECT CASE WHEN count(*) = 1 THEN max(c.source_max_lsn)
                               ELSE string_agg(c.source_db || ': ' || c.source_max_lsn, ', ' ORDER BY c.source_db) END AS source_max_lsn,
                          CASE WHEN count(*) = 1 THEN max(c.lsn)
                               ELSE string_agg(c.source_db || ': ' || c.lsn, ', ' ORDER BY c.source_db) END AS applied_lsn,
                          max(c.updated_at) AS applied_at,
                          (SELECT round(coalesce(sum(b.changes), 0) / 60.0, 1) FROM dts.apply_batches b
                            WHERE b.task_id = t.task_id AND b.applied_at > now() - interval '60 seconds') AS changes_per_second
                     FROM dts.checkpoints c WHERE c.task_id = t.task_id AND c.stage = 'incremental') i ON true
-- Latency: source time of the newest applied heartbeat to when it became visible here.
LEFT JOIN LATERAL (SELECT extract(epoch FROM hb.applied_at - hb.source_time) AS lag, hb.applied_at AS last_heartbeat_at
                     FROM dts.heartbeats hb WHERE hb.task_id = t.task_id
                    ORDER BY hb.applied_at DESC LIMIT 1) h ON true;
GRANT SELECT ON dts.task_status TO dts_admin;
