-- The apply engine: batches staged per table, applied set-based, with the checkpoint in the same
-- transaction; replays are recognised and skipped.
\set SHOW_CONTEXT never
SELECT dts_create_task('ap', 'src', ARRAY['shopsrc'], stages => ARRAY['incremental']) AS ap \gset
CREATE TABLE ap_t (id int PRIMARY KEY, v text NOT NULL, n int);
INSERT INTO ap_t VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3);
-- Batch 1: update 1, delete 2, move 3 to 30 (delete old key + upsert), insert 4.
BEGIN;
SELECT dts._apply_begin(:ap, 'shopsrc', '00000027:00000010:0001') AS new_batch;
SELECT dts._apply_stage('ap_t') AS stage \gset
INSERT INTO :stage (__seq, __op, id, v, n) VALUES
  (1, 'U', 1, 'ONE', 10), (2, 'D', 2, NULL, NULL), (3, 'D', 3, NULL, NULL), (4, 'U', 30, 'three', 3),
  (5, 'U', 4, 'four', 4);
SELECT * FROM dts._apply_table('ap_t', :'stage', ARRAY['id']);
SELECT dts._apply_commit(:ap, 'shopsrc', '00000027:00000010:0005', 2, 5);
COMMIT;
SELECT * FROM ap_t ORDER BY id;
SELECT stage, lsn FROM dts.checkpoints WHERE task_id = :ap;
-- The same batch again (a reader restarted before it saw the commit): recognised, not applied.
BEGIN;
SELECT dts._apply_begin(:ap, 'shopsrc', '00000027:00000010:0001') AS new_batch;
ROLLBACK;
-- A batch whose end does not move the checkpoint is refused, and nothing of it stays.
BEGIN;
SELECT dts._apply_begin(:ap, 'shopsrc', '00000027:00000010:0006') AS new_batch;
SELECT dts._apply_stage('ap_t') AS stage \gset
INSERT INTO :stage (__seq, __op, id, v, n) VALUES (1, 'U', 99, 'x', 0);
SELECT * FROM dts._apply_table('ap_t', :'stage', ARRAY['id']);
SELECT dts._apply_commit(:ap, 'shopsrc', '00000027:00000010:0004');
ROLLBACK;
SELECT count(*) FROM ap_t WHERE id = 99;
-- Foreign keys and user triggers do not fire inside a batch (replica role).
CREATE TABLE ap_child (id int PRIMARY KEY, parent int REFERENCES ap_t (id));
CREATE FUNCTION ap_trig() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'user trigger fired'; END $$;
CREATE TRIGGER ap_no BEFORE INSERT ON ap_child FOR EACH ROW EXECUTE FUNCTION ap_trig();
BEGIN;
SELECT dts._apply_begin(:ap, 'shopsrc', '00000027:00000020:0001') AS new_batch;
SELECT dts._apply_stage('ap_child') AS stage \gset
INSERT INTO :stage (__seq, __op, id, parent) VALUES (1, 'U', 1, 12345);
SELECT * FROM dts._apply_table('ap_child', :'stage', ARRAY['id']);
SELECT dts._apply_commit(:ap, 'shopsrc', '00000027:00000020:0001');
COMMIT;
SELECT * FROM ap_child;
SHOW session_replication_role;
-- Tables without a key: a delete removes one row equal to its image (net per image: an image
-- inserted and deleted in the batch leaves nothing to do).
CREATE TABLE ap_heap (at date, kind text);
INSERT INTO ap_heap VALUES ('2024-01-01', 'login'), ('2024-01-01', 'login'), ('2024-01-02', 'logout');
BEGIN;
SELECT dts._apply_begin(:ap, 'shopsrc', '00000027:00000030:0001') AS new_batch;
SELECT dts._apply_stage('ap_heap') AS stage \gset
INSERT INTO :stage (__seq, __op, at, kind) VALUES
  (1, 'D', '2024-01-01', 'login'), (2, 'I', '2024-01-03', NULL), (3, 'D', '2024-01-03', NULL),
  (4, 'I', '2024-01-04', 'x');
SELECT * FROM dts._apply_table('ap_heap', :'stage', ARRAY[]::text[]);
SELECT dts._apply_commit(:ap, 'shopsrc', '00000027:00000030:0001');
COMMIT;
SELECT * FROM ap_heap ORDER BY at, kind;
-- xml has no equality operator: whole-row matches compare it as text.
CREATE TABLE ap_heap_xml (doc xml, n int);
INSERT INTO ap_heap_xml VALUES ('<a>1</a>', 1), ('<a>1</a>', 1), ('<b/>', 2);
BEGIN;
SELECT dts._apply_begin(:ap, 'shopsrc', '00000027:00000031:0001') AS new_batch;
SELECT dts._apply_stage('ap_heap_xml') AS stage \gset
INSERT INTO :stage (__seq, __op, doc, n) VALUES (1, 'D', '<a>1</a>', 1), (2, 'D', '<b/>', 2), (3, 'I', '<b>2</b>', 2);
SELECT * FROM dts._apply_table('ap_heap_xml', :'stage', ARRAY[]::text[]);
SELECT dts._apply_commit(:ap, 'shopsrc', '00000027:00000031:0001');
COMMIT;
SELECT doc::text, n FROM ap_heap_xml ORDER BY 1;
-- A key without a unique index (a table kept by ignore_and_proceed): delete, then insert.
CREATE TABLE ap_nouniq (id int, v text);
INSERT INTO ap_nouniq VALUES (1, 'old');
BEGIN;
SELECT dts._apply_begin(:ap, 'shopsrc', '00000027:00000040:0001') AS new_batch;
SELECT dts._apply_stage('ap_nouniq') AS stage \gset
INSERT INTO :stage (__seq, __op, id, v) VALUES (1, 'U', 1, 'new'), (2, 'N', 2, 'two');
SELECT * FROM dts._apply_table('ap_nouniq', :'stage', ARRAY['id']);
SELECT dts._apply_commit(:ap, 'shopsrc', '00000027:00000040:0001');
COMMIT;
SELECT * FROM ap_nouniq ORDER BY id;
-- Keys the source inserted in the batch ('N') take a plain INSERT; when the destination has one
-- of them already (a row the full load copied after the cutover) the INSERT is refused whole and
-- they are upserted with the rest: the same result, nothing twice.
BEGIN;
SELECT dts._apply_begin(:ap, 'shopsrc', '00000027:00000050:0001') AS new_batch;
SELECT dts._apply_stage('ap_t') AS stage \gset
INSERT INTO :stage (__seq, __op, id, v, n) VALUES
  (1, 'N', 5, 'five', 5), (2, 'U', 1, 'one again', 11), (3, 'N', 6, 'six', 6), (4, 'D', 30, NULL, NULL);
SELECT * FROM dts._apply_table('ap_t', :'stage', ARRAY['id']);
SELECT dts._apply_commit(:ap, 'shopsrc', '00000027:00000050:0001');
COMMIT;
INSERT INTO ap_t VALUES (8, 'copied by the full load', 0);
BEGIN;
SELECT dts._apply_begin(:ap, 'shopsrc', '00000027:00000060:0001') AS new_batch;
SELECT dts._apply_stage('ap_t') AS stage \gset
INSERT INTO :stage (__seq, __op, id, v, n) VALUES
  (1, 'N', 7, 'seven', 7), (2, 'N', 8, 'eight', 8), (3, 'U', 4, 'FOUR', 44), (4, 'N', 9, 'nine', 9);
SELECT * FROM dts._apply_table('ap_t', :'stage', ARRAY['id']);
SELECT dts._apply_commit(:ap, 'shopsrc', '00000027:00000060:0001');
COMMIT;
SELECT * FROM ap_t ORDER BY id;
-- Another unique index refusing a row: the upsert raises it, and the batch is lost whole.
CREATE UNIQUE INDEX ap_t_v ON ap_t (v);
BEGIN;
SELECT dts._apply_begin(:ap, 'shopsrc', '00000027:00000070:0001') AS new_batch;
SELECT dts._apply_stage('ap_t') AS stage \gset
INSERT INTO :stage (__seq, __op, id, v, n) VALUES (1, 'N', 10, 'ten', 10), (2, 'N', 11, 'nine', 11);
SELECT * FROM dts._apply_table('ap_t', :'stage', ARRAY['id']);
ROLLBACK;
SELECT count(*) FROM ap_t WHERE id IN (10, 11);
DROP INDEX ap_t_v;
