#include "fdw_options.hpp"

#include <gtest/gtest.h>

using namespace dts::fdw;

namespace {
std::string error_of(OptionContext c, const std::string &n, const std::string &v,
                     std::string *hint = nullptr) {
    try {
        validate_option(c, n, v);
    } catch (const dts::Error &e) {
        if (hint)
            *hint = e.hint;
        return e.sqlstate + " " + e.what();
    }
    return "ok";
}
} // namespace

TEST(FdwOptions, AcceptsWellFormedOptions) {
    EXPECT_EQ(error_of(OptionContext::Server, "host", "db.example.net"), "ok");
    EXPECT_EQ(error_of(OptionContext::Server, "port", "1433"), "ok");
    EXPECT_EQ(error_of(OptionContext::Server, "encrypt", "require"), "ok");
    EXPECT_EQ(error_of(OptionContext::UserMapping, "password", "s3cret"), "ok");
    EXPECT_EQ(error_of(OptionContext::Table, "table_name", "orders"), "ok");
}

TEST(FdwOptions, RejectsWithTheOptionNamedAndTheFix) {
    std::string hint;
    EXPECT_EQ(error_of(OptionContext::Server, "port", "abc", &hint),
              "HV00C invalid value for option \"port\": \"abc\"");
    EXPECT_EQ(hint, "Valid values are 1..65535.");
    EXPECT_EQ(error_of(OptionContext::Server, "encrypt", "yes", &hint),
              "HV00C invalid value for option \"encrypt\": \"yes\"");
    EXPECT_EQ(error_of(OptionContext::Server, "hots", "x", &hint),
              "HV00D invalid option \"hots\" for a pg_dts server");
    EXPECT_NE(hint.find("host, port"), std::string::npos);
    EXPECT_EQ(error_of(OptionContext::Server, "password", "x", &hint),
              "HV00D option \"password\" belongs in a user mapping, not a server");
    EXPECT_EQ(error_of(OptionContext::Server, "login_timeout", "0"),
              "HV00C invalid value for option \"login_timeout\": \"0\"");
}

TEST(FdwOptions, BuildsConnectionSettingsWithDefaults) {
    auto o = server_options("src", {{"host", "h"}, {"database", "shop"}});
    EXPECT_EQ(o.port, 1433);
    EXPECT_EQ(o.encrypt, "request");
    EXPECT_EQ(o.database, "shop");
    EXPECT_EQ(o.label, "src");
    EXPECT_THROW(credentials("src", {}), dts::Error);
    EXPECT_EQ(credentials("src", {{"user", "sa"}, {"password", "p"}}).password, "p");
}
