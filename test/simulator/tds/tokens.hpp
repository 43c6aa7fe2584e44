// Writers for the response tokens that are not row data (MS-TDS 2.2.7).
#pragma once

#include "bytes.hpp"
#include "engine.hpp"

namespace sim::tds {

enum DoneStatus : uint16_t {
    kDoneFinal = 0x00,
    kDoneMore = 0x01,
    kDoneError = 0x02,
    kDoneInxact = 0x04,
    kDoneCount = 0x10,
    kDoneAttn = 0x20,
    kDoneSrvError = 0x100,
};
enum DoneToken : uint8_t { kDone = 0xFD, kDoneProc = 0xFE, kDoneInProc = 0xFF };

void write_done(ByteWriter &w, uint8_t token, uint16_t status, uint16_t curcmd, uint64_t count);
void write_message(ByteWriter &w, const Message &m, const std::string &server_name);
void write_envchange_text(ByteWriter &w, uint8_t type, const std::string &now,
                          const std::string &before);
void write_envchange_bytes(ByteWriter &w, uint8_t type, std::string_view now,
                           std::string_view before);
void write_loginack(ByteWriter &w, uint32_t tds_version, const std::string &product_version);
void write_return_status(ByteWriter &w, int32_t status);

} // namespace sim::tds
