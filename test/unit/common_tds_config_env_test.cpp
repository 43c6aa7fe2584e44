#include "tds_connection.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

// Review finding #22: a login of ours must not leave FREETDSCONF pointing at our private file
// (another DB-Library user of the process, e.g. tds_fdw in the same backend, reads it).
TEST(TdsConfigEnv, LoginLeavesFreetdsconfAsItWas) {
    dts::tds::ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 1; // nothing listens: the login fails at once
    o.login_timeout = 2;
    ::setenv("FREETDSCONF", "/etc/someone-elses-freetds.conf", 1);
    EXPECT_THROW(dts::tds::Connection(o, {"sa", "x"}), dts::Error);
    ASSERT_NE(std::getenv("FREETDSCONF"), nullptr);
    EXPECT_EQ(std::string(std::getenv("FREETDSCONF")), "/etc/someone-elses-freetds.conf");
    ::unsetenv("FREETDSCONF");
    EXPECT_THROW(dts::tds::Connection(o, {"sa", "x"}), dts::Error);
    EXPECT_EQ(std::getenv("FREETDSCONF"), nullptr);
}
