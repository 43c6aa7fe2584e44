-- The extension installs, creates its control schema, and reports its build.
CREATE EXTENSION pg_dts;
SELECT nspname FROM pg_namespace WHERE nspname = 'dts';
SELECT dts_version() ~ '^pg_dts [0-9]+\.[0-9]+\.[0-9]+' AS version_ok;
SELECT dts_version() ~ 'freetds' AS reports_freetds;
-- Functions are callable unqualified and live in the extension's schema.
SELECT p.proname, n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.proname = 'dts_version';
