// TDS packet framing of the simulator (MS-TDS 2.2.3.1 packet header).
#include "tds/packet.hpp"

#include <gtest/gtest.h>

using namespace sim::tds;

namespace {
PacketHeader header_at(const std::string &s, size_t at) {
    char h[kHeaderSize];
    std::copy_n(s.data() + at, kHeaderSize, h);
    return parse_packet_header(h);
}
} // namespace

TEST(TdsPacket, SmallMessageIsOnePacketWithEom) {
    std::string out;
    uint8_t id = 1;
    append_packets(out, kTabular, "abc", 4096, 0x0035, id, true);
    ASSERT_EQ(out.size(), 11u);
    EXPECT_EQ(out.substr(0, 8), std::string("\x04\x01\x00\x0B\x00\x35\x01\x00", 8));
    EXPECT_EQ(out.substr(8), "abc");
    EXPECT_EQ(id, 2);
}

TEST(TdsPacket, LargeMessageIsSplitAtPacketSizeAndOnlyTheLastHasEom) {
    std::string payload(1000, 'x');
    std::string out;
    uint8_t id = 255;
    append_packets(out, kTabular, payload, 512, 7, id, true);
    // 504 body bytes per packet: 504 + 496
    ASSERT_EQ(out.size(), 1000u + 2 * kHeaderSize);
    PacketHeader a = header_at(out, 0), b = header_at(out, 512);
    EXPECT_EQ(a.length, 512);
    EXPECT_EQ(a.status, 0);
    EXPECT_EQ(a.spid, 7);
    EXPECT_EQ(a.packet_id, 255);
    EXPECT_EQ(b.length, 496 + kHeaderSize);
    EXPECT_EQ(b.status, kStatusEom);
    EXPECT_EQ(b.packet_id, 0); // wraps
}

TEST(TdsPacket, ContinuedMessageHasNoEomAndEmptyFinalMessageIsOneHeader) {
    std::string out;
    uint8_t id = 1;
    append_packets(out, kTabular, std::string(504, 'y'), 512, 0, id, false);
    EXPECT_EQ(header_at(out, 0).status, 0);
    out.clear();
    append_packets(out, kTabular, "", 512, 0, id, true);
    ASSERT_EQ(out.size(), kHeaderSize);
    EXPECT_EQ(header_at(out, 0).length, kHeaderSize);
    EXPECT_EQ(header_at(out, 0).status, kStatusEom);
}
