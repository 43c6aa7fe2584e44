#include "nul_policy.hpp"

#include <gtest/gtest.h>

using namespace std::string_literals;

TEST(NulPolicy, FindsAndStripsNul) {
    EXPECT_FALSE(dts::nul::contains("plain"));
    EXPECT_TRUE(dts::nul::contains("a\0b"s));
    EXPECT_EQ(dts::nul::strip("\0a\0\0b\0"s), "ab");
    EXPECT_EQ(dts::nul::strip("café"), "café");
}

TEST(NulPolicy, KeyShownWithNulVisible) {
    EXPECT_EQ(dts::nul::describe_key({"id", "k"}, {"10"s, "x\0y"s}), "(id, k)=(10, x\\0y)");
    EXPECT_EQ(dts::nul::describe_key({"id"}, {std::nullopt}), "(id)=(NULL)");
    EXPECT_EQ(dts::nul::describe_key({}, {}), "(no key)");
}

TEST(NulPolicy, ErrorNamesTableColumnKeyAndTheWayOut) {
    auto e = dts::nul::error("inc", "db.dbo.acct", "v", "(id)=(10)");
    EXPECT_EQ(e.sqlstate, "22021");
    EXPECT_NE(std::string(e.what()).find("db.dbo.acct"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("\"v\""), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("(id)=(10)"), std::string::npos);
    EXPECT_NE(e.hint.find("dts_set_nul_policy('inc', 'strip')"), std::string::npos);
}
