-- Source tables for the pg_regress suites (sql/fdw_*.sql): every type with its extremes, NULLs,
-- unicode and LOBs, and a large table for cancellation. Plain T-SQL; runs on a real SQL Server.
CREATE DATABASE regress;
GO
USE regress;
GO
CREATE TABLE dbo.alltypes (
    id int NOT NULL CONSTRAINT PK_alltypes PRIMARY KEY,
    c_bit bit NULL, c_tinyint tinyint NULL, c_smallint smallint NULL, c_int int NULL,
    c_bigint bigint NULL, c_decimal decimal(38,10) NULL, c_numeric numeric(5,2) NULL,
    c_money money NULL, c_smallmoney smallmoney NULL, c_real real NULL, c_float float NULL,
    c_date date NULL, c_time time(7) NULL, c_datetime datetime NULL, c_smalldatetime smalldatetime NULL,
    c_datetime2 datetime2(7) NULL, c_dto datetimeoffset(3) NULL, c_char char(5) NULL,
    c_varchar varchar(20) NULL, c_nchar nchar(5) NULL, c_nvarchar nvarchar(30) NULL,
    c_varcharmax varchar(max) NULL, c_nvarcharmax nvarchar(max) NULL, c_text text NULL,
    c_ntext ntext NULL, c_binary binary(4) NULL, c_varbinary varbinary(8) NULL,
    c_varbinarymax varbinary(max) NULL, c_image image NULL, c_guid uniqueidentifier NULL, c_xml xml NULL,
    c_variant sql_variant NULL, c_rowversion rowversion, c_hier hierarchyid NULL
);
INSERT INTO dbo.alltypes (id, c_bit, c_tinyint, c_smallint, c_int, c_bigint, c_decimal, c_numeric,
    c_money, c_smallmoney, c_real, c_float, c_date, c_time, c_datetime, c_smalldatetime, c_datetime2,
    c_dto, c_char, c_varchar, c_nchar, c_nvarchar, c_varcharmax, c_nvarcharmax, c_text, c_ntext,
    c_binary, c_varbinary, c_varbinarymax, c_image, c_guid, c_xml)
VALUES
 (1, 0, 0, -32768, -2147483648, -9223372036854775808, -9999999999999999999999999999.9999999999, -999.99,
  -922337203685477.5808, -214748.3648, -3.4e38, -1.79e308, '0001-01-01', '00:00:00', '1753-01-01',
  '1900-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00 +00:00', 'a', '', N'é', N'',
  '', N'', '', N'', 0x00000000, 0x, 0x, 0x00, '00000000-0000-0000-0000-000000000000', N'<a/>'),
 (2, 1, 255, 32767, 2147483647, 9223372036854775807, 9999999999999999999999999999.9999999999, 999.99,
  922337203685477.5807, 214748.3647, 3.4e38, 1.79e308, '9999-12-31', '23:59:59.9999999',
  '9999-12-31 23:59:59.997', '2079-06-06 23:59', '9999-12-31 23:59:59.999999', '2024-05-06 07:08:09.123 +05:30',
  'abcde', 'caf' + NCHAR(233), N'日本', N'Grüße 😀 日本', REPLICATE(CAST('x' AS varchar(max)), 70000),
  REPLICATE(CAST(N'ü' AS nvarchar(max)), 70000), 'legacy', N'légacy', 0xDEADBEEF, 0x0102, 0xCAFE, 0xBEEF,
  '6F9619FF-8B86-D011-B42D-00C04FC964FF', N'<r><v n="1">x</v></r>'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE dbo.big (id int NOT NULL PRIMARY KEY, grp int NOT NULL, label varchar(20) NOT NULL);
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
INSERT INTO dbo.big SELECT i, i % 10, 'row ' + CAST(i AS varchar(10)) FROM n OPTION (MAXRECURSION 0);
CREATE TABLE dbo.people (id int NOT NULL PRIMARY KEY, name nvarchar(40) NOT NULL, city varchar(20) NULL,
    born date NULL, score decimal(6,2) NULL, active bit NOT NULL);
INSERT INTO dbo.people VALUES (1, N'Ann', 'Oslo', '1990-01-02', 10.50, 1), (2, N'bob', NULL, NULL, NULL, 0),
    (3, N'Cid', 'Rome', '1985-07-08', 99.99, 1), (4, N'Bob', 'OSLO', '2001-12-31', 0.01, 1);
GO
-- A second database for tasks: every table shape the precheck and schema sync tell apart.
CREATE DATABASE shopsrc;
GO
USE shopsrc;
GO
CREATE SCHEMA sales;
GO
CREATE TABLE sales.customers (
    id int IDENTITY(100, 5) NOT NULL CONSTRAINT PK_customers PRIMARY KEY,
    email nvarchar(200) NOT NULL CONSTRAINT UQ_customers_email UNIQUE,
    name nvarchar(100) NOT NULL,
    created datetime2(3) NOT NULL CONSTRAINT DF_customers_created DEFAULT (sysdatetime()),
    vip bit NOT NULL CONSTRAINT DF_customers_vip DEFAULT ((0)),
    region char(2) NULL CONSTRAINT DF_customers_region DEFAULT ('EU'),
    token uniqueidentifier NOT NULL CONSTRAINT DF_customers_token DEFAULT (newid()),
    score int NULL CONSTRAINT DF_customers_score DEFAULT (abs(checksum(newid())) % 10));
CREATE TABLE sales.orders (
    order_id bigint NOT NULL,
    customer_id int NOT NULL CONSTRAINT FK_orders_customers REFERENCES sales.customers (id) ON DELETE CASCADE,
    amount decimal(12,2) NOT NULL,
    qty int NOT NULL,
    total AS (amount * qty),
    CONSTRAINT PK_orders PRIMARY KEY NONCLUSTERED (order_id));
CREATE CLUSTERED INDEX IX_orders_customer ON sales.orders (customer_id);
CREATE INDEX IX_orders_amount ON sales.orders (amount DESC, qty);
CREATE TABLE sales.events (at datetime NOT NULL, kind varchar(20) NULL, payload varbinary(max) NULL);
CREATE TABLE sales.archive (id int NOT NULL CONSTRAINT PK_archive PRIMARY KEY, note nvarchar(max) NULL)
    WITH (DATA_COMPRESSION = PAGE);
CREATE TABLE dbo.settings (name sysname NOT NULL CONSTRAINT PK_settings PRIMARY KEY, value nvarchar(400) NULL);
INSERT INTO sales.customers (email, name) VALUES (N'ann@example.com', N'Ann'), (N'bob@example.com', N'Bob');
INSERT INTO sales.orders (order_id, customer_id, amount, qty) VALUES (1, 100, 9.99, 2), (2, 105, 100.00, 1);
INSERT INTO sales.events VALUES ('2024-01-01', 'login', 0x01), ('2024-01-01', 'login', 0x01);
GO
