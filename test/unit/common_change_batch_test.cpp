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

// compact() points into its input: each test keeps the batch alive and reads values out.
struct Result {
    std::vector<Values> upserts, deletes;
    std::vector<bool> fresh;
    size_t changes_in;
};
Result run(const std::vector<Change> &batch, const DmlSelection &dml = {}) {
    Compacted c = compact(batch, dml);
    Result r{{}, {}, {}, c.changes_in};
    for (const Upsert &u : c.upserts) {
        r.upserts.push_back(*u.row);
        r.fresh.push_back(u.fresh);
    }
    for (const Values *k : c.deletes)
        r.deletes.push_back(*k);
    return r;
}
} // namespace

TEST(ChangeBatch, LastChangeOfAKeyWins) {
    auto c = run({ins("1", "a"), upd("1", "b"), ins("2", "x"), upd("1", "c")});
    ASSERT_EQ(c.upserts.size(), 2u);
    EXPECT_EQ(c.upserts[0], v({"1", "c"}));
    EXPECT_EQ(c.upserts[1], v({"2", "x"}));
    EXPECT_TRUE(c.deletes.empty());
    EXPECT_EQ(c.changes_in, 4u);
}

TEST(ChangeBatch, InsertThenDeleteIsADelete) {
    // The key may exist at the destination from before the batch (a full load that copied the
    // row after the cutover): the delete must still run.
    auto c = run({ins("1", "a"), del("1")});
    EXPECT_TRUE(c.upserts.empty());
    ASSERT_EQ(c.deletes.size(), 1u);
    EXPECT_EQ(c.deletes[0], v({"1"}));
}

TEST(ChangeBatch, DeleteThenInsertIsAnUpsert) {
    auto c = run({del("1"), ins("1", "new")});
    EXPECT_TRUE(c.deletes.empty());
    ASSERT_EQ(c.upserts.size(), 1u);
    EXPECT_EQ(c.upserts[0], v({"1", "new"}));
    EXPECT_FALSE(c.fresh[0]); // the key existed before the batch
}

TEST(ChangeBatch, KeysFirstInsertedInTheBatchAreFresh) {
    auto c = run({ins("1", "a"), upd("2", "b"), ins("3", "c"), upd("3", "d"), upd("1", "e")});
    ASSERT_EQ(c.upserts.size(), 3u);
    EXPECT_EQ(c.upserts[0], v({"1", "e"}));
    EXPECT_EQ(c.fresh, (std::vector<bool>{true, false, true}));
    // Moved to a key: not known to be new (the key may have been somebody else's until now).
    auto m = run({upd("5", "a", "4")});
    EXPECT_EQ(m.fresh, (std::vector<bool>{false}));
    // Without deletes the destination keeps keys the source deleted and may insert again.
    auto n = run({ins("1", "a")}, {true, true, false});
    EXPECT_EQ(n.fresh, (std::vector<bool>{false}));
}

TEST(ChangeBatch, UpdateThatChangesTheKey) {
    // UPDATE t SET id = 2 WHERE id = 1, then a new row with id 1.
    auto c = run({upd("2", "a", "1")});
    ASSERT_EQ(c.deletes.size(), 1u);
    EXPECT_EQ(c.deletes[0], v({"1"}));
    ASSERT_EQ(c.upserts.size(), 1u);
    EXPECT_EQ(c.upserts[0], v({"2", "a"}));
    auto d = run({upd("2", "a", "1"), ins("1", "b")});
    EXPECT_TRUE(d.deletes.empty());
    EXPECT_EQ(d.upserts.size(), 2u);
    EXPECT_EQ(d.fresh, (std::vector<bool>{false, false}));
    // Swapping two keys through a third one.
    auto e = run({upd("3", "a", "1"), upd("1", "b", "2"), upd("2", "a", "3")});
    EXPECT_EQ(e.deletes, std::vector<Values>{v({"3"})});
    EXPECT_EQ(e.upserts.size(), 2u);
}

TEST(ChangeBatch, NullKeysCompareEqual) {
    auto c = run({ins(nullptr, "a"), upd(nullptr, "b")});
    ASSERT_EQ(c.upserts.size(), 1u);
    EXPECT_EQ(c.upserts[0], (Values{Value(), Value("b")}));
}

TEST(ChangeBatch, DmlSelection) {
    std::vector<Change> batch{ins("1", "a"), upd("2", "b"), del("3")};
    auto only_inserts = run(batch, {true, false, false});
    EXPECT_EQ(only_inserts.upserts, std::vector<Values>{v({"1", "a"})});
    EXPECT_TRUE(only_inserts.deletes.empty());
    auto no_deletes = run(batch, {true, true, false});
    EXPECT_EQ(no_deletes.upserts.size(), 2u);
    EXPECT_TRUE(no_deletes.deletes.empty());
}

TEST(ChangeBatch, ManyKeysKeepFirstSeenOrder) {
    std::vector<Change> batch;
    std::vector<std::string> keys;
    for (int i = 0; i < 5000; ++i)
        keys.push_back(std::to_string((i * 7919) % 5000));
    for (const auto &k : keys)
        batch.push_back(ins(k.c_str(), "x"));
    for (size_t i = 0; i < keys.size(); i += 3)
        batch.push_back(del(keys[i].c_str()));
    auto c = run(batch);
    EXPECT_EQ(c.upserts.size() + c.deletes.size(), 5000u);
    EXPECT_EQ(c.deletes.size(), 1667u);
    for (size_t i = 1; i < c.upserts.size(); ++i)
        EXPECT_NE(c.upserts[i - 1][0], c.upserts[i][0]);
    EXPECT_EQ(c.upserts[0][0], keys[1]);
    EXPECT_EQ(c.deletes[1][0], keys[3]);
}

// Row filters on changes (issue 16 item 9).
TEST(ChangeBatchFilter, InsertOutsideIsDropped) {
    std::vector<Change> out;
    apply_filter(ins("1", "a"), false, out);
    EXPECT_TRUE(out.empty());
    apply_filter(ins("2", "b"), true, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].op, Op::Insert);
}

TEST(ChangeBatchFilter, UpdateLeavingTheFilterDeletes) {
    std::vector<Change> out;
    apply_filter(upd("1", "x"), false, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].op, Op::Delete);
    EXPECT_EQ(out[0].key, v({"1"}));
    auto r = run(out);
    EXPECT_EQ(r.deletes, std::vector<Values>{v({"1"})});
    EXPECT_TRUE(r.upserts.empty());
}

TEST(ChangeBatchFilter, MovedRowLeavingTheFilterDeletesBothKeys) {
    std::vector<Change> out;
    apply_filter(upd("2", "x", "1"), false, out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].key, v({"1"}));
    EXPECT_EQ(out[1].key, v({"2"}));
    EXPECT_EQ(out[1].op, Op::Delete);
}

TEST(ChangeBatchFilter, UpdateEnteringTheFilterUpsertsTheAfterImage) {
    std::vector<Change> out;
    apply_filter(upd("1", "x"), true, out);
    auto r = run(out);
    ASSERT_EQ(r.upserts.size(), 1u);
    EXPECT_EQ(r.upserts[0], v({"1", "x"}));
    EXPECT_FALSE(r.fresh[0]); // the destination may have it: an upsert, not a plain insert
}

TEST(ChangeBatchFilter, DeletesStay) {
    std::vector<Change> out;
    apply_filter(del("1"), false, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].op, Op::Delete);
}

TEST(ChangeBatchFilter, LeavingThenEnteringInOneBatchEndsWithTheRow) {
    std::vector<Change> out;
    apply_filter(ins("1", "in"), true, out);
    apply_filter(upd("1", "out"), false, out);
    apply_filter(upd("1", "in again"), true, out);
    auto r = run(out);
    ASSERT_EQ(r.upserts.size(), 1u);
    EXPECT_EQ(r.upserts[0], v({"1", "in again"}));
    EXPECT_TRUE(r.deletes.empty());
}
