-- Database setup as an installer writes it. $(DB) is replaced by the loader.
SET NOCOUNT ON
GO
IF EXISTS (SELECT name FROM master.dbo.sysdatabases WHERE name = N'$(DB)')
    DROP DATABASE [$(DB)]
GO
CREATE DATABASE [$(DB)]
GO
ALTER DATABASE [$(DB)] SET RECOVERY FULL
GO
IF NOT EXISTS (SELECT * FROM master..sysaltfiles WHERE dbid = DB_ID(N'$(DB)') AND fileid = 2)
    RAISERROR ('the new database has no log file', 16, 1)
GO
BACKUP DATABASE [$(DB)] TO DISK = N'/tmp/$(DB).bak'
GO
