#include "connection.hpp"

#include "channel.hpp"
#include "login.hpp"
#include "tokens.hpp"
#include "type_codec.hpp"

#include <optional>

namespace sim::tds {

namespace {

// Encodes engine results as tokens and streams them in packets. DONE tokens are held back one
// step so that only the last one of a request goes out without DONE_MORE.
class TokenSink final : public ResultSink {
public:
    TokenSink(Channel &ch, const std::string &server_name) : ch_(ch), server_(server_name) {}

    void begin(bool rpc) {
        rpc_ = rpc;
        cancelled_ = false;
        held_.reset();
        out_.buffer().clear();
        sent_any_ = false;
    }

    void columns(const std::vector<ColumnInfo> &cols) override {
        if (cancelled_)
            return;
        flush_held(true);
        codecs_.clear();
        codecs_.reserve(cols.size());
        for (const auto &c : cols)
            codecs_.push_back(make_codec(c));
        write_colmetadata(out_, codecs_);
        maybe_stream();
    }

    bool row(const std::vector<Value> &values) override {
        if (cancelled_)
            return false;
        out_.u8(0xD1);
        for (size_t i = 0; i < codecs_.size() && i < values.size(); ++i)
            write_value(out_, codecs_[i], values[i]);
        return maybe_stream();
    }

    void end_statement(std::optional<uint64_t> count, bool error) override {
        if (cancelled_)
            return;
        flush_held(true);
        uint16_t status =
            static_cast<uint16_t>((count ? kDoneCount : 0) | (error ? kDoneError : 0));
        held_ = Held{rpc_ ? kDoneInProc : kDone, status, count.value_or(0)};
    }

    void message(const Message &m) override {
        if (cancelled_)
            return;
        flush_held(true);
        write_message(out_, m, server_);
    }

    void database_changed(const std::string &now, const std::string &before) override {
        if (cancelled_)
            return;
        flush_held(true);
        write_envchange_text(out_, 1, now, before);
    }

    void transaction_began(uint64_t d) override {
        flush_held(true);
        write_envchange_bytes(out_, 8, descriptor(d), {});
    }

    void transaction_ended(uint64_t d, bool committed) override {
        flush_held(true);
        write_envchange_bytes(out_, committed ? 9 : 10, {}, descriptor(d));
    }

    void return_value(const std::string &name, const SqlType &type, const Value &v) override {
        if (cancelled_)
            return;
        flush_held(true);
        ColumnInfo ci;
        ci.name = name;
        ci.type = type;
        ColumnCodec codec = make_codec(ci);
        ByteWriter meta;
        write_colmetadata(meta, {codec});
        // RETURNVALUE: ordinal, name, status, then the column's UserType/Flags/TYPE_INFO.
        out_.u8(0xAC);
        out_.u16(0);
        out_.b_varchar(name);
        out_.u8(0x01);
        std::string_view m = meta.buffer();
        m.remove_prefix(3); // token + column count
        // drop the trailing column name written by write_colmetadata
        ByteWriter nm;
        nm.b_varchar(name);
        m.remove_suffix(nm.size());
        out_.bytes(m);
        write_value(out_, codec, v);
    }

    void return_status(int32_t status) override {
        if (cancelled_)
            return;
        flush_held(true);
        write_return_status(out_, status);
    }

    bool cancelled() override {
        if (!cancelled_ && ch_.attention_pending())
            cancelled_ = true;
        return cancelled_;
    }

    // Ends the request: the final DONE (or DONEPROC for an RPC).
    void finish(std::optional<uint16_t> extra_status = std::nullopt) {
        if (cancelled_ || ch_.attention_pending()) {
            // Tokens already begun must be completed so the client can parse its way to the
            // acknowledgement; what is buffered is always whole tokens ending where a packet cut
            // left off.
            cancelled_ = true;
            write_done(out_, kDone, kDoneAttn, 0, 0);
            ch_.write_packets(kTabular, out_.buffer(), true);
            return;
        }
        if (rpc_) {
            flush_held(true);
            write_done(out_, kDoneProc, extra_status.value_or(0), 0, 0);
        } else if (held_) {
            Held h = *held_;
            held_.reset();
            write_done(out_, h.token, static_cast<uint16_t>(h.status | extra_status.value_or(0)), 0,
                       h.count);
        } else {
            write_done(out_, kDone, extra_status.value_or(0), 0, 0);
        }
        ch_.write_packets(kTabular, out_.buffer(), true);
        out_.buffer().clear();
    }

    void set_rpc_mode(bool rpc) { rpc_ = rpc; }
    void flush_held(bool more) {
        if (!held_)
            return;
        Held h = *held_;
        held_.reset();
        write_done(out_, h.token, static_cast<uint16_t>(h.status | (more ? kDoneMore : 0)), 0,
                   h.count);
    }

private:
    struct Held {
        uint8_t token;
        uint16_t status;
        uint64_t count;
    };

    static std::string descriptor(uint64_t d) {
        std::string s(8, '\0');
        for (int i = 0; i < 8; ++i)
            s[static_cast<size_t>(i)] = static_cast<char>(d >> (8 * i));
        return s;
    }

    // Sends whole packets once enough output is buffered; checks for an attention each time.
    bool maybe_stream() {
        const size_t body = ch_.packet_size() - 8;
        if (out_.size() < body * 8)
            return true;
        size_t whole = (out_.size() - 1) / body * body;
        ch_.write_packets(kTabular, std::string_view(out_.buffer()).substr(0, whole), false);
        out_.buffer().erase(0, whole);
        sent_any_ = true;
        if (ch_.attention_pending())
            cancelled_ = true;
        return !cancelled_;
    }

    Channel &ch_;
    std::string server_;
    ByteWriter out_;
    std::vector<ColumnCodec> codecs_;
    std::optional<Held> held_;
    bool rpc_ = false;
    bool cancelled_ = false;
    bool sent_any_ = false;
};

void skip_all_headers(ByteReader &r) {
    if (r.remaining() < 4)
        return;
    uint32_t total = r.u32();
    if (total < 4 || total - 4 > r.remaining())
        throw ProtocolError("bad ALL_HEADERS");
    r.take(total - 4);
}

const char *proc_name(uint16_t id) {
    switch (id) {
    case 1:
        return "sp_cursor";
    case 2:
        return "sp_cursoropen";
    case 3:
        return "sp_cursorprepare";
    case 4:
        return "sp_cursorexecute";
    case 5:
        return "sp_cursorprepexec";
    case 6:
        return "sp_cursorunprepare";
    case 7:
        return "sp_cursorfetch";
    case 8:
        return "sp_cursoroption";
    case 9:
        return "sp_cursorclose";
    case 10:
        return "sp_executesql";
    case 11:
        return "sp_prepare";
    case 12:
        return "sp_execute";
    case 13:
        return "sp_prepexec";
    case 14:
        return "sp_prepexecrpc";
    case 15:
        return "sp_unprepare";
    default:
        return "sp_unknown";
    }
}

void handle_rpc(Session &session, TokenSink &sink, std::string_view payload,
                const ServerOptions &opts) {
    ByteReader r(payload);
    skip_all_headers(r);
    sink.begin(true);
    while (!r.at_end()) {
        std::string name;
        uint16_t len = r.u16();
        if (len == 0xFFFF)
            name = proc_name(r.u16());
        else
            name = r.utf16_chars(len);
        r.u16(); // OptionFlags
        std::vector<RpcParam> params;
        while (!r.at_end()) {
            uint8_t next = static_cast<uint8_t>(r.data()[r.pos()]);
            if (next == 0x80 || next == 0xFF || next == 0xFE) {
                r.u8();
                break;
            }
            RpcParam p;
            p.name = r.b_varchar();
            uint8_t status = r.u8();
            p.output = status & 0x01;
            ParamType t = read_param_type(r);
            p.type = t.sql;
            p.value = read_param_value(r, t);
            params.push_back(std::move(p));
        }
        if (opts.log)
            opts.log("rpc " + name + " (" + std::to_string(params.size()) + " params)" +
                     (!params.empty() && params[0].value.kind == Value::Kind::Text
                          ? ": " + params[0].value.s.substr(0, 2000)
                          : std::string()));
        session.execute_rpc(name, params, sink);
        if (sink.cancelled())
            break;
    }
    sink.finish();
}

void handle_tm(Session &session, TokenSink &sink, std::string_view payload) {
    ByteReader r(payload);
    skip_all_headers(r);
    uint16_t type = r.u16();
    sink.begin(false);
    switch (type) {
    case 5: // TM_BEGIN_XACT
        session.tm_begin(sink);
        break;
    case 7:   // TM_COMMIT_XACT
    case 8: { // TM_ROLLBACK_XACT
        uint8_t name_len = r.remaining() ? r.u8() : 0;
        r.take(name_len);
        bool begin_new = r.remaining() ? (r.u8() & 1) : false;
        if (type == 7)
            session.tm_commit(sink, begin_new);
        else
            session.tm_rollback(sink, begin_new);
        break;
    }
    default:
        break; // TM_SAVE_XACT, TM_PROMOTE_XACT: nothing to do here
    }
    sink.finish();
}

} // namespace

void serve_connection(int fd, Engine &engine, const ServerOptions &opts) {
    Channel ch(fd);
    const ServerSettings &settings = engine.settings();
    try {
        TdsMessage m;
        if (!ch.read_message(m) || m.type != kPrelogin)
            return;
        Prelogin pre = parse_prelogin(m.payload);
        uint8_t answer = kEncryptNotSup;
        TlsUse tls = negotiate_encryption(pre.encryption, opts.force_encryption, answer);
        if (!opts.tls && tls != TlsUse::None) {
            tls = TlsUse::None;
            answer = kEncryptNotSup;
        }
        ch.write_packets(kTabular, build_prelogin_response(answer, settings.product_version), true);
        if (tls == TlsUse::Refuse)
            return;
        if (tls != TlsUse::None)
            ch.start_tls(opts.tls);

        if (!ch.read_message(m) || m.type != kLogin7)
            return;
        Login7 login = parse_login7(m.payload);
        if (tls == TlsUse::LoginOnly)
            ch.stop_tls();
        ch.set_packet_size(login.packet_size);
        TokenSink sink(ch, settings.server_name);

        std::unique_ptr<Session> session;
        ByteWriter w;
        try {
            session = engine.open_session(login.info);
        } catch (const SqlError &e) {
            write_message(w, e.msg, settings.server_name);
            write_done(w, kDone, kDoneError, 0, 0);
            ch.write_packets(kTabular, w.buffer(), true);
            if (opts.log)
                opts.log("login failed for '" + login.info.user + "': " + e.msg.text);
            return;
        }
        ch.set_spid(session->spid());
        std::string db = session->current_database();
        write_envchange_text(w, 1, db, "master");
        write_message(w, Message{5701, 2, 0, "Changed database context to '" + db + "'.", {}, 1},
                      settings.server_name);
        write_envchange_bytes(w, 7, std::string_view(kCollation, 5), {});
        write_envchange_text(w, 2, "us_english", "");
        write_message(w, Message{5703, 1, 0, "Changed language setting to us_english.", {}, 1},
                      settings.server_name);
        write_loginack(w, 0x74000004, settings.product_version);
        write_envchange_text(w, 4, std::to_string(login.packet_size),
                             std::to_string(login.packet_size));
        write_done(w, kDone, kDoneFinal, 0, 0);
        ch.write_packets(kTabular, w.buffer(), true);
        if (opts.log)
            opts.log("login '" + login.info.user + "' spid " + std::to_string(session->spid()) +
                     " app '" + login.info.app_name + "'");

        while (ch.read_message(m)) {
            switch (m.type) {
            case kSqlBatch: {
                ByteReader r(m.payload);
                skip_all_headers(r);
                std::string sql = utf16le_to_utf8(r.take(r.remaining()));
                if (opts.log)
                    opts.log("batch spid " + std::to_string(session->spid()) + ": " +
                             sql.substr(0, 4000));
                sink.begin(false);
                session->execute_batch(sql, sink);
                sink.finish();
                break;
            }
            case kRpc:
                handle_rpc(*session, sink, m.payload, opts);
                break;
            case kTransactionManager:
                handle_tm(*session, sink, m.payload);
                break;
            case kAttention: {
                // The request it meant to stop had already completed: acknowledge anyway.
                ByteWriter done;
                write_done(done, kDone, kDoneAttn, 0, 0);
                ch.write_packets(kTabular, done.buffer(), true);
                break;
            }
            default: {
                sink.begin(false);
                sink.message(Message{4002,
                                     1,
                                     16,
                                     "The incoming tabular data stream (TDS) "
                                     "protocol stream is incorrect.",
                                     {},
                                     1});
                sink.end_statement(std::nullopt, true);
                sink.finish();
                break;
            }
            }
        }
    } catch (const std::exception &e) {
        if (opts.log)
            opts.log(std::string("connection closed: ") + e.what());
    }
}

} // namespace sim::tds
