// PRELOGIN and LOGIN7 messages (MS-TDS 2.2.6.5, 2.2.6.4).
#pragma once

#include "bytes.hpp"
#include "engine.hpp"

#include <string>

namespace sim::tds {

enum Encrypt : uint8_t { kEncryptOff = 0, kEncryptOn = 1, kEncryptNotSup = 2, kEncryptReq = 3 };

struct Prelogin {
    uint8_t encryption = kEncryptNotSup;
    bool mars = false;
};
Prelogin parse_prelogin(std::string_view payload);
std::string build_prelogin_response(uint8_t encryption, const std::string &product_version);

// What the server answers to the client's ENCRYPTION option; `force` is --force-encryption.
// Returns also whether the connection uses TLS for login only, for everything, or not at all.
enum class TlsUse { None, LoginOnly, Full, Refuse };
TlsUse negotiate_encryption(uint8_t client, bool force, uint8_t &answer);

struct Login7 {
    uint32_t tds_version = 0;
    uint32_t packet_size = 4096;
    LoginInfo info;
};
Login7 parse_login7(std::string_view payload);
std::string decode_password(std::string_view obfuscated);

} // namespace sim::tds
