// Layout checks of the log decoder (log_layout.hpp) and fn_dblog's textual ids (log_fields.hpp).
#include "common_log_test_util.hpp"
#include "log_fields.hpp"
#include "log_layout.hpp"

#include <gtest/gtest.h>

using namespace dts::logrec;
using logtest::col;

namespace {

Layout good() {
    Layout l;
    l.columns.push_back(col("id", 1, 56, 4, 1, 4));
    l.columns.back().key_ordinal = 1;
    l.columns.push_back(col("b1", 2, 104, 8, 2, 1));
    l.columns.push_back(col("b2", 3, 104, 8, 3, 1));
    l.columns.back().leaf_bit_position = 1;
    l.columns.push_back(col("t", 4, 42, 9, 4, 8)); // datetime2(7)
    l.columns.back().scale = 7;
    l.columns.push_back(col("s", 5, 167, -1, 5, 20));
    l.columns.push_back(col("", 6, 34, -2, 6, 16)); // a dropped image column: never decoded
    l.columns.back().is_dropped = true;
    return l;
}

std::string why(const Layout &l) {
    try {
        l.validate();
    } catch (const DecodeError &e) {
        return e.what();
    }
    return "";
}

TEST(LogLayout, ValidLayoutPasses) {
    EXPECT_EQ(why(good()), "");
}

TEST(LogLayout, UnsupportedColumnsAreNamed) {
    Layout l = good();
    l.columns[4].is_sparse = true;
    EXPECT_NE(why(l).find("column 's' (partition column 5): sparse"), std::string::npos) << why(l);
    for (auto [type, word] : {std::pair{98, "sql_variant"},
                              {240, "hierarchyid"},
                              {241, "xml"},
                              {35, "text"},
                              {99, "ntext"},
                              {34, "image"},
                              {999, "999"}}) {
        l = good();
        l.columns[4].system_type_id = type;
        EXPECT_NE(why(l).find(word), std::string::npos) << why(l);
    }
    l = good();
    l.columns[4].collation_name = "Chinese_PRC_CI_AS";
    EXPECT_NE(why(l).find("Chinese_PRC_CI_AS"), std::string::npos);
    l.columns[4].collation_name = "";
    EXPECT_NE(why(l).find("code page 1252"), std::string::npos);
    // vardecimal: a decimal in the variable part.
    l = good();
    l.columns[4].system_type_id = 106;
    l.columns[4].precision = 10;
    l.columns[4].max_length = 9;
    EXPECT_NE(why(l).find("vardecimal"), std::string::npos) << why(l);
}

TEST(LogLayout, InconsistentCatalogRowsAreRefused) {
    Layout l = good();
    l.columns[1].leaf_null_bit = 1; // twice
    EXPECT_NE(why(l), "");
    l = good();
    l.columns[2].leaf_bit_position = 0; // same bit as b1
    EXPECT_NE(why(l), "");
    l = good();
    l.columns[3].leaf_offset = 6; // datetime2 [6,14) overlaps id [4,8)
    EXPECT_NE(why(l).find("overlap"), std::string::npos) << why(l);
    l = good();
    l.columns[3].max_length = 7; // datetime2(7) is 8 bytes
    EXPECT_NE(why(l).find("8 bytes"), std::string::npos) << why(l);
    l = good();
    l.columns[4].leaf_offset = -3; // variable slots 1 and 3
    EXPECT_NE(why(l), "");
    l = good();
    l.columns[4].key_ordinal = 3; // key ordinals 1 and 3
    EXPECT_NE(why(l), "");
    l = good();
    l.columns[0].leaf_offset = 2; // inside the header
    EXPECT_NE(why(l), "");
    l = good();
    std::swap(l.columns[0], l.columns[1]); // not by partition_column_id
    EXPECT_NE(why(l), "");
}

TEST(LogLayout, Cp1252Collations) {
    for (const char *c : {"SQL_Latin1_General_CP1_CI_AS", "SQL_Latin1_General_CP1_CS_AS",
                          "Latin1_General_CI_AS", "Latin1_General_100_CI_AS_SC",
                          "latin1_general_bin2", "French_CI_AS", "SQL_Danish_Pref_CP1_CI_AS"})
        EXPECT_TRUE(is_cp1252_collation(c)) << c;
    for (const char *c :
         {"SQL_Latin1_General_CP1250_CI_AS", "SQL_Latin1_General_CP437_BIN",
          "Latin1_General_100_CI_AS_SC_UTF8", "Cyrillic_General_CI_AS", "Japanese_CI_AS", ""})
        EXPECT_FALSE(is_cp1252_collation(c)) << c;
}

TEST(LogFields, PageAndTransactionIds) {
    EXPECT_EQ(parse_page_id("0001:0000022e"), (uint64_t{1} << 32) | 0x22e);
    EXPECT_EQ(page_file(*parse_page_id("0003:000000FF")), 3);
    EXPECT_EQ(page_number(*parse_page_id("0003:000000FF")), 0xffu);
    EXPECT_EQ(parse_transaction_id("0000:000002d6"), uint64_t{0x2d6});
    EXPECT_EQ(parse_transaction_id("ffff:ffffffff"), uint64_t{0xffffffffffff});
    for (const char *bad : {"", "0001:22e", "0001-0000022e", "01:0000022e", "0001:0000022g",
                            "0001:0000022e ", "00010000022e"}) {
        EXPECT_FALSE(parse_page_id(bad)) << bad;
        EXPECT_FALSE(parse_transaction_id(bad)) << bad;
    }
}

} // namespace

TEST(LogLayout, ValidatedOnceForEveryRecordButAFailureIsNotRemembered) {
    Layout bad = good();
    bad.columns[4].is_sparse = true;
    EXPECT_THROW(bad.validate_once(), DecodeError);
    EXPECT_THROW(bad.validate_once(), DecodeError); // checked again, not taken as valid
    Layout l = good();
    EXPECT_NO_THROW(l.validate_once());
    l.columns[4].is_sparse = true; // changed after its first use: validate() checks again
    EXPECT_NO_THROW(l.validate_once());
    EXPECT_THROW(l.validate(), DecodeError);
    EXPECT_THROW(l.validate_once(), DecodeError); // the failed validate() forgot the success
}
