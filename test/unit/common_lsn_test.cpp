#include "lsn.hpp"

#include <gtest/gtest.h>

using dts::Lsn;

TEST(Lsn, LogStringRoundTrip) {
    auto l = Lsn::parse("00000027:000001a8:0003");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->vlf, 0x27u);
    EXPECT_EQ(l->block, 0x1a8u);
    EXPECT_EQ(l->slot, 3);
    EXPECT_EQ(l->to_log_string(), "00000027:000001a8:0003");
    EXPECT_EQ(l->to_hex_literal(), "0x00000027000001A80003");
}

TEST(Lsn, BinaryIsBigEndianAndOrdersLikeTheParts) {
    Lsn a{0x27, 0x1a8, 3}, b{0x27, 0x1a8, 4}, c{0x27, 0x1a9, 0}, d{0x28, 0, 0};
    EXPECT_LT(a, b);
    EXPECT_LT(b, c);
    EXPECT_LT(c, d);
    EXPECT_LT(a.to_binary(), b.to_binary());
    EXPECT_LT(b.to_binary(), c.to_binary());
    EXPECT_LT(c.to_binary(), d.to_binary());
    EXPECT_EQ(a.to_binary(), std::string("\x00\x00\x00\x27\x00\x00\x01\xa8\x00\x03", 10));
    EXPECT_EQ(Lsn::from_binary(a.to_binary()), a);
    EXPECT_FALSE(Lsn::from_binary("short"));
}

TEST(Lsn, ParsesHexLiteralAndRejectsGarbage) {
    EXPECT_EQ(Lsn::parse("0x00000027000001A80003"), (Lsn{0x27, 0x1a8, 3}));
    EXPECT_FALSE(Lsn::parse("0x0000002700"));
    EXPECT_FALSE(Lsn::parse("zz:00:00"));
    EXPECT_FALSE(Lsn::parse("1:2"));
    EXPECT_FALSE(Lsn::parse("000000027:0:0"));
}

TEST(Lsn, NextCarriesAcrossParts) {
    EXPECT_EQ((Lsn{1, 2, 3}).next(), (Lsn{1, 2, 4}));
    EXPECT_EQ((Lsn{1, 2, 0xffff}).next(), (Lsn{1, 3, 0}));
    EXPECT_EQ((Lsn{1, 0xffffffff, 0xffff}).next(), (Lsn{2, 0, 0}));
    EXPECT_TRUE(Lsn{}.is_null());
}

TEST(Lsn, PrevUndoesNext) {
    EXPECT_EQ((Lsn{1, 2, 4}).prev(), (Lsn{1, 2, 3}));
    EXPECT_EQ((Lsn{1, 3, 0}).prev(), (Lsn{1, 2, 0xffff}));
    EXPECT_EQ((Lsn{2, 0, 0}).prev(), (Lsn{1, 0xffffffff, 0xffff}));
    for (Lsn l : {Lsn{5, 0, 0}, Lsn{5, 7, 0}, Lsn{5, 7, 9}})
        EXPECT_EQ(l.next().prev(), l);
}

TEST(Lsn, NumericForm) {
    // 0x27:0x1a8:3 = 39 | 0000000424 | 00003
    auto l = dts::Lsn::from_numeric("39000000042400003");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->to_log_string(), "00000027:000001a8:0003");
    EXPECT_FALSE(dts::Lsn::from_numeric("12x"));
    EXPECT_FALSE(dts::Lsn::from_numeric("123"));
    EXPECT_FALSE(dts::Lsn::from_numeric("39000000042499999")); // slot past 65535
}
