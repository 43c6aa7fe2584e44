#include "token_sink.hpp"

#include "tokens.hpp"

namespace sim::tds {

namespace {
// Output is sent once this many packets are buffered: few syscalls, bounded memory, and an
// attention is still noticed within a few tens of kilobytes.
constexpr size_t kPacketsPerFlush = 8;

std::string descriptor_bytes(uint64_t d) {
    std::string s(8, '\0');
    for (size_t i = 0; i < 8; ++i)
        s[i] = static_cast<char>(d >> (8 * i));
    return s;
}
} // namespace

void TokenSink::begin_request(bool in_transaction) {
    out_.buffer().clear();
    codecs_.clear();
    rpc_params_.clear();
    held_.reset();
    in_rpc_ = false;
    rpc_error_ = false;
    in_xact_ = in_transaction;
    cancelled_ = false;
}

void TokenSink::begin_rpc(const std::vector<std::string> &param_names) {
    flush_held();
    rpc_params_ = param_names;
    in_rpc_ = true;
    rpc_error_ = false;
}

void TokenSink::end_rpc() {
    if (cancelled_)
        return;
    flush_held();
    in_rpc_ = false;
    hold(kDoneProc, rpc_error_ ? kDoneError : 0, 0);
}

uint16_t TokenSink::xact_bit() const {
    return in_xact_ ? kDoneInxact : 0;
}

void TokenSink::hold(uint8_t token, uint16_t status, uint64_t count) {
    held_ = Done{token, static_cast<uint16_t>(status | xact_bit()), count};
}

void TokenSink::flush_held() {
    if (!held_)
        return;
    write_done(out_, held_->token, static_cast<uint16_t>(held_->status | kDoneMore), 0,
               held_->count);
    held_.reset();
}

void TokenSink::columns(const std::vector<ColumnInfo> &cols) {
    if (cancelled_)
        return;
    flush_held();
    codecs_.clear();
    codecs_.reserve(cols.size());
    for (const auto &c : cols)
        codecs_.push_back(make_codec(c));
    write_colmetadata(out_, codecs_);
    stream();
}

bool TokenSink::row(const std::vector<Value> &values) {
    if (cancelled_)
        return false;
    out_.u8(0xD1);
    const size_t n = std::min(codecs_.size(), values.size());
    for (size_t i = 0; i < n; ++i)
        write_value(out_, codecs_[i], values[i]);
    // A short row would desynchronize the client: pad with NULLs rather than trust it.
    for (size_t i = n; i < codecs_.size(); ++i)
        write_value(out_, codecs_[i], Value::null());
    stream();
    return !cancelled_;
}

void TokenSink::end_statement(std::optional<uint64_t> count, bool error) {
    if (cancelled_)
        return;
    flush_held();
    auto status = static_cast<uint16_t>((count ? kDoneCount : 0) | (error ? kDoneError : 0));
    if (error)
        rpc_error_ = true;
    hold(in_rpc_ ? kDoneInProc : kDone, status, count.value_or(0));
}

void TokenSink::message(const Message &m) {
    if (cancelled_)
        return;
    flush_held();
    if (m.severity > 10)
        rpc_error_ = true;
    write_message(out_, m, server_);
}

void TokenSink::database_changed(const std::string &now, const std::string &before) {
    if (cancelled_)
        return;
    flush_held();
    write_envchange_text(out_, 1, now, before);
}

void TokenSink::transaction_began(uint64_t d) {
    in_xact_ = true;
    if (cancelled_)
        return;
    flush_held();
    write_envchange_bytes(out_, 8, descriptor_bytes(d), {});
}

void TokenSink::transaction_ended(uint64_t d, bool committed) {
    in_xact_ = false;
    if (cancelled_)
        return;
    flush_held();
    write_envchange_bytes(out_, committed ? 9 : 10, {}, descriptor_bytes(d));
}

void TokenSink::return_value(const std::string &name, const SqlType &type, const Value &v) {
    if (cancelled_)
        return;
    flush_held();
    ColumnInfo ci;
    ci.name = name;
    ci.type = type;
    ColumnCodec codec = make_codec(ci);
    uint16_t ordinal = 0;
    for (size_t i = 0; i < rpc_params_.size(); ++i)
        if (rpc_params_[i] == name)
            ordinal = static_cast<uint16_t>(i);
    out_.u8(0xAC);
    out_.u16(ordinal);
    out_.b_varchar(name);
    out_.u8(0x01); // output parameter (not a UDF return value)
    write_column_type(out_, codec, false);
    write_value(out_, codec, v);
}

void TokenSink::return_status(int32_t status) {
    if (cancelled_)
        return;
    flush_held();
    write_return_status(out_, status);
}

bool TokenSink::cancelled() {
    if (!cancelled_ && ch_.attention_pending())
        cancelled_ = true;
    return cancelled_;
}

void TokenSink::stream() {
    const size_t body = ch_.packet_size() - kHeaderSize;
    if (out_.size() < body * kPacketsPerFlush)
        return;
    // Keep at least one byte back so that the packet carrying EOM is never empty.
    size_t whole = (out_.size() - 1) / body * body;
    try {
        ch_.write_packets(kTabular, std::string_view(out_.buffer()).substr(0, whole), false);
    } catch (const std::exception &) {
        cancelled_ = true;
        return;
    }
    out_.buffer().erase(0, whole);
    if (ch_.attention_pending())
        cancelled_ = true;
}

void TokenSink::finish() {
    if (ch_.broken())
        throw ProtocolError("client went away");
    if (cancelled_ || ch_.attention_pending()) {
        // The client reads on to the acknowledgement, so a token already cut by a packet
        // boundary must be completed: what is buffered ends on a token boundary. Held DONEs
        // are dropped; the one DONE_ATTN ends the response.
        cancelled_ = true;
        held_.reset();
        write_done(out_, kDone, kDoneAttn, 0, 0);
    } else if (held_) {
        write_done(out_, held_->token, held_->status, 0, held_->count);
        held_.reset();
    } else {
        write_done(out_, kDone, xact_bit(), 0, 0);
    }
    ch_.write_packets(kTabular, out_.buffer(), true);
    out_.buffer().clear();
}

} // namespace sim::tds
