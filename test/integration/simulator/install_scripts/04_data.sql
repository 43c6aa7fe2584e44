-- Data with day-first date strings, constraints off while children load before their parents,
-- dynamic SQL both ways, then the constraints checked again.
USE [$(DB)]
GO
SET NOCOUNT ON
SET DATEFORMAT dmy
GO
ALTER TABLE sales.order_line NOCHECK CONSTRAINT ALL
ALTER TABLE sales.orders NOCHECK CONSTRAINT ALL
ALTER TABLE hr.employee NOCHECK CONSTRAINT ALL
GO
WITH d AS (SELECT n FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) v(n)),
nums AS (SELECT 1 + a.n + 10 * b.n + 100 * c.n + 1000 * e.n AS n FROM d a CROSS JOIN d b CROSS JOIN d c CROSS JOIN d e)
INSERT INTO sales.order_line (order_id, line_no, sku, qty, price)
SELECT o.n, l.n, 'S' + RIGHT('00' + CAST((o.n * 7 + l.n) % 200 AS varchar(3)), 3), l.n + o.n % 5,
       CAST(o.n % 50 + l.n AS decimal(14, 2)) + 0.99
FROM nums o CROSS JOIN (VALUES (1), (2)) l(n)
WHERE o.n <= 2000
GO
WITH d AS (SELECT n FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) v(n)),
nums AS (SELECT 1 + a.n + 10 * b.n + 100 * c.n + 1000 * e.n AS n FROM d a CROSS JOIN d b CROSS JOIN d c CROSS JOIN d e)
INSERT INTO sales.orders (order_id, customer_id, ordered, emp_id, total)
SELECT n, 1 + n % 300, DATEADD(minute, n * 37, '31/12/2023 08:00'), CASE WHEN n % 10 = 0 THEN NULL ELSE 1 + n % 50 END,
       CAST(n % 977 AS decimal(14, 2)) + 0.5
FROM nums WHERE n <= 2000
GO
WITH d AS (SELECT n FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) v(n)),
nums AS (SELECT 1 + a.n + 10 * b.n + 100 * c.n AS n FROM d a CROSS JOIN d b CROSS JOIN d c)
INSERT INTO sales.customer (customer_id, name, phone, since, credit, region)
SELECT n, N'Customer ' + CAST(n AS nvarchar(10)), CASE WHEN n % 4 = 0 THEN NULL ELSE '+44 20 7946 ' + RIGHT('000' + CAST(n AS varchar(4)), 4) END,
       DATEADD(day, n, '15/03/2021 09:30:00'), CAST(n * 10 AS decimal(14, 2)), CASE n % 3 WHEN 0 THEN 'EMEA' WHEN 1 THEN 'APAC' ELSE 'AMER' END
FROM nums WHERE n <= 300
GO
INSERT INTO hr.department (dept_id, code, name, created) VALUES
    (1, 'ENG', N'Engineering', '01/02/2010 09:00'),
    (2, 'SAL', N'Sales', '13/02/2011'),
    (3, 'OPS', N'Operations', '28.02.2012 17:45'),
    (4, 'FIN', N'Finance', '2013-01-03'),
    (5, 'HRS', N'People', 'March 4, 2014')
GO
SET IDENTITY_INSERT hr.employee ON
GO
WITH d AS (SELECT n FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) v(n)),
nums AS (SELECT 1 + a.n + 10 * b.n AS n FROM d a CROSS JOIN d b)
INSERT INTO hr.employee (emp_id, dept_id, full_name, phone, hired, salary, active)
SELECT n, 1 + n % 5, N'Employee ' + CAST(n AS nvarchar(10)), CASE WHEN n % 3 = 0 THEN NULL ELSE '555-' + CAST(1000 + n AS varchar(4)) END,
       DATEADD(month, n, '31/01/2015'), CAST(40000 + n * 250 AS decimal(14, 2)), n % 2
FROM nums WHERE n <= 50
GO
SET IDENTITY_INSERT hr.employee OFF
GO
IF NOT EXISTS (SELECT * FROM sys.foreign_keys WHERE name = N'fk_line_order' AND is_disabled = 1)
    RAISERROR ('fk_line_order should be disabled here', 16, 1)
IF NOT EXISTS (SELECT * FROM sys.check_constraints WHERE name = N'ck_line_qty' AND is_disabled = 1 AND is_not_trusted = 1)
    RAISERROR ('ck_line_qty should be disabled here', 16, 1)
GO
ALTER TABLE hr.employee WITH CHECK CHECK CONSTRAINT ALL
ALTER TABLE sales.orders WITH CHECK CHECK CONSTRAINT ALL
ALTER TABLE sales.order_line WITH CHECK CHECK CONSTRAINT ALL
GO
SET DATEFORMAT mdy
GO
EXEC ('WITH d AS (SELECT n FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) v(n)), '
    + 'nums AS (SELECT a.n + 10 * b.n + 100 * c.n AS n FROM d a CROSS JOIN d b CROSS JOIN d c) '
    + 'INSERT INTO inv.item (sku, descr, stock, updated) '
    + 'SELECT ''S'' + RIGHT(''00'' + CAST(n AS varchar(3)), 3), N''Item '' + CAST(n AS nvarchar(10)), n * 3, '
    + 'CASE WHEN n % 5 = 0 THEN NULL ELSE ''06/30/2024 12:00'' END FROM nums WHERE n < 200')
GO
DECLARE @sql nvarchar(max) = N'INSERT INTO inv.movement (sku, moved_at, delta, note) '
    + N'SELECT sku, DATEADD(hour, stock, @base), stock % 7 - 3, CASE WHEN stock % 2 = 0 THEN @note END '
    + N'FROM inv.item WHERE stock > @min'
EXEC sp_executesql @sql, N'@base datetime2(3), @note varchar(max), @min int',
    @base = '2024-07-01T00:00:00', @note = 'restock', @min = 0
GO
EXECUTE sp_executesql N'UPDATE inv.item SET descr = descr + @suffix WHERE stock % 11 = 0', N'@suffix nvarchar(10)', N' (bulk)'
GO
CHECKPOINT
GO
