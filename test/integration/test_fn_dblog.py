"""sys.fn_dblog as a stock client (python-tds) sees it: column names and types, LSN and id string
forms, the argument forms readers use, and the records of a small workload. Runs against the
simulator or a real SQL Server (whose values differ, not their forms)."""
import re

LSN = re.compile(r"^[0-9a-f]{8}:[0-9a-f]{8}:[0-9a-f]{4}$")
XACT = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{8}$")
PAGE = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{8}$")
TIME = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d:\d{3}$")


def query(mssql, db, sql):
    with mssql.connect(db) as conn:
        cur = conn.cursor()
        cur.execute(sql)
        names = [d[0] for d in cur.description]
        return names, cur.fetchall()


def last_lsn(mssql, db):
    return mssql.execute("SELECT MAX([Current LSN]) FROM fn_dblog(NULL, NULL)", database=db)[0][0]


def test_columns_forms_and_workload(mssql, db):
    mssql.execute("CREATE TABLE dbo.orders (id int NOT NULL CONSTRAINT PK_orders PRIMARY KEY, "
                  "qty int, name varchar(20))", database=db)
    start = last_lsn(mssql, db)
    mssql.execute("INSERT INTO dbo.orders VALUES (1, 10, 'abc')", database=db)
    mssql.execute("UPDATE dbo.orders SET qty = 11 WHERE id = 1", database=db)
    mssql.execute("DELETE FROM dbo.orders WHERE id = 1", database=db)
    names, rows = query(mssql, db, f"SELECT * FROM sys.fn_dblog('0x{start}', NULL)")
    for col in ["Current LSN", "Operation", "Context", "Transaction ID", "Previous LSN",
                "AllocUnitId", "AllocUnitName", "Page ID", "Slot ID", "PartitionId",
                "Num Elements", "Offset in Row", "Modify Size", "SPID", "Begin Time",
                "Transaction Name", "Transaction SID", "Xact ID", "End Time", "Transaction Begin",
                "Lock Information", "Description", "RowLog Contents 0", "RowLog Contents 5",
                "Compression Log Type", "Log Record"]:
        assert col in names, col
    rec = [dict(zip(names, r)) for r in rows]
    assert rec[0]["Current LSN"] == start  # the start LSN is inclusive
    for r in rec:
        assert LSN.match(r["Current LSN"])
        assert XACT.match(r["Transaction ID"])
        if r["Page ID"] is not None:
            assert PAGE.match(r["Page ID"])
    begins = [r for r in rec if r["Operation"] == "LOP_BEGIN_XACT"
              and r["Transaction Name"] in ("INSERT", "UPDATE", "DELETE")]
    assert [b["Transaction Name"] for b in begins] == ["INSERT", "UPDATE", "DELETE"]
    assert all(TIME.match(b["Begin Time"]) for b in begins)
    ins = [r for r in rec if r["Operation"] == "LOP_INSERT_ROWS"
           and r["Context"] == "LCX_CLUSTERED" and r["AllocUnitName"] == "dbo.orders.PK_orders"]
    assert len(ins) == 1
    assert isinstance(ins[0]["RowLog Contents 0"], bytes)
    assert ins[0]["RowLog Contents 0"][0] & 0x10  # NULL bitmap present
    upd = [r for r in rec if r["Operation"] == "LOP_MODIFY_ROW" and r["Context"] == "LCX_CLUSTERED"]
    assert len(upd) == 1
    assert (upd[0]["Offset in Row"], upd[0]["Modify Size"]) == (8, 1)
    assert upd[0]["RowLog Contents 0"] == b"\x0a" and upd[0]["RowLog Contents 1"] == b"\x0b"
    dels = [r for r in rec if r["Operation"] == "LOP_DELETE_ROWS"
            and r["Context"] == "LCX_MARK_AS_GHOST"]
    assert len(dels) == 1
    commits = [r for r in rec if r["Operation"] == "LOP_COMMIT_XACT"]
    assert all(LSN.match(c["Transaction Begin"]) for c in commits)


def test_argument_forms_and_filters(mssql, db):
    mssql.execute("CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY)", database=db)
    for i in range(5):
        mssql.execute(f"INSERT INTO dbo.t VALUES ({i})", database=db)
    lsns = [r[0] for r in mssql.execute("SELECT [Current LSN] FROM ::fn_dblog(DEFAULT, DEFAULT) "
                                        "ORDER BY [Current LSN]", database=db)]
    assert lsns == sorted(lsns) and len(lsns) > 10
    mid = lsns[len(lsns) // 2]
    v, b, s = (int(x, 16) for x in mid.split(":"))
    dec = mssql.execute(f"SELECT TOP 1 [Current LSN] FROM fn_dblog('{v}:{b}:{s}', NULL)",
                        database=db)
    assert dec == [(mid,)]
    one = mssql.execute(f"SELECT COUNT(*) FROM sys.fn_dblog(N'0x{mid}', N'0x{mid}')", database=db)
    assert one == [(1,)]
    tail = mssql.execute(f"SELECT TOP 3 Operation FROM fn_dblog(NULL, NULL) WHERE [Current LSN] "
                         f"> '{mid}' ORDER BY [Current LSN] DESC", database=db)
    assert len(tail) == 3


def test_rollback_writes_compensation(mssql, db):
    mssql.execute("CREATE TABLE dbo.r (id int NOT NULL PRIMARY KEY, v int)", database=db)
    mssql.execute("INSERT INTO dbo.r VALUES (1, 1)", database=db)
    start = last_lsn(mssql, db)
    mssql.execute("BEGIN TRAN; UPDATE dbo.r SET v = 2 WHERE id = 1; ROLLBACK", database=db)
    rows = mssql.execute(f"SELECT Operation, Description FROM fn_dblog('0x{start}', NULL) WHERE "
                         f"Context IN ('LCX_CLUSTERED', 'LCX_NULL') AND [Current LSN] > '{start}' "
                         f"AND Operation <> 'LOP_LOCK_XACT' ORDER BY [Current LSN]", database=db)
    assert rows == [("LOP_BEGIN_XACT", None), ("LOP_MODIFY_ROW", None),
                    ("LOP_MODIFY_ROW", "COMPENSATION"), ("LOP_ABORT_XACT", None)]


def test_catalog_views(mssql, db):
    mssql.execute("CREATE TABLE dbo.c (a int NOT NULL PRIMARY KEY, b varchar(10), c bit, d bit)",
                  database=db)
    rows = mssql.execute(
        "SELECT pc.partition_column_id, pc.leaf_offset, pc.leaf_null_bit, pc.leaf_bit_position "
        "FROM sys.system_internals_partition_columns pc JOIN sys.partitions p ON "
        "p.partition_id = pc.partition_id JOIN sys.allocation_units au ON au.container_id = "
        "p.hobt_id AND au.type = 1 WHERE p.object_id = OBJECT_ID('dbo.c') ORDER BY "
        "pc.partition_column_id", database=db)
    assert rows == [(1, 4, 1, 0), (2, -1, 2, 0), (3, 8, 3, 0), (4, 8, 4, 1)]
