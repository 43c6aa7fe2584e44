
-- ---- control schema ---------------------------------------------------------------------------
-- Who may configure and run tasks: members of dts_admin (roles are cluster-wide, so the role may
-- already exist from another database).
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dts_admin') THEN
    CREATE ROLE dts_admin NOLOGIN;
  END IF;
END
$$;
GRANT USAGE ON SCHEMA dts TO dts_admin;
-- The sidecar's login, when it is not the owner of the tasks it runs: it may read the source
-- credentials of every task and write every task's state. Grant it to that one login only.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dts_sidecar') THEN
    CREATE ROLE dts_sidecar NOLOGIN;
  END IF;
END
$$;
GRANT dts_admin TO dts_sidecar;

CREATE TABLE dts.tasks (
  task_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name             text NOT NULL UNIQUE,
  server           name NOT NULL,
  databases        text[] NOT NULL,
  stages           text[] NOT NULL,
  incremental_mode text NOT NULL,
  conflict_mode    text NOT NULL,
  retry_minutes    integer NOT NULL,
  ddl_sync         boolean NOT NULL,
  state            text NOT NULL DEFAULT 'created',
  stage            text,
  owner            name NOT NULL DEFAULT current_user,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  stopped_at       timestamptz,
  last_error       text,
  -- NUL (0x00) in a source string, which no PostgreSQL string can hold: 'fail' stops the task
  -- naming the table, key and column; 'strip' drops the NUL characters.
  nul_policy       text NOT NULL DEFAULT 'fail',
  CONSTRAINT tasks_nul_policy_check CHECK (nul_policy IN ('fail', 'strip')),
  CONSTRAINT tasks_name_check CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_-]{0,62}$'),
  CONSTRAINT tasks_databases_check CHECK (cardinality(databases) BETWEEN 1 AND 10),
  CONSTRAINT tasks_stages_check CHECK (cardinality(stages) >= 1 AND
                                       stages <@ ARRAY['schema', 'full', 'incremental']),
  CONSTRAINT tasks_mode_check CHECK (incremental_mode IN ('log', 'hybrid', 'cdc')),
  CONSTRAINT tasks_conflict_check CHECK (conflict_mode IN ('precheck_and_report',
                                                           'ignore_and_proceed')),
  CONSTRAINT tasks_retry_check CHECK (retry_minutes BETWEEN 10 AND 1440),
  CONSTRAINT tasks_state_check CHECK (state IN ('created', 'running', 'stopped', 'failed',
                                                'completed')),
  CONSTRAINT tasks_stage_check CHECK (stage IN ('schema', 'full', 'incremental'))
);
COMMENT ON TABLE dts.tasks IS 'pg_dts sync tasks (one source server, up to 10 databases, this database as destination)';

-- What a task syncs: whole schemas (source_table = '') or single tables.
CREATE TABLE dts.task_objects (
  task_id       bigint NOT NULL REFERENCES dts.tasks ON DELETE CASCADE,
  source_db     text NOT NULL,
  source_schema text NOT NULL,
  source_table  text NOT NULL DEFAULT '',
  added_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, source_db, source_schema, source_table)
);
COMMENT ON TABLE dts.task_objects IS 'selected source objects; source_table = '''' selects every table of the schema';

-- Per-table choices: rename, row filter, keys, DML selection.
CREATE TABLE dts.table_settings (
  task_id          bigint NOT NULL REFERENCES dts.tasks ON DELETE CASCADE,
  source_db        text NOT NULL,
  source_schema    text NOT NULL,
  source_table     text NOT NULL,
  target_schema    text,
  target_table     text,
  filter           text,
  primary_key      text[],
  distribution_key text[],
  dml              text[],
  PRIMARY KEY (task_id, source_db, source_schema, source_table),
  CONSTRAINT table_settings_dml_check CHECK (dml <@ ARRAY['INSERT', 'UPDATE', 'DELETE'])
);

-- Renames of whole schemas, and rename rules applied in order (regular expressions; a prefix is
-- pattern '^', a suffix pattern '$').
CREATE TABLE dts.schema_maps (
  task_id       bigint NOT NULL REFERENCES dts.tasks ON DELETE CASCADE,
  source_db     text NOT NULL,
  source_schema text NOT NULL,
  target_schema text NOT NULL,
  PRIMARY KEY (task_id, source_db, source_schema)
);
CREATE TABLE dts.name_rules (
  task_id     bigint NOT NULL REFERENCES dts.tasks ON DELETE CASCADE,
  rule_no     integer NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('schema', 'table')),
  pattern     text NOT NULL,
  replacement text NOT NULL,
  PRIMARY KEY (task_id, rule_no)
);

-- The task's tables as resolved against the source catalog (by precheck and schema sync).
CREATE TABLE dts.tables (
  task_id        bigint NOT NULL REFERENCES dts.tasks ON DELETE CASCADE,
  source_db      text NOT NULL,
  source_schema  text NOT NULL,
  source_table   text NOT NULL,
  target_schema  text NOT NULL,
  target_table   text NOT NULL,
  source_object_id integer,
  estimated_rows bigint,
  estimated_bytes bigint,
  source_primary_key text[],       -- key columns of the source's primary key, in key order
  capture        text,            -- 'log' or 'cdc': how the incremental stage reads the table
  schema_state   text NOT NULL DEFAULT 'pending' CHECK (schema_state IN ('pending', 'created', 'existing')),
  schema_synced_at timestamptz,
  -- Tables that joined during the incremental stage (CREATE TABLE at the source): the LSN their
  -- changes are read from (their capture started there and a copy covers what came before).
  incremental_from text,
  -- Two sources on one target are reported by the precheck (not refused here, so it can).
  PRIMARY KEY (task_id, source_db, source_schema, source_table)
);

-- Stage checkpoints (source LSNs as SQL Server prints them, 0000002a:00000010:0001).
CREATE TABLE dts.checkpoints (
  task_id    bigint NOT NULL REFERENCES dts.tasks ON DELETE CASCADE,
  source_db  text NOT NULL,
  stage      text NOT NULL,
  lsn        text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Incremental stage only: the source's newest CDC LSN as the reader last saw it.
  source_max_lsn text,
  -- Stage 'log_catalog' (log mode): the source catalog the destination reflects, as of `lsn`
  -- (the next DDL read from the log is found by comparing the catalog with it). Stage
  -- 'log_layouts' (log and hybrid modes): the row layouts the log reader last decoded with.
  state      text,
  PRIMARY KEY (task_id, source_db, stage)
);

-- One row per applied incremental batch (kept a day): changes/s and an audit of what moved when.
CREATE TABLE dts.apply_batches (
  task_id      bigint NOT NULL REFERENCES dts.tasks ON DELETE CASCADE,
  source_db    text NOT NULL,
  applied_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  after_lsn    text,          -- the checkpoint before: the batch is (after_lsn, last_lsn]
  last_lsn     text NOT NULL,
  transactions bigint NOT NULL,
  changes      bigint NOT NULL
);
CREATE INDEX ON dts.apply_batches (task_id, applied_at);

-- Applied heartbeat rows (kept a day): the source time the sidecar wrote into
-- dbo.dts_sync_progress and when that change became visible here. Their difference is the
-- commit-to-visible latency of the whole pipeline, measured even when the source is idle.
CREATE TABLE dts.heartbeats (
  task_id     bigint NOT NULL REFERENCES dts.tasks ON DELETE CASCADE,
  source_db   text NOT NULL,
  source_time timestamptz NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ON dts.heartbeats (task_id, applied_at);

CREATE TABLE dts.events (
  event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id  bigint REFERENCES dts.tasks ON DELETE CASCADE,
  at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  level    text NOT NULL CHECK (level IN ('info', 'warning', 'error')),
  stage    text,
  object   text,
  message  text NOT NULL,
  detail   text
);
CREATE INDEX ON dts.events (task_id, at);

CREATE TABLE dts.precheck_runs (
  run_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id  bigint NOT NULL REFERENCES dts.tasks ON DELETE CASCADE,
  run_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  run_by   name NOT NULL DEFAULT current_user
);
CREATE TABLE dts.precheck_results (
  run_id          bigint NOT NULL REFERENCES dts.precheck_runs ON DELETE CASCADE,
  seq             integer NOT NULL,
  item            text NOT NULL,
  status          text NOT NULL CHECK (status IN ('ok', 'warning', 'error')),
  object          text NOT NULL DEFAULT '',
  detail          text,
  fix             text,
  acknowledged_by name,
  acknowledged_at timestamptz,
  PRIMARY KEY (run_id, seq)
);

-- The view dts.task_status is created in 50_full.sql, once every column it shows exists.

REVOKE ALL ON ALL TABLES IN SCHEMA dts FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA dts TO dts_admin;

-- The configuration is part of a dump; runtime history is not.
SELECT pg_catalog.pg_extension_config_dump('dts.tasks', '');
SELECT pg_catalog.pg_extension_config_dump('dts.task_objects', '');
SELECT pg_catalog.pg_extension_config_dump('dts.table_settings', '');
SELECT pg_catalog.pg_extension_config_dump('dts.schema_maps', '');
SELECT pg_catalog.pg_extension_config_dump('dts.name_rules', '');
SELECT pg_catalog.pg_extension_config_dump('dts.checkpoints', '');
