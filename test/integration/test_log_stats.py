"""sys.dm_db_log_stats: the end of the log is where a full load's cutover starts (SQL Server 2016
SP2 and later)."""
import re

LSN = re.compile(r"^[0-9a-f]{8}:[0-9a-f]{8}:[0-9a-f]{4}$")


def test_log_end_lsn_form_and_growth(mssql, db):
    mssql.execute(f"ALTER DATABASE [{db}] SET RECOVERY FULL")
    mssql.execute(f"BACKUP DATABASE [{db}] TO DISK = N'/tmp/{db}.bak'")
    mssql.execute("CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY)", database=db)
    before = mssql.execute("SELECT database_id, recovery_model, log_end_lsn "
                           "FROM sys.dm_db_log_stats(DB_ID())", database=db)
    assert len(before) == 1
    dbid, model, end1 = before[0]
    assert dbid == mssql.execute(f"SELECT DB_ID(N'{db}')")[0][0]
    assert model == "FULL"
    assert LSN.match(end1.lower())
    mssql.execute("INSERT INTO dbo.t VALUES (1), (2)", database=db)
    end2 = mssql.execute("SELECT log_end_lsn FROM sys.dm_db_log_stats(NULL)", database=db)[0][0]
    assert end2.lower() > end1.lower()  # fixed-width hex: text order is LSN order


def test_other_database_by_id(mssql, db):
    rows = mssql.execute(f"SELECT s.database_id FROM sys.dm_db_log_stats(DB_ID(N'{db}')) AS s")
    assert rows == [(mssql.execute(f"SELECT DB_ID(N'{db}')")[0][0],)]
