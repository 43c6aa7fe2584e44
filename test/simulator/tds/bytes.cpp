#include "bytes.hpp"

#include <array>

namespace sim::tds {

namespace {
// Decodes one code point; invalid sequences yield U+FFFD and advance one byte.
char32_t next_code_point(std::string_view s, size_t &i) {
    auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
        ++i;
        return c;
    }
    size_t extra = (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 0;
    if (extra == 0 || i + extra >= s.size()) {
        ++i;
        return 0xFFFD;
    }
    char32_t cp = c & (0x3F >> extra);
    for (size_t k = 1; k <= extra; ++k) {
        auto cc = static_cast<uint8_t>(s[i + k]);
        if ((cc & 0xC0) != 0x80) {
            ++i;
            return 0xFFFD;
        }
        cp = cp << 6 | (cc & 0x3F);
    }
    i += extra + 1;
    return cp;
}

void append_utf8(std::string &out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | cp >> 6);
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | cp >> 12);
        out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | cp >> 18);
        out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
        out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// CP1252 bytes 0x80..0x9F; 0 where the code page has no character.
constexpr std::array<char16_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};
} // namespace

void ByteWriter::b_varchar(std::string_view utf8) {
    std::string u = utf8_to_utf16le(utf8);
    u8(static_cast<uint8_t>(u.size() / 2));
    bytes(u);
}

void ByteWriter::us_varchar(std::string_view utf8) {
    std::string u = utf8_to_utf16le(utf8);
    u16(static_cast<uint16_t>(u.size() / 2));
    bytes(u);
}

std::string ByteReader::utf16_chars(size_t chars) {
    return utf16le_to_utf8(take(chars * 2));
}

std::string utf8_to_utf16le(std::string_view s) {
    // Every string column of every row passes here: written in place, ASCII without decoding.
    std::string out(s.size() * 2, '\0');
    size_t w = 0;
    auto put = [&](char16_t u) {
        out[w++] = static_cast<char>(u & 0xFF);
        out[w++] = static_cast<char>(u >> 8);
    };
    for (size_t i = 0; i < s.size();) {
        if (static_cast<uint8_t>(s[i]) < 0x80) {
            out[w] = s[i++];
            w += 2;
            continue;
        }
        // A code point of n UTF-8 bytes takes at most n UTF-16 bytes: `out` is large enough.
        char32_t cp = next_code_point(s, i);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put(static_cast<char16_t>(0xD800 + (cp >> 10)));
            put(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
        } else {
            put(static_cast<char16_t>(cp));
        }
    }
    out.resize(w);
    return out;
}

std::string utf16le_to_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i + 1 < s.size(); i += 2) {
        char32_t u = static_cast<uint8_t>(s[i]) | static_cast<uint8_t>(s[i + 1]) << 8;
        if (u >= 0xD800 && u < 0xDC00 && i + 3 < s.size()) {
            char32_t lo = static_cast<uint8_t>(s[i + 2]) | static_cast<uint8_t>(s[i + 3]) << 8;
            if (lo >= 0xDC00 && lo < 0xE000) {
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                i += 2;
            }
        }
        append_utf8(out, u);
    }
    return out;
}

std::string utf8_to_cp1252(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        char32_t cp = next_code_point(s, i);
        if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF)) {
            out += static_cast<char>(cp);
            continue;
        }
        char mapped = '?';
        for (size_t k = 0; k < kCp1252High.size(); ++k)
            if (kCp1252High[k] != 0 && kCp1252High[k] == cp)
                mapped = static_cast<char>(0x80 + k);
        out += mapped;
    }
    return out;
}

std::string cp1252_to_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (char ch : bytes) {
        auto c = static_cast<uint8_t>(ch);
        if (c >= 0x80 && c < 0xA0)
            append_utf8(out, kCp1252High[c - 0x80] ? kCp1252High[c - 0x80] : U'\uFFFD');
        else
            append_utf8(out, c);
    }
    return out;
}

size_t utf16_units(std::string_view s) {
    size_t n = 0;
    for (size_t i = 0; i < s.size();)
        n += next_code_point(s, i) >= 0x10000 ? 2 : 1;
    return n;
}

} // namespace sim::tds
