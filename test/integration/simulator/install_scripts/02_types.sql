-- Alias data types both ways, schemas, session options.
USE [$(DB)]
GO
SET ANSI_NULLS ON
GO
SET QUOTED_IDENTIFIER ON
GO
SET ANSI_PADDING ON
SET ANSI_WARNINGS ON
SET CONCAT_NULL_YIELDS_NULL ON
SET ARITHABORT ON
SET NUMERIC_ROUNDABORT OFF
GO
IF NOT EXISTS (SELECT * FROM sys.types WHERE name = N'phone_t' AND is_user_defined = 1)
    EXEC sp_addtype N'phone_t', N'varchar(24)', N'NULL'
GO
EXEC sp_addtype 'code_t', 'char(4)', 'NOT NULL'
GO
EXEC dbo.sp_addtype @typename = N'scratch_t', @phystype = N'int'
GO
EXEC sp_droptype N'scratch_t'
GO
CREATE TYPE dbo.money_t FROM decimal(14, 2) NOT NULL
GO
CREATE TYPE [dbo].[name_t] FROM [nvarchar](60) NULL
GO
CREATE TYPE dbo.flag_t FROM bit NOT NULL
GO
DROP TYPE IF EXISTS dbo.never_created_t
GO
IF EXISTS (SELECT * FROM sys.schemas WHERE name = N'sales')
    DROP SCHEMA sales
GO
CREATE SCHEMA sales AUTHORIZATION dbo
GO
CREATE SCHEMA hr
GO
CREATE SCHEMA inv
GO
-- A reporting user of the database (no login: the install stays inside the database).
IF NOT EXISTS (SELECT * FROM sysusers WHERE name = N'app_reader')
    CREATE USER app_reader WITHOUT LOGIN WITH DEFAULT_SCHEMA = sales
GO
ALTER ROLE db_datareader ADD MEMBER app_reader
GO
