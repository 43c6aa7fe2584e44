
-- The control schema: tasks, objects, checkpoints and status (20_control.sql fills it).
CREATE SCHEMA dts;
COMMENT ON SCHEMA dts IS 'pg_dts control schema: sync tasks, their objects, checkpoints and status';

CREATE FUNCTION dts_version()
RETURNS text
AS 'MODULE_PATHNAME', 'dts_version'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION dts_version() IS 'pg_dts version and the FreeTDS library it talks to SQL Server with';

-- Foreign data wrapper for SQL Server (FreeTDS). Credentials go in user mappings only.
CREATE FUNCTION dts_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME', 'dts_fdw_handler'
LANGUAGE C STRICT;

CREATE FUNCTION dts_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME', 'dts_fdw_validator'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER pg_dts
  HANDLER dts_fdw_handler
  VALIDATOR dts_fdw_validator;
COMMENT ON FOREIGN DATA WRAPPER pg_dts IS 'SQL Server tables as foreign tables (pg_dts)';

-- A T-SQL batch on a pg_dts server, through the caller's user mapping (superusers and the
-- server's owner only; checked inside). Returns the rows affected; server messages as NOTICEs.
CREATE FUNCTION dts_source_exec(server name, tsql text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'dts_source_exec'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION dts_source_exec(name, text) IS 'run a T-SQL batch on a pg_dts foreign server (superuser or server owner)';
