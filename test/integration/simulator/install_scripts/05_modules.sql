-- Views, procedures and functions (kept, not run), and the compatibility views install checks use.
USE [$(DB)]
GO
IF EXISTS (SELECT * FROM sysobjects WHERE id = OBJECT_ID(N'[sales].[order_totals]') AND OBJECTPROPERTY(id, N'IsView') = 1)
    DROP VIEW [sales].[order_totals]
GO
CREATE VIEW sales.order_totals
AS
SELECT o.order_id, o.customer_id, SUM(l.qty * l.price) AS amount
FROM sales.orders o JOIN sales.order_line l ON l.order_id = o.order_id
GROUP BY o.order_id, o.customer_id
GO
IF EXISTS (SELECT * FROM dbo.sysobjects WHERE id = object_id(N'[sales].[add_order]') and OBJECTPROPERTY(id, N'IsProcedure') = 1)
drop procedure [sales].[add_order]
GO
CREATE PROCEDURE sales.add_order
    @customer int,
    @total money_t
AS
BEGIN
    SET NOCOUNT ON;
    DECLARE @id int;
    SELECT @id = ISNULL(MAX(order_id), 0) + 1 FROM sales.orders;
    INSERT INTO sales.orders (order_id, customer_id, ordered, total) VALUES (@id, @customer, GETDATE(), @total);
    RETURN @id;
END
GO
CREATE FUNCTION hr.full_label (@name name_t, @code code_t)
RETURNS nvarchar(80)
AS
BEGIN
    RETURN @name + N' (' + @code + N')'
END
GO
CREATE FUNCTION sales.orders_of (@customer int)
RETURNS TABLE
AS
RETURN (SELECT order_id, total FROM sales.orders WHERE customer_id = @customer)
GO
DROP PROCEDURE IF EXISTS sales.nothing_here
GO
IF NOT EXISTS (SELECT 1 FROM sysindexes WHERE id = OBJECT_ID('sales.orders') AND name = 'ix_orders_customer')
    RAISERROR ('index ix_orders_customer missing', 16, 1)
GO
IF (SELECT COUNT(*) FROM syscolumns c JOIN sysobjects o ON o.id = c.id WHERE o.name = 'employee' AND o.xtype = 'U') <> 7
    RAISERROR ('hr.employee should have 7 columns', 16, 1)
GO
IF NOT EXISTS (SELECT * FROM sysusers WHERE name = 'dbo' AND uid = 1)
    RAISERROR ('no dbo user', 16, 1)
GO
IF NOT EXISTS (SELECT * FROM sysusers u JOIN sys.database_role_members m ON m.member_principal_id = u.uid
               JOIN sysusers r ON r.uid = m.role_principal_id
               WHERE u.name = 'app_reader' AND u.issqluser = 1 AND r.name = 'db_datareader' AND r.issqlrole = 1)
    RAISERROR ('app_reader should be a db_datareader member', 16, 1)
GO
IF (SELECT COUNT(*) FROM sys.check_constraints WHERE is_disabled = 0) <> 6
    RAISERROR ('6 CHECK constraints should be enabled', 16, 1)
GO
-- The DBA's first log backup after the install (a FULL-recovery database needs one).
BACKUP LOG [$(DB)] TO DISK = N'/tmp/$(DB).trn'
GO
