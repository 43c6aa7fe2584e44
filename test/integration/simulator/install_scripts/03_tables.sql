-- Tables in three schemas with alias-typed columns, keys added the way generated scripts add
-- them, and the IF EXISTS ... DROP forms in front of each.
USE [$(DB)]
GO
SET NOCOUNT ON
SET QUOTED_IDENTIFIER ON
SET ANSI_NULLS ON
GO
IF EXISTS (SELECT * FROM dbo.sysobjects WHERE id = OBJECT_ID(N'[sales].[order_line]') AND OBJECTPROPERTY(id, N'IsUserTable') = 1)
    DROP TABLE [sales].[order_line]
GO
IF OBJECT_ID(N'sales.orders', N'U') IS NOT NULL DROP TABLE sales.orders
GO
DROP TABLE IF EXISTS sales.customer
GO
CREATE TABLE hr.department (
    dept_id int NOT NULL CONSTRAINT pk_department PRIMARY KEY,
    code code_t,
    name name_t NOT NULL,
    created datetime NOT NULL CONSTRAINT df_department_created DEFAULT (getdate())
)
GO
CREATE TABLE [hr].[employee] (
    [emp_id] [int] IDENTITY(1,1) NOT NULL,
    [dept_id] [int] NOT NULL,
    [full_name] [dbo].[name_t] NOT NULL,
    [phone] [phone_t] NULL,
    [hired] [date] NOT NULL,
    [salary] [money_t],
    [active] [flag_t] CONSTRAINT [df_employee_active] DEFAULT ((1)),
    CONSTRAINT [pk_employee] PRIMARY KEY CLUSTERED ([emp_id] ASC)
        WITH (PAD_INDEX = OFF, STATISTICS_NORECOMPUTE = OFF, IGNORE_DUP_KEY = OFF) ON [PRIMARY]
) ON [PRIMARY]
GO
ALTER TABLE [hr].[employee] WITH CHECK ADD CONSTRAINT [fk_employee_department] FOREIGN KEY([dept_id])
REFERENCES [hr].[department] ([dept_id])
GO
ALTER TABLE [hr].[employee] CHECK CONSTRAINT [fk_employee_department]
GO
CREATE TABLE sales.customer (
    customer_id int NOT NULL PRIMARY KEY,
    name name_t NOT NULL,
    phone phone_t,
    since datetime2(0) NOT NULL,
    credit money_t,
    region code_t
)
GO
CREATE TABLE sales.orders (
    order_id int NOT NULL PRIMARY KEY,
    customer_id int NOT NULL CONSTRAINT fk_orders_customer REFERENCES sales.customer (customer_id),
    ordered smalldatetime NOT NULL,
    emp_id int NULL,
    total money_t
)
GO
ALTER TABLE sales.orders WITH NOCHECK ADD CONSTRAINT fk_orders_employee FOREIGN KEY (emp_id)
    REFERENCES hr.employee (emp_id)
GO
CREATE TABLE sales.order_line (
    order_id int NOT NULL,
    line_no smallint NOT NULL,
    sku code_t,
    qty int NOT NULL CONSTRAINT ck_line_qty CHECK (qty > 0),
    price money_t,
    CONSTRAINT pk_order_line PRIMARY KEY (order_id, line_no),
    CONSTRAINT fk_line_order FOREIGN KEY (order_id) REFERENCES sales.orders (order_id)
)
GO
CREATE NONCLUSTERED INDEX ix_orders_customer ON sales.orders (customer_id)
GO
CREATE TABLE inv.item (
    sku char(4) NOT NULL PRIMARY KEY,
    descr nvarchar(100) NULL,
    stock int NOT NULL CHECK (stock >= 0),
    updated datetime NULL,
    CHECK (sku LIKE 'S[0-9][0-9][0-9]')
)
GO
CREATE TABLE inv.movement (
    id bigint IDENTITY(1,1) NOT NULL PRIMARY KEY,
    sku code_t,
    moved_at datetime2(3) NOT NULL,
    delta int NOT NULL,
    note varchar(max) NULL
)
GO
CREATE TABLE inv.price (
    sku char(4) NOT NULL,
    valid_from date NOT NULL,
    price decimal(10, 2) NOT NULL,
    CONSTRAINT pk_price PRIMARY KEY (sku, valid_from)
)
GO
CREATE TABLE hr.timesheet (
    emp_id int NOT NULL,
    day date NOT NULL,
    hours decimal(4, 1) NOT NULL,
    note varchar(20) NULL,
    CONSTRAINT pk_timesheet PRIMARY KEY (emp_id, day),
    CONSTRAINT ck_timesheet_hours CHECK (hours BETWEEN 0 AND 24)
)
GO
ALTER TABLE inv.price WITH CHECK ADD CONSTRAINT ck_price_positive CHECK (price > 0)
GO
ALTER TABLE hr.employee ADD CONSTRAINT ck_employee_salary CHECK (salary IS NULL OR salary >= 0)
GO
