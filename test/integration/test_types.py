"""Every SQL Server type round-trips through the wire: min, max, NULL, unicode, large LOBs.

Values are written with T-SQL literals (SQL batch) and read back with python-tds, which decodes
each type from its MS-TDS encoding; some are also read with FreeTDS tsql/freebcp.
"""
import datetime as dt
import uuid
from decimal import Decimal

import pytds
import pytest

UTC = dt.timezone.utc

# (column type, T-SQL literal, value python-tds must decode)
CASES = [
    ("bit", "0", False),
    ("bit", "1", True),
    ("tinyint", "0", 0),
    ("tinyint", "255", 255),
    ("smallint", "-32768", -32768),
    ("smallint", "32767", 32767),
    ("int", "-2147483648", -2147483648),
    ("int", "2147483647", 2147483647),
    ("bigint", "-9223372036854775808", -9223372036854775808),
    ("bigint", "9223372036854775807", 9223372036854775807),
    ("decimal(38,0)", "-" + "9" * 38, Decimal("-" + "9" * 38)),
    ("decimal(38,0)", "9" * 38, Decimal("9" * 38)),
    ("decimal(18,4)", "-99999999999999.9999", Decimal("-99999999999999.9999")),
    ("numeric(5,2)", "999.99", Decimal("999.99")),
    ("numeric(9,3)", "0.001", Decimal("0.001")),
    ("decimal(28,10)", "123456789012345678.0123456789", Decimal("123456789012345678.0123456789")),
    ("money", "-922337203685477.5808", Decimal("-922337203685477.5808")),
    ("money", "922337203685477.5807", Decimal("922337203685477.5807")),
    ("smallmoney", "-214748.3648", Decimal("-214748.3648")),
    ("smallmoney", "214748.3647", Decimal("214748.3647")),
    ("float", "-1.79E+308", -1.79e308),
    ("float", "2.2250738585072014E-308", 2.2250738585072014e-308),
    ("float", "0.1", 0.1),
    ("real", "3.5", 3.5),
    ("real", "-1.25E+38", pytest.approx(-1.25e38, rel=1e-6)),
    ("date", "'0001-01-01'", dt.date(1, 1, 1)),
    ("date", "'9999-12-31'", dt.date(9999, 12, 31)),
    ("time(7)", "'00:00:00'", dt.time(0, 0, 0)),
    ("time(7)", "'23:59:59.9999999'", dt.time(23, 59, 59, 999999)),
    ("time(0)", "'12:34:56'", dt.time(12, 34, 56)),
    ("time(3)", "'01:02:03.456'", dt.time(1, 2, 3, 456000)),
    ("datetime", "'1753-01-01 00:00:00'", dt.datetime(1753, 1, 1)),
    ("datetime", "'9999-12-31 23:59:59.997'", dt.datetime(9999, 12, 31, 23, 59, 59, 997000)),
    ("datetime", "'2024-02-29 13:14:15.123'", dt.datetime(2024, 2, 29, 13, 14, 15, 123000)),
    ("smalldatetime", "'1900-01-01 00:00'", dt.datetime(1900, 1, 1)),
    ("smalldatetime", "'2079-06-06 23:59'", dt.datetime(2079, 6, 6, 23, 59)),
    ("datetime2(7)", "'0001-01-01 00:00:00'", dt.datetime(1, 1, 1)),
    ("datetime2(7)", "'9999-12-31 23:59:59.9999999'",
     dt.datetime(9999, 12, 31, 23, 59, 59, 999999)),
    ("datetime2(2)", "'2020-01-02 03:04:05.67'", dt.datetime(2020, 1, 2, 3, 4, 5, 670000)),
    ("datetimeoffset(7)", "'2024-05-06 07:08:09.1234567 +05:30'",
     dt.datetime(2024, 5, 6, 7, 8, 9, 123456,
                 tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))),
    ("datetimeoffset(0)", "'2000-01-01 00:00:00 -08:00'",
     dt.datetime(2000, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-8)))),
    ("char(10)", "'abc'", "abc       "),
    ("varchar(50)", "'hello world'", "hello world"),
    ("varchar(50)", "''", ""),
    ("varchar(20)", "'caf\u00e9 \u00a3'", "caf\u00e9 \u00a3"),
    ("nchar(5)", "N'\u00e9t\u00e9'", "\u00e9t\u00e9  "),
    ("nvarchar(50)", "N'Gr\u00fc\u00dfe \u65e5\u672c \U0001F600'", "Gr\u00fc\u00dfe \u65e5\u672c \U0001F600"),
    ("nvarchar(max)", "N'\U0001F680 max'", "\U0001F680 max"),
    ("varchar(max)", "'plp value'", "plp value"),
    ("text", "'legacy text'", "legacy text"),
    ("ntext", "N'legacy \u00fcntext'", "legacy \u00fcntext"),
    ("binary(4)", "0x01020304", b"\x01\x02\x03\x04"),
    ("binary(4)", "0x01", b"\x01\x00\x00\x00"),
    ("varbinary(8)", "0x00FF", b"\x00\xff"),
    ("varbinary(max)", "0xDEADBEEF", b"\xde\xad\xbe\xef"),
    ("image", "0xCAFE", b"\xca\xfe"),
    ("uniqueidentifier", "'6F9619FF-8B86-D011-B42D-00C04FC964FF'",
     uuid.UUID("6F9619FF-8B86-D011-B42D-00C04FC964FF")),
    ("xml", "N'<a b=\"1\">x</a>'", '<a b="1">x</a>'),
]

NULLABLE_TYPES = sorted({c[0] for c in CASES})


@pytest.mark.parametrize("sqltype,literal,expected", CASES,
                         ids=[f"{c[0]}={c[1][:24]}" for c in CASES])
def test_value_roundtrip(mssql, db, sqltype, literal, expected):
    mssql.execute(f"CREATE TABLE dbo.v (id int NOT NULL PRIMARY KEY, c {sqltype} NULL);"
                  f"INSERT INTO dbo.v (id, c) VALUES (1, {literal});", database=db)
    rows = mssql.execute("SELECT c FROM dbo.v WHERE id = 1", database=db)
    assert rows == [[expected]] or rows == [(expected,)]


@pytest.mark.parametrize("sqltype", NULLABLE_TYPES)
def test_null_of_every_type(mssql, db, sqltype):
    mssql.execute(f"CREATE TABLE dbo.n (id int NOT NULL PRIMARY KEY, c {sqltype} NULL);"
                  "INSERT INTO dbo.n (id, c) VALUES (1, NULL);", database=db)
    assert [tuple(r) for r in mssql.execute("SELECT c FROM dbo.n", database=db)] == [(None,)]


@pytest.mark.parametrize("sqltype,literal,expected", [
    ("int", "42", 42), ("bigint", "-7", -7), ("bit", "1", True), ("float", "1.5", 1.5),
    ("datetime", "'2001-02-03 04:05:06'", dt.datetime(2001, 2, 3, 4, 5, 6)),
    ("money", "12.3400", Decimal("12.3400")), ("smallmoney", "1.5", Decimal("1.5000")),
    ("smalldatetime", "'2001-02-03 04:05'", dt.datetime(2001, 2, 3, 4, 5)),
])
def test_not_null_columns_use_fixed_length_types(mssql, db, sqltype, literal, expected):
    mssql.execute(f"CREATE TABLE dbo.f (c {sqltype} NOT NULL); INSERT INTO dbo.f VALUES ({literal})",
                  database=db)
    assert [tuple(r) for r in mssql.execute("SELECT c FROM dbo.f", database=db)] == [(expected,)]


def test_ten_megabyte_lobs_roundtrip_as_parameters(mssql, db):
    text = ("abcdefghij" * 1024 * 1024)
    ntext = ("\u00e9\u65e5\U0001F600x" * 2 * 1024 * 1024)[: 10 * 1024 * 1024 // 2]
    blob = bytes(range(256)) * (40 * 1024)
    mssql.execute("CREATE TABLE dbo.lob (id int PRIMARY KEY, v varchar(max), n nvarchar(max),"
                  " b varbinary(max))", database=db)
    with mssql.connect(db) as conn:
        cur = conn.cursor()
        cur.execute("INSERT INTO dbo.lob (id, v, n, b) VALUES (1, %s, %s, %s)",
                    (text, ntext, pytds.Binary(blob)))
        cur.execute("SELECT v, n, b, DATALENGTH(v), DATALENGTH(b) FROM dbo.lob WHERE id = 1")
        v, n, b, lv, lb = cur.fetchone()
    assert v == text and n == ntext and b == blob
    assert lv == len(text) and lb == len(blob)


def test_unsupported_sync_types_exist_and_are_reported_in_catalog(mssql, db):
    """The types DTS refuses to sync must still exist, so that the product can detect them."""
    mssql.execute("CREATE TABLE dbo.odd (id int PRIMARY KEY, rv rowversion, h hierarchyid NULL,"
                  " v sql_variant NULL, g geometry NULL, gg geography NULL);"
                  "INSERT INTO dbo.odd (id, v) VALUES (1, 5); INSERT INTO dbo.odd (id, v) VALUES (2, N'x')",
                  database=db)
    rows = mssql.execute(
        "SELECT c.name, t.name FROM sys.columns c JOIN sys.types t"
        " ON c.user_type_id = t.user_type_id WHERE c.object_id = OBJECT_ID('dbo.odd')"
        " ORDER BY c.column_id", database=db)
    assert [tuple(r) for r in rows] == [("id", "int"), ("rv", "timestamp"), ("h", "hierarchyid"),
                                        ("v", "sql_variant"), ("g", "geometry"),
                                        ("gg", "geography")]
    rows = mssql.execute("SELECT id, rv, v, h FROM dbo.odd ORDER BY id", database=db)
    (id1, rv1, v1, h1), (id2, rv2, v2, h2) = [tuple(r) for r in rows]
    assert (id1, v1, h1) == (1, 5, None) and (id2, v2, h2) == (2, "x", None)
    assert isinstance(rv1, bytes) and len(rv1) == 8 and rv2 > rv1


def test_tsql_renders_types(mssql, db):
    mssql.execute("CREATE TABLE dbo.t (i int, d decimal(10,2), s nvarchar(20));"
                  "INSERT INTO dbo.t VALUES (7, 12.50, N'\u00e9t\u00e9 \u65e5')", database=db)
    _, out, _ = mssql.tsql("SELECT i, d, s FROM dbo.t", database=db)
    assert "7\t12.50\t\u00e9t\u00e9 \u65e5" in out


def test_freebcp_out_of_every_basic_type(mssql, db, tmp_path):
    mssql.execute("CREATE TABLE dbo.b (i int NOT NULL, n nvarchar(30), d decimal(12,3), f float,"
                  " g uniqueidentifier, bin varbinary(4));"
                  "INSERT INTO dbo.b VALUES (1, N'\u00fcber', 1.5, 0.25,"
                  " 'E3A1B4C2-0000-4D5E-8F90-0123456789AB', 0x0A0B),"
                  " (2, NULL, NULL, NULL, NULL, NULL)", database=db)
    out = tmp_path / "b.txt"
    p = mssql.freebcp(f"{db}.dbo.b", "out", out)
    assert p.returncode == 0, p.stdout + p.stderr
    lines = out.read_text().splitlines()
    assert lines[0].split("\t") == ["1", "\u00fcber", "1.500", "0.25",
                                    "E3A1B4C2-0000-4D5E-8F90-0123456789AB", "0a0b"]
    assert lines[1].split("\t") == ["2", "", "", "", "", ""]
