#include "capture_verdict.hpp"

#include <gtest/gtest.h>

using dts::Lsn;
using namespace dts::capture;

namespace {

Lsn at(uint32_t block) {
    return Lsn{0x30, block, 1};
}

} // namespace

TEST(CaptureVerdict, SameInstancesAreSame) {
    std::vector<Seen> known = {{101, at(10)}};
    EXPECT_EQ(judge(known, known, at(50), std::nullopt, false), Verdict::Same);
}

TEST(CaptureVerdict, CleanupMovingTheStartIsNotALoss) {
    // The retention check reports a position cleanup passed; the instance itself is the same.
    EXPECT_EQ(judge({{101, at(10)}}, {{101, at(80)}}, at(50), std::nullopt, false), Verdict::Same);
}

TEST(CaptureVerdict, SecondInstanceAddedIsAReload) {
    EXPECT_EQ(judge({{101, at(10)}}, {{101, at(10)}, {102, at(90)}}, at(50), std::nullopt, false),
              Verdict::Reload);
}

TEST(CaptureVerdict, OlderInstanceDroppedAfterThePositionPassedTheNewerIsAReload) {
    EXPECT_EQ(judge({{101, at(10)}, {102, at(40)}}, {{102, at(40)}}, at(50), std::nullopt, false),
              Verdict::Reload);
}

TEST(CaptureVerdict, CoveringInstanceDroppedBeforeTheNewerStartsIsALoss) {
    EXPECT_EQ(judge({{101, at(10)}, {102, at(90)}}, {{102, at(90)}}, at(50), std::nullopt, false),
              Verdict::Lost);
}

TEST(CaptureVerdict, DisabledAndReEnabledUnderTheSameNameIsALoss) {
    // Same capture instance name, another change table.
    EXPECT_EQ(judge({{101, at(10)}}, {{205, at(70)}}, at(50), std::nullopt, false), Verdict::Lost);
    // Even when the new one started before the position: the old one's last changes are gone.
    EXPECT_EQ(judge({{101, at(10)}}, {{205, at(40)}}, at(50), std::nullopt, false), Verdict::Lost);
}

TEST(CaptureVerdict, NoInstanceIsDisabled) {
    EXPECT_EQ(judge({{101, at(10)}}, {}, at(50), std::nullopt, false), Verdict::Disabled);
    EXPECT_EQ(judge({}, {}, at(50), std::nullopt, true), Verdict::Disabled);
}

TEST(CaptureVerdict, AnInstanceAfterADisableIsALoss) {
    EXPECT_EQ(judge({}, {{205, at(70)}}, at(50), std::nullopt, true), Verdict::Lost);
}

TEST(CaptureVerdict, InstanceStartingAfterThePositionIsALossUnlessTheTableJoinedThere) {
    // First look (nothing kept yet): CDC enabled after the position, e.g. a table added to a
    // stopped task.
    std::vector<Seen> late = {{301, at(70)}};
    EXPECT_EQ(judge(late, late, at(50), std::nullopt, false), Verdict::Lost);
    // A table that joined during the stage is read from its capture start.
    EXPECT_EQ(judge(late, late, at(50), at(70), false), Verdict::Same);
}

TEST(CaptureVerdict, TextRoundTrip) {
    Seen s{123456789, Lsn{0x2a, 0x1a8, 3}};
    EXPECT_EQ(to_text(s), "123456789@0000002a:000001a8:0003");
    EXPECT_EQ(from_text(to_text(s)), s);
    EXPECT_FALSE(from_text("x@0000002a:000001a8:0003"));
    EXPECT_FALSE(from_text("12"));
    EXPECT_FALSE(from_text("12@junk"));
}
