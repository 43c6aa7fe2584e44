#include "pg_quote.hpp"
#include "schema_ddl.hpp"
#include "value_text.hpp"

#include <gtest/gtest.h>

using namespace dts;
using ddl::Flavour;

namespace {

catalog::Column col(const char *name, const char *type, int len, bool nullable = true,
                    int precision = 0, int scale = 0) {
    catalog::Column c;
    c.name = name;
    c.type = {type, len, precision, scale};
    c.nullable = nullable;
    return c;
}

// sales.orders: bigint PK (nonclustered), FK to customers, a computed column, a descending index,
// a unique index, a filtered index and a column of a type that is not synced.
catalog::Table orders() {
    catalog::Table t;
    t.database = "shop";
    t.schema = "sales";
    t.name = "orders";
    t.columns = {col("order_id", "bigint", 8, false), col("customer_id", "int", 4, false),
                 col("amount", "decimal", 9, false, 12, 2), col("Note", "nvarchar", 80),
                 col("ver", "timestamp", 8, false)};
    auto total = col("total", "decimal", 17, true, 23, 2);
    total.computed = true;
    total.computed_definition = "([amount]*(2))";
    t.columns.push_back(total);
    catalog::Index pk;
    pk.name = "PK__orders__46596229";
    pk.primary_key = pk.unique = true;
    pk.columns = {"order_id"};
    pk.descending = {false};
    catalog::Index by_customer;
    by_customer.name = "IX_customer";
    by_customer.clustered = true;
    by_customer.columns = {"customer_id", "amount"};
    by_customer.descending = {false, true};
    catalog::Index uq;
    uq.name = "UQ_note";
    uq.unique = uq.unique_constraint = true;
    uq.columns = {"Note"};
    uq.descending = {false};
    catalog::Index filtered;
    filtered.name = "IX_big";
    filtered.columns = {"amount"};
    filtered.descending = {false};
    filtered.filter = "([amount]>(1000))";
    catalog::Index on_ver;
    on_ver.name = "IX_ver";
    on_ver.columns = {"ver"};
    on_ver.descending = {false};
    t.indexes = {pk, by_customer, uq, filtered, on_ver};
    catalog::ForeignKey fk;
    fk.name = "FK_orders_customers";
    fk.ref_schema = "sales";
    fk.ref_table = "customers";
    fk.columns = {"customer_id"};
    fk.ref_columns = {"id"};
    fk.on_delete = "CASCADE";
    fk.on_update = "SET_NULL";
    t.foreign_keys = {fk};
    return t;
}

ddl::RefResolver resolver(bool known) {
    return [known](const std::string &s,
                   const std::string &t) -> std::optional<std::pair<std::string, std::string>> {
        if (!known)
            return std::nullopt;
        return std::make_pair("ods_" + s, t);
    };
}

bool has_note(const ddl::TableDdl &d, const std::string &part) {
    for (const auto &n : d.notes)
        if (n.find(part) != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST(PgQuote, IdentifiersAndLiterals) {
    EXPECT_EQ(pg::quote_ident("orders"), "\"orders\"");
    EXPECT_EQ(pg::quote_ident("My \"Table\""), "\"My \"\"Table\"\"\"");
    EXPECT_EQ(pg::quote_literal("it's"), "'it''s'");
    EXPECT_EQ(pg::quote_literal("a\\b"), "E'a\\\\b'");
    EXPECT_EQ(pg::qualified("s", "t"), "\"s\".\"t\"");
}

TEST(SchemaDdl, PostgresTable) {
    auto d =
        ddl::table_ddl(orders(), {"ods", "orders", {}, {}}, Flavour::PostgreSQL, resolver(true));
    EXPECT_EQ(d.create_schema, "CREATE SCHEMA IF NOT EXISTS \"ods\"");
    EXPECT_EQ(d.create_table, "CREATE TABLE IF NOT EXISTS \"ods\".\"orders\" (\n"
                              "    \"order_id\" bigint NOT NULL,\n"
                              "    \"customer_id\" integer NOT NULL,\n"
                              "    \"amount\" numeric(12,2) NOT NULL,\n"
                              "    \"Note\" character varying(40),\n"
                              "    \"total\" numeric(23,2),\n"
                              "    CONSTRAINT \"orders_pkey\" PRIMARY KEY (\"order_id\")\n"
                              ")");
    ASSERT_EQ(d.after_create.size(), 2u);
    EXPECT_EQ(d.after_create[0], "CREATE INDEX IF NOT EXISTS \"orders_IX_customer\" ON "
                                 "\"ods\".\"orders\" (\"customer_id\", \"amount\" DESC)");
    EXPECT_EQ(d.after_create[1], "CREATE UNIQUE INDEX IF NOT EXISTS \"orders_UQ_note\" ON "
                                 "\"ods\".\"orders\" (\"Note\")");
    ASSERT_EQ(d.foreign_keys.size(), 1u);
    EXPECT_EQ(d.foreign_keys[0].name, "orders_FK_orders_customers");
    EXPECT_EQ(d.foreign_keys[0].statement,
              "ALTER TABLE \"ods\".\"orders\" ADD CONSTRAINT \"orders_FK_orders_customers\" "
              "FOREIGN KEY (\"customer_id\") REFERENCES \"ods_sales\".\"customers\" (\"id\") ON "
              "DELETE CASCADE ON UPDATE SET NULL");
    EXPECT_TRUE(has_note(d, "column ver (timestamp) is not synced"));
    EXPECT_TRUE(has_note(d, "computed column total"));
    EXPECT_TRUE(has_note(d, "index IX_big is filtered"));
    EXPECT_TRUE(has_note(d, "index IX_ver uses a column that is not synced"));
}

TEST(SchemaDdl, ForeignKeyToTableOutsideTheTask) {
    auto d =
        ddl::table_ddl(orders(), {"ods", "orders", {}, {}}, Flavour::PostgreSQL, resolver(false));
    EXPECT_TRUE(d.foreign_keys.empty());
    EXPECT_TRUE(has_note(d, "references sales.customers, which the task does not sync"));
}

TEST(SchemaDdl, GreenplumDistributesByThePrimaryKey) {
    auto d =
        ddl::table_ddl(orders(), {"ods", "orders", {}, {}}, Flavour::Greenplum, resolver(true));
    EXPECT_NE(d.create_table.find("CONSTRAINT \"orders_pkey\" PRIMARY KEY (\"order_id\")\n) "
                                  "DISTRIBUTED BY (\"order_id\")"),
              std::string::npos);
    // A unique index without the distribution key cannot be unique on a distributed table.
    EXPECT_EQ(d.after_create[1],
              "CREATE INDEX IF NOT EXISTS \"orders_UQ_note\" ON \"ods\".\"orders\" (\"Note\")");
    EXPECT_TRUE(has_note(d, "index UQ_note is unique at the source but does not contain"));
    EXPECT_TRUE(d.foreign_keys.empty());
    EXPECT_TRUE(has_note(d, "foreign key FK_orders_customers is not created on a greenplum"));
}

TEST(SchemaDdl, GreenplumWithoutKeyIsRandom) {
    catalog::Table heap;
    heap.schema = "dbo";
    heap.name = "log";
    heap.columns = {col("at", "datetime", 8, false), col("msg", "varchar", -1)};
    auto d = ddl::table_ddl(heap, {"dbo", "log", {}, {}}, Flavour::Greenplum, resolver(true));
    EXPECT_EQ(d.create_table, "CREATE TABLE IF NOT EXISTS \"dbo\".\"log\" (\n"
                              "    \"at\" timestamp(3) NOT NULL,\n"
                              "    \"msg\" text\n"
                              ") DISTRIBUTED RANDOMLY");
}

TEST(SchemaDdl, CitusCreatesADistributedTableOnce) {
    ddl::Target target{"ods", "orders", {}, {}};
    auto d = ddl::table_ddl(orders(), target, Flavour::Citus, resolver(true));
    EXPECT_EQ(d.create_table.find("DISTRIBUTED"), std::string::npos);
    ASSERT_FALSE(d.after_create.empty());
    EXPECT_EQ(
        d.after_create[0],
        "SELECT create_distributed_table('\"ods\".\"orders\"', 'order_id') WHERE NOT EXISTS "
        "(SELECT FROM pg_dist_partition WHERE logicalrelid = '\"ods\".\"orders\"'::regclass)");
    EXPECT_TRUE(d.foreign_keys.empty());
}

TEST(SchemaDdl, CitusKeepsTablesWithoutAKeyLocal) {
    catalog::Table heap;
    heap.schema = "dbo";
    heap.name = "log";
    heap.columns = {col("at", "datetime", 8, false), col("msg", "varchar", -1)};
    auto d = ddl::table_ddl(heap, {"dbo", "log", {}, {"at"}}, Flavour::Citus, resolver(true));
    EXPECT_TRUE(d.after_create.empty());
    EXPECT_TRUE(has_note(d, "no primary key: stays a local table on the coordinator, not "
                            "distributed by (\"at\")"));
    auto keyed =
        ddl::table_ddl(heap, {"dbo", "log", {"at"}, {"at"}}, Flavour::Citus, resolver(true));
    ASSERT_FALSE(keyed.after_create.empty());
    EXPECT_NE(keyed.after_create[0].find("create_distributed_table"), std::string::npos);
}

TEST(SchemaDdl, ChosenKeysOverrideTheSource) {
    ddl::Target target{"ods", "orders", {"order_id", "customer_id"}, {"customer_id"}};
    auto d = ddl::table_ddl(orders(), target, Flavour::Citus, resolver(true));
    EXPECT_NE(d.create_table.find("PRIMARY KEY (\"order_id\", \"customer_id\")"),
              std::string::npos);
    EXPECT_NE(d.after_create[0].find("'customer_id')"), std::string::npos);
    // The chosen primary key replaces the source's, which is then an ordinary unique index.
    bool source_pk_as_index = false;
    for (const auto &s : d.after_create)
        source_pk_as_index |= s.find("orders_PK__orders__46596229") != std::string::npos;
    EXPECT_TRUE(source_pk_as_index);

    ddl::Target bad{"ods", "orders", {}, {"customer_id"}};
    auto d2 = ddl::table_ddl(orders(), bad, Flavour::Greenplum, resolver(true));
    EXPECT_EQ(d2.create_table.find("PRIMARY KEY"), std::string::npos);
    EXPECT_TRUE(has_note(d2, "does not contain the distribution key"));
}

TEST(SchemaDdl, IdentityColumns) {
    catalog::Table t;
    t.schema = "dbo";
    t.name = "ids";
    auto id = col("id", "int", 4, false);
    id.identity = true;
    id.identity_seed = 1000;
    id.identity_increment = -2;
    auto dec = col("num", "decimal", 9, false, 10, 0);
    dec.identity = true;
    t.columns = {id, dec};
    auto d = ddl::table_ddl(t, {"dbo", "ids", {}, {}}, Flavour::PostgreSQL, resolver(true));
    EXPECT_NE(d.create_table.find("\"id\" integer GENERATED BY DEFAULT AS IDENTITY (START WITH "
                                  "1000 INCREMENT BY -2) NOT NULL"),
              std::string::npos);
    EXPECT_NE(d.create_table.find("\"num\" numeric(10,0) NOT NULL"), std::string::npos);
    EXPECT_TRUE(has_note(d, "IDENTITY on decimal"));
}

namespace {

SourceType st(const char *name, int max_length = 0, int precision = 0, int scale = 0) {
    return SourceType{name, max_length, precision, scale};
}

std::optional<std::string> td(const std::string &definition, const SourceType &type) {
    return ddl::translate_default(definition, type);
}

// 100 ns ticks of a time of day.
uint64_t ticks(uint64_t h, uint64_t m, uint64_t s, uint64_t frac7 = 0) {
    return ((h * 60 + m) * 60 + s) * 10000000 + frac7;
}

std::string lit(const std::string &s) {
    return pg::quote_literal(s);
}

} // namespace

TEST(SchemaDdl, Defaults) {
    EXPECT_EQ(td("((0))", st("int")), "0");
    EXPECT_EQ(td("((-1.5))", st("decimal", 5, 5, 2)), "-1.5");
    EXPECT_EQ(td("((1))", st("bit")), "true");
    EXPECT_EQ(td("((0))", st("bit")), "false");
    EXPECT_EQ(td("((2))", st("bit")), std::nullopt);
    EXPECT_EQ(td("('EU')", st("char", 2)), "'EU'");
    EXPECT_EQ(td("(N'it''s')", st("nvarchar", -1)), "'it''s'");
    EXPECT_EQ(td("(getdate())", st("datetime")), "LOCALTIMESTAMP");
    EXPECT_EQ(td("(sysutcdatetime())", st("datetime2", 8, 26, 6)), "(now() AT TIME ZONE 'UTC')");
    EXPECT_EQ(td("(sysdatetimeoffset())", st("datetimeoffset", 10, 33, 6)), "now()");
    EXPECT_EQ(td("(getdate())", st("date")), "CURRENT_DATE");
    EXPECT_EQ(td("(newid())", st("uniqueidentifier")), "gen_random_uuid()");
    EXPECT_EQ(td("((1)+(2))", st("int")), std::nullopt);
    EXPECT_EQ(td("(abs(checksum(newid())))", st("int")), std::nullopt);
    EXPECT_EQ(td("(user_name())", st("nvarchar", -1)), std::nullopt);
}

// A number reaches a column of another type only converted (review finding #13).
TEST(SchemaDdl, NumericDefaultsOfOtherTypes) {
    EXPECT_EQ(td("((0))", st("datetime")), lit(text::datetime(0, 0)));
    EXPECT_EQ(td("((0))", st("datetime")), "'1900-01-01 00:00:00.000'");
    EXPECT_EQ(td("((1))", st("smalldatetime")), "'1900-01-02 00:00:00'");
    EXPECT_EQ(td("((45000))", st("datetime")), "'2023-03-17 00:00:00.000'");
    EXPECT_EQ(td("((-1))", st("datetime")), "'1899-12-31 00:00:00.000'");
    EXPECT_EQ(td("((-1))", st("smalldatetime")), std::nullopt);
    EXPECT_EQ(td("((0.5))", st("datetime")), std::nullopt);
    EXPECT_EQ(td("((0))", st("datetime2", 8, 27, 7)), std::nullopt); // operand type clash
    EXPECT_EQ(td("('')", st("datetime")), "'1900-01-01 00:00:00.000'");
    EXPECT_EQ(td("('')", st("date")), "'1900-01-01'");
    EXPECT_EQ(td("((0))", st("varchar", 10)), "'0'");
    EXPECT_EQ(td("((1.5))", st("nvarchar", -1)), "'1.5'");
    EXPECT_EQ(td("((0))", st("uniqueidentifier")), std::nullopt);
    EXPECT_EQ(td("((0))", st("varbinary", 10)), std::nullopt);
    EXPECT_EQ(td("((0))", st("datetimeoffset", 10, 33, 6)), std::nullopt);
    EXPECT_EQ(td("((2.5))", st("float", 8, 53)), "2.5");
}

// A constant default reaches PostgreSQL as the text its value does when synced (issue 16): the
// value SQL Server stores for the literal, shown by the value_text function of that type.
TEST(SchemaDdl, TemporalDefaultsEqualValueText) {
    // 2023-03-17 is day 45000 of 1900-01-01.
    const auto dt2_7 = st("datetime2", 8, 27, 7);
    EXPECT_EQ(td("('2023-03-17 12:34:56.1234567')", dt2_7),
              lit(text::date(45000) + " " + text::time(ticks(12, 34, 56, 1234567))));
    EXPECT_EQ(td("('2023-03-17 12:34:56.1234567')", dt2_7), "'2023-03-17 12:34:56.123456'");
    EXPECT_EQ(td("('2023-03-17T23:59:59.9999999')", dt2_7),
              lit(text::date(45000) + " " + text::time(ticks(23, 59, 59, 9999999))));
    // datetime2(3) stores the literal rounded to 3 digits.
    EXPECT_EQ(td("('2023-03-17 12:34:56.1235')", st("datetime2", 7, 23, 3)),
              lit(text::date(45000) + " " + text::time(ticks(12, 34, 56, 1240000))));
    EXPECT_EQ(td("('2023-03-17 23:59:59.9999')", st("datetime2", 7, 23, 3)),
              lit(text::date(45001) + " " + text::time(0)));
    EXPECT_EQ(td("('20230317')", dt2_7), lit(text::date(45000) + " " + text::time(0)));
    EXPECT_EQ(td("('')", dt2_7), lit(text::date(0) + " " + text::time(0)));
    EXPECT_EQ(td("('2023-03-17 12:00:00 +02:00')", dt2_7), std::nullopt);
    EXPECT_EQ(td("('2023-02-30')", dt2_7), std::nullopt);

    // datetime stores 1/300 s ticks: .002 is .003, .999 the next second.
    const uint32_t noon_300 = (12 * 3600 + 34 * 60 + 56) * 300;
    EXPECT_EQ(td("('2023-03-17 12:34:56.002')", st("datetime")),
              lit(text::datetime(45000, noon_300 + 1)));
    EXPECT_EQ(td("('2023-03-17 12:34:56.002')", st("datetime")), "'2023-03-17 12:34:56.003'");
    EXPECT_EQ(td("('2023-03-17 12:34:56.995')", st("datetime")), "'2023-03-17 12:34:56.997'");
    EXPECT_EQ(td("('2023-03-17 12:34:56.991')", st("datetime")), "'2023-03-17 12:34:56.990'");
    EXPECT_EQ(td("('2023-03-17 23:59:59.999')", st("datetime")), lit(text::datetime(45001, 0)));
    EXPECT_EQ(td("('2023-03-17 12:34:56.1234')", st("datetime")), std::nullopt);
    EXPECT_EQ(td("('1700-01-01')", st("datetime")), std::nullopt);

    // smalldatetime: 29.999 s rounds up to the next minute, 29.998 s down.
    EXPECT_EQ(td("('2023-03-17 12:34:29.999')", st("smalldatetime")),
              lit(text::smalldatetime(45000, 12 * 60 + 35)));
    EXPECT_EQ(td("('2023-03-17 12:34:29.998')", st("smalldatetime")),
              lit(text::smalldatetime(45000, 12 * 60 + 34)));

    // datetimeoffset: the UTC instant, as the value path shows it.
    EXPECT_EQ(td("('2023-03-17 01:00:00.5 +02:00')", st("datetimeoffset", 10, 34, 7)),
              lit(text::datetimeoffset_utc(44999, ticks(23, 0, 0, 5000000))));
    EXPECT_EQ(td("('2023-03-17 01:00:00.5')", st("datetimeoffset", 10, 34, 7)),
              lit(text::datetimeoffset_utc(45000, ticks(1, 0, 0, 5000000))));

    EXPECT_EQ(td("('12:34:56.1234567')", st("time", 5, 16, 7)),
              lit(text::time(ticks(12, 34, 56, 1234567))));
    EXPECT_EQ(td("('2023-03-17')", st("date")), lit(text::date(45000)));
    // Forms whose reading depends on DATEFORMAT/LANGUAGE are left to PostgreSQL as before.
    EXPECT_EQ(td("('Mar 17 2023')", st("datetime")), "'Mar 17 2023'");
}

TEST(SchemaDdl, BinaryDefaultsEqualValueText) {
    const uint8_t bytes[] = {0x00, 0xff, 0x00, 0x00};
    EXPECT_EQ(td("(0x00FF)", st("varbinary", 10)), lit(text::bytea_hex(bytes, 2)));
    EXPECT_EQ(td("(0x00FF)", st("varbinary", 10)), "E'\\\\x00ff'");
    // binary(n) is padded with zero bytes, as SQL Server stores it.
    EXPECT_EQ(td("((0x00FF))", st("binary", 4)), lit(text::bytea_hex(bytes, 4)));
    EXPECT_EQ(td("(0xF)", st("varbinary", -1)), "E'\\\\x0f'");
    EXPECT_EQ(td("(0x)", st("varbinary", -1)), "E'\\\\x'");
    EXPECT_EQ(td("(0x00FF)", st("varbinary", 1)), std::nullopt); // would be truncated
    EXPECT_EQ(td("(0x0G)", st("varbinary", 10)), std::nullopt);

    catalog::Column c;
    c.name = "flags";
    c.type = st("binary", 2);
    c.default_definition = "(0x00FF)";
    std::vector<std::string> notes;
    EXPECT_EQ(ddl::column_definition(c, true, notes),
              "\"flags\" bytea NOT NULL DEFAULT E'\\\\x00ff'");
    EXPECT_TRUE(notes.empty());
}

TEST(SchemaDdl, ObjectNamesFitPostgresLimit) {
    EXPECT_EQ(ddl::object_name("t", "ix"), "t_ix");
    std::string long_name(70, 'a');
    EXPECT_EQ(ddl::object_name("t", long_name).size(), 63u);
    // A multi-byte character at the cut is dropped whole.
    std::string umlauts;
    for (int i = 0; i < 40; ++i)
        umlauts += "\xC3\xBC";
    std::string cut = ddl::object_name("t", umlauts);
    EXPECT_LE(cut.size(), 63u);
    // "t_" plus whole two-byte characters, then "_" and 8 hex digits.
    EXPECT_EQ((cut.size() - 9) % 2, 0u);
    EXPECT_EQ(cut[cut.size() - 9], '_');
}

// Review finding #17: a cut "<table>_pkey" must not equal the cut table name, and two long names
// sharing their first 63 bytes must not share an index name.
TEST(SchemaDdl, CutObjectNamesStayDistinct) {
    const std::string table(64, 'x');
    const std::string pkey = ddl::object_name(table, "pkey");
    EXPECT_EQ(pkey.size(), 63u);
    EXPECT_NE(pkey, table.substr(0, 63));
    EXPECT_NE(ddl::object_name(table + "a", "ix"), ddl::object_name(table + "b", "ix"));
    EXPECT_EQ(ddl::object_name(table, "pkey"), pkey); // stable
}
