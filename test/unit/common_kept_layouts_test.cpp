#include "kept_layouts.hpp"

#include "common_log_test_util.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

using namespace dts::logrec;
using logtest::col;

namespace {

// t(id int NOT NULL, a int, note varchar(20)): id [4,8), a [8,12), note variable slot 1.
Layout three() {
    Layout l;
    l.columns.push_back(col("id", 1, 56, 4, 1, 4));
    l.columns.back().is_nullable = false;
    l.columns.back().key_ordinal = 1;
    l.columns.push_back(col("a", 2, 56, 8, 2, 4));
    l.columns.push_back(col("note", 3, 167, -1, 3, 20));
    return l;
}

} // namespace

TEST(KeptLayouts, EncodeDecodeRoundTrip) {
    KeptLayouts kept;
    Layout l = three();
    l.columns[1].default_value = "0";
    l.columns[2].name = "odd: name with spaces 3:x ";
    kept["db.dbo.t"][72057594039042048] = l;
    kept["db.dbo.t"][72057594039107584] = three();
    kept["db.s p.u"][1] = Layout();
    const std::string text = encode_layouts(kept);
    const KeptLayouts back = decode_layouts(text);
    ASSERT_EQ(back.size(), 2u);
    ASSERT_EQ(back.at("db.dbo.t").size(), 2u);
    const Layout &b = back.at("db.dbo.t").at(72057594039042048);
    ASSERT_EQ(b.columns.size(), 3u);
    EXPECT_EQ(b.columns[2].name, "odd: name with spaces 3:x ");
    EXPECT_EQ(b.columns[1].default_value, "0");
    EXPECT_FALSE(b.columns[0].default_value);
    EXPECT_FALSE(b.columns[0].is_nullable);
    EXPECT_EQ(b.columns[0].key_ordinal, 1);
    EXPECT_EQ(b.columns[2].leaf_offset, -1);
    EXPECT_EQ(b.columns[2].collation_name, "SQL_Latin1_General_CP1_CI_AS");
    EXPECT_TRUE(back.at("db.s p.u").at(1).columns.empty());
    EXPECT_EQ(encode_layouts(back), text);
}

TEST(KeptLayouts, RefusesTextItDidNotWrite) {
    const std::string good = encode_layouts({{"db.dbo.t", {{5, three()}}}});
    EXPECT_THROW(decode_layouts(""), std::invalid_argument);
    EXPECT_THROW(decode_layouts("garbage"), std::invalid_argument);
    EXPECT_THROW(decode_layouts(good.substr(0, good.size() - 1)), std::invalid_argument);
    EXPECT_THROW(decode_layouts(good + "1:x "), std::invalid_argument);
    std::string bad = good;
    bad.replace(bad.find("8:db.dbo.t"), 1, "9"); // a length that runs past its field
    EXPECT_THROW(decode_layouts(bad), std::invalid_argument);
}

TEST(KeptLayouts, ColumnsAddedOrDroppedInPlaceKeepOlderRecordsReadable) {
    const Layout older = three();
    EXPECT_FALSE(layout_change(older, older));
    Layout newer = three();
    newer.columns[1].is_dropped = true; // DROP COLUMN a, no rebuild: its bytes stay
    newer.columns[1].name.clear();
    newer.columns.push_back(col("b", 4, 127, 12, 4, 8));  // ADD b bigint: after a
    newer.columns.push_back(col("c", 5, 231, -2, 5, 40)); // ADD c nvarchar: slot 2
    newer.columns[2].max_length = 40;                     // varchar(20) -> varchar(40)
    newer.columns[0].is_nullable = false;
    EXPECT_EQ(layout_change(older, newer), std::nullopt);
}

TEST(KeptLayouts, ARelaidOutRowIsAChange) {
    const Layout older = three();
    // Rebuilt after DROP COLUMN a: a is gone, and a column added since sits where a was.
    Layout rebuilt;
    rebuilt.columns.push_back(older.columns[0]);
    rebuilt.columns.push_back(col("note", 2, 167, -1, 2, 20));
    rebuilt.columns.push_back(col("b", 3, 56, 8, 3, 4));
    auto why = layout_change(older, rebuilt);
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("partition column 2"), std::string::npos) << *why;

    // Rebuilt after DROP COLUMN a of t(id, a int, b int): b renumbered into a's place, and c
    // added since into b's. Every offset, bit and type is the same: only the names tell.
    Layout abc;
    abc.columns.push_back(older.columns[0]);
    abc.columns.push_back(col("a", 2, 56, 8, 2, 4));
    abc.columns.push_back(col("b", 3, 56, 12, 3, 4));
    Layout bc;
    bc.columns.push_back(older.columns[0]);
    bc.columns.push_back(col("b", 2, 56, 8, 2, 4));
    bc.columns.push_back(col("c", 3, 56, 12, 3, 4));
    why = layout_change(abc, bc);
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("is now column 'b'"), std::string::npos) << *why;
    // A rename (sp_rename) changes no byte.
    Layout renamed = abc;
    renamed.columns[2].name = "bee";
    EXPECT_FALSE(layout_change(abc, renamed));

    Layout moved = three();
    moved.columns[1].leaf_offset = 12;
    why = layout_change(older, moved);
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("offset 8 became 12"), std::string::npos) << *why;

    Layout retyped = three();
    retyped.columns[1].system_type_id = 127;
    EXPECT_TRUE(layout_change(older, retyped));
    Layout longer = three();
    longer.columns[1].max_length = 8; // a fixed column's length
    EXPECT_TRUE(layout_change(older, longer));
    Layout collated = three();
    collated.columns[2].collation_name = "Latin1_General_CI_AS";
    EXPECT_TRUE(layout_change(older, collated));

    // A column added inside the row: before the end of the fixed data, or an earlier NULL bit.
    Layout inside = three();
    inside.columns.push_back(col("x", 4, 56, 6, 4, 4));
    EXPECT_TRUE(layout_change(older, inside));
    Layout bit = three();
    bit.columns.push_back(col("x", 4, 56, 12, 3, 4));
    EXPECT_TRUE(layout_change(older, bit));

    // A dropped column cannot come back; the value older records read for an added column
    // cannot change (a rebuild forgets it).
    Layout dropped = three();
    dropped.columns[1].is_dropped = true;
    EXPECT_TRUE(layout_change(dropped, older));
    Layout with_default = three();
    with_default.columns.push_back(col("d", 4, 56, 12, 4, 4));
    with_default.columns.back().default_value = "6";
    Layout forgotten = with_default;
    forgotten.columns.back().default_value.reset();
    EXPECT_FALSE(layout_change(with_default, with_default));
    EXPECT_TRUE(layout_change(with_default, forgotten));
}
