-- pg_dts install script, assembled at build time from extension/sql/NN_*.sql in name order.
\echo Use "CREATE EXTENSION pg_dts" to load this file. \quit
