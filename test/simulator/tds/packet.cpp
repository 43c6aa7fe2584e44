#include "packet.hpp"

#include <algorithm>

namespace sim::tds {

PacketHeader parse_packet_header(const char (&h)[kHeaderSize]) {
    auto b = [&](int i) { return static_cast<uint8_t>(h[i]); };
    return PacketHeader{b(0), b(1), static_cast<uint16_t>(b(2) << 8 | b(3)),
                        static_cast<uint16_t>(b(4) << 8 | b(5)), b(6)};
}

void append_packets(std::string &out, uint8_t type, std::string_view payload, size_t packet_size,
                    uint16_t spid, uint8_t &packet_id, bool last) {
    const size_t max_body = packet_size - kHeaderSize;
    out.reserve(out.size() + payload.size() + (payload.size() / max_body + 1) * kHeaderSize);
    do {
        size_t n = std::min(max_body, payload.size());
        bool eom = last && n == payload.size();
        size_t length = n + kHeaderSize;
        const char header[kHeaderSize] = {
            static_cast<char>(type),        static_cast<char>(eom ? kStatusEom : 0),
            static_cast<char>(length >> 8), static_cast<char>(length & 0xFF),
            static_cast<char>(spid >> 8),   static_cast<char>(spid & 0xFF),
            static_cast<char>(packet_id++), 0};
        out.append(header, kHeaderSize);
        out.append(payload.data(), n);
        payload.remove_prefix(n);
    } while (!payload.empty());
}

} // namespace sim::tds
