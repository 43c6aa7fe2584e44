// The shared FreeTDS connection against a SQL Server: the simulator that scripts/test-all.sh
// starts (SIM_PORT), or a real server when MSSQL_HOST/MSSQL_PORT/MSSQL_USER/MSSQL_PASSWORD are set.
#include "tds_connection.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace dts::tds;

namespace {
const char *env(const char *n, const char *def = nullptr) {
    const char *v = std::getenv(n);
    return v && *v ? v : def;
}

ServerOptions server() {
    ServerOptions o;
    o.label = "itest";
    if (env("MSSQL_HOST")) {
        o.host = env("MSSQL_HOST");
        o.port = std::atoi(env("MSSQL_PORT", "1433"));
    } else {
        o.host = "127.0.0.1";
        o.port = std::atoi(env("SIM_PORT", "0"));
    }
    o.encrypt = "request";
    o.login_timeout = 5;
    return o;
}

Credentials cred() {
    return {env("MSSQL_HOST") ? env("MSSQL_USER", "sa") : "sa",
            env("MSSQL_HOST") ? env("MSSQL_PASSWORD", "") : "Sim_Passw0rd"};
}

std::vector<std::vector<std::string>> rows(Connection &c, const std::string &sql) {
    c.execute(sql);
    std::vector<std::vector<std::string>> out;
    while (c.next_result())
        while (c.next_row()) {
            auto &r = out.emplace_back();
            for (int i = 1; i <= c.column_count(); ++i) {
                const uint8_t *p = c.data(i);
                r.push_back(p ? value_to_text(c.column(i).type, p, c.length(i), c.column(i).scale)
                              : "NULL");
            }
        }
    return out;
}
} // namespace

TEST(TdsConnection, QueriesAndTypes) {
    Connection c(server(), cred());
    auto r = rows(c, "SELECT CAST(-123.45 AS decimal(10,2)), CAST('2024-02-29 13:14:15.1234567' AS "
                     "datetime2(7)), N'h\u00e9 \U0001F600', CAST(NULL AS int), 0x0102");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0], (std::vector<std::string>{"-123.45", "2024-02-29 13:14:15.123456",
                                              "h\u00e9 \U0001F600", "NULL", "\\x0102"}));
}

TEST(TdsConnection, ServerErrorsCarryNumberAndKeepTheConnectionUsable) {
    Connection c(server(), cred());
    try {
        c.execute("SELECT * FROM dbo.no_such_table_pg_dts");
        FAIL() << "expected an error";
    } catch (const dts::Error &e) {
        EXPECT_EQ(e.sqlstate, "42P01");
        EXPECT_NE(e.detail.find("SQL Server error 208"), std::string::npos);
    }
    EXPECT_EQ(rows(c, "SELECT 1"), (std::vector<std::vector<std::string>>{{"1"}}));
}

TEST(TdsConnection, WrongPasswordAndUnreachableHostAreReportedClearly) {
    try {
        Connection c(server(), Credentials{cred().user, "definitely-wrong"});
        FAIL();
    } catch (const dts::Error &e) {
        EXPECT_EQ(e.sqlstate, "28000");
        EXPECT_EQ(std::string(e.what()),
                  "login to SQL Server \"itest\" failed for user \"" + cred().user + "\"");
    }
    ServerOptions o = server();
    o.port = 1;
    try {
        Connection c(o, cred());
        FAIL();
    } catch (const dts::Error &e) {
        EXPECT_EQ(e.sqlstate, "08001");
        EXPECT_NE(e.hint.find("reachable"), std::string::npos);
    }
}

TEST(TdsConnection, QueryTimeoutCancelsTheBatch) {
    ServerOptions o = server();
    o.query_timeout = 1;
    Connection c(o, cred());
    try {
        c.execute("WAITFOR DELAY '00:00:10'; SELECT 1");
        while (c.next_result())
            while (c.next_row()) {
            }
        FAIL() << "expected a timeout";
    } catch (const dts::Error &e) {
        EXPECT_EQ(e.sqlstate, "57014");
    }
    c.cancel();
    EXPECT_EQ(rows(c, "SELECT 2"), (std::vector<std::vector<std::string>>{{"2"}}));
}

TEST(TdsConnection, EncryptionModes) {
    for (const char *mode : {"off", "request", "require"}) {
        ServerOptions o = server();
        o.encrypt = mode;
        Connection c(o, cred());
        EXPECT_EQ(rows(c, "SELECT 3"), (std::vector<std::vector<std::string>>{{"3"}})) << mode;
    }
}
