#include "bulk_load.hpp"

#include "bytes.hpp"
#include "type_codec.hpp"

namespace sim::tds {

namespace {

constexpr uint8_t kColMetadata = 0x81, kRow = 0xD1, kDone = 0xFD;

bool is_text_type(uint8_t wire) {
    return wire == kText || wire == kNText || wire == kImage;
}

} // namespace

BulkRows parse_bulk_load(std::string_view payload) {
    ByteReader r(payload);
    BulkRows out;
    if (r.at_end() || r.u8() != kColMetadata)
        throw ProtocolError("bulk load data does not start with COLMETADATA");
    const uint16_t count = r.u16();
    std::vector<ParamType> types;
    for (uint16_t i = 0; i < count; ++i) {
        r.u32(); // UserType
        r.u16(); // Flags
        ParamType t = read_param_type(r);
        if (is_text_type(t.wire)) { // TableName: parts, each US_VARCHAR
            uint8_t parts = r.u8();
            for (uint8_t k = 0; k < parts; ++k)
                r.us_varchar();
        }
        out.columns.push_back(r.b_varchar());
        out.types.push_back(t.sql);
        types.push_back(t);
    }
    while (!r.at_end()) {
        uint8_t token = r.u8();
        if (token == kDone)
            break;
        if (token != kRow)
            throw ProtocolError("unexpected token " + std::to_string(token) + " in bulk load data");
        std::vector<Value> row;
        for (const auto &t : types) {
            if (is_text_type(t.wire)) {
                // TextPtr (empty: NULL) and a timestamp before the value
                uint8_t ptr = r.u8();
                if (ptr == 0) {
                    row.push_back(Value::null());
                    continue;
                }
                r.take(static_cast<size_t>(ptr) + 8);
            }
            row.push_back(read_param_value(r, t));
        }
        out.rows.push_back(std::move(row));
    }
    return out;
}

} // namespace sim::tds
