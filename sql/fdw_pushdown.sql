-- ORDER BY, LIMIT (as TOP), parameterized joins and query parameters run on SQL Server when that
-- gives PostgreSQL's answer; EXPLAIN (VERBOSE) shows the remote T-SQL.
SET TIME ZONE 'UTC';
-- ORDER BY on non-string columns is sent, with PostgreSQL's NULL placement (NULLS LAST for ASC).
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, born FROM people ORDER BY born LIMIT 3;
SELECT id, born FROM people ORDER BY born LIMIT 3;
EXPLAIN (VERBOSE, COSTS OFF)
  SELECT id, score FROM people ORDER BY score DESC NULLS LAST, id LIMIT 2;
SELECT id, score FROM people ORDER BY score DESC NULLS LAST, id LIMIT 2;
SELECT id, score FROM people ORDER BY score DESC, id;
-- NOT NULL columns need no NULL placement key.
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM src_all.big ORDER BY id DESC LIMIT 3;
SELECT id FROM src_all.big ORDER BY id DESC LIMIT 3;
-- Strings sort by collation on SQL Server ('bob' vs 'Bob'): they are sorted here.
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, name FROM people ORDER BY name LIMIT 2;
SELECT id, name FROM people ORDER BY name LIMIT 2;
-- LIMIT without ORDER BY, and LIMIT with OFFSET.
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM src_all.big WHERE grp = 3 LIMIT 5;
SELECT count(*) FROM (SELECT id FROM src_all.big WHERE grp = 3 LIMIT 5) s;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM src_all.big WHERE id < 100 ORDER BY id LIMIT 3 OFFSET 10;
SELECT id FROM src_all.big WHERE id < 100 ORDER BY id LIMIT 3 OFFSET 10;
-- No TOP when a clause is evaluated here, or rows are aggregated or joined first.
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM people WHERE upper(name) = 'BOB' LIMIT 1;
EXPLAIN (VERBOSE, COSTS OFF) SELECT grp, count(*) FROM src_all.big GROUP BY grp LIMIT 1;
-- Parameterized join: the inner scan runs once per outer row with the outer value bound.
EXPLAIN (VERBOSE, COSTS OFF)
  SELECT p.id, b.label FROM people p JOIN src_all.big b ON b.id = p.id;
SELECT p.id, b.label FROM people p JOIN src_all.big b ON b.id = p.id ORDER BY p.id;
CREATE TEMP TABLE wanted (id int);
INSERT INTO wanted VALUES (5), (150000), (NULL), (999999);
ANALYZE wanted;
EXPLAIN (VERBOSE, COSTS OFF)
  SELECT w.id, b.grp, b.label FROM wanted w JOIN src_all.big b ON b.id = w.id;
SELECT w.id, b.grp, b.label FROM wanted w JOIN src_all.big b ON b.id = w.id ORDER BY w.id;
SELECT w.id, b.label FROM wanted w LEFT JOIN src_all.big b ON b.id = w.id ORDER BY w.id;
-- Query parameters of a generic plan are bound the same way.
SET plan_cache_mode = force_generic_plan;
PREPARE one_person(int) AS SELECT id, name FROM people WHERE id = $1;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE one_person(3);
EXECUTE one_person(3);
EXECUTE one_person(4);
EXECUTE one_person(NULL);
DEALLOCATE one_person;
RESET plan_cache_mode;
-- String conditions SQL Server could decide differently (case-insensitive <>, NOT LIKE) stay
-- local; = and LIKE are sent and re-checked here.
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM people WHERE name <> 'Bob';
SELECT id FROM people WHERE name <> 'Bob' ORDER BY id;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM people WHERE NOT (name LIKE 'B%');
SELECT id FROM people WHERE NOT (name LIKE 'B%') ORDER BY id;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM people WHERE name LIKE 'B%';
SELECT id FROM people WHERE name LIKE 'B%';
-- BETWEEN, and a timestamp bound.
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM people WHERE score BETWEEN 1 AND 50;
SELECT id FROM people WHERE score BETWEEN 1 AND 50;
EXPLAIN (VERBOSE, COSTS OFF)
  SELECT id FROM src_all.alltypes WHERE c_datetime2 > '2000-01-01 12:00:00.5';
SELECT id FROM src_all.alltypes WHERE c_datetime2 > '2000-01-01 12:00:00.5';
