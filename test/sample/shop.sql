-- Sample source database for the demo and for tests: a small shop with every type pg_dts syncs,
-- the table shapes that matter for mode choice (heap, no PK, PK not clustered, compressed,
-- computed column), LOBs, and about 1.2M rows. Plain T-SQL, runnable on a real SQL Server.
CREATE DATABASE shop;
GO
USE shop;
GO
CREATE SCHEMA sales;
GO
CREATE TABLE dbo.customers (
    id           int IDENTITY(1,1) NOT NULL CONSTRAINT PK_customers PRIMARY KEY CLUSTERED,
    name         nvarchar(100) NOT NULL,
    email        varchar(200) NULL,
    country      char(2) NOT NULL,
    created_at   datetime2(3) NOT NULL,
    is_active    bit NOT NULL,
    credit_limit money NULL,
    notes        nvarchar(max) NULL
);
CREATE TABLE dbo.products (
    id      int NOT NULL CONSTRAINT PK_products PRIMARY KEY,
    sku     varchar(32) NOT NULL CONSTRAINT UQ_products_sku UNIQUE,
    title   nvarchar(200) NOT NULL,
    price   decimal(12,2) NOT NULL,
    weight  real NULL,
    added   date NOT NULL,
    picture varbinary(max) NULL
);
CREATE TABLE dbo.orders (
    id          bigint NOT NULL CONSTRAINT PK_orders PRIMARY KEY,
    customer_id int NOT NULL CONSTRAINT FK_orders_customers REFERENCES dbo.customers (id),
    ordered_at  datetime NOT NULL,
    status      tinyint NOT NULL,
    total       decimal(14,2) NOT NULL,
    ship_time   time(3) NULL,
    placed_at   datetimeoffset(3) NULL,
    token       uniqueidentifier NOT NULL
);
CREATE INDEX ix_orders_customer ON dbo.orders (customer_id);
CREATE TABLE dbo.order_items (
    order_id   bigint NOT NULL,
    line       smallint NOT NULL,
    product_id int NOT NULL CONSTRAINT FK_items_products REFERENCES dbo.products (id),
    qty        int NOT NULL,
    unit_price smallmoney NOT NULL,
    CONSTRAINT PK_order_items PRIMARY KEY (order_id, line)
);
CREATE TABLE dbo.audit_log (            -- heap without primary key
    event_time datetime2(7) NOT NULL,
    actor      sysname NOT NULL,
    detail     xml NULL
);
CREATE TABLE dbo.page_views (           -- clustered index, but no primary key
    viewed_at smalldatetime NOT NULL,
    path      varchar(400) NOT NULL,
    ms        int NULL
);
CREATE CLUSTERED INDEX cx_page_views ON dbo.page_views (viewed_at);
CREATE TABLE dbo.legacy_docs (
    id    int NOT NULL CONSTRAINT PK_legacy_docs PRIMARY KEY,
    body  text NULL,
    title ntext NULL,
    scan  image NULL
);
CREATE TABLE dbo.measurements (
    id      int NOT NULL CONSTRAINT PK_measurements PRIMARY KEY,
    f       float NOT NULL,
    r       real NULL,
    taken   smalldatetime NOT NULL,
    reading numeric(20,5) NULL
) WITH (DATA_COMPRESSION = ROW);
CREATE TABLE dbo.blobs (
    id    int NOT NULL CONSTRAINT PK_blobs PRIMARY KEY,
    hash  binary(16) NOT NULL,
    small varbinary(100) NULL
);
CREATE TABLE sales.regions (
    code nchar(3) NOT NULL CONSTRAINT PK_regions PRIMARY KEY,
    name nvarchar(50) NOT NULL
);
CREATE TABLE sales.invoices (           -- primary key not in the clustered index; computed column
    id     int NOT NULL CONSTRAINT PK_invoices PRIMARY KEY NONCLUSTERED,
    number varchar(20) NOT NULL,
    issued date NOT NULL,
    amount money NOT NULL,
    tax    AS (amount * 0.2)
);
CREATE CLUSTERED INDEX cx_invoices_issued ON sales.invoices (issued);
GO
INSERT INTO sales.regions (code, name) VALUES
    (N'EMA', N'Europe, Middle East & Africa'), (N'APJ', N'Asia Pacific & Japan'),
    (N'AMS', N'Americas'), (N'CHN', N'中国');
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO dbo.customers (name, email, country, created_at, is_active, credit_limit, notes)
SELECT N'Customer ' + CAST(i AS nvarchar(10)) + CASE WHEN i % 7 = 0 THEN N' Müller 😀' ELSE N'' END,
       CASE WHEN i % 10 = 0 THEN NULL ELSE 'c' + CAST(i AS varchar(10)) + '@example.com' END,
       CASE i % 4 WHEN 0 THEN 'DE' WHEN 1 THEN 'US' WHEN 2 THEN 'CN' ELSE 'BR' END,
       DATEADD(second, i * 37, CAST('2020-01-01' AS datetime2(3))),
       CASE WHEN i % 3 = 0 THEN 0 ELSE 1 END,
       CASE WHEN i % 5 = 0 THEN NULL ELSE CAST(i * 10 AS money) END,
       CASE WHEN i % 100 = 0 THEN REPLICATE(N'long note ', 500) ELSE NULL END
FROM n OPTION (MAXRECURSION 0);
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO dbo.products (id, sku, title, price, weight, added, picture)
SELECT i, 'SKU-' + RIGHT('00000' + CAST(i AS varchar(10)), 5), N'Product ' + CAST(i AS nvarchar(10)),
       CAST(i % 997 AS decimal(12,2)) + 0.99, CASE WHEN i % 9 = 0 THEN NULL ELSE i * 0.25 END,
       DATEADD(day, i % 1500, CAST('2019-06-01' AS date)),
       CASE WHEN i % 50 = 0 THEN CAST(REPLICATE(CAST('PNG' AS varchar(max)), 20000) AS varbinary(max)) ELSE NULL END
FROM n OPTION (MAXRECURSION 0);
GO
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO dbo.orders (id, customer_id, ordered_at, status, total, ship_time, placed_at, token)
SELECT i, 1 + i % 5000, DATEADD(minute, i, CAST('2022-01-01' AS datetime)), i % 5,
       CAST(i % 100000 AS decimal(14,2)) / 100,
       CASE WHEN i % 11 = 0 THEN NULL ELSE DATEADD(millisecond, i % 86400000, CAST('00:00:00' AS time(3))) END,
       CASE WHEN i % 13 = 0 THEN NULL ELSE DATEADD(minute, i, CAST('2022-01-01 00:00:00 +02:00' AS datetimeoffset(3))) END,
       NEWID()
FROM n OPTION (MAXRECURSION 0);
GO
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
INSERT INTO dbo.order_items (order_id, line, product_id, qty, unit_price)
SELECT 1 + (i - 1) / 2, 1 + (i - 1) % 2, 1 + i % 2000, 1 + i % 9, CAST(1 + i % 500 AS smallmoney) + 0.5
FROM n OPTION (MAXRECURSION 0);
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO dbo.audit_log (event_time, actor, detail)
SELECT DATEADD(second, i, CAST('2024-01-01' AS datetime2(7))), N'user' + CAST(i % 17 AS nvarchar(5)),
       CASE WHEN i % 4 = 0 THEN NULL ELSE N'<e n="' + CAST(i AS nvarchar(10)) + N'"/>' END
FROM n OPTION (MAXRECURSION 0);
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO dbo.page_views (viewed_at, path, ms)
SELECT DATEADD(minute, i, CAST('2024-03-01' AS smalldatetime)), '/p/' + CAST(i % 300 AS varchar(10)),
       CASE WHEN i % 6 = 0 THEN NULL ELSE i % 900 END
FROM n OPTION (MAXRECURSION 0);
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO dbo.legacy_docs (id, body, title, scan)
SELECT i, REPLICATE(CAST('legacy body ' AS varchar(max)), 100), N'Dokument ' + CAST(i AS nvarchar(10)),
       CASE WHEN i % 2 = 0 THEN 0x89504E470D0A1A0A ELSE NULL END
FROM n OPTION (MAXRECURSION 0);
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO dbo.measurements (id, f, r, taken, reading)
SELECT i, i * 1.000001, CASE WHEN i % 8 = 0 THEN NULL ELSE i / 3.0 END,
       DATEADD(minute, i * 5, CAST('2023-07-01' AS smalldatetime)), CAST(i AS numeric(20,5)) / 7
FROM n OPTION (MAXRECURSION 0);
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
INSERT INTO dbo.blobs (id, hash, small)
SELECT i, CAST(HASHBYTES('MD5', CAST(i AS varchar(10))) AS binary(16)),
       CASE WHEN i % 3 = 0 THEN NULL ELSE CAST(REPLICATE('ab', i % 50) AS varbinary(100)) END
FROM n OPTION (MAXRECURSION 0);
WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
INSERT INTO sales.invoices (id, number, issued, amount)
SELECT i, 'INV-' + CAST(100000 + i AS varchar(10)), DATEADD(day, i % 900, CAST('2022-01-01' AS date)),
       CAST(i AS money) * 3.5
FROM n OPTION (MAXRECURSION 0);
GO
ALTER DATABASE shop SET RECOVERY FULL;
BACKUP DATABASE shop TO DISK = N'/var/opt/mssql/backup/shop.bak';
BACKUP LOG shop TO DISK = N'/var/opt/mssql/backup/shop.trn';
GO
