-- Scans: every type's values, pushdown visible in EXPLAIN, cancellation, read-only tables.
SELECT id, c_bit, c_tinyint, c_smallint, c_int, c_bigint FROM src_all.alltypes ORDER BY id;
SELECT id, c_decimal, c_numeric, c_money, c_smallmoney FROM src_all.alltypes ORDER BY id;
SELECT id, c_real, c_float FROM src_all.alltypes ORDER BY id;
SET TIME ZONE 'UTC';
SELECT id, c_date, c_time, c_datetime, c_smalldatetime FROM src_all.alltypes ORDER BY id;
SELECT id, c_datetime2, c_dto FROM src_all.alltypes ORDER BY id;
SELECT id, c_char, c_varchar, c_nchar, c_nvarchar, c_text, c_ntext FROM src_all.alltypes ORDER BY id;
SELECT id, length(c_varcharmax) AS len_varcharmax, length(c_nvarcharmax) AS len_nvarcharmax,
       left(c_nvarcharmax, 3) AS head, octet_length(c_nvarcharmax) AS bytes
  FROM src_all.alltypes ORDER BY id;
SELECT id, c_binary, c_varbinary, c_varbinarymax, c_image, c_guid, c_xml FROM src_all.alltypes ORDER BY id;
SELECT id, length(c_rowversion) AS rowversion_bytes, c_hier FROM src_all.alltypes ORDER BY id;
-- Pushdown: the column list and safe WHERE clauses go to SQL Server.
EXPLAIN (VERBOSE, COSTS OFF)
  SELECT name FROM people WHERE id > 1 AND city IS NOT NULL AND active;
SELECT name FROM people WHERE id > 1 AND city IS NOT NULL AND active ORDER BY id;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM people WHERE id IN (1, 3) OR score < 1;
SELECT id FROM people WHERE id IN (1, 3) OR score < 1 ORDER BY id;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM people WHERE born >= '2000-01-01';
SELECT id FROM people WHERE born >= '2000-01-01';
-- SQL Server compares strings case-insensitively: string clauses are sent and re-checked here.
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, name FROM people WHERE name = 'Bob';
SELECT id, name FROM people WHERE name = 'Bob';
-- Expressions SQL Server cannot evaluate the same way stay local.
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM people WHERE upper(name) = 'ANN';
SELECT id FROM people WHERE upper(name) = 'ANN';
SELECT count(*), sum(id), min(label), max(label) FROM src_all.big;
SELECT grp, count(*) FROM src_all.big WHERE grp < 3 GROUP BY grp ORDER BY grp;
-- Two scans open at once (a join) use two connections.
SELECT count(*) FROM src_all.big b JOIN people p ON p.id = b.grp;
-- statement_timeout cancels the remote query; the connection stays usable.
SET statement_timeout = '1s';
SELECT count(*) FROM src_all.big a CROSS JOIN src_all.big b;
RESET statement_timeout;
SELECT count(*) FROM src_all.big WHERE grp = 3;
-- Foreign tables are read-only.
INSERT INTO people (id, name, active) VALUES (9, 'x', true);
UPDATE people SET name = 'x';
DELETE FROM people;
-- Declared types narrower than the source: values that fit arrive as they are, PostgreSQL's own
-- length check and rounding apply to the others.
CREATE FOREIGN TABLE narrow (id int, name varchar(3), city varchar(2))
  SERVER src OPTIONS (schema_name 'dbo', table_name 'people');
SELECT id, name FROM narrow ORDER BY id;
SELECT id, city FROM narrow ORDER BY id;
CREATE FOREIGN TABLE narrow_all (id int, c_nvarchar varchar(5), c_datetime2 timestamp(0),
  c_dto_local timestamp(1) OPTIONS (column_name 'c_datetime2'))
  SERVER src OPTIONS (schema_name 'dbo', table_name 'alltypes');
SELECT id, c_datetime2, c_dto_local FROM narrow_all ORDER BY id;
SELECT id, c_nvarchar FROM narrow_all ORDER BY id;
SELECT id, c_nvarchar FROM narrow_all WHERE id <> 2 ORDER BY id;
-- A table in another database of the server, seen through a fixed T-SQL filter.
CREATE FOREIGN TABLE shop_orders (order_id bigint, amount numeric(12,2))
  SERVER src OPTIONS (database_name 'shopsrc', schema_name 'sales', table_name 'orders',
                      filter '[amount] > 50');
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM shop_orders WHERE order_id > 0;
SELECT * FROM shop_orders WHERE order_id > 0;
CREATE FOREIGN TABLE bad_filter (x int) SERVER src OPTIONS (filter '1 = 1; DROP TABLE x');
CREATE FOREIGN TABLE bad_filter (x int) SERVER src OPTIONS (filter '');
