-- An upgrade script run while pg_dts is syncing: day-first dates again, alias-typed columns
-- changed, a child row before its parent with the constraint off, dynamic SQL, deletes.
USE [$(DB)]
GO
SET NOCOUNT ON
SET DATEFORMAT dmy
GO
UPDATE sales.customer SET phone = '+44 20 0000 ' + RIGHT('000' + CAST(customer_id AS varchar(4)), 4), credit = credit + 0.25
WHERE customer_id % 7 = 0
GO
ALTER TABLE sales.order_line NOCHECK CONSTRAINT fk_line_order
GO
INSERT INTO sales.order_line (order_id, line_no, sku, qty, price) VALUES (2001, 1, 'S001', 3, 9.99), (2001, 2, 'S002', 1, 19.5)
INSERT INTO sales.orders (order_id, customer_id, ordered, emp_id, total) VALUES (2001, 12, '25/12/2024 18:30', 7, 49.47)
GO
ALTER TABLE sales.order_line WITH CHECK CHECK CONSTRAINT fk_line_order
GO
DELETE FROM sales.order_line WHERE order_id BETWEEN 1 AND 40
DELETE FROM sales.orders WHERE order_id BETWEEN 1 AND 40
GO
EXEC sp_executesql N'UPDATE hr.employee SET salary = salary * @rate, active = @active WHERE dept_id = @dept',
    N'@rate decimal(5,3), @dept int, @active bit', @rate = 1.035, @dept = 2, @active = 0
GO
EXEC ('INSERT INTO hr.department (dept_id, code, name, created) VALUES (6, ''LEG'', N''Legal'', ''31/10/2024 08:15'')')
GO
INSERT INTO inv.movement (sku, moved_at, delta, note) SELECT sku, '01/08/2024 06:00', -1, 'count' FROM inv.item WHERE stock % 13 = 0
GO
