#include "login.hpp"

#include <cstdlib>

namespace sim::tds {

Prelogin parse_prelogin(std::string_view payload) {
    Prelogin p;
    ByteReader r(payload);
    for (;;) {
        uint8_t token = r.u8();
        if (token == 0xFF)
            break;
        uint16_t offset = r.u16be();
        uint16_t length = r.u16be();
        if (static_cast<size_t>(offset) + length > payload.size())
            throw ProtocolError("PRELOGIN option beyond message");
        if (token == 1 && length >= 1)
            p.encryption = static_cast<uint8_t>(payload[offset]);
        if (token == 4 && length >= 1)
            p.mars = payload[offset] != 0;
    }
    return p;
}

std::string build_prelogin_response(uint8_t encryption, const std::string &product_version) {
    int major = std::atoi(product_version.c_str());
    size_t dot1 = product_version.find('.');
    size_t dot2 = product_version.find('.', dot1 + 1);
    int minor = dot1 == std::string::npos ? 0 : std::atoi(product_version.c_str() + dot1 + 1);
    int build = dot2 == std::string::npos ? 0 : std::atoi(product_version.c_str() + dot2 + 1);
    // Options: VERSION(6) ENCRYPTION(1) INSTOPT(1) THREADID(0) MARS(1), then the data.
    const uint8_t tokens[] = {0, 1, 2, 3, 4};
    const uint16_t lengths[] = {6, 1, 1, 0, 1};
    ByteWriter w;
    uint16_t offset = 5 * 5 + 1;
    for (int i = 0; i < 5; ++i) {
        w.u8(tokens[i]);
        w.u16be(offset);
        w.u16be(lengths[i]);
        offset = static_cast<uint16_t>(offset + lengths[i]);
    }
    w.u8(0xFF);
    w.u8(static_cast<uint8_t>(major));
    w.u8(static_cast<uint8_t>(minor));
    w.u16be(static_cast<uint16_t>(build));
    w.u16(0);
    w.u8(encryption);
    w.u8(0); // INSTOPT: instance name matched
    w.u8(0); // MARS off
    return w.buffer();
}

TlsUse negotiate_encryption(uint8_t client, bool force, uint8_t &answer) {
    if (force) {
        if (client == kEncryptNotSup) {
            answer = kEncryptReq;
            return TlsUse::Refuse;
        }
        answer = kEncryptReq;
        return TlsUse::Full;
    }
    switch (client) {
    case kEncryptOff:
        answer = kEncryptOff;
        return TlsUse::LoginOnly;
    case kEncryptOn:
    case kEncryptReq:
        answer = kEncryptOn;
        return TlsUse::Full;
    default:
        answer = kEncryptNotSup;
        return TlsUse::None;
    }
}

std::string decode_password(std::string_view obfuscated) {
    std::string raw(obfuscated);
    for (char &c : raw) {
        auto b = static_cast<uint8_t>(static_cast<uint8_t>(c) ^ 0xA5);
        c = static_cast<char>(static_cast<uint8_t>((b << 4) | (b >> 4)));
    }
    return utf16le_to_utf8(raw);
}

Login7 parse_login7(std::string_view payload) {
    if (payload.size() < 94)
        throw ProtocolError("LOGIN7 too short");
    ByteReader r(payload);
    Login7 l;
    r.u32(); // Length
    l.tds_version = r.u32();
    l.packet_size = r.u32();
    r.take(4 * 3 + 4 + 4 + 4); // ClientProgVer, ClientPID, ConnectionID, flags, TimeZone, LCID
    auto field = [&](bool password = false) {
        uint16_t off = r.u16(), len = r.u16();
        if (static_cast<size_t>(off) + len * 2u > payload.size())
            throw ProtocolError("LOGIN7 field beyond message");
        std::string_view raw = payload.substr(off, len * 2u);
        return password ? decode_password(raw) : utf16le_to_utf8(raw);
    };
    l.info.host_name = field();
    l.info.user = field();
    l.info.password = field(true);
    l.info.app_name = field();
    field();   // ServerName
    r.take(4); // Extension
    field();   // CltIntName
    field();   // Language
    l.info.database = field();
    if (l.packet_size < 512 || l.packet_size > 32767)
        l.packet_size = 4096;
    return l;
}

} // namespace sim::tds
