"""sys.* catalog views, server properties and the precheck queries DTS users run, verbatim."""
from decimal import Decimal

import pytest

# The five table checks users run before choosing an incremental mode, exactly as they write them.
HEAP_TABLES = """SELECT s.name AS schema_name, t.name AS table_name
FROM sys.schemas s
INNER JOIN sys.tables t ON s.schema_id = t.schema_id
  AND t.type = 'U'
  AND s.name NOT IN ('cdc', 'sys')
  AND t.name NOT IN ('systranschemas')
  AND t.object_id IN (SELECT object_id FROM sys.indexes WHERE index_id = 0);"""

NO_PK_TABLES = """SELECT s.name AS schema_name, t.name AS table_name
FROM sys.schemas s
INNER JOIN sys.tables t ON s.schema_id = t.schema_id
  AND t.type = 'U'
  AND s.name NOT IN ('cdc', 'sys')
  AND t.name NOT IN ('systranschemas')
  AND t.object_id NOT IN (SELECT parent_object_id FROM sys.objects WHERE type = 'PK');"""

PK_NOT_CLUSTERED = """SELECT s.name AS schema_name, t.name AS table_name
FROM sys.schemas s
INNER JOIN sys.tables t ON s.schema_id = t.schema_id
WHERE t.type = 'U'
  AND s.name NOT IN ('cdc', 'sys')
  AND t.name NOT IN ('systranschemas')
  AND t.object_id IN (
    SELECT pk_columns.object_id
    FROM (
      SELECT sic.object_id, sic.column_id
      FROM sys.index_columns sic, sys.indexes sis
      WHERE sic.object_id = sis.object_id
        AND sic.index_id = sis.index_id
        AND sis.is_primary_key = 'true'
    ) pk_columns
    LEFT JOIN (
      SELECT sic.object_id, sic.column_id
      FROM sys.index_columns sic, sys.indexes sis
      WHERE sic.object_id = sis.object_id
        AND sic.index_id = sis.index_id
        AND sis.index_id = 1
    ) cluster_columns
    ON pk_columns.object_id = cluster_columns.object_id
    WHERE pk_columns.column_id != cluster_columns.column_id
  );"""

COMPRESSED = """SELECT s.name AS schema_name, t.name AS table_name
FROM sys.objects t, sys.schemas s, sys.partitions p
WHERE s.schema_id = t.schema_id
  AND t.type = 'U'
  AND s.name NOT IN ('cdc', 'sys')
  AND t.name NOT IN ('systranschemas')
  AND t.object_id = p.object_id
  AND p.data_compression != 0;"""

COMPUTED = """SELECT s.name AS schema_name, t.name AS table_name
FROM sys.schemas s
INNER JOIN sys.tables t ON s.schema_id = t.schema_id
  AND t.type = 'U'
  AND s.name NOT IN ('cdc', 'sys')
  AND t.name NOT IN ('systranschemas')
  AND t.object_id IN (SELECT object_id FROM sys.columns WHERE is_computed = 1);"""

SCHEMA = """
CREATE SCHEMA sales;
CREATE TABLE dbo.good (id int NOT NULL CONSTRAINT PK_good PRIMARY KEY CLUSTERED, v varchar(10));
CREATE TABLE dbo.heap_nopk (id int NOT NULL, v varchar(10));
CREATE TABLE sales.heap_pk (id int NOT NULL CONSTRAINT PK_heap_pk PRIMARY KEY NONCLUSTERED);
CREATE TABLE dbo.pk_elsewhere (id int NOT NULL CONSTRAINT PK_pe PRIMARY KEY NONCLUSTERED,
                               k int NOT NULL);
CREATE CLUSTERED INDEX cx_pe ON dbo.pk_elsewhere (k);
CREATE TABLE dbo.packed (id int NOT NULL PRIMARY KEY, v varchar(10)) WITH (DATA_COMPRESSION = PAGE);
CREATE TABLE sales.calc (id int NOT NULL PRIMARY KEY, qty int, price money,
                         total AS (qty * price));
CREATE TABLE dbo.clustered_nopk (id int NOT NULL, v int);
CREATE CLUSTERED INDEX cx_c ON dbo.clustered_nopk (id);
"""


def rows_of(mssql, db, sql):
    return sorted(tuple(r) for r in mssql.execute(sql, database=db))


@pytest.fixture
def precheck_db(mssql, db):
    mssql.execute(SCHEMA, database=db)
    return db


def test_heap_tables(mssql, precheck_db):
    assert rows_of(mssql, precheck_db, HEAP_TABLES) == [("dbo", "heap_nopk"),
                                                         ("sales", "heap_pk")]


def test_tables_without_primary_key(mssql, precheck_db):
    assert rows_of(mssql, precheck_db, NO_PK_TABLES) == [("dbo", "clustered_nopk"),
                                                          ("dbo", "heap_nopk")]


def test_primary_key_not_in_clustered_index(mssql, precheck_db):
    # heap_pk has no clustered index at all: the LEFT JOIN yields NULL and != NULL is unknown,
    # so only the table whose clustered index is on other columns is reported.
    assert rows_of(mssql, precheck_db, PK_NOT_CLUSTERED) == [("dbo", "pk_elsewhere")]


def test_compressed_tables(mssql, precheck_db):
    assert rows_of(mssql, precheck_db, COMPRESSED) == [("dbo", "packed")]


def test_computed_column_tables(mssql, precheck_db):
    assert rows_of(mssql, precheck_db, COMPUTED) == [("sales", "calc")]


def test_precheck_queries_through_tsql(mssql, precheck_db):
    _, out, _ = mssql.tsql(HEAP_TABLES, database=precheck_db)
    assert "heap_nopk" in out and "heap_pk" in out and "good" not in out


def test_columns_catalog(mssql, db):
    mssql.execute("CREATE TABLE dbo.c (id int IDENTITY(10,5) NOT NULL PRIMARY KEY,"
                  " n nvarchar(10) NULL, nm nvarchar(max), v varchar(20) NOT NULL DEFAULT 'x',"
                  " d decimal(12,3), t datetime2(4), x AS (id * 2))", database=db)
    rows = mssql.execute(
        "SELECT c.name, t.name, c.max_length, c.precision, c.scale, c.is_nullable,"
        " c.is_identity, c.is_computed FROM sys.columns c"
        " JOIN sys.types t ON t.user_type_id = c.user_type_id"
        " WHERE c.object_id = OBJECT_ID(N'dbo.c') ORDER BY c.column_id", database=db)
    got = [tuple(r) for r in rows]
    assert got[0] == ("id", "int", 4, 10, 0, False, True, False)
    assert got[1][:3] == ("n", "nvarchar", 20)
    assert got[2][:3] == ("nm", "nvarchar", -1)
    assert got[3][:3] + got[3][5:6] == ("v", "varchar", 20, False)
    assert got[4][:5] == ("d", "decimal", 9, 12, 3)
    assert got[5][:5] == ("t", "datetime2", 7, 24, 4)
    assert got[6][0] == "x" and got[6][7] is True
    mssql.execute("INSERT INTO dbo.c (n, v) VALUES (N'a', 'b'); INSERT INTO dbo.c (n) VALUES (N'c')",
                  database=db)
    assert [tuple(r) for r in mssql.execute("SELECT id, v, x FROM dbo.c ORDER BY id",
                                            database=db)] == [(10, "b", 20), (15, "x", 30)]


def test_indexes_and_keys_catalog(mssql, db):
    mssql.execute("CREATE TABLE dbo.p (a int NOT NULL, b int NOT NULL, c int,"
                  " CONSTRAINT PK_p PRIMARY KEY (b, a), CONSTRAINT UQ_p_c UNIQUE (c));"
                  "CREATE TABLE dbo.ch (id int PRIMARY KEY, pa int, pb int,"
                  " CONSTRAINT FK_ch_p FOREIGN KEY (pb, pa) REFERENCES dbo.p (b, a));"
                  "CREATE INDEX ix_ch ON dbo.ch (pa DESC)", database=db)
    idx = [tuple(r) for r in mssql.execute(
        "SELECT i.name, i.index_id, i.type_desc, i.is_unique, i.is_primary_key,"
        " i.is_unique_constraint FROM sys.indexes i WHERE i.object_id = OBJECT_ID('dbo.p')"
        " ORDER BY i.index_id", database=db)]
    assert idx[0] == ("PK_p", 1, "CLUSTERED", True, True, False)
    assert idx[1][0] == "UQ_p_c" and idx[1][2] == "NONCLUSTERED" and idx[1][5] is True
    keycols = [tuple(r) for r in mssql.execute(
        "SELECT c.name, ic.key_ordinal FROM sys.index_columns ic JOIN sys.columns c"
        " ON c.object_id = ic.object_id AND c.column_id = ic.column_id"
        " WHERE ic.object_id = OBJECT_ID('dbo.p') AND ic.index_id = 1 ORDER BY ic.key_ordinal",
        database=db)]
    assert keycols == [("b", 1), ("a", 2)]
    fk = [tuple(r) for r in mssql.execute(
        "SELECT f.name, OBJECT_NAME(f.referenced_object_id), pc.name, rc.name"
        " FROM sys.foreign_keys f JOIN sys.foreign_key_columns fc"
        " ON fc.constraint_object_id = f.object_id"
        " JOIN sys.columns pc ON pc.object_id = fc.parent_object_id"
        " AND pc.column_id = fc.parent_column_id"
        " JOIN sys.columns rc ON rc.object_id = fc.referenced_object_id"
        " AND rc.column_id = fc.referenced_column_id"
        " ORDER BY fc.constraint_column_id", database=db)]
    assert fk == [("FK_ch_p", "p", "pb", "b"), ("FK_ch_p", "p", "pa", "a")]
    kc = [tuple(r) for r in mssql.execute(
        "SELECT name, type FROM sys.key_constraints WHERE parent_object_id = OBJECT_ID('dbo.p')"
        " ORDER BY name", database=db)]
    assert kc == [("PK_p", "PK"), ("UQ_p_c", "UQ")]
    with pytest.raises(Exception) as err:
        mssql.execute("INSERT INTO dbo.ch VALUES (1, 5, 5)", database=db)
    assert getattr(err.value, "number", None) == 547


def test_partitions_rows_are_current(mssql, db):
    mssql.execute("CREATE TABLE dbo.r (id int PRIMARY KEY);"
                  "INSERT INTO dbo.r VALUES (1),(2),(3); DELETE FROM dbo.r WHERE id = 2",
                  database=db)
    rows = mssql.execute("SELECT SUM(rows) FROM sys.partitions WHERE object_id = OBJECT_ID('dbo.r')"
                         " AND index_id IN (0, 1)", database=db)
    assert rows[0][0] == 2


def test_database_properties_and_backups(mssql, db):
    mssql.execute(f"ALTER DATABASE [{db}] SET RECOVERY SIMPLE")
    assert mssql.execute(f"SELECT recovery_model_desc FROM sys.databases WHERE name = N'{db}'"
                         )[0][0] == "SIMPLE"
    mssql.execute(f"ALTER DATABASE [{db}] SET RECOVERY FULL")
    assert mssql.execute(f"SELECT recovery_model_desc FROM sys.databases WHERE name = N'{db}'"
                         )[0][0] == "FULL"
    if mssql.real:
        return  # backups to disk on a real server are the DBA's business
    mssql.execute(f"BACKUP DATABASE [{db}] TO DISK = N'/tmp/{db}.bak'")
    mssql.execute(f"BACKUP LOG [{db}] TO DISK = N'/tmp/{db}.trn'")
    types = sorted(r[0] for r in mssql.execute(
        f"SELECT type FROM msdb.dbo.backupset WHERE database_name = N'{db}'"))
    assert types == ["D", "L"]


def test_server_identity(mssql):
    name, servername, srv = mssql.execute(
        "SELECT CAST(SERVERPROPERTY('ServerName') AS sysname), @@SERVERNAME,"
        " (SELECT srvname FROM sys.sysservers WHERE srvid = 0)")[0]
    assert name == servername == srv
    assert mssql.execute("SELECT IS_SRVROLEMEMBER('sysadmin')")[0][0] == 1


def test_edition_version_and_logins_are_settable(sim_factory):
    server = sim_factory("--edition", "Standard Edition (64-bit)", "--engine-edition", "2",
                         "--product-version", "13.0.5026.0", "--server-name", "OLDBOX",
                         "--login", "reader:Reader_Pw1")
    row = server.execute("SELECT CAST(SERVERPROPERTY('Edition') AS nvarchar(128)),"
                         " CAST(SERVERPROPERTY('EngineEdition') AS int),"
                         " CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)), @@SERVERNAME")[0]
    assert tuple(row) == ("Standard Edition (64-bit)", 2, "13.0.5026.0", "OLDBOX")
    assert "2016" in server.execute("SELECT @@VERSION")[0][0]
    with server.connect(user="reader", password="Reader_Pw1") as conn:
        cur = conn.cursor()
        cur.execute("SELECT IS_SRVROLEMEMBER('sysadmin'), SUSER_SNAME()")
        assert tuple(cur.fetchone()) == (0, "reader")


ITEMS = ("CREATE TABLE dbo.item (id int NOT NULL PRIMARY KEY, name nvarchar(30) NOT NULL,"
         " price decimal(9,2));"
         "INSERT INTO dbo.item VALUES (1, N'pen', 1.50), (2, N'ink', 7.25), (3, N'cap', 0.75)")


def test_views_are_queryable_and_in_the_catalogs(mssql, db):
    mssql.execute(ITEMS, database=db)
    view = ("-- cheap items\nCREATE VIEW dbo.cheap (item_id, item_name, price) AS\n"
            "SELECT id, name, price FROM dbo.item WHERE price < 5")
    mssql.execute(view, database=db)
    assert [tuple(r) for r in mssql.execute(
        "SELECT item_name, price FROM dbo.cheap ORDER BY item_id", database=db)] == [
        ("pen", Decimal("1.50")), ("cap", Decimal("0.75"))]
    assert [tuple(r) for r in mssql.execute(
        "SELECT c.item_name FROM dbo.cheap c JOIN dbo.item i ON i.id = c.item_id"
        " WHERE i.name = N'cap'", database=db)] == [("cap",)]
    objs = [(r[0], r[1].strip(), r[2]) for r in mssql.execute(
        "SELECT o.name, o.type, o.type_desc FROM sys.objects o JOIN sys.views v"
        " ON v.object_id = o.object_id", database=db)]
    assert objs == [("cheap", "V", "VIEW")]
    cols = [tuple(r) for r in mssql.execute(
        "SELECT c.name, t.name, c.max_length, c.precision, c.scale, c.is_nullable"
        " FROM sys.columns c JOIN sys.types t ON t.user_type_id = c.user_type_id"
        " WHERE c.object_id = OBJECT_ID(N'dbo.cheap') ORDER BY c.column_id", database=db)]
    assert cols == [("item_id", "int", 4, 10, 0, False),
                    ("item_name", "nvarchar", 60, 0, 0, False),
                    ("price", "decimal", 5, 9, 2, True)]
    assert rows_of(mssql, db, "SELECT TABLE_NAME, TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES") == [
        ("cheap", "VIEW"), ("item", "BASE TABLE")]
    assert mssql.execute("SELECT m.definition FROM sys.sql_modules m"
                         " WHERE m.object_id = OBJECT_ID(N'dbo.cheap')", database=db)[0][0] == view
    with pytest.raises(Exception) as err:
        mssql.execute("CREATE VIEW dbo.cheap AS SELECT 1 AS one", database=db)
    assert getattr(err.value, "number", None) == 2714
    with pytest.raises(Exception) as err:
        mssql.execute("CREATE VIEW dbo.broken AS SELECT id FROM dbo.no_such_table", database=db)
    assert getattr(err.value, "number", None) == 208
    mssql.execute("DROP VIEW dbo.cheap", database=db)
    mssql.execute("DROP VIEW IF EXISTS dbo.cheap", database=db)
    assert mssql.execute("SELECT COUNT(*) FROM sys.views", database=db)[0][0] == 0
    with pytest.raises(Exception) as err:
        mssql.execute("SELECT * FROM dbo.cheap", database=db)
    assert getattr(err.value, "number", None) == 208


def test_procedures_functions_and_triggers_are_catalog_objects(mssql, db):
    mssql.execute(ITEMS, database=db)
    proc = ("CREATE PROCEDURE dbo.reprice @id int, @price decimal(9,2)\nAS\nBEGIN\n"
            "  SET NOCOUNT ON;\n  UPDATE dbo.item SET price = @price WHERE id = @id;\nEND")
    modules = [proc,
               "CREATE FUNCTION dbo.twice (@x int) RETURNS int AS BEGIN RETURN @x * 2 END",
               "CREATE FUNCTION dbo.items_from (@min int) RETURNS TABLE AS RETURN"
               " SELECT id, name FROM dbo.item WHERE id >= @min",
               "CREATE FUNCTION dbo.numbers () RETURNS @n TABLE (n int NOT NULL) AS"
               " BEGIN INSERT @n VALUES (1); RETURN; END",
               "CREATE TRIGGER dbo.item_audit ON dbo.item AFTER UPDATE AS SET NOCOUNT ON"]
    for text in modules:
        mssql.execute(text, database=db)
    got = rows_of(mssql, db, "SELECT name, type_desc, OBJECT_NAME(parent_object_id)"
                             " FROM sys.objects WHERE type IN ('P', 'FN', 'IF', 'TF', 'TR')")
    assert got == [("item_audit", "SQL_TRIGGER", "item"),
                   ("items_from", "SQL_INLINE_TABLE_VALUED_FUNCTION", None),
                   ("numbers", "SQL_TABLE_VALUED_FUNCTION", None),
                   ("reprice", "SQL_STORED_PROCEDURE", None),
                   ("twice", "SQL_SCALAR_FUNCTION", None)]
    assert rows_of(mssql, db, "SELECT name FROM sys.procedures") == [("reprice",)]
    assert rows_of(mssql, db, "SELECT name, OBJECT_NAME(parent_id), is_instead_of_trigger"
                              " FROM sys.triggers") == [("item_audit", "item", False)]
    assert sorted(r[0] for r in mssql.execute(
        "SELECT definition FROM sys.sql_modules", database=db)) == sorted(modules)
    # Each of these must be alone in its batch.
    with pytest.raises(Exception) as err:
        mssql.execute("SELECT 1\nCREATE PROCEDURE dbo.p2 AS SELECT 2", database=db)
    assert getattr(err.value, "number", None) == 111
    mssql.execute("DROP TRIGGER dbo.item_audit", database=db)
    mssql.execute("DROP FUNCTION dbo.twice, dbo.items_from, dbo.numbers", database=db)
    mssql.execute("DROP PROCEDURE dbo.reprice", database=db)
    assert mssql.execute("SELECT COUNT(*) FROM sys.sql_modules", database=db)[0][0] == 0


# The catalog queries pgloader 3.6 sends to list what it migrates (columns, indexes, foreign
# keys), verbatim but for the filters its load file adds.
PGLOADER_COLUMNS = """
  select c.TABLE_SCHEMA,
         c.TABLE_NAME,
         c.COLUMN_NAME,
         c.DATA_TYPE,
         CASE
         WHEN c.COLUMN_DEFAULT LIKE '((%' AND c.COLUMN_DEFAULT LIKE '%))' THEN
             CASE
                 WHEN SUBSTRING(c.COLUMN_DEFAULT,3,len(c.COLUMN_DEFAULT)-4) = 'newid()' THEN 'GENERATE_UUID'
                 WHEN SUBSTRING(c.COLUMN_DEFAULT,3,len(c.COLUMN_DEFAULT)-4) LIKE '''%''' THEN SUBSTRING(c.COLUMN_DEFAULT,4,len(c.COLUMN_DEFAULT)-6)
                 ELSE SUBSTRING(c.COLUMN_DEFAULT,3,len(c.COLUMN_DEFAULT)-4)
             END
         WHEN c.COLUMN_DEFAULT LIKE '(%' AND c.COLUMN_DEFAULT LIKE '%)' THEN
             CASE
                 WHEN SUBSTRING(c.COLUMN_DEFAULT,2,len(c.COLUMN_DEFAULT)-2) = 'newid()' THEN 'GENERATE_UUID'
                 WHEN SUBSTRING(c.COLUMN_DEFAULT,2,len(c.COLUMN_DEFAULT)-2) = 'getdate()' THEN 'CURRENT_TIMESTAMP'
                 WHEN SUBSTRING(c.COLUMN_DEFAULT,2,len(c.COLUMN_DEFAULT)-2) LIKE '''%''' THEN SUBSTRING(c.COLUMN_DEFAULT,3,len(c.COLUMN_DEFAULT)-4)
                 ELSE SUBSTRING(c.COLUMN_DEFAULT,2,len(c.COLUMN_DEFAULT)-2)
             END
         ELSE c.COLUMN_DEFAULT
         END,
         c.IS_NULLABLE,
         COLUMNPROPERTY(object_id(c.TABLE_NAME), c.COLUMN_NAME, 'IsIdentity'),
         c.CHARACTER_MAXIMUM_LENGTH,
         c.NUMERIC_PRECISION,
         c.NUMERIC_PRECISION_RADIX,
         c.NUMERIC_SCALE,
         c.DATETIME_PRECISION,
         c.CHARACTER_SET_NAME,
         c.COLLATION_NAME

    from INFORMATION_SCHEMA.COLUMNS c
         join INFORMATION_SCHEMA.TABLES t
              on c.TABLE_SCHEMA = t.TABLE_SCHEMA
             and c.TABLE_NAME = t.TABLE_NAME

   where     c.TABLE_CATALOG = '{db}'
         and t.TABLE_TYPE = 'BASE TABLE'
         and ((c.table_schema = 'dbo' and c.table_name LIKE 'pg%'))

order by c.table_schema, c.table_name, c.ordinal_position;"""

PGLOADER_INDEXES = """
    select schema_name(schema_id) as SchemaName,
           o.name as TableName,
           REPLACE(i.name, '.', '_') as IndexName,
           co.[name] as ColumnName,
           i.is_unique,
           i.is_primary_key,
           i.filter_definition

    from sys.indexes i
         join sys.objects o on i.object_id = o.object_id
         join sys.index_columns ic on ic.object_id = i.object_id
             and ic.index_id = i.index_id
         join sys.columns co on co.object_id = i.object_id
             and co.column_id = ic.column_id

   where schema_name(schema_id) not in ('dto', 'sys')

order by SchemaName,
         o.[name],
         i.[name],
         ic.is_included_column,
         ic.key_ordinal;"""

PGLOADER_FKEYS = """
   SELECT
           REPLACE(KCU1.CONSTRAINT_NAME, '.', '_') AS 'CONSTRAINT_NAME'
         , KCU1.TABLE_SCHEMA AS 'TABLE_SCHEMA'
         , KCU1.TABLE_NAME AS 'TABLE_NAME'
         , KCU1.COLUMN_NAME AS 'COLUMN_NAME'
         , KCU2.TABLE_SCHEMA AS 'UNIQUE_TABLE_SCHEMA'
         , KCU2.TABLE_NAME AS 'UNIQUE_TABLE_NAME'
         , KCU2.COLUMN_NAME AS 'UNIQUE_COLUMN_NAME'
         , RC.UPDATE_RULE AS 'UPDATE_RULE'
         , RC.DELETE_RULE AS 'DELETE_RULE'

    FROM INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS RC
         JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE KCU1
              ON KCU1.CONSTRAINT_CATALOG = RC.CONSTRAINT_CATALOG
                 AND KCU1.CONSTRAINT_SCHEMA = RC.CONSTRAINT_SCHEMA
                 AND KCU1.CONSTRAINT_NAME = RC.CONSTRAINT_NAME
         JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE KCU2
              ON KCU2.CONSTRAINT_CATALOG = RC.UNIQUE_CONSTRAINT_CATALOG
                 AND KCU2.CONSTRAINT_SCHEMA = RC.UNIQUE_CONSTRAINT_SCHEMA
                 AND KCU2.CONSTRAINT_NAME = RC.UNIQUE_CONSTRAINT_NAME

   WHERE KCU1.ORDINAL_POSITION = KCU2.ORDINAL_POSITION
         AND KCU1.TABLE_CATALOG = '{db}'
         AND KCU1.CONSTRAINT_CATALOG = '{db}'
         AND KCU1.CONSTRAINT_SCHEMA NOT IN ('dto', 'sys')
         AND KCU1.TABLE_SCHEMA NOT IN ('dto', 'sys')
         AND KCU2.TABLE_SCHEMA NOT IN ('dto', 'sys')

ORDER BY KCU1.CONSTRAINT_NAME, KCU1.ORDINAL_POSITION;"""

PGLOADER_SCHEMA = """
CREATE TABLE dbo.pg_parent (id int IDENTITY(1,1) NOT NULL CONSTRAINT PK_pg_parent PRIMARY KEY,
  code varchar(10) NOT NULL CONSTRAINT UQ_pg_parent UNIQUE, label nvarchar(480) NULL DEFAULT N'none',
  amount decimal(12,2) NULL DEFAULT 0, created datetime2(3) NOT NULL DEFAULT getdate(),
  ratio float NULL, g uniqueidentifier NULL DEFAULT newid(), flag bit NOT NULL DEFAULT 1);
CREATE TABLE dbo.pg_child (id int NOT NULL, parent_id int NOT NULL, code varchar(10) NULL,
  CONSTRAINT PK_pg_child PRIMARY KEY (id, parent_id),
  CONSTRAINT FK_pg_child_parent FOREIGN KEY (parent_id) REFERENCES dbo.pg_parent (id)
    ON DELETE CASCADE,
  CONSTRAINT FK_pg_child_code FOREIGN KEY (code) REFERENCES dbo.pg_parent (code));
CREATE INDEX IX_pg_child_code ON dbo.pg_child (code);"""


def test_pgloader_columns_query(mssql, db):
    mssql.execute(PGLOADER_SCHEMA, database=db)
    rows = [tuple(r) for r in mssql.execute(PGLOADER_COLUMNS.format(db=db), database=db)]
    latin1 = "SQL_Latin1_General_CP1_CI_AS"
    assert rows == [
        ("dbo", "pg_child", "id", "int", None, "NO", 0, None, 10, 10, 0, None, None, None),
        ("dbo", "pg_child", "parent_id", "int", None, "NO", 0, None, 10, 10, 0, None, None, None),
        ("dbo", "pg_child", "code", "varchar", None, "YES", 0, 10, None, None, None, None,
         "iso_1", latin1),
        ("dbo", "pg_parent", "id", "int", None, "NO", 1, None, 10, 10, 0, None, None, None),
        ("dbo", "pg_parent", "code", "varchar", None, "NO", 0, 10, None, None, None, None,
         "iso_1", latin1),
        ("dbo", "pg_parent", "label", "nvarchar", "N'none'", "YES", 0, 480, None, None, None,
         None, "UNICODE", latin1),
        ("dbo", "pg_parent", "amount", "decimal", "0", "YES", 0, None, 12, 10, 2, None, None,
         None),
        ("dbo", "pg_parent", "created", "datetime2", "CURRENT_TIMESTAMP", "NO", 0, None, None,
         None, None, 3, None, None),
        ("dbo", "pg_parent", "ratio", "float", None, "YES", 0, None, 53, 2, None, None, None,
         None),
        ("dbo", "pg_parent", "g", "uniqueidentifier", "GENERATE_UUID", "YES", 0, None, None, None,
         None, None, None, None),
        ("dbo", "pg_parent", "flag", "bit", "1", "NO", 0, None, None, None, None, None, None,
         None),
    ]


def test_pgloader_indexes_query(mssql, db):
    mssql.execute(PGLOADER_SCHEMA, database=db)
    rows = [tuple(r) for r in mssql.execute(PGLOADER_INDEXES, database=db)]
    assert rows == [
        ("dbo", "pg_child", "IX_pg_child_code", "code", False, False, None),
        ("dbo", "pg_child", "PK_pg_child", "id", True, True, None),
        ("dbo", "pg_child", "PK_pg_child", "parent_id", True, True, None),
        ("dbo", "pg_parent", "PK_pg_parent", "id", True, True, None),
        ("dbo", "pg_parent", "UQ_pg_parent", "code", True, False, None),
    ]


def test_pgloader_foreign_keys_query(mssql, db):
    mssql.execute(PGLOADER_SCHEMA, database=db)
    rows = [tuple(r) for r in mssql.execute(PGLOADER_FKEYS.format(db=db), database=db)]
    assert rows == [
        ("FK_pg_child_code", "dbo", "pg_child", "code", "dbo", "pg_parent", "code", "NO ACTION",
         "NO ACTION"),
        ("FK_pg_child_parent", "dbo", "pg_child", "parent_id", "dbo", "pg_parent", "id",
         "NO ACTION", "CASCADE"),
    ]


def test_information_schema_constraint_views(mssql, db):
    mssql.execute(PGLOADER_SCHEMA, database=db)
    tc = rows_of(mssql, db, "SELECT CONSTRAINT_NAME, TABLE_NAME, CONSTRAINT_TYPE, IS_DEFERRABLE,"
                 " INITIALLY_DEFERRED FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS")
    assert tc == [("FK_pg_child_code", "pg_child", "FOREIGN KEY", "NO", "NO"),
                  ("FK_pg_child_parent", "pg_child", "FOREIGN KEY", "NO", "NO"),
                  ("PK_pg_child", "pg_child", "PRIMARY KEY", "NO", "NO"),
                  ("PK_pg_parent", "pg_parent", "PRIMARY KEY", "NO", "NO"),
                  ("UQ_pg_parent", "pg_parent", "UNIQUE", "NO", "NO")]
    kcu = rows_of(mssql, db, "SELECT CONSTRAINT_NAME, COLUMN_NAME, ORDINAL_POSITION"
                  " FROM INFORMATION_SCHEMA.KEY_COLUMN_USAGE WHERE TABLE_NAME = 'pg_child'")
    assert kcu == [("FK_pg_child_code", "code", 1), ("FK_pg_child_parent", "parent_id", 1),
                   ("PK_pg_child", "id", 1), ("PK_pg_child", "parent_id", 2)]
    rc = rows_of(mssql, db, "SELECT CONSTRAINT_NAME, UNIQUE_CONSTRAINT_CATALOG,"
                 " UNIQUE_CONSTRAINT_SCHEMA, UNIQUE_CONSTRAINT_NAME, MATCH_OPTION, UPDATE_RULE,"
                 " DELETE_RULE FROM INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS")
    assert rc == [("FK_pg_child_code", db, "dbo", "UQ_pg_parent", "SIMPLE", "NO ACTION",
                   "NO ACTION"),
                  ("FK_pg_child_parent", db, "dbo", "PK_pg_parent", "SIMPLE", "NO ACTION",
                   "CASCADE")]
    props = mssql.execute(
        "SELECT COLUMNPROPERTY(OBJECT_ID('dbo.pg_parent'), 'id', 'IsIdentity'),"
        " COLUMNPROPERTY(OBJECT_ID('dbo.pg_parent'), 'code', 'IsIdentity'),"
        " COLUMNPROPERTY(OBJECT_ID('dbo.pg_parent'), 'label', 'Precision'),"
        " COLUMNPROPERTY(OBJECT_ID('dbo.pg_parent'), 'amount', 'Scale'),"
        " COLUMNPROPERTY(OBJECT_ID('dbo.pg_parent'), 'nope', 'IsIdentity'),"
        " OBJECTPROPERTY(OBJECT_ID('dbo.pg_parent'), 'TableHasIdentity'),"
        " OBJECTPROPERTY(OBJECT_ID('dbo.pg_child'), 'TableHasIdentity'),"
        " TYPE_NAME(TYPE_ID('nvarchar')), COL_NAME(OBJECT_ID('dbo.pg_child'), 3)", database=db)
    assert tuple(props[0]) == (1, 0, 480, 2, None, 1, 0, "nvarchar", "code")
