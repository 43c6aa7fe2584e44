-- IMPORT FOREIGN SCHEMA maps every SQL Server type with the project's one type mapping.
CREATE SCHEMA src_all;
IMPORT FOREIGN SCHEMA dbo FROM SERVER src INTO src_all;
\d src_all.alltypes
IMPORT FOREIGN SCHEMA dbo LIMIT TO (people) FROM SERVER src INTO public;
CREATE SCHEMA src_except;
IMPORT FOREIGN SCHEMA dbo EXCEPT (alltypes, big) FROM SERVER src INTO src_except;
SELECT foreign_table_schema, foreign_table_name FROM information_schema.foreign_tables
 ORDER BY 1, 2;
IMPORT FOREIGN SCHEMA nosuchschema FROM SERVER src INTO src_except;
