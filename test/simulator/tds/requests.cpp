#include "requests.hpp"

#include "type_codec.hpp"

namespace sim::tds {

RequestHeaders read_all_headers(ByteReader &r) {
    RequestHeaders h;
    // TDS 7.1 clients may omit ALL_HEADERS; its first DWORD is then text or a name length.
    if (r.remaining() < 4)
        return h;
    size_t start = r.pos();
    uint32_t total = r.u32();
    if (total < 4 || total - 4 > r.remaining())
        throw ProtocolError("bad ALL_HEADERS");
    size_t end = start + total;
    while (r.pos() + 6 <= end) {
        size_t at = r.pos();
        uint32_t length = r.u32();
        uint16_t type = r.u16();
        if (length < 6 || at + length > end)
            throw ProtocolError("bad ALL_HEADERS header");
        if (type == 2 && length >= 18) { // transaction descriptor
            h.transaction_descriptor = r.u64();
            h.outstanding_requests = r.u32();
        }
        r.seek(at + length);
    }
    r.seek(end);
    return h;
}

std::string parse_sql_batch(std::string_view payload) {
    ByteReader r(payload);
    read_all_headers(r);
    return utf16le_to_utf8(r.take(r.remaining()));
}

std::string well_known_proc(uint16_t id) {
    static const char *const names[] = {"",
                                        "sp_cursor",
                                        "sp_cursoropen",
                                        "sp_cursorprepare",
                                        "sp_cursorexecute",
                                        "sp_cursorprepexec",
                                        "sp_cursorunprepare",
                                        "sp_cursorfetch",
                                        "sp_cursoroption",
                                        "sp_cursorclose",
                                        "sp_executesql",
                                        "sp_prepare",
                                        "sp_execute",
                                        "sp_prepexec",
                                        "sp_prepexecrpc",
                                        "sp_unprepare"};
    return id < std::size(names) ? names[id] : "";
}

std::vector<RpcCall> parse_rpc(std::string_view payload) {
    ByteReader r(payload);
    read_all_headers(r);
    std::vector<RpcCall> calls;
    while (!r.at_end()) {
        RpcCall call;
        uint16_t len = r.u16();
        if (len == 0xFFFF) {
            uint16_t id = r.u16();
            call.proc = well_known_proc(id);
            if (call.proc.empty())
                throw ProtocolError("unknown RPC ProcID " + std::to_string(id));
        } else {
            call.proc = r.utf16_chars(len);
        }
        call.options = r.u16();
        while (!r.at_end()) {
            auto next = static_cast<uint8_t>(r.data()[r.pos()]);
            // BatchFlag (0xFF, or 0x80 before TDS 7.2) or NoExecFlag (0xFE) ends this call.
            if (next == 0xFF || next == 0x80 || next == 0xFE) {
                r.u8();
                break;
            }
            RpcParam p;
            p.name = r.b_varchar();
            uint8_t status = r.u8();
            p.output = (status & 0x01) != 0; // fByRefValue
            ParamType t = read_param_type(r);
            p.type = t.sql;
            p.value = read_param_value(r, t);
            call.params.push_back(std::move(p));
        }
        calls.push_back(std::move(call));
    }
    return calls;
}

TmRequest parse_tm(std::string_view payload) {
    ByteReader r(payload);
    read_all_headers(r);
    TmRequest t;
    t.type = r.u16();
    if (t.type == kTmCommitXact || t.type == kTmRollbackXact) {
        // xact_name (B_VARCHAR) then the optional fBeginXact flag and the new transaction's
        // isolation level and name.
        if (!r.at_end())
            r.take(static_cast<size_t>(r.u8()) * 2);
        if (!r.at_end())
            t.begin_new = (r.u8() & 0x01) != 0;
    }
    return t;
}

} // namespace sim::tds
