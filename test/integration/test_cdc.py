"""Change Data Capture: sys.sp_cdc_* procedures, change tables filled by the capture process,
the change-data functions and the LSN helpers. Valid against a real SQL Server (with SQL Server
Agent running the capture job) as well as the simulator (started with a short polling
interval)."""
import time
import uuid

import pytds
import pytest

from conftest import REAL, start_simulator

TIMEOUT = 60 if REAL else 20


@pytest.fixture(scope="module")
def server(mssql, tmp_path_factory):
    if REAL:
        yield mssql
        return
    sim = start_simulator(tmp_path_factory.mktemp("cdc"), "--cdc-poll-ms", "100")
    yield sim
    sim.stop()


@pytest.fixture
def cdb(server):
    name = "cdc_" + uuid.uuid4().hex[:10]
    server.execute(f"CREATE DATABASE [{name}]")
    server.execute("EXEC sys.sp_cdc_enable_db", database=name)
    yield name
    try:
        server.execute("EXEC sys.sp_cdc_disable_db", database=name)
    except pytds.Error:
        pass
    try:
        server.execute(f"DROP DATABASE [{name}]")
    except pytds.Error:
        pass


def q(server, db, sql):
    return server.execute(sql, database=db)


def enable(server, db, table, **kw):
    extra = "".join(f", @{k} = {v}" for k, v in kw.items())
    q(server, db, f"EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', "
                  f"@source_name = N'{table}', @role_name = NULL{extra}")


def changes(server, db, ci, option="all", net=False):
    kind = "net" if net else "all"
    cols = "__$operation, id, v" if net else "__$start_lsn, __$seqval, __$operation, id, v"
    return q(server, db,
             f"DECLARE @f binary(10) = sys.fn_cdc_get_min_lsn(N'{ci}'), "
             f"@t binary(10) = sys.fn_cdc_get_max_lsn(); "
             f"SELECT {cols} FROM cdc.fn_cdc_get_{kind}_changes_{ci}(@f, @t, N'{option}') "
             f"ORDER BY __$start_lsn" + ("" if net else ", __$seqval, __$operation"))


def wait_rows(server, db, ct, n):
    deadline = time.time() + TIMEOUT
    while True:
        rows = q(server, db, f"SELECT COUNT(*) FROM cdc.[{ct}_CT]")
        if rows[0][0] >= n:
            return
        if time.time() > deadline:
            raise AssertionError(f"cdc.{ct}_CT has {rows[0][0]} rows, expected {n}")
        time.sleep(0.2)


def test_enable_disable(server, cdb):
    assert q(server, cdb, "SELECT is_cdc_enabled FROM sys.databases WHERE name = DB_NAME()") == [(True,)]
    q(server, cdb, "CREATE TABLE dbo.t (id int PRIMARY KEY, v nvarchar(20))")
    enable(server, cdb, "t")
    assert q(server, cdb, "SELECT is_tracked_by_cdc FROM sys.tables WHERE name = 't'") == [(True,)]
    assert q(server, cdb, "SELECT capture_instance, supports_net_changes FROM cdc.change_tables") == [
        ("dbo_t", True)]
    assert q(server, cdb, "SELECT column_name, column_ordinal FROM cdc.captured_columns "
                          "ORDER BY column_ordinal") == [("id", 1), ("v", 2)]
    assert q(server, cdb, "SELECT column_name FROM cdc.index_columns") == [("id",)]
    cols = [r[0] for r in q(server, cdb, "SELECT name FROM sys.columns WHERE object_id = "
                                         "OBJECT_ID('cdc.dbo_t_CT') ORDER BY column_id")]
    assert cols == ["__$start_lsn", "__$end_lsn", "__$seqval", "__$operation", "__$update_mask",
                    "id", "v", "__$command_id"]
    q(server, cdb, "EXEC sys.sp_cdc_disable_table @source_schema = N'dbo', @source_name = N't', "
                   "@capture_instance = N'all'")
    assert q(server, cdb, "SELECT is_tracked_by_cdc FROM sys.tables WHERE name = 't'") == [(False,)]
    assert q(server, cdb, "SELECT COUNT(*) FROM cdc.change_tables") == [(0,)]
    q(server, cdb, "EXEC sys.sp_cdc_disable_db")
    assert q(server, cdb, "SELECT is_cdc_enabled FROM sys.databases WHERE name = DB_NAME()") == [(False,)]


def test_enable_table_errors(server, cdb):
    q(server, cdb, "CREATE TABLE dbo.h (id int, v int)")
    with pytest.raises(pytds.Error) as e:
        enable(server, cdb, "h", supports_net_changes=1)
    assert e.value.msg_no == 22939
    enable(server, cdb, "h", supports_net_changes=0)
    enable(server, cdb, "h", capture_instance="N'h2'")
    with pytest.raises(pytds.Error) as e:
        enable(server, cdb, "h", capture_instance="N'h3'")
    assert e.value.msg_no == 22962


def test_all_changes_operations(server, cdb):
    q(server, cdb, "CREATE TABLE dbo.t (id int PRIMARY KEY, v nvarchar(20))")
    enable(server, cdb, "t")
    q(server, cdb, "INSERT INTO dbo.t VALUES (1, N'a'), (2, N'b')")
    q(server, cdb, "UPDATE dbo.t SET v = N'c' WHERE id = 1")
    q(server, cdb, "DELETE FROM dbo.t WHERE id = 2")
    wait_rows(server, cdb, "dbo_t", 5)
    rows = changes(server, cdb, "dbo_t")
    assert [(r[2], r[3], r[4]) for r in rows] == [(2, 1, "a"), (2, 2, "b"), (4, 1, "c"), (1, 2, "b")]
    # one INSERT statement: one transaction, one __$start_lsn
    assert rows[0][0] == rows[1][0] and rows[1][0] < rows[2][0] < rows[3][0]
    old = changes(server, cdb, "dbo_t", "all update old")
    assert [(r[2], r[3], r[4]) for r in old] == [
        (2, 1, "a"), (2, 2, "b"), (3, 1, "a"), (4, 1, "c"), (1, 2, "b")]
    mask = q(server, cdb, "SELECT __$operation, __$update_mask FROM cdc.dbo_t_CT "
                          "ORDER BY __$start_lsn, __$seqval, __$operation")
    assert mask[0][1] == b"\x03" and mask[2] == (3, b"\x02") and mask[3] == (4, b"\x02")
    lt = q(server, cdb, "SELECT COUNT(*) FROM cdc.lsn_time_mapping WHERE tran_id <> 0x00")
    assert lt[0][0] >= 3


def test_large_values_in_before_images(server, cdb):
    """As documented for cdc.<capture_instance>_CT: text/ntext/image are NULL in delete and
    update-before rows; varchar/nvarchar/varbinary(max) are NULL in update-before rows unless the
    update changed them, and keep their value in delete rows."""
    q(server, cdb, "CREATE TABLE dbo.l (id int PRIMARY KEY, m nvarchar(max), t ntext, n int)")
    enable(server, cdb, "l")
    q(server, cdb, "INSERT INTO dbo.l VALUES (1, N'big', N'old text', 1), (2, N'two', N'x', 2)")
    q(server, cdb, "UPDATE dbo.l SET n = 10 WHERE id = 1")
    q(server, cdb, "UPDATE dbo.l SET m = N'bigger' WHERE id = 1")
    q(server, cdb, "DELETE FROM dbo.l WHERE id = 2")
    wait_rows(server, cdb, "dbo_l", 7)
    rows = q(server, cdb,
             "DECLARE @f binary(10) = sys.fn_cdc_get_min_lsn(N'dbo_l'), "
             "@t binary(10) = sys.fn_cdc_get_max_lsn(); "
             "SELECT __$operation, id, m, CAST(t AS nvarchar(100)), n FROM "
             "cdc.fn_cdc_get_all_changes_dbo_l(@f, @t, N'all update old') "
             "ORDER BY __$start_lsn, __$seqval, __$operation")
    assert [tuple(r) for r in rows] == [
        (2, 1, "big", "old text", 1), (2, 2, "two", "x", 2),
        (3, 1, None, None, 1), (4, 1, "big", "old text", 10),
        (3, 1, "big", None, 10), (4, 1, "bigger", "old text", 10),
        (1, 2, "two", None, 2)]


def test_net_changes(server, cdb):
    q(server, cdb, "CREATE TABLE dbo.t (id int PRIMARY KEY, v nvarchar(20))")
    q(server, cdb, "INSERT INTO dbo.t VALUES (9, N'old')")
    enable(server, cdb, "t", supports_net_changes=1)
    q(server, cdb, "INSERT INTO dbo.t VALUES (1, N'a'), (2, N'b'), (3, N'c')")
    q(server, cdb, "UPDATE dbo.t SET v = N'a2' WHERE id = 1")
    q(server, cdb, "DELETE FROM dbo.t WHERE id = 2")
    q(server, cdb, "UPDATE dbo.t SET v = N'new' WHERE id = 9")
    wait_rows(server, cdb, "dbo_t", 7)
    rows = sorted(changes(server, cdb, "dbo_t", net=True), key=lambda r: r[1])
    assert rows == [(2, 1, "a2"), (2, 3, "c"), (4, 9, "new")]
    merged = sorted(changes(server, cdb, "dbo_t", "all with merge", net=True), key=lambda r: r[1])
    assert merged == [(5, 1, "a2"), (5, 3, "c"), (5, 9, "new")]


def test_multi_table_transaction_shares_lsn(server, cdb):
    q(server, cdb, "CREATE TABLE dbo.a (id int PRIMARY KEY, v int); "
                   "CREATE TABLE dbo.b (id int PRIMARY KEY, v int)")
    enable(server, cdb, "a")
    enable(server, cdb, "b")
    q(server, cdb, "BEGIN TRAN; INSERT INTO dbo.a VALUES (1, 1); INSERT INTO dbo.b VALUES (1, 2); "
                   "COMMIT")
    wait_rows(server, cdb, "dbo_a", 1)
    wait_rows(server, cdb, "dbo_b", 1)
    la = q(server, cdb, "SELECT __$start_lsn, __$seqval FROM cdc.dbo_a_CT")
    lb = q(server, cdb, "SELECT __$start_lsn, __$seqval FROM cdc.dbo_b_CT")
    assert la[0][0] == lb[0][0]
    assert la[0][1] < lb[0][1]
    assert q(server, cdb, "SELECT COUNT(*) FROM cdc.lsn_time_mapping WHERE start_lsn = %s"
             % ("0x" + la[0][0].hex())) == [(1,)]


def test_lsn_functions_and_313(server, cdb):
    q(server, cdb, "CREATE TABLE dbo.t (id int PRIMARY KEY, v nvarchar(20))")
    enable(server, cdb, "t")
    q(server, cdb, "INSERT INTO dbo.t VALUES (1, N'a')")
    wait_rows(server, cdb, "dbo_t", 1)
    lo, hi, inc, dec, t = q(server, cdb, "DECLARE @m binary(10) = sys.fn_cdc_get_max_lsn(); "
                            "SELECT sys.fn_cdc_get_min_lsn(N'dbo_t'), @m, "
                            "sys.fn_cdc_increment_lsn(@m), sys.fn_cdc_decrement_lsn(@m), "
                            "sys.fn_cdc_map_lsn_to_time(@m)")[0]
    assert len(lo) == 10 and lo <= hi
    assert int.from_bytes(inc, "big") == int.from_bytes(hi, "big") + 1
    assert int.from_bytes(dec, "big") == int.from_bytes(hi, "big") - 1
    assert t is not None
    back = q(server, cdb, "SELECT sys.fn_cdc_map_time_to_lsn(N'largest less than or equal', "
                          "sys.fn_cdc_map_lsn_to_time(sys.fn_cdc_get_max_lsn()))")[0][0]
    assert back == hi
    assert q(server, cdb, "SELECT sys.fn_cdc_get_min_lsn(N'nope')") == [(b"\x00" * 10,)]
    with pytest.raises(pytds.Error) as e:
        q(server, cdb, "DECLARE @f binary(10) = sys.fn_cdc_decrement_lsn(sys.fn_cdc_get_min_lsn("
                       "N'dbo_t')); SELECT * FROM cdc.fn_cdc_get_all_changes_dbo_t(@f, "
                       "sys.fn_cdc_get_max_lsn(), N'all')")
    assert e.value.msg_no == 313


def test_cleanup_moves_min_lsn(server, cdb):
    q(server, cdb, "CREATE TABLE dbo.t (id int PRIMARY KEY, v nvarchar(20))")
    enable(server, cdb, "t")
    q(server, cdb, "INSERT INTO dbo.t VALUES (1, N'a')")
    q(server, cdb, "INSERT INTO dbo.t VALUES (2, N'b')")
    wait_rows(server, cdb, "dbo_t", 2)
    second = q(server, cdb, "SELECT MAX(__$start_lsn) FROM cdc.dbo_t_CT")[0][0]
    q(server, cdb, "EXEC sys.sp_cdc_cleanup_change_table @capture_instance = N'dbo_t', "
                   "@low_water_mark = 0x" + second.hex())
    assert q(server, cdb, "SELECT sys.fn_cdc_get_min_lsn(N'dbo_t')")[0][0] == second
    assert [(r[3],) for r in changes(server, cdb, "dbo_t")] == [(2,)]
    with pytest.raises(pytds.Error) as e:
        q(server, cdb, "SELECT * FROM cdc.fn_cdc_get_all_changes_dbo_t(0x" + "00" * 10 +
                       ", sys.fn_cdc_get_max_lsn(), N'all')")
    assert e.value.msg_no == 313


def test_ddl_on_tracked_table(server, cdb):
    q(server, cdb, "CREATE TABLE dbo.t (id int PRIMARY KEY, v nvarchar(20), w int)")
    enable(server, cdb, "t")
    q(server, cdb, "INSERT INTO dbo.t VALUES (1, N'a', 10)")
    wait_rows(server, cdb, "dbo_t", 1)
    q(server, cdb, "ALTER TABLE dbo.t ADD x int")
    q(server, cdb, "ALTER TABLE dbo.t DROP COLUMN w")
    q(server, cdb, "INSERT INTO dbo.t (id, v, x) VALUES (2, N'b', 5)")
    wait_rows(server, cdb, "dbo_t", 2)
    cols = [r[0] for r in q(server, cdb, "SELECT name FROM sys.columns WHERE object_id = "
                                         "OBJECT_ID('cdc.dbo_t_CT') AND name NOT LIKE '[_][_]$%' "
                                         "ORDER BY column_id")]
    assert cols == ["id", "v", "w"]
    assert q(server, cdb, "SELECT id, v, w FROM cdc.dbo_t_CT ORDER BY __$start_lsn") == [
        (1, "a", 10), (2, "b", None)]
    assert q(server, cdb, "SELECT COUNT(*) FROM cdc.ddl_history")[0][0] == 2
