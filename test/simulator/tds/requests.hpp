// Decoding of client request messages (MS-TDS 2.2.6): SQL batch, RPC and transaction-manager
// requests. Pure functions over the reassembled message payload, so they are unit-tested without
// sockets.
#pragma once

#include "bytes.hpp"
#include "engine.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sim::tds {

// The transaction descriptor the client echoes in ALL_HEADERS (0 when absent).
struct RequestHeaders {
    uint64_t transaction_descriptor = 0;
    uint32_t outstanding_requests = 1;
};
RequestHeaders read_all_headers(ByteReader &r);

// SQL batch: ALL_HEADERS, then the UTF-16LE text, returned as UTF-8.
std::string parse_sql_batch(std::string_view payload);

enum RpcOption : uint16_t { kWithRecompile = 0x01, kNoMetadata = 0x02, kReuseMetadata = 0x04 };

struct RpcCall {
    std::string proc; // name, or the documented name of a well-known ProcID
    uint16_t options = 0;
    std::vector<RpcParam> params;
};
// An RPC request may hold several calls separated by the batch flag (0xFF; 0x80 before TDS 7.2).
std::vector<RpcCall> parse_rpc(std::string_view payload);
// "sp_executesql" for 10 and so on (MS-TDS 2.2.6.6); empty for an unknown id.
std::string well_known_proc(uint16_t proc_id);

enum TmRequestType : uint16_t {
    kTmBeginXact = 5,
    kTmPromoteXact = 6,
    kTmCommitXact = 7,
    kTmRollbackXact = 8,
    kTmSaveXact = 9,
};
struct TmRequest {
    uint16_t type = 0;
    bool begin_new = false; // fBeginXact of commit/rollback
};
TmRequest parse_tm(std::string_view payload);

} // namespace sim::tds
