#include "change_batch.hpp"

#include <gtest/gtest.h>

using namespace dts::changes;

namespace {
Values v(std::initializer_list<const char *> xs) {
    Values out;
    for (const char *x : xs)
        out.push_back(x ? Value(x) : Value());
    return out;
}
Change ins(const char *k, const char *val) {
    return {{}, {}, Op::Insert, v({k}), v({k, val}), {}};
}
Change upd(const char *k, const char *val, const char *old = nullptr) {
    return {{}, {}, Op::Update, v({k}), v({k, val}), old ? v({old}) : Values{}};
}
Change del(const char *k) {
    return {{}, {}, Op::Delete, v({k}), {}, {}};
}
} // namespace

TEST(ChangeBatch, LastChangeOfAKeyWins) {
    auto c = compact({ins("1", "a"), upd("1", "b"), ins("2", "x"), upd("1", "c")});
    ASSERT_EQ(c.upserts.size(), 2u);
    EXPECT_EQ(c.upserts[0], v({"1", "c"}));
    EXPECT_EQ(c.upserts[1], v({"2", "x"}));
    EXPECT_TRUE(c.deletes.empty());
    EXPECT_EQ(c.changes_in, 4u);
}

TEST(ChangeBatch, InsertThenDeleteIsADelete) {
    // The key may exist at the destination from before the batch: the delete must still run.
    auto c = compact({ins("1", "a"), del("1")});
    EXPECT_TRUE(c.upserts.empty());
    ASSERT_EQ(c.deletes.size(), 1u);
    EXPECT_EQ(c.deletes[0], v({"1"}));
}

TEST(ChangeBatch, DeleteThenInsertIsAnUpsert) {
    auto c = compact({del("1"), ins("1", "new")});
    EXPECT_TRUE(c.deletes.empty());
    ASSERT_EQ(c.upserts.size(), 1u);
    EXPECT_EQ(c.upserts[0], v({"1", "new"}));
}

TEST(ChangeBatch, UpdateThatChangesTheKey) {
    // UPDATE t SET id = 2 WHERE id = 1, then a new row with id 1.
    auto c = compact({upd("2", "a", "1")});
    ASSERT_EQ(c.deletes.size(), 1u);
    EXPECT_EQ(c.deletes[0], v({"1"}));
    ASSERT_EQ(c.upserts.size(), 1u);
    EXPECT_EQ(c.upserts[0], v({"2", "a"}));
    auto d = compact({upd("2", "a", "1"), ins("1", "b")});
    EXPECT_TRUE(d.deletes.empty());
    EXPECT_EQ(d.upserts.size(), 2u);
    // Swapping two keys through a third one.
    auto e = compact({upd("3", "a", "1"), upd("1", "b", "2"), upd("2", "a", "3")});
    EXPECT_EQ(e.deletes, std::vector<Values>{v({"3"})});
    EXPECT_EQ(e.upserts.size(), 2u);
}

TEST(ChangeBatch, NullKeysCompareEqual) {
    auto c = compact({ins(nullptr, "a"), upd(nullptr, "b")});
    ASSERT_EQ(c.upserts.size(), 1u);
    EXPECT_EQ(c.upserts[0], (Values{Value(), Value("b")}));
}

TEST(ChangeBatch, DmlSelection) {
    std::vector<Change> batch{ins("1", "a"), upd("2", "b"), del("3")};
    auto only_inserts = compact(batch, {true, false, false});
    EXPECT_EQ(only_inserts.upserts, std::vector<Values>{v({"1", "a"})});
    EXPECT_TRUE(only_inserts.deletes.empty());
    auto no_deletes = compact(batch, {true, true, false});
    EXPECT_EQ(no_deletes.upserts.size(), 2u);
    EXPECT_TRUE(no_deletes.deletes.empty());
}
