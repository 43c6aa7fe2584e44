#include "connection.hpp"

#include "bulk_load.hpp"

#include "channel.hpp"
#include "login.hpp"
#include "requests.hpp"
#include "token_sink.hpp"
#include "tokens.hpp"

#include <optional>

namespace sim::tds {

namespace {

std::string describe_rpc(const RpcCall &call) {
    std::string d = "rpc " + call.proc + " (" + std::to_string(call.params.size()) + " params)";
    // The statement text of sp_executesql/sp_prepare*; parameter values may be secrets.
    if (!call.params.empty() && call.params[0].value.kind == Value::Kind::Text &&
        call.proc.starts_with("sp_"))
        d += ": " + call.params[0].value.s.substr(0, 2000);
    return d;
}

void handle_rpc(Session &session, TokenSink &sink, std::string_view payload,
                const ServerOptions &opts) {
    sink.begin_request(session.transaction_descriptor() != 0);
    std::vector<RpcCall> calls;
    try {
        calls = parse_rpc(payload);
    } catch (const ProtocolError &e) {
        // Answer like SQL Server does to a malformed RPC and keep the connection.
        sink.message(Message{8009,
                             1,
                             16,
                             "The incoming tabular data stream (TDS) remote procedure call (RPC) "
                             "protocol stream is incorrect. " +
                                 std::string(e.what()),
                             {},
                             1});
        sink.end_statement(std::nullopt, true);
        sink.finish();
        return;
    }
    for (const auto &call : calls) {
        if (opts.log)
            opts.log(describe_rpc(call));
        std::vector<std::string> names;
        for (const auto &p : call.params)
            names.push_back(p.name);
        sink.begin_rpc(names);
        session.execute_rpc(call.proc, call.params, sink);
        if (sink.cancelled())
            break;
        sink.end_rpc();
    }
    sink.finish();
}

void handle_tm(Session &session, TokenSink &sink, std::string_view payload,
               const ServerOptions &opts) {
    TmRequest tm = parse_tm(payload);
    if (opts.log)
        opts.log("transaction manager request " + std::to_string(tm.type));
    sink.begin_request(session.transaction_descriptor() != 0);
    switch (tm.type) {
    case kTmBeginXact:
        session.tm_begin(sink);
        break;
    case kTmCommitXact:
        session.tm_commit(sink, tm.begin_new);
        break;
    case kTmRollbackXact:
        session.tm_rollback(sink, tm.begin_new);
        break;
    default:
        break; // TM_SAVE_XACT, TM_PROMOTE_XACT, DTC requests: nothing to do here
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
        set_session_killer(session->spid(), [&ch] { ch.shutdown(); });
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
                std::string sql = parse_sql_batch(m.payload);
                if (opts.log)
                    opts.log("batch spid " + std::to_string(session->spid()) + ": " +
                             sql.substr(0, 4000));
                sink.begin_request(session->transaction_descriptor() != 0);
                session->execute_batch(sql, sink);
                sink.finish();
                break;
            }
            case kRpc:
                handle_rpc(*session, sink, m.payload, opts);
                break;
            case kBulkLoad: {
                BulkRows rows = parse_bulk_load(m.payload);
                if (opts.log)
                    opts.log("bulk load spid " + std::to_string(session->spid()) + ": " +
                             std::to_string(rows.rows.size()) + " rows");
                sink.begin_request(session->transaction_descriptor() != 0);
                session->bulk_load(rows, sink);
                sink.finish();
                break;
            }
            case kTransactionManager:
                handle_tm(*session, sink, m.payload, opts);
                break;
            case kAttention: {
                // The request it meant to stop had already completed: acknowledge anyway.
                ByteWriter done;
                write_done(done, kDone, kDoneAttn, 0, 0);
                ch.write_packets(kTabular, done.buffer(), true);
                break;
            }
            default: {
                sink.begin_request(session->transaction_descriptor() != 0);
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
