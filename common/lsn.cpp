#include "lsn.hpp"

#include <cstdio>

namespace dts {

namespace {
int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::optional<uint64_t> parse_hex(std::string_view s, size_t max_digits) {
    if (s.empty() || s.size() > max_digits)
        return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        int d = hex_value(c);
        if (d < 0)
            return std::nullopt;
        v = v << 4 | static_cast<uint64_t>(d);
    }
    return v;
}
} // namespace

std::string Lsn::to_binary() const {
    std::string b(10, '\0');
    for (int i = 0; i < 4; ++i) {
        b[i] = static_cast<char>(vlf >> (24 - 8 * i));
        b[4 + i] = static_cast<char>(block >> (24 - 8 * i));
    }
    b[8] = static_cast<char>(slot >> 8);
    b[9] = static_cast<char>(slot);
    return b;
}

std::optional<Lsn> Lsn::from_binary(std::string_view bytes) {
    if (bytes.size() != 10)
        return std::nullopt;
    auto u = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])); };
    Lsn l;
    l.vlf = u(0) << 24 | u(1) << 16 | u(2) << 8 | u(3);
    l.block = u(4) << 24 | u(5) << 16 | u(6) << 8 | u(7);
    l.slot = static_cast<uint16_t>(u(8) << 8 | u(9));
    return l;
}

std::string Lsn::to_log_string() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%08x:%08x:%04x", vlf, block, static_cast<unsigned>(slot));
    return buf;
}

std::string Lsn::to_hex_literal() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%08X%08X%04X", vlf, block, static_cast<unsigned>(slot));
    return buf;
}

std::optional<Lsn> Lsn::parse(std::string_view text) {
    if (text.size() == 22 && (text.substr(0, 2) == "0x" || text.substr(0, 2) == "0X")) {
        auto v = parse_hex(text.substr(2, 8), 8), b = parse_hex(text.substr(10, 8), 8),
             s = parse_hex(text.substr(18, 4), 4);
        if (!v || !b || !s)
            return std::nullopt;
        return Lsn{static_cast<uint32_t>(*v), static_cast<uint32_t>(*b), static_cast<uint16_t>(*s)};
    }
    size_t c1 = text.find(':');
    size_t c2 = c1 == std::string_view::npos ? c1 : text.find(':', c1 + 1);
    if (c2 == std::string_view::npos)
        return std::nullopt;
    auto v = parse_hex(text.substr(0, c1), 8), b = parse_hex(text.substr(c1 + 1, c2 - c1 - 1), 8),
         s = parse_hex(text.substr(c2 + 1), 4);
    if (!v || !b || !s)
        return std::nullopt;
    return Lsn{static_cast<uint32_t>(*v), static_cast<uint32_t>(*b), static_cast<uint16_t>(*s)};
}

std::optional<Lsn> Lsn::from_numeric(std::string_view digits) {
    if (digits.size() < 16 || digits.size() > 25 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    auto number = [](std::string_view d) {
        unsigned long long v = 0;
        for (char c : d)
            v = v * 10 + static_cast<unsigned>(c - '0');
        return v;
    };
    const auto vlf = number(digits.substr(0, digits.size() - 15));
    const auto block = number(digits.substr(digits.size() - 15, 10));
    const auto slot = number(digits.substr(digits.size() - 5));
    if (vlf > UINT32_MAX || block > UINT32_MAX || slot > UINT16_MAX)
        return std::nullopt;
    return Lsn{static_cast<uint32_t>(vlf), static_cast<uint32_t>(block),
               static_cast<uint16_t>(slot)};
}

Lsn Lsn::next() const {
    Lsn n = *this;
    if (n.slot != UINT16_MAX) {
        ++n.slot;
        return n;
    }
    n.slot = 0;
    if (n.block != UINT32_MAX) {
        ++n.block;
        return n;
    }
    n.block = 0;
    ++n.vlf;
    return n;
}

Lsn Lsn::prev() const {
    Lsn n = *this;
    if (n.slot != 0) {
        --n.slot;
        return n;
    }
    n.slot = UINT16_MAX;
    if (n.block != 0) {
        --n.block;
        return n;
    }
    n.block = UINT32_MAX;
    --n.vlf;
    return n;
}

} // namespace dts
