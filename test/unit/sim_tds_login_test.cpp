// LOGIN7 decoding of the simulator (MS-TDS 2.2.6.4): offsets/lengths of the variable part,
// password de-obfuscation, TDS version and packet size.
#include "tds/bytes.hpp"
#include "tds/login.hpp"

#include <gtest/gtest.h>

using namespace sim::tds;

namespace {
// What a client does to a password (the inverse of the server's decoding): per byte of the
// UTF-16LE text, swap the nibbles, then XOR with 0xA5.
std::string obfuscate(const std::string &utf8) {
    std::string b = utf8_to_utf16le(utf8);
    for (char &c : b) {
        auto u = static_cast<uint8_t>(c);
        u = static_cast<uint8_t>((u << 4) | (u >> 4));
        c = static_cast<char>(u ^ 0xA5);
    }
    return b;
}

std::string build_login7(uint32_t version, uint32_t packet_size) {
    const std::string host = utf8_to_utf16le("client-host"), user = utf8_to_utf16le("sa"),
                      pw = obfuscate("Sim_Passw0rd€"), app = utf8_to_utf16le("pytds"),
                      server = utf8_to_utf16le("127.0.0.1"), lib = utf8_to_utf16le("DB-Library"),
                      lang, db = utf8_to_utf16le("shop");
    const std::string *fields[] = {&host, &user, &pw, &app, &server, nullptr, &lib, &lang, &db};
    ByteWriter fixed, data;
    const uint16_t base = 94; // fixed part through cbSSPILong
    fixed.u32(0);             // Length, patched below
    fixed.u32(version);
    fixed.u32(packet_size);
    fixed.u32(7);          // ClientProgVer
    fixed.u32(1234);       // ClientPID
    fixed.u32(0);          // ConnectionID
    fixed.u32(0x000003E0); // OptionFlags1..3, TypeFlags
    fixed.u32(0);          // ClientTimeZone
    fixed.u32(0x0409);     // ClientLCID
    for (const std::string *f : fields) {
        fixed.u16(static_cast<uint16_t>(base + data.size()));
        size_t bytes = f ? f->size() : 0;
        fixed.u16(static_cast<uint16_t>(f ? bytes / 2 : 0)); // lengths count characters
        if (f)
            data.bytes(*f);
    }
    fixed.bytes(std::string(6, '\x11')); // ClientID
    for (int i = 0; i < 3; ++i) {        // SSPI, AtchDBFile, ChangePassword
        fixed.u16(static_cast<uint16_t>(base + data.size()));
        fixed.u16(0);
    }
    fixed.u32(0); // cbSSPILong
    EXPECT_EQ(fixed.size(), base);
    std::string msg = fixed.buffer() + data.buffer();
    uint32_t len = static_cast<uint32_t>(msg.size());
    for (int i = 0; i < 4; ++i)
        msg[static_cast<size_t>(i)] = static_cast<char>(len >> (8 * i));
    return msg;
}
} // namespace

TEST(TdsLogin7, FieldsAreFoundThroughTheirOffsets) {
    Login7 l = parse_login7(build_login7(0x74000004, 8192));
    EXPECT_EQ(l.tds_version, 0x74000004u);
    EXPECT_EQ(l.packet_size, 8192u);
    EXPECT_EQ(l.info.host_name, "client-host");
    EXPECT_EQ(l.info.user, "sa");
    EXPECT_EQ(l.info.password, "Sim_Passw0rd€");
    EXPECT_EQ(l.info.app_name, "pytds");
    EXPECT_EQ(l.info.database, "shop");
}

TEST(TdsLogin7, PacketSizeOutsideTheAllowedRangeFallsBackToTheDefault) {
    EXPECT_EQ(parse_login7(build_login7(0x74000004, 0)).packet_size, 4096u);
    EXPECT_EQ(parse_login7(build_login7(0x74000004, 32767)).packet_size, 32767u);
}

TEST(TdsLogin7, TruncatedOrOutOfRangeMessagesAreProtocolErrors) {
    std::string m = build_login7(0x74000004, 4096);
    EXPECT_THROW(parse_login7(m.substr(0, 50)), ProtocolError);
    m[37] = '\x7F'; // HostName offset (high byte) far beyond the message
    EXPECT_THROW(parse_login7(m), ProtocolError);
}

TEST(TdsLogin7, PasswordDecodingHandlesNonAsciiText) {
    EXPECT_EQ(decode_password(obfuscate("pässwörd")), "pässwörd");
    EXPECT_EQ(decode_password(""), "");
}
