"""Object permissions: GRANT / DENY / REVOKE on a table, sys.database_permissions, error 229 for a
user a DENY reaches (directly, through public, through db_denydatawriter), dbo and sysadmin never
denied, and a database DDL trigger WITH EXECUTE AS writing a table its caller may not."""
import uuid

import pytds
import pytest
from tds_batch import run_batch

PASSWORD = "Perm_Passw0rd!7"


@pytest.fixture
def user(mssql, db):
    """A login with a user in `db` that may read, write and run DDL (db_datareader,
    db_datawriter, db_ddladmin) but is no sysadmin; dropped afterwards."""
    name = "perm_" + uuid.uuid4().hex[:8]
    mssql.execute(f"CREATE LOGIN [{name}] WITH PASSWORD = N'{PASSWORD}'")
    mssql.execute(f"CREATE USER [{name}] FOR LOGIN [{name}];"
                  f"ALTER ROLE db_datareader ADD MEMBER [{name}];"
                  f"ALTER ROLE db_datawriter ADD MEMBER [{name}];"
                  f"ALTER ROLE db_ddladmin ADD MEMBER [{name}]", database=db)
    yield name
    try:
        mssql.execute(f"DROP USER [{name}]", database=db)
    except pytds.Error:
        pass
    mssql.execute(f"DROP LOGIN [{name}]")


def as_user(mssql, db, user, sql):
    with mssql.connect(db, user=user, password=PASSWORD) as conn:
        return run_batch(conn, sql)


def refused(mssql, db, user, sql):
    """The error a statement run as `user` raises: (number, severity, text)."""
    with pytest.raises(pytds.Error) as err:
        as_user(mssql, db, user, sql)
    e = err.value
    return getattr(e, "number", None), getattr(e, "severity", None), str(e)


def test_deny_to_public_refuses_a_writer(mssql, db, user):
    mssql.execute("CREATE TABLE dbo.hist (id int IDENTITY PRIMARY KEY, v nvarchar(20));"
                  "INSERT INTO dbo.hist (v) VALUES (N'a');"
                  "DENY INSERT, UPDATE, DELETE ON dbo.hist TO public", database=db)
    number, severity, text = refused(mssql, db, user, "INSERT INTO dbo.hist (v) VALUES (N'x')")
    assert (number, severity) == (229, 14)
    assert (f"The INSERT permission was denied on the object 'hist', database '{db}', "
            "schema 'dbo'.") in text
    assert refused(mssql, db, user, "UPDATE dbo.hist SET v = N'y'")[0] == 229
    assert refused(mssql, db, user, "DELETE FROM dbo.hist")[0] == 229
    # Reading is not denied; sysadmin (dbo) is never denied.
    assert as_user(mssql, db, user, "SELECT v FROM dbo.hist") == [("a",)]
    mssql.execute("INSERT INTO dbo.hist (v) VALUES (N'b'); UPDATE dbo.hist SET v = N'c' "
                  "WHERE v = N'b'", database=db)
    assert [tuple(r) for r in mssql.execute(
        "SELECT p.class, p.class_desc, p.minor_id, p.grantee_principal_id, p.type, "
        "p.permission_name, p.state, p.state_desc FROM sys.database_permissions p "
        "WHERE p.major_id = OBJECT_ID(N'dbo.hist') ORDER BY p.permission_name",
        database=db)] == [
        (1, "OBJECT_OR_COLUMN", 0, 0, "DL  ", "DELETE", "D", "DENY"),
        (1, "OBJECT_OR_COLUMN", 0, 0, "IN  ", "INSERT", "D", "DENY"),
        (1, "OBJECT_OR_COLUMN", 0, 0, "UP  ", "UPDATE", "D", "DENY")]
    # REVOKE removes the DENY: the user writes again.
    mssql.execute("REVOKE INSERT ON OBJECT::dbo.hist FROM public", database=db)
    as_user(mssql, db, user, "INSERT INTO dbo.hist (v) VALUES (N'd')")
    assert mssql.execute("SELECT COUNT(*) FROM sys.database_permissions WHERE major_id = "
                         "OBJECT_ID(N'dbo.hist')", database=db)[0][0] == 2
    # Dropping the table drops its permissions.
    mssql.execute("DROP TABLE dbo.hist", database=db)
    assert mssql.execute("SELECT COUNT(*) FROM sys.database_permissions WHERE class = 1",
                         database=db)[0][0] == 0


def test_deny_select_to_a_user_and_the_view_over_it(mssql, db, user):
    mssql.execute("CREATE TABLE dbo.secret (id int PRIMARY KEY, v int); "
                  "INSERT INTO dbo.secret VALUES (1, 10)", database=db)
    mssql.execute("CREATE VIEW dbo.secret_v AS SELECT id, v FROM dbo.secret", database=db)
    mssql.execute(f"DENY SELECT ON dbo.secret TO [{user}]", database=db)
    number, _, text = refused(mssql, db, user, "SELECT v FROM dbo.secret")
    assert number == 229 and "The SELECT permission was denied on the object 'secret'" in text
    assert refused(mssql, db, user, "SELECT 1 WHERE EXISTS (SELECT 1 FROM dbo.secret)")[0] == 229
    # The view and its table have one owner (dbo): the chain is not checked again.
    assert as_user(mssql, db, user, "SELECT v FROM dbo.secret_v") == [(10,)]
    grantee = mssql.execute(f"SELECT DATABASE_PRINCIPAL_ID(N'{user}')", database=db)[0][0]
    assert [tuple(r) for r in mssql.execute(
        "SELECT grantee_principal_id, permission_name, state FROM sys.database_permissions "
        "WHERE major_id = OBJECT_ID(N'dbo.secret')", database=db)] == [(grantee, "SELECT", "D")]
    # A GRANT replaces the DENY.
    mssql.execute(f"GRANT SELECT ON dbo.secret TO [{user}]", database=db)
    assert as_user(mssql, db, user, "SELECT v FROM dbo.secret") == [(10,)]
    assert mssql.execute("SELECT state_desc FROM sys.database_permissions WHERE major_id = "
                         "OBJECT_ID(N'dbo.secret')", database=db)[0][0] == "GRANT"


def test_db_denydatawriter_member_cannot_write(mssql, db, user):
    mssql.execute("CREATE TABLE dbo.w (id int PRIMARY KEY)", database=db)
    mssql.execute(f"ALTER ROLE db_denydatawriter ADD MEMBER [{user}]", database=db)
    assert refused(mssql, db, user, "INSERT INTO dbo.w VALUES (1)")[0] == 229
    assert as_user(mssql, db, user, "SELECT COUNT(*) FROM dbo.w") == [(0,)]


HISTORY = ("CREATE TABLE dbo.ddl_hist (id int IDENTITY PRIMARY KEY, event_type nvarchar(64), "
           "object_name sysname NULL); DENY INSERT, UPDATE, DELETE ON dbo.ddl_hist TO public")


def trigger(execute_as):
    return (f"CREATE TRIGGER hist_ddl ON DATABASE {execute_as} FOR CREATE_TABLE, ALTER_TABLE AS "
            "SET NOCOUNT ON; INSERT INTO dbo.ddl_hist (event_type, object_name) SELECT "
            "EVENTDATA().value('(/EVENT_INSTANCE/EventType)[1]', 'nvarchar(64)'), "
            "EVENTDATA().value('(/EVENT_INSTANCE/ObjectName)[1]', 'nvarchar(128)')")


def test_ddl_trigger_execute_as_dbo_writes_what_its_caller_may_not(mssql, db, user):
    mssql.execute(HISTORY, database=db)
    mssql.execute(trigger("WITH EXECUTE AS 'dbo'"), database=db)
    as_user(mssql, db, user, "CREATE TABLE dbo.made_by_user (id int PRIMARY KEY)")
    as_user(mssql, db, user, "ALTER TABLE dbo.made_by_user ADD c int NULL")
    assert [tuple(r) for r in mssql.execute(
        "SELECT event_type, object_name FROM dbo.ddl_hist ORDER BY id", database=db)] == [
        ("CREATE_TABLE", "made_by_user"), ("ALTER_TABLE", "made_by_user")]
    # ... while the user's own INSERT is refused.
    assert refused(mssql, db, user, "INSERT INTO dbo.ddl_hist (event_type) VALUES (N'x')")[0] == 229
    assert mssql.execute("SELECT m.execute_as_principal_id FROM sys.sql_modules m JOIN "
                         "sys.triggers t ON t.object_id = m.object_id WHERE t.name = N'hist_ddl'",
                         database=db)[0][0] == 1


def test_ddl_trigger_as_caller_is_denied_and_rolls_the_ddl_back(mssql, db, user):
    mssql.execute(HISTORY, database=db)
    mssql.execute(trigger(""), database=db)
    assert refused(mssql, db, user, "CREATE TABLE dbo.never (id int PRIMARY KEY)")[0] == 229
    assert mssql.execute("SELECT OBJECT_ID(N'dbo.never')", database=db)[0][0] is None
    assert mssql.execute("SELECT m.execute_as_principal_id FROM sys.sql_modules m JOIN "
                         "sys.triggers t ON t.object_id = m.object_id WHERE t.name = N'hist_ddl'",
                         database=db)[0][0] is None
    # sysadmin's DDL (dbo) is recorded.
    mssql.execute("CREATE TABLE dbo.by_admin (id int PRIMARY KEY)", database=db)
    assert mssql.execute("SELECT object_name FROM dbo.ddl_hist", database=db) == [("by_admin",)]


def test_ddl_trigger_execute_as_self_and_owner(mssql, db):
    mssql.execute("CREATE TABLE dbo.ddl_hist (id int IDENTITY PRIMARY KEY, e nvarchar(64))",
                  database=db)
    mssql.execute("CREATE TRIGGER self_ddl ON DATABASE WITH EXECUTE AS SELF FOR CREATE_TABLE AS "
                  "INSERT INTO dbo.ddl_hist (e) VALUES (N'x')", database=db)
    assert mssql.execute("SELECT m.execute_as_principal_id FROM sys.sql_modules m JOIN "
                         "sys.triggers t ON t.object_id = m.object_id WHERE t.name = N'self_ddl'",
                         database=db)[0][0] == 1
    # OWNER is not an execution context of a DDL trigger.
    with pytest.raises(pytds.Error):
        mssql.execute("CREATE TRIGGER owner_ddl ON DATABASE WITH EXECUTE AS OWNER FOR "
                      "CREATE_TABLE AS SELECT 1", database=db)
    with pytest.raises(pytds.Error):
        mssql.execute("CREATE TRIGGER nobody_ddl ON DATABASE WITH EXECUTE AS 'no_such_user' FOR "
                      "CREATE_TABLE AS SELECT 1", database=db)
