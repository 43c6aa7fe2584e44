// TDS packet framing (MS-TDS 2.2.3): the 8-byte header and the split of a message into packets of
// the negotiated size. Pure functions, so splitting is unit-tested without sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sim::tds {

enum PacketType : uint8_t {
    kSqlBatch = 1,
    kRpc = 3,
    kTabular = 4,
    kAttention = 6,
    kBulkLoad = 7,
    kTransactionManager = 14,
    kLogin7 = 16,
    kPrelogin = 18,
};

constexpr size_t kHeaderSize = 8;
constexpr uint8_t kStatusEom = 0x01;

struct PacketHeader {
    uint8_t type = 0;
    uint8_t status = 0;
    uint16_t length = 0; // including the header
    uint16_t spid = 0;
    uint8_t packet_id = 0;
};
PacketHeader parse_packet_header(const char (&h)[kHeaderSize]);

// Appends `payload` to `out` as packets of at most `packet_size` bytes. The last packet carries
// EOM when `last`; otherwise the message continues in a later call. `packet_id` counts on (it
// wraps at 256, as the spec allows).
void append_packets(std::string &out, uint8_t type, std::string_view payload, size_t packet_size,
                    uint16_t spid, uint8_t &packet_id, bool last);

} // namespace sim::tds
