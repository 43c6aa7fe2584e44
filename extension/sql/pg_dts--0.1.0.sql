-- pg_dts 0.1.0 install script
\echo Use "CREATE EXTENSION pg_dts" to load this file. \quit

-- The control schema: tasks, objects, checkpoints and status live here (later versions fill it).
CREATE SCHEMA dts;
COMMENT ON SCHEMA dts IS 'pg_dts control schema: sync tasks, their objects, checkpoints and status';

CREATE FUNCTION dts_version()
RETURNS text
AS 'MODULE_PATHNAME', 'dts_version'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION dts_version() IS 'pg_dts version and the FreeTDS library it talks to SQL Server with';
