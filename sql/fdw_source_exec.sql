-- dts_source_exec(): a T-SQL batch on the source through the caller's user mapping.
-- (The simulator keeps a writing session's locks until it has processed that session's
-- disconnect, and a login meanwhile fails with error 1222: the tests pause after writes.)
SELECT dts_source_exec('src', $$
  IF OBJECT_ID(N'dbo.exec_t') IS NOT NULL DROP TABLE dbo.exec_t;
  CREATE TABLE dbo.exec_t (id int NOT NULL CONSTRAINT PK_exec_t PRIMARY KEY, v nvarchar(10) NULL);
  INSERT INTO dbo.exec_t VALUES (1, N'a'), (2, N'b'), (3, NULL);
$$) AS rows_affected;
SELECT pg_sleep(0.3) AS settled \gset
IMPORT FOREIGN SCHEMA dbo LIMIT TO (exec_t) FROM SERVER src INTO public;
SELECT * FROM exec_t ORDER BY id;
SELECT dts_source_exec('src', 'UPDATE dbo.exec_t SET v = N''ż'' WHERE id > 1') AS rows_affected;
SELECT pg_sleep(0.3) AS settled \gset
SELECT * FROM exec_t ORDER BY id;
-- Messages come back as NOTICEs; result sets are read and discarded.
SELECT dts_source_exec('src', 'PRINT ''hello from T-SQL''; SELECT * FROM dbo.exec_t') AS rows_affected;
-- Errors carry SQL Server's number and a fitting SQLSTATE.
SELECT dts_source_exec('src', 'SELECT * FROM dbo.no_such_table');
SELECT dts_source_exec('src', 'INSERT INTO dbo.exec_t VALUES (1, N''dup'')');
SELECT pg_sleep(0.3) AS settled \gset
SELECT dts_source_exec('src', 'SELEC 1');
DO $$
DECLARE
  batch text;
BEGIN
  FOREACH batch IN ARRAY ARRAY['SELECT * FROM dbo.no_such_table',
                               'INSERT INTO dbo.exec_t VALUES (1, N''dup'')', 'SELEC 1'] LOOP
    BEGIN
      PERFORM dts_source_exec('src', batch);
      PERFORM pg_sleep(0.3);
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'SQLSTATE %', SQLSTATE;
    END;
  END LOOP;
END $$;
-- statement_timeout stops a long batch with a TDS attention.
SET statement_timeout = '1s';
SELECT dts_source_exec('src', 'WAITFOR DELAY ''00:00:30''');
RESET statement_timeout;
-- The connection is the caller's own, not the FDW's: a USE does not move foreign tables.
SELECT dts_source_exec('src', 'USE master');
SELECT count(*) FROM exec_t;
-- Only superusers and the server's owner; only pg_dts servers.
CREATE ROLE dts_regress_other;
GRANT USAGE ON FOREIGN SERVER src TO dts_regress_other;
CREATE USER MAPPING FOR dts_regress_other SERVER src OPTIONS (user 'sa', password 'Sim_Passw0rd');
SET ROLE dts_regress_other;
SELECT dts_source_exec('src', 'DROP TABLE dbo.exec_t');
RESET ROLE;
DROP USER MAPPING FOR dts_regress_other SERVER src;
REVOKE USAGE ON FOREIGN SERVER src FROM dts_regress_other;
DROP ROLE dts_regress_other;
CREATE FOREIGN DATA WRAPPER not_dts;
CREATE SERVER other FOREIGN DATA WRAPPER not_dts;
SELECT dts_source_exec('other', 'SELECT 1');
SELECT dts_source_exec('nosuchserver', 'SELECT 1');
DROP SERVER other;
DROP FOREIGN DATA WRAPPER not_dts;
SELECT dts_source_exec('src', 'DROP TABLE dbo.exec_t') AS rows_affected;
DROP FOREIGN TABLE exec_t;
