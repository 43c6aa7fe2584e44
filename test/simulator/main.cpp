// sqlsim: the SQL Server simulator used by pg_dts tests and demo. See docs/simulator.md.
#include "engine.hpp"
#include "tds/server.hpp"
#include "tds/tls_context.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

namespace {

sim::tds::Server *g_server = nullptr;

void on_signal(int) {
    if (g_server)
        g_server->stop();
}

const char *kUsage = R"(Usage: sqlsim --data-dir DIR [options]
  --port N                 TCP port on 127.0.0.1 (0 = any free port; default 0)
  --port-file FILE         write the bound port here once listening
  --data-dir DIR           where the databases live (created if missing)
  --cdc-poll-ms N          Change Data Capture polling interval in ms (default 5000)
  --sa-password PW         password of the sysadmin login 'sa' (default Sim_Passw0rd)
  --login NAME:PW[:sysadmin]  another SQL login (repeatable)
  --server-name NAME       @@SERVERNAME / SERVERPROPERTY('ServerName') (default SIMSQL)
  --machine-name NAME      SERVERPROPERTY('ServerName') after a host rename (sys.sysservers
                           and @@SERVERNAME keep --server-name, as SQL Server does)
  --edition TEXT           SERVERPROPERTY('Edition')
  --engine-edition N       SERVERPROPERTY('EngineEdition') (2 Standard, 3 Enterprise)
  --product-version V      SERVERPROPERTY('ProductVersion'), e.g. 15.0.4365.2
  --force-encryption       refuse clients that do not encrypt
  --cert FILE --key FILE   TLS certificate and key (PEM); a self-signed one is made otherwise
  --init-sql FILE          run this T-SQL script (batches separated by GO lines) as sa first
  --log-file FILE          log logins and requests (never passwords)
  --verbose                also log them to stderr
)";

struct Args {
    uint16_t port = 0;
    std::string port_file, cert, key, log_file, sa_password = "Sim_Passw0rd";
    std::vector<std::string> init_sql;
    bool force_encryption = false;
    bool verbose = false;
    sim::ServerSettings settings;
};

Args parse_args(int argc, char **argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        std::string k = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                throw std::runtime_error("option " + k + " needs a value");
            return argv[++i];
        };
        if (k == "--help" || k == "-h") {
            std::cout << kUsage;
            std::exit(0);
        } else if (k == "--port") {
            a.port = static_cast<uint16_t>(std::stoi(value()));
        } else if (k == "--port-file") {
            a.port_file = value();
        } else if (k == "--data-dir") {
            a.settings.data_dir = value();
        } else if (k == "--sa-password") {
            a.sa_password = value();
        } else if (k == "--login") {
            std::string v = value();
            size_t c1 = v.find(':');
            if (c1 == std::string::npos)
                throw std::runtime_error("--login wants NAME:PASSWORD[:sysadmin]");
            size_t c2 = v.find(':', c1 + 1);
            sim::LoginDef l;
            l.name = v.substr(0, c1);
            l.password =
                v.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1);
            l.sysadmin = c2 != std::string::npos && v.substr(c2 + 1) == "sysadmin";
            a.settings.logins.push_back(l);
        } else if (k == "--server-name") {
            a.settings.server_name = value();
        } else if (k == "--machine-name") {
            a.settings.machine_name = value();
        } else if (k == "--edition") {
            a.settings.edition = value();
        } else if (k == "--engine-edition") {
            a.settings.engine_edition = std::stoi(value());
        } else if (k == "--product-version") {
            a.settings.product_version = value();
        } else if (k == "--force-encryption") {
            a.force_encryption = true;
        } else if (k == "--cert") {
            a.cert = value();
        } else if (k == "--key") {
            a.key = value();
        } else if (k == "--init-sql") {
            a.init_sql.push_back(value());
        } else if (k == "--log-file") {
            a.log_file = value();
        } else if (k == "--cdc-poll-ms") {
            a.settings.cdc_poll_ms = std::max(1, std::stoi(value()));
        } else if (k == "--verbose" || k == "-v") {
            a.verbose = true;
        } else {
            throw std::runtime_error("unknown option " + k + " (see --help)");
        }
    }
    if (a.settings.data_dir.empty())
        throw std::runtime_error("--data-dir is required");
    a.settings.logins.insert(a.settings.logins.begin(), sim::LoginDef{"sa", a.sa_password, true});
    return a;
}

// Collects messages of an init script; errors fail the start.
class ScriptSink final : public sim::ResultSink {
public:
    bool failed = false;
    void columns(const std::vector<sim::ColumnInfo> &) override {}
    bool row(const std::vector<sim::Value> &) override { return true; }
    void end_statement(std::optional<uint64_t>, bool) override {}
    void message(const sim::Message &m) override {
        if (m.severity > 10) {
            failed = true;
            std::cerr << "sqlsim: init error " << m.number << " (severity "
                      << static_cast<int>(m.severity) << ", line " << m.line << "): " << m.text
                      << "\n";
        } else {
            std::cout << m.text << "\n";
        }
    }
    void database_changed(const std::string &, const std::string &) override {}
    void transaction_began(uint64_t) override {}
    void transaction_ended(uint64_t, bool) override {}
    void return_value(const std::string &, const sim::SqlType &, const sim::Value &) override {}
    void return_status(int32_t) override {}
    bool cancelled() override { return false; }
};

// sqlcmd/tsql semantics: a line holding only GO ends a batch.
std::vector<std::string> split_batches(std::istream &in) {
    std::vector<std::string> out;
    std::string line, cur;
    while (std::getline(in, line)) {
        std::string t = line;
        while (!t.empty() && (t.back() == ' ' || t.back() == '\r' || t.back() == '\t'))
            t.pop_back();
        size_t s = t.find_first_not_of(" \t");
        std::string word = s == std::string::npos ? "" : t.substr(s);
        if (word == "GO" || word == "go" || word == "Go") {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += line + "\n";
        }
    }
    if (cur.find_first_not_of(" \t\r\n") != std::string::npos)
        out.push_back(cur);
    return out;
}

} // namespace

int main(int argc, char **argv) {
    try {
        Args args = parse_args(argc, argv);
        std::signal(SIGPIPE, SIG_IGN);
        auto engine = sim::open_engine(args.settings);

        std::mutex log_mutex;
        std::ofstream log;
        if (!args.log_file.empty())
            log.open(args.log_file, std::ios::app);
        sim::tds::ServerOptions opts;
        opts.force_encryption = args.force_encryption;
        if (log.is_open() || args.verbose)
            opts.log = [&](const std::string &line) {
                std::lock_guard lock(log_mutex);
                if (log.is_open()) {
                    log << line << "\n";
                    log.flush();
                }
                if (args.verbose)
                    std::cerr << "sqlsim: " << line << "\n";
            };

        for (const auto &file : args.init_sql) {
            std::ifstream in(file);
            if (!in)
                throw std::runtime_error("cannot read --init-sql " + file);
            auto session = engine->open_session(
                sim::LoginInfo{"sa", args.sa_password, "master", "sqlsim-init", "localhost"});
            for (const auto &batch : split_batches(in)) {
                ScriptSink sink;
                session->execute_batch(batch, sink);
                if (sink.failed)
                    throw std::runtime_error("--init-sql " + file + " failed");
            }
        }

        sim::tds::TlsContext tls(args.cert, args.key, args.settings.server_name);
        opts.tls = tls.get();
        sim::tds::Server server(*engine, opts);
        uint16_t port = server.listen(args.port);
        g_server = &server;
        std::signal(SIGTERM, on_signal);
        std::signal(SIGINT, on_signal);
        if (!args.port_file.empty()) {
            std::string tmp = args.port_file + ".tmp";
            std::ofstream(tmp) << port << "\n";
            std::rename(tmp.c_str(), args.port_file.c_str());
        }
        std::cout << "sqlsim listening on 127.0.0.1:" << port << std::endl;
        server.run();
        // Connections still inside the engine after the grace period would outlive it.
        if (!server.close_connections(std::chrono::seconds(5)))
            std::_Exit(0);
        return 0;
    } catch (const sim::SqlError &e) {
        std::cerr << "sqlsim: " << e.msg.number << ": " << e.msg.text << "\n";
        return 1;
    } catch (const std::exception &e) {
        std::cerr << "sqlsim: " << e.what() << "\n";
        return 1;
    }
}
