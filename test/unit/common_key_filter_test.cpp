#include "key_filter.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

using dts::KeyFilter;

TEST(KeyFilter, EveryKeyAddedIsFound) {
    KeyFilter f(1 << 16);
    std::hash<std::string> h;
    for (int i = 0; i < 20000; ++i)
        f.add(h("key" + std::to_string(i)));
    for (int i = 0; i < 20000; ++i)
        EXPECT_TRUE(f.may_contain(h("key" + std::to_string(i)))) << i;
}

TEST(KeyFilter, KeysNeverAddedAreMostlyAbsent) {
    // Sized as the log reader sizes it, with a million keys (a 1M-row transaction): a false
    // "maybe" costs a re-read, so it must stay rare.
    KeyFilter f;
    std::hash<std::string> h;
    for (int i = 0; i < 1000000; ++i)
        f.add(h("in" + std::to_string(i)));
    int maybe = 0;
    for (int i = 0; i < 100000; ++i)
        maybe += f.may_contain(h("out" + std::to_string(i)));
    EXPECT_LT(maybe, 6000); // ~5% at this load; an empty filter says no
    EXPECT_FALSE(KeyFilter().may_contain(h("anything")));
}

TEST(KeyFilter, SizeIsFixed) {
    KeyFilter small(1);
    small.add(1);
    EXPECT_TRUE(small.may_contain(1));
}
