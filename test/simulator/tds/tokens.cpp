#include "tokens.hpp"

#include <cstdlib>

namespace sim::tds {

void write_done(ByteWriter &w, uint8_t token, uint16_t status, uint16_t curcmd, uint64_t count) {
    w.u8(token);
    w.u16(status);
    w.u16(curcmd);
    w.u64(count);
}

void write_message(ByteWriter &w, const Message &m, const std::string &server_name) {
    w.u8(m.severity > 10 ? 0xAA : 0xAB);
    size_t len_at = w.size();
    w.u16(0);
    w.u32(static_cast<uint32_t>(m.number));
    w.u8(m.state);
    w.u8(m.severity);
    w.us_varchar(m.text);
    w.b_varchar(server_name);
    w.b_varchar(m.procedure);
    w.u32(static_cast<uint32_t>(m.line));
    w.patch_u16(len_at, static_cast<uint16_t>(w.size() - len_at - 2));
}

void write_envchange_text(ByteWriter &w, uint8_t type, const std::string &now,
                          const std::string &before) {
    w.u8(0xE3);
    size_t len_at = w.size();
    w.u16(0);
    w.u8(type);
    w.b_varchar(now);
    w.b_varchar(before);
    w.patch_u16(len_at, static_cast<uint16_t>(w.size() - len_at - 2));
}

void write_envchange_bytes(ByteWriter &w, uint8_t type, std::string_view now,
                           std::string_view before) {
    w.u8(0xE3);
    w.u16(static_cast<uint16_t>(3 + now.size() + before.size()));
    w.u8(type);
    w.u8(static_cast<uint8_t>(now.size()));
    w.bytes(now);
    w.u8(static_cast<uint8_t>(before.size()));
    w.bytes(before);
}

void write_loginack(ByteWriter &w, uint32_t tds_version, const std::string &product_version) {
    w.u8(0xAD);
    size_t len_at = w.size();
    w.u16(0);
    w.u8(1); // interface: SQL_TSQL
    w.u32be(tds_version);
    w.b_varchar("Microsoft SQL Server");
    int parts[4] = {0, 0, 0, 0};
    const char *p = product_version.c_str();
    for (int i = 0; i < 3 && *p; ++i) {
        parts[i] = std::atoi(p);
        while (*p && *p != '.')
            ++p;
        if (*p == '.')
            ++p;
    }
    w.u8(static_cast<uint8_t>(parts[0]));
    w.u8(static_cast<uint8_t>(parts[1]));
    w.u16be(static_cast<uint16_t>(parts[2]));
    w.patch_u16(len_at, static_cast<uint16_t>(w.size() - len_at - 2));
}

void write_return_status(ByteWriter &w, int32_t status) {
    w.u8(0x79);
    w.u32(static_cast<uint32_t>(status));
}

} // namespace sim::tds
