#include "row_cache.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <string_view>
#include <utility>

using dts::Lsn;
using dts::changes::Values;
using dts::logrec::key_string;
using dts::logrec::RowCache;

namespace {
Lsn at(uint32_t block) {
    return Lsn{0x27, block, 1};
}

// The tests below are about images; the format flag has its own test.
void put(RowCache &c, size_t table, std::string_view key, const Lsn &commit, const Values &r) {
    c.put(table, key, commit, r, false);
}

bool find(const RowCache &c, size_t table, std::string_view key, Values &r) {
    bool shown = true;
    const bool found = c.find(table, key, r, shown);
    EXPECT_FALSE(found && shown) << key;
    return found;
}

Values row(const std::string &tag, size_t width = 3) {
    Values v;
    for (size_t i = 0; i < width; ++i)
        v.push_back(tag + "-" + std::to_string(i));
    return v;
}
} // namespace

TEST(RowCache, KeepsNullEmptyAndLongValuesApart) {
    RowCache c(1 << 20);
    const Values r{std::nullopt, std::string(), std::string(5000, 'x'), std::string("\0a", 2)};
    put(c, 0, "k1", at(1), r);
    Values got{std::string("stale")};
    ASSERT_TRUE(find(c, 0, "k1", got));
    EXPECT_EQ(got, r);
    EXPECT_FALSE(find(c, 0, "k2", got));
    // An empty row and an empty key are values like any other.
    put(c, 0, "", at(2), {});
    ASSERT_TRUE(find(c, 0, "", got));
    EXPECT_TRUE(got.empty());
}

TEST(RowCache, TablesAreSeparateAndALaterImageReplaces) {
    RowCache c(1 << 20);
    put(c, 0, "k", at(1), row("t0"));
    put(c, 1, "k", at(1), row("t1"));
    put(c, 0, "k", at(2), row("t0 again", 5));
    Values got;
    ASSERT_TRUE(find(c, 0, "k", got));
    EXPECT_EQ(got, row("t0 again", 5));
    ASSERT_TRUE(find(c, 1, "k", got));
    EXPECT_EQ(got, row("t1"));
    EXPECT_EQ(c.size(), 2u);
    c.erase(0, "k");
    EXPECT_FALSE(find(c, 0, "k", got));
    EXPECT_TRUE(find(c, 1, "k", got));
}

TEST(RowCache, BoundedByTwoGenerationsAndEraseReachesBoth) {
    // Rows of ~200 bytes, 64 KiB: each generation holds a few hundred.
    RowCache c(64 << 10);
    for (int i = 0; i < 5000; ++i)
        put(c, 0, "k" + std::to_string(i), at(static_cast<uint32_t>(i)),
            row("r" + std::to_string(i)));
    EXPECT_LE(c.bytes(), size_t{64 << 10});
    EXPECT_LT(c.size(), 1000u);
    Values got;
    EXPECT_FALSE(find(c, 0, "k0", got)); // the oldest went with its generation
    ASSERT_TRUE(find(c, 0, "k4999", got));
    EXPECT_EQ(got, row("r4999"));
    // The oldest key still known is in the older generation. Replaced in the newer one: the newer
    // image answers, and an erase leaves neither behind.
    std::string older;
    for (int i = 0; i < 5000 && older.empty(); ++i)
        if (find(c, 0, "k" + std::to_string(i), got))
            older = "k" + std::to_string(i);
    ASSERT_FALSE(older.empty());
    put(c, 0, older, at(9000), row("new"));
    ASSERT_TRUE(find(c, 0, older, got));
    EXPECT_EQ(got, row("new"));
    c.erase(0, older);
    EXPECT_FALSE(find(c, 0, older, got));
}

TEST(RowCache, ForgetFromDropsLaterImagesOnly) {
    RowCache c(1 << 20);
    for (uint32_t i = 0; i < 100; ++i)
        put(c, 0, "k" + std::to_string(i), at(i), row("r"));
    c.forget_from(at(60));
    Values got;
    for (uint32_t i = 0; i < 100; ++i)
        EXPECT_EQ(find(c, 0, "k" + std::to_string(i), got), i < 60) << i;
    EXPECT_EQ(c.size(), 60u);
    put(c, 0, "k70", at(70), row("again"));
    ASSERT_TRUE(find(c, 0, "k70", got));
    EXPECT_EQ(got, row("again"));
    c.clear();
    EXPECT_EQ(c.size(), 0u);
    EXPECT_EQ(c.bytes(), 0u);
    EXPECT_FALSE(find(c, 0, "k1", got));
}

TEST(RowCache, AgreesWithAMapUnderRandomPutsAndErases) {
    // Unbounded (no generation drops), so every answer must match the model exactly: this walks
    // the index through growth, tombstones and rebuilds.
    RowCache c(size_t{1} << 40);
    std::map<std::pair<size_t, std::string>, Values> model;
    std::mt19937 rng(12345);
    for (int step = 0; step < 200000; ++step) {
        const size_t table = rng() % 3;
        const std::string key = "key" + std::to_string(rng() % 5000);
        if (rng() % 4 == 0) {
            c.erase(table, key);
            model.erase({table, key});
        } else {
            Values v = row(std::to_string(step), 1 + rng() % 4);
            if (rng() % 5 == 0)
                v[0].reset();
            put(c, table, key, at(static_cast<uint32_t>(step)), v);
            model[{table, key}] = v;
        }
    }
    EXPECT_EQ(c.size(), model.size());
    Values got;
    for (size_t table = 0; table < 3; ++table)
        for (int k = 0; k < 5000; ++k) {
            const std::string key = "key" + std::to_string(k);
            auto m = model.find({table, key});
            ASSERT_EQ(find(c, table, key, got), m != model.end()) << table << " " << key;
            if (m != model.end()) {
                EXPECT_EQ(got, m->second) << table << " " << key;
            }
        }
}

TEST(RowCache, ForgetFromNeverRevealsAnOlderGenerationsImage) {
    // k's image at 1 ends up in the older generation, its image at 2 (applied) is replaced by the
    // one at 3 (taken, not applied). Forgetting from 3 must not answer with the image at 1.
    RowCache c(8 << 10); // ~30 of these rows per generation
    put(c, 0, "k", at(1), row("one"));
    for (int i = 0; i < 40; ++i)
        put(c, 0, "filler" + std::to_string(i), at(1), row("f"));
    Values got;
    ASSERT_GT(c.older_size(), 0u) << "k must be in the older generation";
    ASSERT_TRUE(find(c, 0, "k", got));
    ASSERT_EQ(got, row("one"));
    put(c, 0, "k", at(2), row("two"));
    put(c, 0, "k", at(3), row("three"));
    c.forget_from(at(3));
    EXPECT_FALSE(find(c, 0, "k", got));
}

TEST(RowCache, KeyStringsOfDifferentKeysDiffer) {
    // With separators instead of lengths these pairs were one string: a value may hold any byte.
    const std::string sep("\x1f\x01", 2);
    EXPECT_NE(key_string({"a" + sep + "b", std::string("c")}),
              key_string({std::string("a"), "b" + sep + "c"}));
    EXPECT_NE(key_string({std::string("ab"), std::string()}),
              key_string({std::string("a"), std::string("b")}));
    EXPECT_NE(key_string({std::nullopt}), key_string({std::string()}));
    EXPECT_NE(key_string({std::string("\x02", 1)}), key_string({std::nullopt}));
    EXPECT_NE(key_string({std::nullopt, std::nullopt}), key_string({std::nullopt}));
    // Lengths past one 7-bit group.
    EXPECT_NE(key_string({std::string(200, 'x')}), key_string({std::string(72, 'x')}));
    EXPECT_NE(key_string({std::string(128, 'x'), std::string("y")}),
              key_string({std::string(128, 'x') + "\x01\x01y"}));
    EXPECT_EQ(key_string({std::string("k"), std::nullopt}),
              key_string({std::string("k"), std::nullopt}));
}

TEST(RowCache, KeepsWhetherTheImagesFormatWasShownPerImage) {
    RowCache c(1 << 20);
    c.put(0, "k", at(1), row("inserted"), true);
    c.put(1, "k", at(1), row("re-read"), false);
    Values got;
    bool shown = false;
    ASSERT_TRUE(c.find(0, "k", got, shown));
    EXPECT_TRUE(shown);
    ASSERT_TRUE(c.find(1, "k", got, shown));
    EXPECT_FALSE(shown);
    // A later image replaces the flag with its own, both ways.
    c.put(0, "k", at(2), row("re-read later"), false);
    c.put(1, "k", at(2), row("inserted later"), true);
    ASSERT_TRUE(c.find(0, "k", got, shown));
    EXPECT_FALSE(shown);
    EXPECT_EQ(got, row("re-read later"));
    ASSERT_TRUE(c.find(1, "k", got, shown));
    EXPECT_TRUE(shown);
}
