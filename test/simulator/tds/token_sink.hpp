// The front end's ResultSink: encodes what the engine reports as TDS response tokens and streams
// them to the client in whole packets, watching for an ATTENTION between packets.
#pragma once

#include "bytes.hpp"
#include "channel.hpp"
#include "engine.hpp"
#include "type_codec.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sim::tds {

class TokenSink final : public ResultSink {
public:
    TokenSink(Channel &ch, std::string server_name) : ch_(ch), server_(std::move(server_name)) {}

    // Starts a response; `in_transaction` is the session's state before the request.
    void begin_request(bool in_transaction);
    // Brackets one call of an RPC request: statements inside it end with DONEINPROC, the call
    // itself with DONEPROC. `param_names` give RETURNVALUE its ordinal.
    void begin_rpc(const std::vector<std::string> &param_names);
    void end_rpc();
    // Sends the final DONE (or DONEPROC) without DONE_MORE, or the DONE_ATTN acknowledgement
    // when the client cancelled. Throws ProtocolError when the client is gone.
    void finish();

    void columns(const std::vector<ColumnInfo> &cols) override;
    bool row(const std::vector<Value> &values) override;
    void end_statement(std::optional<uint64_t> count, bool error) override;
    void message(const Message &m) override;
    void database_changed(const std::string &now, const std::string &before) override;
    void transaction_began(uint64_t descriptor) override;
    void transaction_ended(uint64_t descriptor, bool committed) override;
    void return_value(const std::string &name, const SqlType &type, const Value &v) override;
    void return_status(int32_t status) override;
    bool cancelled() override;

private:
    struct Done {
        uint8_t token;
        uint16_t status;
        uint64_t count;
    };
    // A DONE is held back until the next token shows whether it needs DONE_MORE.
    void flush_held();
    void hold(uint8_t token, uint16_t status, uint64_t count);
    uint16_t xact_bit() const;
    // Sends whole packets once enough output is buffered. Never throws into the engine: a
    // failed send marks the request cancelled.
    void stream();

    Channel &ch_;
    std::string server_;
    ByteWriter out_;
    std::vector<ColumnCodec> codecs_;
    std::vector<std::string> rpc_params_;
    std::optional<Done> held_;
    bool in_rpc_ = false;
    bool rpc_error_ = false;
    bool in_xact_ = false;
    bool cancelled_ = false;
};

} // namespace sim::tds
