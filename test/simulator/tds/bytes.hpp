// Little- and big-endian byte building and parsing for TDS messages, and the text encodings TDS
// uses (UTF-16LE for Unicode data and names, the collation's code page for varchar data).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sim::tds {

// Malformed client input: the connection is closed.
struct ProtocolError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class ByteWriter {
public:
    std::string &buffer() { return buf_; }
    size_t size() const { return buf_.size(); }
    void u8(uint8_t v) { buf_.push_back(static_cast<char>(v)); }
    void u16(uint16_t v) { le(v, 2); }
    void u32(uint32_t v) { le(v, 4); }
    void u64(uint64_t v) { le(v, 8); }
    void u16be(uint16_t v) {
        u8(static_cast<uint8_t>(v >> 8));
        u8(static_cast<uint8_t>(v));
    }
    void u32be(uint32_t v) {
        u16be(static_cast<uint16_t>(v >> 16));
        u16be(static_cast<uint16_t>(v));
    }
    void le(uint64_t v, int n) {
        for (int i = 0; i < n; ++i)
            buf_.push_back(static_cast<char>(v >> (8 * i)));
    }
    void bytes(std::string_view s) { buf_.append(s.data(), s.size()); }
    // B_VARCHAR / US_VARCHAR: character count then UTF-16LE.
    void b_varchar(std::string_view utf8);
    void us_varchar(std::string_view utf8);
    void patch_u16(size_t at, uint16_t v) {
        buf_[at] = static_cast<char>(v);
        buf_[at + 1] = static_cast<char>(v >> 8);
    }

private:
    std::string buf_;
};

class ByteReader {
public:
    explicit ByteReader(std::string_view data) : d_(data) {}
    size_t pos() const { return pos_; }
    size_t remaining() const { return d_.size() - pos_; }
    bool at_end() const { return pos_ >= d_.size(); }
    void seek(size_t p) {
        if (p > d_.size())
            throw ProtocolError("offset beyond message");
        pos_ = p;
    }
    uint8_t u8() { return static_cast<uint8_t>(take(1)[0]); }
    uint16_t u16() { return static_cast<uint16_t>(le(2)); }
    uint32_t u32() { return static_cast<uint32_t>(le(4)); }
    uint64_t u64() { return le(8); }
    uint16_t u16be() {
        auto s = take(2);
        return static_cast<uint16_t>(static_cast<uint8_t>(s[0]) << 8 | static_cast<uint8_t>(s[1]));
    }
    uint64_t le(int n) {
        auto s = take(static_cast<size_t>(n));
        uint64_t v = 0;
        for (int i = n - 1; i >= 0; --i)
            v = v << 8 | static_cast<uint8_t>(s[static_cast<size_t>(i)]);
        return v;
    }
    std::string_view take(size_t n) {
        if (n > remaining())
            throw ProtocolError("message truncated");
        auto s = d_.substr(pos_, n);
        pos_ += n;
        return s;
    }
    std::string b_varchar() { return utf16_chars(u8()); }
    std::string us_varchar() { return utf16_chars(u16()); }
    std::string utf16_chars(size_t chars);
    std::string_view data() const { return d_; }

private:
    std::string_view d_;
    size_t pos_ = 0;
};

std::string utf8_to_utf16le(std::string_view utf8);
std::string utf16le_to_utf8(std::string_view utf16);
// Code page 1252 (SQL_Latin1_General_CP1_*): unmappable characters become '?', as SQL Server
// does when it converts nvarchar to such a varchar.
std::string utf8_to_cp1252(std::string_view utf8);
std::string cp1252_to_utf8(std::string_view bytes);
// Number of UTF-16 code units the UTF-8 text needs.
size_t utf16_units(std::string_view utf8);

} // namespace sim::tds
