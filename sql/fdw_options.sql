-- Servers, user mappings and foreign tables: options are validated with messages that name them.
\getenv sim_port SIM_PORT
CREATE SERVER bad1 FOREIGN DATA WRAPPER pg_dts OPTIONS (port 'abc');
CREATE SERVER bad2 FOREIGN DATA WRAPPER pg_dts OPTIONS (encrypt 'yes');
CREATE SERVER bad3 FOREIGN DATA WRAPPER pg_dts OPTIONS (hots '127.0.0.1');
CREATE SERVER bad4 FOREIGN DATA WRAPPER pg_dts OPTIONS (password 'secret');
CREATE SERVER bad5 FOREIGN DATA WRAPPER pg_dts OPTIONS (query_timeout '-1');
CREATE SERVER src FOREIGN DATA WRAPPER pg_dts
  OPTIONS (host '127.0.0.1', port :'sim_port', database 'regress', encrypt 'request',
           login_timeout '5', app_name 'pg_dts regress');
CREATE USER MAPPING FOR CURRENT_USER SERVER src OPTIONS (user 'sa', port '1433');
CREATE USER MAPPING FOR CURRENT_USER SERVER src OPTIONS (user 'sa', password 'Sim_Passw0rd');
CREATE FOREIGN TABLE ft_bad (a int) SERVER src OPTIONS (tablename 'people');
CREATE FOREIGN TABLE ft_bad (a int OPTIONS (colname 'x')) SERVER src;
-- Passwords are visible to the mapping's owner and superusers only.
CREATE ROLE dts_regress_nobody;
SET ROLE dts_regress_nobody;
SELECT srvname, umoptions FROM pg_user_mappings WHERE srvname = 'src';
RESET ROLE;
DROP ROLE dts_regress_nobody;
-- Wrong password and unreachable host are reported naming the server.
CREATE SERVER wrongpw FOREIGN DATA WRAPPER pg_dts
  OPTIONS (host '127.0.0.1', port :'sim_port', database 'regress', encrypt 'off');
CREATE USER MAPPING FOR CURRENT_USER SERVER wrongpw OPTIONS (user 'sa', password 'not-the-password');
CREATE FOREIGN TABLE wp (id int) SERVER wrongpw OPTIONS (table_name 'people');
SELECT * FROM wp;
CREATE SERVER nohost FOREIGN DATA WRAPPER pg_dts OPTIONS (host '127.0.0.1', port '1', login_timeout '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER nohost OPTIONS (user 'sa', password 'x');
CREATE FOREIGN TABLE nh (id int) SERVER nohost;
SELECT * FROM nh;
-- No user mapping at all.
CREATE SERVER nomap FOREIGN DATA WRAPPER pg_dts OPTIONS (host '127.0.0.1', port :'sim_port');
CREATE FOREIGN TABLE nm (id int) SERVER nomap;
SELECT * FROM nm;
DROP SERVER wrongpw, nohost, nomap CASCADE;
