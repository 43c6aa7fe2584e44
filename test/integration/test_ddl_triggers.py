"""Database-scoped DDL triggers: CREATE TRIGGER ... ON DATABASE, EVENTDATA() and its xml
value() method, rollback from a trigger, and the sys.triggers / sys.trigger_events rows."""
import xml.etree.ElementTree as ET

import pytds
import pytest
from tds_batch import run_batch

LOG_TABLE = ("CREATE TABLE dbo.ddl_log (id int IDENTITY PRIMARY KEY, event_type nvarchar(100), "
             "object_name nvarchar(256), object_type nvarchar(100), command nvarchar(max), "
             "data xml)")

LOG_TRIGGER = """CREATE TRIGGER log_ddl ON DATABASE
FOR CREATE_TABLE, ALTER_TABLE, DROP_TABLE, CREATE_INDEX, DROP_INDEX
AS
SET NOCOUNT ON;
DECLARE @e xml = EVENTDATA();
INSERT INTO dbo.ddl_log (event_type, object_name, object_type, command, data)
SELECT EVENTDATA().value('(/EVENT_INSTANCE/EventType)[1]', 'nvarchar(100)'),
       @e.value('(/EVENT_INSTANCE/ObjectName)[1]', 'nvarchar(256)'),
       @e.value('(/EVENT_INSTANCE/ObjectType)[1]', 'nvarchar(100)'),
       EVENTDATA().value('(/EVENT_INSTANCE/TSQLCommand/CommandText)[1]', 'nvarchar(max)'),
       EVENTDATA();
"""

STATEMENTS = [
    ("CREATE TABLE dbo.audited (id int NOT NULL, name nvarchar(20))", "CREATE_TABLE",
     "audited", "TABLE"),
    ("ALTER TABLE dbo.audited ADD extra int NULL", "ALTER_TABLE", "audited", "TABLE"),
    ("CREATE INDEX ix_audited_name ON dbo.audited (name)", "CREATE_INDEX", "ix_audited_name",
     "INDEX"),
    ("DROP INDEX ix_audited_name ON dbo.audited", "DROP_INDEX", "ix_audited_name", "INDEX"),
    ("ALTER TABLE dbo.audited DROP COLUMN extra", "ALTER_TABLE", "audited", "TABLE"),
    ("DROP TABLE dbo.audited", "DROP_TABLE", "audited", "TABLE"),
]


def run(conn, sql):
    return run_batch(conn, sql)


def test_ddl_trigger_logs_eventdata(mssql, db):
    with mssql.connect(db) as conn:
        run(conn, LOG_TABLE)
        run(conn, LOG_TRIGGER)
        # Outside a trigger EVENTDATA() is NULL.
        assert run(conn, "SELECT EVENTDATA()") == [(None,)]
        for sql, *_ in STATEMENTS:
            run(conn, sql)
        rows = run(conn, "SELECT event_type, object_name, object_type, command, data "
                         "FROM dbo.ddl_log ORDER BY id")
    assert [(r[0], r[1], r[2]) for r in rows] == [(e, o, t) for _, e, o, t in STATEMENTS]
    assert [r[3].strip() for r in rows] == [s for s, *_ in STATEMENTS]
    for (sql, event, obj, otype), row in zip(STATEMENTS, rows):
        root = ET.fromstring(row[4])
        assert root.tag == "EVENT_INSTANCE"
        assert root.findtext("EventType") == event
        assert root.findtext("DatabaseName") == db
        assert root.findtext("SchemaName") == "dbo"
        assert root.findtext("ObjectName") == obj
        assert root.findtext("ObjectType") == otype
        assert root.findtext("UserName") == "dbo"
        assert root.findtext("LoginName") == mssql.user
        assert int(root.findtext("SPID")) > 0
        assert root.findtext("PostTime")
        assert root.findtext("TSQLCommand/CommandText").strip() == sql
        assert root.find("TSQLCommand/SetOptions").get("QUOTED_IDENTIFIER") in ("ON", "OFF")
        if otype == "INDEX":
            assert root.findtext("TargetObjectName") == "audited"
            assert root.findtext("TargetObjectType") == "TABLE"
    # ALTER TABLE ... ADD / DROP COLUMN name the column in AlterTableActionList.
    add, drop = ET.fromstring(rows[1][4]), ET.fromstring(rows[4][4])
    assert add.findtext("AlterTableActionList/Create/Columns/Name") == "extra"
    assert drop.findtext("AlterTableActionList/Drop/Columns/Name") == "extra"


def test_ddl_trigger_catalog_rows(mssql, db):
    with mssql.connect(db) as conn:
        run(conn, LOG_TABLE)
        run(conn, LOG_TRIGGER)
        run(conn, "CREATE TRIGGER table_events ON DATABASE FOR DDL_TABLE_EVENTS AS "
                  "SET NOCOUNT ON")
        triggers = run(conn, "SELECT name, parent_class, parent_class_desc, parent_id, type, "
                             "type_desc, is_instead_of_trigger, is_disabled FROM sys.triggers "
                             "ORDER BY name")
        assert triggers == [
            ("log_ddl", 0, "DATABASE", 0, "TR", "SQL_TRIGGER", False, False),
            ("table_events", 0, "DATABASE", 0, "TR", "SQL_TRIGGER", False, False),
        ]
        events = run(conn, "SELECT t.name, e.type, e.type_desc, e.event_group_type, "
                           "e.event_group_type_desc FROM sys.trigger_events e JOIN sys.triggers "
                           "t ON t.object_id = e.object_id ORDER BY t.name, e.type")
        assert events == [
            ("log_ddl", 21, "CREATE_TABLE", None, None),
            ("log_ddl", 22, "ALTER_TABLE", None, None),
            ("log_ddl", 23, "DROP_TABLE", None, None),
            ("log_ddl", 24, "CREATE_INDEX", None, None),
            ("log_ddl", 26, "DROP_INDEX", None, None),
            ("table_events", 21, "CREATE_TABLE", 10018, "DDL_TABLE_EVENTS"),
            ("table_events", 22, "ALTER_TABLE", 10018, "DDL_TABLE_EVENTS"),
            ("table_events", 23, "DROP_TABLE", 10018, "DDL_TABLE_EVENTS"),
        ]
        definition = run(conn, "SELECT m.definition FROM sys.sql_modules m JOIN sys.triggers t "
                               "ON t.object_id = m.object_id WHERE t.name = 'log_ddl'")
        assert definition[0][0].startswith("CREATE TRIGGER log_ddl ON DATABASE")
        # Not schema-scoped: not in sys.objects.
        assert run(conn, "SELECT COUNT(*) FROM sys.objects WHERE name = 'log_ddl'") == [(0,)]

        run(conn, "DISABLE TRIGGER log_ddl ON DATABASE")
        assert run(conn, "SELECT is_disabled FROM sys.triggers WHERE name = 'log_ddl'") == [
            (True,)]
        run(conn, "CREATE TABLE dbo.quiet (a int)")
        assert run(conn, "SELECT COUNT(*) FROM dbo.ddl_log") == [(0,)]
        run(conn, "ENABLE TRIGGER log_ddl ON DATABASE")
        run(conn, "DROP TABLE dbo.quiet")
        assert run(conn, "SELECT event_type FROM dbo.ddl_log") == [("DROP_TABLE",)]

        run(conn, "DROP TRIGGER log_ddl ON DATABASE")
        run(conn, "DROP TRIGGER IF EXISTS log_ddl ON DATABASE")
        with pytest.raises(pytds.Error):
            run(conn, "DROP TRIGGER log_ddl ON DATABASE")
        assert run(conn, "SELECT name FROM sys.triggers") == [("table_events",)]


def test_ddl_trigger_rollback_undoes_the_ddl(mssql, db):
    with mssql.connect(db) as conn:
        run(conn, "CREATE TABLE dbo.guarded (a int)")
        run(conn, """CREATE TRIGGER safety ON DATABASE FOR DROP_TABLE, ALTER_TABLE AS
    RAISERROR ('Tables cannot be changed in this database.', 16, 1)
    ROLLBACK""")
        with pytest.raises(pytds.Error) as err:
            run(conn, "DROP TABLE dbo.guarded")
        assert "Tables cannot be changed" in str(err.value) or "trigger" in str(err.value)
        assert run(conn, "SELECT CASE WHEN OBJECT_ID('dbo.guarded') IS NULL THEN 0 ELSE 1 END, "
                         "@@TRANCOUNT") == [(1, 0)]
        with pytest.raises(pytds.Error):
            run(conn, "ALTER TABLE dbo.guarded ADD b int NULL")
        assert run(conn, "SELECT COUNT(*) FROM sys.columns "
                         "WHERE object_id = OBJECT_ID('dbo.guarded')") == [(1,)]
        # In a user transaction the whole transaction is rolled back.
        run(conn, "CREATE TABLE dbo.other (a int)")
        with pytest.raises(pytds.Error):
            run(conn, "BEGIN TRANSACTION; INSERT INTO dbo.other VALUES (1); "
                      "DROP TABLE dbo.guarded")
        assert run(conn, "SELECT COUNT(*), @@TRANCOUNT FROM dbo.other") == [(0, 0)]
        # An error (THROW) in a trigger also rolls the statement back.
        run(conn, "DROP TRIGGER safety ON DATABASE")
        run(conn, "CREATE TRIGGER no_new_tables ON DATABASE AFTER CREATE_TABLE AS "
                  "THROW 50001, 'no new tables', 1;")
        with pytest.raises(pytds.Error) as err:
            run(conn, "CREATE TABLE dbo.fresh (a int)")
        assert "no new tables" in str(err.value)
        assert run(conn, "SELECT OBJECT_ID('dbo.fresh')") == [(None,)]
