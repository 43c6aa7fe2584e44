"""The T-SQL subset tests and workloads rely on, checked against SQL Server's documented results."""
import pytds
import pytest


@pytest.fixture
def shop(mssql, db):
    mssql.execute("""
CREATE TABLE dbo.cust (id int IDENTITY(1,1) PRIMARY KEY, name nvarchar(40) NOT NULL, city varchar(20) NULL);
CREATE TABLE dbo.ord (id int PRIMARY KEY, cust_id int NOT NULL REFERENCES dbo.cust (id), amount decimal(10,2) NOT NULL);
INSERT INTO dbo.cust (name, city) VALUES (N'Ann', 'Oslo'), (N'Bob', NULL), (N'Cid', 'Rome'), (N'Dee', 'Oslo');
INSERT INTO dbo.ord VALUES (1, 1, 10.50), (2, 1, 20.00), (3, 3, 5.25), (4, 4, 100.00), (5, 4, 0.75);
""", database=db)
    return db


def q(mssql, db, sql):
    return [tuple(r) for r in mssql.execute(sql, database=db)]


def test_identity_and_scope_identity(mssql, shop):
    with mssql.connect(shop) as conn:
        cur = conn.cursor()
        cur.execute("INSERT INTO dbo.cust (name) VALUES (N'Eve'); SELECT SCOPE_IDENTITY(), @@IDENTITY")
        while cur.description is None:  # skip the INSERT's row count
            assert cur.nextset()
        assert [int(x) for x in cur.fetchone()] == [5, 5]
    with pytest.raises(pytds.Error) as err:
        mssql.execute("INSERT INTO dbo.cust (id, name) VALUES (9, N'x')", database=shop)
    assert err.value.number == 544
    mssql.execute("SET IDENTITY_INSERT dbo.cust ON; INSERT INTO dbo.cust (id, name) VALUES (9, N'x');"
                  " SET IDENTITY_INSERT dbo.cust OFF", database=shop)
    assert q(mssql, shop, "SELECT MAX(id) FROM dbo.cust") == [(9,)]


def test_predicates(mssql, shop):
    assert q(mssql, shop, "SELECT name FROM dbo.cust WHERE city IS NULL") == [("Bob",)]
    assert q(mssql, shop, "SELECT id FROM dbo.ord WHERE amount BETWEEN 5 AND 20.5 ORDER BY id") == \
        [(1,), (2,), (3,)]
    assert q(mssql, shop, "SELECT id FROM dbo.ord WHERE cust_id IN (3, 4) AND NOT amount > 50"
                          " ORDER BY id") == [(3,), (5,)]
    assert q(mssql, shop, "SELECT name FROM dbo.cust WHERE name LIKE N'[a-b]%' ORDER BY name") == \
        [("Ann",), ("Bob",)]
    assert q(mssql, shop, "SELECT name FROM dbo.cust WHERE city = 'OSLO' ORDER BY name DESC") == \
        [("Dee",), ("Ann",)]


def test_aggregates_grouping_joins(mssql, shop):
    from decimal import Decimal
    rows = q(mssql, shop, "SELECT c.name, COUNT(o.id) AS n, SUM(o.amount) AS total"
                          " FROM dbo.cust c LEFT JOIN dbo.ord o ON o.cust_id = c.id"
                          " GROUP BY c.name HAVING COUNT(o.id) > 0 ORDER BY total DESC")
    assert [(r[0], r[1]) for r in rows] == [("Dee", 2), ("Ann", 2), ("Cid", 1)]
    assert Decimal(str(rows[0][2])) == Decimal("100.75")
    assert q(mssql, shop, "SELECT MIN(amount), MAX(amount), COUNT(*) FROM dbo.ord") == \
        [(Decimal("0.75"), Decimal("100.00"), 5)]


def test_top_and_offset_fetch(mssql, shop):
    assert q(mssql, shop, "SELECT TOP 2 id FROM dbo.ord ORDER BY amount DESC") == [(4,), (2,)]
    assert q(mssql, shop, "SELECT TOP (1) id FROM dbo.ord ORDER BY id") == [(1,)]
    assert q(mssql, shop, "SELECT id FROM dbo.ord ORDER BY id OFFSET 1 ROWS FETCH NEXT 2 ROWS ONLY") == \
        [(2,), (3,)]


def test_update_delete_and_rowcount(mssql, shop):
    with mssql.connect(shop) as conn:
        cur = conn.cursor()
        cur.execute("UPDATE dbo.ord SET amount = amount * 2 WHERE cust_id = 1")
        assert cur.rowcount == 2
        cur.execute("DELETE FROM dbo.ord WHERE amount < 1")
        assert cur.rowcount == 1
    assert q(mssql, shop, "SELECT id, amount FROM dbo.ord WHERE cust_id = 1 ORDER BY id")[0][1] == \
        pytest.approx(21.0)
    with pytest.raises(pytds.Error) as err:
        mssql.execute("DELETE FROM dbo.cust WHERE id = 4", database=shop)
    assert err.value.number == 547


def test_alter_table_and_indexes(mssql, shop):
    mssql.execute("ALTER TABLE dbo.cust ADD vip bit NULL, score int NOT NULL DEFAULT 0", database=shop)
    assert q(mssql, shop, "SELECT name, vip, score FROM dbo.cust WHERE id = 1") == [("Ann", None, 0)]
    mssql.execute("CREATE UNIQUE INDEX ux_cust_name ON dbo.cust (name)", database=shop)
    with pytest.raises(pytds.Error) as err:
        mssql.execute("INSERT INTO dbo.cust (name) VALUES (N'ann')", database=shop)
    assert err.value.number == 2601  # case-insensitive collation: 'ann' duplicates 'Ann'
    mssql.execute("DROP INDEX ux_cust_name ON dbo.cust; ALTER TABLE dbo.cust DROP COLUMN vip",
                  database=shop)
    cols = [r[0] for r in mssql.execute(
        "SELECT name FROM sys.columns WHERE object_id = OBJECT_ID('dbo.cust') ORDER BY column_id",
        database=shop)]
    assert cols == ["id", "name", "city", "score"]
    idx = q(mssql, shop, "SELECT COUNT(*) FROM sys.indexes WHERE name = 'ux_cust_name'")
    assert idx == [(0,)]
    mssql.execute("DROP TABLE dbo.ord; DROP TABLE dbo.cust", database=shop)
    assert q(mssql, shop, "SELECT COUNT(*) FROM sys.tables") == [(0,)]


def test_names_and_schemas(mssql, shop):
    mssql.execute("CREATE SCHEMA [odd schema]", database=shop)
    mssql.execute("CREATE TABLE [odd schema].[we]]ird] ([col one] int)", database=shop)
    mssql.execute("INSERT INTO [odd schema].[we]]ird] ([col one]) VALUES (1)", database=shop)
    assert q(mssql, shop, "SELECT [col one] FROM [odd schema].[we]]ird]") == [(1,)]
    assert q(mssql, shop, "SELECT SCHEMA_NAME(schema_id), name FROM sys.tables"
                          " WHERE name = N'we]ird'") == [("odd schema", "we]ird")]


def test_fmtonly_reports_columns_without_rows(mssql, shop):
    with mssql.connect(shop) as conn:
        cur = conn.cursor()
        cur.execute("SET FMTONLY ON; SELECT id, name FROM dbo.cust; SET FMTONLY OFF")
        assert [d[0] for d in cur.description] == ["id", "name"]
        assert cur.fetchall() == []
