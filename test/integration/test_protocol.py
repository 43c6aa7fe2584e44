"""Login, batches, RPC, transactions, messages, cancel and TLS as SQL Server does them."""
import time

import pytds
import pytest

from conftest import make_cert


def test_login_and_version(mssql):
    rows = mssql.execute("SELECT @@VERSION, SERVERPROPERTY('ProductVersion'), DB_NAME()")
    version, product_version, dbname = rows[0]
    assert version.startswith("Microsoft SQL Server")
    assert str(product_version).split(".")[0].isdigit()
    assert dbname == "master"


def test_wrong_password_is_error_18456(mssql):
    with pytest.raises(pytds.Error) as err:
        mssql.connect(password="definitely-wrong")
    assert getattr(err.value, "number", None) == 18456
    assert f"Login failed for user '{mssql.user}'." in str(err.value)


def test_wrong_password_with_tsql(mssql):
    rc, out, errout = mssql.tsql("SELECT 1", password="definitely-wrong", check=False)
    assert "Login failed for user" in out + errout
    assert rc != 0


def test_unknown_initial_database_is_error_4060(mssql):
    with pytest.raises(pytds.Error) as err:
        mssql.connect(database="no_such_db_x")
    assert getattr(err.value, "number", None) == 4060


def test_multiple_result_sets_and_row_counts(mssql, db):
    with mssql.connect(db) as conn:
        cur = conn.cursor()
        cur.execute("CREATE TABLE dbo.t (id int PRIMARY KEY, s varchar(10));"
                    "INSERT INTO dbo.t VALUES (1,'a'),(2,'b'),(3,'c');"
                    "SELECT id FROM dbo.t ORDER BY id; SELECT s FROM dbo.t WHERE id > 1 ORDER BY s;"
                    "UPDATE dbo.t SET s = 'z' WHERE id >= 2")
        # python-tds exposes the row count of the last DONE token of the batch
        sets = []
        while True:
            if cur.description is not None:
                sets.append([tuple(r) for r in cur.fetchall()])
            if not cur.nextset():
                break
        assert sets == [[(1,), (2,), (3,)], [("b",), ("c",)]]
        assert cur.rowcount == 2
        cur.execute("DELETE FROM dbo.t WHERE id = 1")
        assert cur.rowcount == 1


def test_tsql_batch_reports_rows_affected(mssql, db):
    _, out, _ = mssql.tsql("CREATE TABLE dbo.x (i int)\nINSERT INTO dbo.x VALUES (1),(2)\n"
                           "SELECT COUNT(*) FROM dbo.x", database=db)
    assert "2" in out.split()


@pytest.mark.parametrize("sql,number", [
    ("SELEC 1", 102),
    ("SELECT nope FROM sys.objects", 207),
    ("SELECT * FROM dbo.no_such_table", 208),
])
def test_compile_errors(mssql, db, sql, number):
    with pytest.raises(pytds.Error) as err:
        mssql.execute(sql, database=db)
    assert err.value.number == number
    assert err.value.severity in (15, 16)


def test_constraint_and_truncation_errors(mssql, db):
    mssql.execute("CREATE TABLE dbo.k (id int CONSTRAINT PK_k PRIMARY KEY, s varchar(3) NOT NULL)",
                  database=db)
    mssql.execute("INSERT INTO dbo.k VALUES (1, 'a')", database=db)
    with pytest.raises(pytds.Error) as err:
        mssql.execute("INSERT INTO dbo.k VALUES (1, 'b')", database=db)
    assert err.value.number == 2627 and err.value.severity == 14
    assert "Violation of PRIMARY KEY constraint 'PK_k'" in err.value.text
    assert "The duplicate key value is (1)" in err.value.text
    with pytest.raises(pytds.Error) as err:
        mssql.execute("INSERT INTO dbo.k VALUES (2, 'toolong')", database=db)
    assert err.value.number in (8152, 2628)
    with pytest.raises(pytds.Error) as err:
        mssql.execute("INSERT INTO dbo.k VALUES (3, NULL)", database=db)
    assert err.value.number == 515
    assert mssql.execute("SELECT COUNT(*) FROM dbo.k", database=db)[0][0] == 1


def test_statement_error_does_not_abort_batch(mssql, db):
    """A PK violation ends its statement only; the batch goes on (XACT_ABORT OFF)."""
    mssql.execute("CREATE TABLE dbo.k (id int PRIMARY KEY)", database=db)
    with mssql.connect(db) as conn:
        cur = conn.cursor()
        with pytest.raises(pytds.Error) as err:
            cur.execute("INSERT INTO dbo.k VALUES (1); INSERT INTO dbo.k VALUES (1);"
                        " INSERT INTO dbo.k VALUES (2)")
            while cur.nextset():  # python-tds reports errors of later statements here
                pass
        assert err.value.number == 2627
    assert [r[0] for r in mssql.execute("SELECT id FROM dbo.k ORDER BY id", database=db)] == [1, 2]


def test_info_messages_and_print(mssql, db):
    with mssql.connect(db) as conn:
        cur = conn.cursor()
        cur.execute("PRINT 'hello from print'")
        msgs = [m[1] if isinstance(m, tuple) else m for m in cur.messages]
        assert any("hello from print" in str(m) for m in msgs)


def test_rpc_sp_executesql_typed_parameters(mssql, db):
    import datetime as dt
    import uuid
    from decimal import Decimal
    mssql.execute("CREATE TABLE dbo.p (id int PRIMARY KEY, s nvarchar(50), d decimal(10,3),"
                  " t datetime2(3), g uniqueidentifier, b varbinary(10), f float, bt bit)",
                  database=db)
    g = uuid.uuid4()
    with mssql.connect(db) as conn:
        cur = conn.cursor()
        cur.execute("INSERT INTO dbo.p VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (7, "\u00fcml\u00e4ut \U0001F600", Decimal("1234.567"),
                     dt.datetime(2021, 3, 4, 5, 6, 7, 890000), g, pytds.Binary(b"\x00\x81\x02"), 2.5,
                     True))
        cur.execute("SELECT s, d, t, g, b, f, bt FROM dbo.p WHERE id = %s AND s LIKE %s",
                    (7, "%ut%"))
        assert tuple(cur.fetchone()) == ("\u00fcml\u00e4ut \U0001F600", Decimal("1234.567"),
                                         dt.datetime(2021, 3, 4, 5, 6, 7, 890000), g,
                                         b"\x00\x81\x02", 2.5, True)
        cur.execute("SELECT COUNT(*) FROM dbo.p WHERE s = %s", (None,))
        assert cur.fetchone()[0] == 0


def test_explicit_transactions_in_tsql(mssql, db):
    mssql.execute("CREATE TABLE dbo.tx (id int PRIMARY KEY)", database=db)
    mssql.execute("BEGIN TRAN; INSERT INTO dbo.tx VALUES (1); ROLLBACK;"
                  "BEGIN TRANSACTION; INSERT INTO dbo.tx VALUES (2); COMMIT", database=db)
    assert [r[0] for r in mssql.execute("SELECT id FROM dbo.tx", database=db)] == [2]


def test_writer_waits_for_a_concurrent_writer(mssql, db):
    """Two explicit transactions writing the same table: the second waits for the first to end
    (SQL Server's default LOCK_TIMEOUT is -1) instead of failing with 1222."""
    import threading
    import time
    mssql.execute("CREATE TABLE dbo.w (id int PRIMARY KEY, v int)", database=db)
    first = mssql.connect(db, autocommit=True)
    c1 = first.cursor()
    c1.execute("BEGIN TRAN; INSERT INTO dbo.w VALUES (1, 1)")
    done = {}

    def second():
        conn = mssql.connect(db, autocommit=True)
        cur = conn.cursor()
        t0 = time.time()
        cur.execute("BEGIN TRAN; DELETE FROM dbo.w WHERE id = 2; INSERT INTO dbo.w VALUES (2, 2); "
                    "COMMIT")
        done["waited"] = time.time() - t0
        conn.close()

    t = threading.Thread(target=second)
    t.start()
    time.sleep(1.0)
    assert "waited" not in done  # still waiting for the first writer
    c1.execute("COMMIT")
    t.join(30)
    assert done["waited"] >= 0.9
    assert [r[0] for r in mssql.execute("SELECT id FROM dbo.w ORDER BY id", database=db)] == [1, 2]
    first.close()


def test_transaction_manager_requests(mssql, db):
    """python-tds with autocommit off drives transactions with TM requests (packet type 14)."""
    mssql.execute("CREATE TABLE dbo.tm (id int PRIMARY KEY)", database=db)
    conn = mssql.connect(db, autocommit=False)
    cur = conn.cursor()
    cur.execute("INSERT INTO dbo.tm VALUES (1)")
    conn.rollback()
    cur.execute("INSERT INTO dbo.tm VALUES (2)")
    cur.execute("SELECT @@TRANCOUNT")
    assert cur.fetchone()[0] == 1
    conn.commit()
    conn.close()
    assert [r[0] for r in mssql.execute("SELECT id FROM dbo.tm", database=db)] == [2]


def test_cancel_waitfor(mssql):
    """A client timeout sends an ATTENTION mid-request; the server stops and acknowledges it."""
    with mssql.connect(timeout=1) as conn:
        cur = conn.cursor()
        started = time.time()
        with pytest.raises(Exception):
            cur.execute("WAITFOR DELAY '00:00:20'; SELECT 1")
        assert time.time() - started < 5
        cur.execute("SELECT 42")  # reads the attention acknowledgement first
        assert cur.fetchone()[0] == 42
        assert time.time() - started < 8


def test_cancel_large_result_keeps_connection_usable(mssql, db):
    mssql.execute(
        "CREATE TABLE dbo.big (id int PRIMARY KEY, s varchar(40));"
        "WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 300000)"
        " INSERT INTO dbo.big SELECT i, REPLICATE('x', 30) FROM n OPTION (MAXRECURSION 0)",
        database=db)
    with mssql.connect(db) as conn:
        cur = conn.cursor()
        cur.execute("SELECT id, s FROM dbo.big")
        cur.fetchmany(10)
        cur.cancel()
        cur.execute("SELECT COUNT(*) FROM dbo.big")
        assert cur.fetchone()[0] == 300000


def test_several_databases(mssql, db):
    other = db + "_b"
    mssql.execute(f"CREATE DATABASE [{other}]")
    try:
        mssql.execute("CREATE TABLE dbo.t (id int PRIMARY KEY); INSERT INTO dbo.t VALUES (1)",
                      database=db)
        mssql.execute("CREATE TABLE dbo.t (id int PRIMARY KEY); INSERT INTO dbo.t VALUES (2)",
                      database=other)
        rows = mssql.execute(f"SELECT a.id, b.id FROM [{db}].dbo.t a CROSS JOIN [{other}].dbo.t b")
        assert [tuple(r) for r in rows] == [(1, 2)]
        with mssql.connect(db) as conn:
            cur = conn.cursor()
            cur.execute(f"USE [{other}]; SELECT DB_NAME(), id FROM dbo.t")
            assert tuple(cur.fetchone()) == (other, 2)
        names = {r[0] for r in mssql.execute("SELECT name FROM sys.databases")}
        assert {db, other, "master", "msdb", "tempdb"} <= names
    finally:
        mssql.execute(f"DROP DATABASE [{other}]")


def test_tls_full_encryption_with_python_tds(sim_factory, tmp_path):
    cert, key = make_cert(tmp_path)
    server = sim_factory("--cert", cert, "--key", key)
    with pytds.connect(server="127.0.0.1", port=server.port, user=server.user,
                       password=server.password, cafile=cert, validate_host=False,
                       autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute("SELECT N'secret \u00fc'")
        assert cur.fetchone()[0] == "secret \u00fc"


def test_tls_login_only_with_python_tds(sim_factory, tmp_path):
    cert, key = make_cert(tmp_path)
    server = sim_factory("--cert", cert, "--key", key)
    with pytds.connect(server="127.0.0.1", port=server.port, user=server.user,
                       password=server.password, cafile=cert, validate_host=False,
                       enc_login_only=True, autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute("SELECT 7")
        assert cur.fetchone()[0] == 7


@pytest.mark.parametrize("encryption", ["request", "require"])
def test_tls_with_freetds(sim_factory, encryption):
    server = sim_factory()  # self-signed certificate generated by the simulator
    server.write_freetds_conf(encryption=encryption)
    _, out, _ = server.tsql("SELECT 'over tls'")
    assert "over tls" in out


def test_forced_encryption_refuses_plaintext_clients(sim_factory):
    server = sim_factory("--force-encryption")
    with pytest.raises(Exception):
        server.connect()  # python-tds without cafile announces ENCRYPT_NOT_SUP
    server.write_freetds_conf(encryption="require")
    _, out, _ = server.tsql("SELECT 'forced'")
    assert "forced" in out


def test_two_simulators_at_once(sim_factory):
    a, b = sim_factory(), sim_factory()
    assert a.port != b.port
    a.execute("CREATE DATABASE only_in_a")
    assert not b.execute("SELECT name FROM sys.databases WHERE name = 'only_in_a'")
