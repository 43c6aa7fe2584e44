// Helpers for the transaction-log decoder tests: byte strings written group by group, and
// physical column descriptions.
#pragma once

#include "log_layout.hpp"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace logtest {

// Little-endian byte string builder: Bytes().u8(0x30).u16(18) ...
struct Bytes {
    std::string s;
    Bytes &u8(unsigned v) {
        s += static_cast<char>(v & 0xff);
        return *this;
    }
    Bytes &u16(unsigned v) { return u8(v).u8(v >> 8); }
    Bytes &u24(unsigned v) { return u16(v).u8(v >> 16); }
    Bytes &u32(uint32_t v) { return u16(v).u16(v >> 16); }
    Bytes &u64(uint64_t v) {
        return u32(static_cast<uint32_t>(v)).u32(static_cast<uint32_t>(v >> 32));
    }
    Bytes &raw(const std::string &r) {
        s += r;
        return *this;
    }
    Bytes &fill(size_t n, unsigned v = 0) {
        s.append(n, static_cast<char>(v));
        return *this;
    }
    Bytes &pad4() {
        while (s.size() % 4)
            s += '\0';
        return *this;
    }
    operator std::string() const { return s; }
    operator std::string_view() const { return s; }
    size_t size() const { return s.size(); }
};

inline dts::logrec::PhysColumn col(const std::string &name, int id, int type, int leaf_offset,
                                   int null_bit, int max_length = 0) {
    dts::logrec::PhysColumn c;
    c.name = name;
    c.partition_column_id = id;
    c.system_type_id = type;
    c.leaf_offset = leaf_offset;
    c.leaf_null_bit = null_bit;
    c.max_length = max_length;
    if (type == 175 || type == 167)
        c.collation_name = "SQL_Latin1_General_CP1_CI_AS";
    return c;
}

// T(id int NOT NULL PRIMARY KEY CLUSTERED, amount decimal(10,2), flag bit, <more>): fixed data
// id [4,8), amount [8,17), flag bit 0 of byte 17; `more` follow with NULL bits 4, 5, ...
inline dts::logrec::Layout id_amount_flag(std::initializer_list<dts::logrec::PhysColumn> more) {
    dts::logrec::Layout l;
    l.columns.push_back(col("id", 1, 56, 4, 1, 4));
    l.columns.back().is_nullable = false;
    l.columns.back().key_ordinal = 1;
    l.columns.push_back(col("amount", 2, 106, 8, 2, 9));
    l.columns.back().precision = 10;
    l.columns.back().scale = 2;
    l.columns.push_back(col("flag", 3, 104, 17, 3, 1));
    for (const dts::logrec::PhysColumn &c : more)
        l.columns.push_back(c);
    return l;
}

} // namespace logtest
