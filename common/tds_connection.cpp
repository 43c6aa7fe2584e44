#include "tds_connection.hpp"

#include <sybdb.h>
#include <sybfront.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>

namespace dts::tds {

struct Connection::State {
    std::vector<ServerMessage> errors;
    std::vector<ServerMessage> infos;
    std::vector<std::string> library_errors;
    bool timed_out = false;
    bool interrupted = false;
    bool silent = false; // idle_timeout reached
    // FreeTDS replaced characters that have no UTF-8 form (an unpaired UTF-16 surrogate in an
    // nvarchar value) with '?': its message, until the row that holds them is refused.
    std::optional<std::string> unconverted;
    std::chrono::steady_clock::time_point started;
    // When the library call now running (execute, next_result, next_row) began to wait.
    std::chrono::steady_clock::time_point waiting_since;
    int query_timeout = 0;
    int idle_timeout = 0;
    // When the first attention of the current wait was sent (cancel or timeout), if any.
    std::optional<std::chrono::steady_clock::time_point> attention_at;
};

namespace {

// How long a server gets to acknowledge an attention before the connection is closed.
constexpr std::chrono::seconds kAttentionGrace{5};

std::once_flag g_init;
Connection::InterruptCheck g_interrupt = nullptr;
Connection::OutgoingText g_outgoing = nullptr;
// Messages that arrive while no DBPROCESS exists yet (during dbopen).
thread_local Connection::State *t_login_state = nullptr;

// DB-Library's handlers are process-wide; another DB-Library user in the same process (another
// FDW) keeps its own through the previous handlers, which we chain to for DBPROCESSes not ours.
EHANDLEFUNC g_prev_err = nullptr;
MHANDLEFUNC g_prev_msg = nullptr;
std::mutex g_owned_mutex;
std::vector<DBPROCESS *> g_owned;

bool owned(DBPROCESS *proc) {
    std::lock_guard lock(g_owned_mutex);
    return std::find(g_owned.begin(), g_owned.end(), proc) != g_owned.end();
}

// During our dbopen() the DBPROCESS being logged in is not registered yet: its messages (login
// failed, cannot open database) go to the thread's login state.
Connection::State *state_of(DBPROCESS *proc) {
    if (proc && owned(proc))
        return reinterpret_cast<Connection::State *>(dbgetuserdata(proc));
    return t_login_state;
}

// Library errors: recorded only. For the once-a-second timeout tick the return value tells
// DB-Library whether to keep waiting (INT_CONTINUE) or to cancel the batch (INT_TIMEOUT).
int on_error(DBPROCESS *proc, int severity, int dberr, int oserr, char *dberrstr, char *oserrstr) {
    Connection::State *s = state_of(proc);
    if (!s && g_prev_err)
        return g_prev_err(proc, severity, dberr, oserr, dberrstr, oserrstr);
    if (dberr == SYBETIME && s) {
        // INT_TIMEOUT cancels the batch (attention) and keeps the connection; INT_CANCEL
        // closes it. A server that does not acknowledge the attention within the grace period
        // is not answering at all: close the socket rather than wait for it forever (a backend
        // that cannot be cancelled or terminated, a sidecar that ignores SIGTERM).
        const auto now = std::chrono::steady_clock::now();
        if (s->attention_at && now - *s->attention_at >= kAttentionGrace) {
            s->library_errors.push_back("SQL Server did not acknowledge the cancel within " +
                                        std::to_string(kAttentionGrace.count()) +
                                        " s; connection closed");
            return INT_CANCEL;
        }
        bool cancel = false;
        if (g_interrupt && g_interrupt()) {
            s->interrupted = cancel = true;
        } else if (s->query_timeout > 0 &&
                   now - s->started >= std::chrono::seconds(s->query_timeout)) {
            s->timed_out = cancel = true;
        } else if (s->idle_timeout > 0 &&
                   now - s->waiting_since >= std::chrono::seconds(s->idle_timeout)) {
            s->silent = cancel = true;
        }
        if (!cancel)
            return INT_CONTINUE;
        if (!s->attention_at)
            s->attention_at = now;
        return INT_TIMEOUT;
    }
    if (s && (dberr == SYBEICONVI || dberr == SYBEICONVIU)) {
        s->unconverted = dberrstr ? dberrstr : "characters could not be converted";
        return INT_CANCEL;
    }
    if (s) {
        std::string text = dberrstr ? dberrstr : "unknown DB-Library error";
        if (oserrstr && *oserrstr)
            text += std::string(" (") + oserrstr + ")";
        s->library_errors.push_back(text);
    }
    return INT_CANCEL;
}

int on_message(DBPROCESS *proc, DBINT number, int state, int severity, char *text, char *server,
               char *procname, int line) {
    Connection::State *s = state_of(proc);
    if (!s && g_prev_msg)
        return g_prev_msg(proc, number, state, severity, text, server, procname, line);
    if (!s)
        return 0;
    ServerMessage m{static_cast<int>(number), state, severity, text ? text : "",
                    procname ? procname : "", line};
    // 5701/5703 (database/language context) are noise for every login.
    if (severity <= 10) {
        if (number != 5701 && number != 5703)
            s->infos.push_back(std::move(m));
    } else {
        s->errors.push_back(std::move(m));
    }
    return 0;
}

int check_interrupt(void *p) {
    auto *proc = static_cast<DBPROCESS *>(p);
    if (g_interrupt && g_interrupt()) {
        if (auto *s = state_of(proc))
            s->interrupted = true;
        return TRUE;
    }
    return FALSE;
}

int handle_interrupt(void *) {
    return INT_CANCEL;
}

void init_library() {
    std::call_once(g_init, [] {
        dbinit();
        g_prev_err = dberrhandle(on_error);
        g_prev_msg = dbmsghandle(on_message);
        // A one-second tick while waiting lets us poll for cancellation and enforce per-server
        // query timeouts ourselves.
        dbsettime(1);
    });
}

// FreeTDS takes host, port, TDS version and encryption from a freetds.conf section; we write a
// private one (no secrets in it: user and password go in the LOGINREC).
// FreeTDS takes host, port, TLS and TDS version from a freetds.conf section. The file lives in a
// directory this process created (mkdtemp: 0700, unpredictable name), so no other local user
// can pre-create or replace it; FREETDSCONF names it during our logins (see the constructor). Each
// distinct server setting gets its own section; the file only grows and is replaced atomically, so
// a login in one thread never reads another thread's settings. Removed at exit.
struct ConfigFile {
    std::mutex m;
    std::string dir, path;
    std::map<std::string, std::string> sections; // name -> body
    ~ConfigFile() {
        if (!path.empty()) {
            ::unlink(path.c_str());
            ::rmdir(dir.c_str());
        }
    }
};

ConfigFile &config_file() {
    static ConfigFile cf;
    return cf;
}

// Under cf.m.
void make_config_dir(ConfigFile &cf) {
    if (!cf.dir.empty())
        return;
    char tmpl[] = "/tmp/pg_dts-freetds-XXXXXX";
    if (!::mkdtemp(tmpl))
        throw Error("58000", std::string("cannot create a FreeTDS configuration directory: ") +
                                 std::strerror(errno));
    cf.dir = tmpl;
    cf.path = cf.dir + "/freetds.conf";
}

// Set by pin_config_environment(): FREETDSCONF stays ours for the whole process.
bool g_env_pinned = false;

std::string write_config(const ServerOptions &o) {
    ConfigFile &cf = config_file();
    std::lock_guard lock(cf.m);
    make_config_dir(cf);
    std::string body = "\thost = " + o.host + "\n\tport = " + std::to_string(o.port) +
                       "\n\ttds version = " + o.tds_version + "\n\tencryption = " + o.encrypt +
                       "\n\tclient charset = UTF-8\n\ttext size = 2147483647\n";
    // Named for where it points (FreeTDS quotes the name in its messages).
    std::string name = o.host + ":" + std::to_string(o.port);
    for (int k = 2; cf.sections.count(name) && cf.sections[name] != body; ++k)
        name = o.host + ":" + std::to_string(o.port) + "#" + std::to_string(k);
    if (cf.sections.emplace(name, body).second) {
        std::string tmp = cf.path + ".tmp";
        {
            std::ofstream out(tmp, std::ios::trunc);
            for (const auto &[n, b] : cf.sections)
                out << "[" << n << "]\n" << b;
            if (!out.flush())
                throw Error("58000", "cannot write the FreeTDS configuration " + tmp);
        }
        if (std::rename(tmp.c_str(), cf.path.c_str()) != 0)
            throw Error("58000", "cannot replace the FreeTDS configuration " + cf.path + ": " +
                                     std::strerror(errno));
    }
    return name;
}

std::string describe(const ServerMessage &m) {
    return "SQL Server error " + std::to_string(m.number) + ", severity " +
           std::to_string(m.severity) + ", state " + std::to_string(m.state) + ": " + m.text;
}

// SQLSTATE for a SQL Server message number.
const char *sqlstate_for(int number) {
    switch (number) {
    case 18456:
        return "28000";
    case 4060:
    case 911:
        return "3D000";
    case 208:
        return "42P01";
    case 207:
        return "42703";
    case 102:
    case 156:
        return "42601";
    case 2627:
    case 2601:
        return "23505";
    case 547:
        return "23503";
    case 515:
        return "23502";
    case 8152:
    case 2628:
        return "22001";
    case 245:
    case 8114:
    case 241:
        return "22018";
    case 8115:
        return "22003";
    case 229:
    case 230:
        return "42501";
    case 1205:
        return "40P01";
    case 1222:
        return "55P03";
    default:
        return "HV000";
    }
}

} // namespace

void Connection::set_interrupt_check(InterruptCheck check) {
    g_interrupt = check;
}

void Connection::set_outgoing_text(OutgoingText convert) {
    g_outgoing = convert;
}

void Connection::pin_config_environment() {
    ConfigFile &cf = config_file();
    std::lock_guard lock(cf.m);
    make_config_dir(cf);
    ::setenv("FREETDSCONF", cf.path.c_str(), 1);
    g_env_pinned = true;
}

Connection::Connection(const ServerOptions &server, const Credentials &cred)
    : server_(server), state_(std::make_unique<State>()) {
    init_library();
    LOGINREC *login = dblogin();
    if (!login)
        throw Error("53200", "out of memory allocating a FreeTDS login");
    DBSETLUSER(login, cred.user.c_str());
    DBSETLPWD(login, cred.password.c_str());
    DBSETLAPP(login, server.app_name.c_str());
    DBSETLCHARSET(login, "UTF-8");
    if (server.packet_size > 0)
        DBSETLPACKET(login, server.packet_size);
    if (!server.database.empty())
        DBSETLDBNAME(login, server.database.c_str());
    dbsetlogintime(server.login_timeout > 0 ? server.login_timeout : 15);
    std::string section = write_config(server);
    t_login_state = state_.get();
    if (g_env_pinned) {
        proc_ = reinterpret_cast<tds_dblib_dbprocess *>(dbopen(login, section.c_str()));
    } else {
        // FreeTDS reads FREETDSCONF during dbopen only. Another DB-Library user of this process
        // (tds_fdw in the same backend) keeps its own configuration: ours is named for the
        // login, then the variable is as it was.
        const char *prev = std::getenv("FREETDSCONF");
        const std::optional<std::string> saved =
            prev ? std::optional<std::string>(prev) : std::nullopt;
        ::setenv("FREETDSCONF", config_file().path.c_str(), 1);
        proc_ = reinterpret_cast<tds_dblib_dbprocess *>(dbopen(login, section.c_str()));
        if (saved)
            ::setenv("FREETDSCONF", saved->c_str(), 1);
        else
            ::unsetenv("FREETDSCONF");
    }
    t_login_state = nullptr;
    dbloginfree(login);
    if (!proc_) {
        std::string where =
            "\"" + server.label + "\" (" + server.host + ":" + std::to_string(server.port) + ")";
        for (const auto &m : state_->errors)
            if (m.number == 18456)
                throw Error("28000",
                            "login to SQL Server \"" + server.label + "\" failed for user \"" +
                                cred.user + "\"",
                            describe(m), "Check the user and password of the user mapping.");
        for (const auto &m : state_->errors)
            if (m.number == 4060)
                throw Error("3D000", "cannot open database \"" + server.database + "\" on " + where,
                            describe(m), "Check the \"database\" option of the server.");
        std::string detail;
        for (const auto &e : state_->library_errors)
            detail += (detail.empty() ? "" : "; ") + e;
        for (const auto &m : state_->errors)
            detail += (detail.empty() ? "" : "; ") + describe(m);
        throw Error("08001", "could not connect to SQL Server " + where, detail,
                    "Check host, port and encrypt options, and that the server is reachable.");
    }
    auto *proc = reinterpret_cast<DBPROCESS *>(proc_);
    dbsetuserdata(proc, reinterpret_cast<BYTE *>(state_.get()));
    {
        std::lock_guard lock(g_owned_mutex);
        g_owned.push_back(proc);
    }
    dbsetinterrupt(proc, check_interrupt, handle_interrupt);
    state_->infos.clear();
}

Connection::~Connection() {
    if (!proc_)
        return;
    auto *proc = reinterpret_cast<DBPROCESS *>(proc_);
    dbclose(proc);
    std::lock_guard lock(g_owned_mutex);
    g_owned.erase(std::remove(g_owned.begin(), g_owned.end(), proc), g_owned.end());
}

bool Connection::dead() const {
    return !proc_ || DBDEAD(reinterpret_cast<DBPROCESS *>(proc_));
}

void Connection::raise(const std::string &what) {
    if (state_->interrupted) {
        state_->interrupted = false;
        throw Error("57014", "canceling statement on SQL Server \"" + server_.label + "\"",
                    "The remote batch was cancelled with a TDS attention.");
    }
    if (state_->silent) {
        state_->silent = false;
        state_->library_errors.clear();
        throw Error("08006",
                    "SQL Server \"" + server_.label + "\" sent nothing for " +
                        std::to_string(server_.idle_timeout) + " s; connection abandoned",
                    {},
                    "The server stopped answering (or one statement ran that long without "
                    "returning anything): check the server; raise the idle timeout if such "
                    "statements are expected.");
    }
    if (state_->timed_out) {
        state_->timed_out = false;
        throw Error("57014",
                    "query on SQL Server \"" + server_.label + "\" exceeded query_timeout (" +
                        std::to_string(server_.query_timeout) + " s)",
                    {}, "Raise the server's query_timeout option, or 0 for none.");
    }
    if (!state_->errors.empty()) {
        ServerMessage m = state_->errors.front();
        state_->errors.clear();
        state_->library_errors.clear();
        throw Error(sqlstate_for(m.number), m.text,
                    describe(m) + " (" + what + " on \"" + server_.label + "\")");
    }
    std::string detail;
    for (const auto &e : state_->library_errors)
        detail += (detail.empty() ? "" : "; ") + e;
    state_->library_errors.clear();
    throw Error(dead() ? "08006" : "HV000",
                what + " failed on SQL Server \"" + server_.label + "\"", detail);
}

void Connection::check_failed(int rc, const std::string &what) {
    if (rc == FAIL || !state_->errors.empty() || state_->interrupted || state_->timed_out ||
        state_->silent)
        raise(what);
}

void Connection::execute(const std::string &tsql) {
    auto *proc = reinterpret_cast<DBPROCESS *>(proc_);
    if (dead())
        throw Error("08006", "connection to SQL Server \"" + server_.label + "\" is broken");
    state_->errors.clear();
    state_->library_errors.clear();
    state_->silent = state_->timed_out = false;
    state_->unconverted.reset();
    state_->started = state_->waiting_since = std::chrono::steady_clock::now();
    state_->query_timeout = server_.query_timeout;
    state_->idle_timeout = server_.idle_timeout;
    state_->attention_at.reset();
    dbfreebuf(proc);
    const std::string converted = g_outgoing ? g_outgoing(tsql) : std::string();
    if (dbcmd(proc, (g_outgoing ? converted : tsql).c_str()) == FAIL)
        raise("sending the query");
    check_failed(dbsqlsend(proc), "sending the query");
    RETCODE rc = dbsqlok(proc);
    if (rc == FAIL || !state_->errors.empty()) {
        // The server may have sent more results after an error; leave the connection clean.
        if (!dead())
            dbcancel(proc);
        raise("running the query");
    }
}

bool Connection::next_result() {
    auto *proc = reinterpret_cast<DBPROCESS *>(proc_);
    for (;;) {
        state_->waiting_since = std::chrono::steady_clock::now();
        RETCODE rc = dbresults(proc);
        if (rc == NO_MORE_RESULTS)
            return false;
        if (rc == FAIL || !state_->errors.empty() || state_->silent) {
            if (!dead())
                dbcancel(proc);
            raise("reading results");
        }
        if (dbnumcols(proc) > 0)
            return true;
    }
}

int Connection::column_count() const {
    return dbnumcols(reinterpret_cast<DBPROCESS *>(proc_));
}

ColumnDesc Connection::column(int i) const {
    auto *proc = reinterpret_cast<DBPROCESS *>(proc_);
    ColumnDesc d;
    const char *n = dbcolname(proc, i);
    d.name = n ? n : "";
    d.type = dbcoltype(proc, i);
    d.max_length = dbcollen(proc, i);
    if (DBTYPEINFO *ti = dbcoltypeinfo(proc, i)) {
        d.precision = ti->precision;
        d.scale = ti->scale;
    }
    return d;
}

bool Connection::next_row() {
    auto *proc = reinterpret_cast<DBPROCESS *>(proc_);
    state_->waiting_since = std::chrono::steady_clock::now();
    STATUS st = dbnextrow(proc);
    if (st == NO_MORE_ROWS)
        return false;
    if (state_->unconverted) {
        // A value changed behind our back is never passed on as if it were the source's.
        std::string detail = *state_->unconverted;
        state_->unconverted.reset();
        if (!dead())
            dbcancel(proc);
        throw Error("22P05",
                    "a value read from SQL Server \"" + server_.label +
                        "\" holds characters with no UTF-8 form",
                    detail,
                    "Typically an nvarchar value with an unpaired UTF-16 surrogate (e.g. "
                    "NCHAR(55296)); correct the value at the source.");
    }
    if (st == FAIL || !state_->errors.empty() || state_->interrupted || state_->timed_out ||
        state_->silent) {
        if (!dead())
            dbcancel(proc);
        raise("fetching rows");
    }
    return true;
}

const uint8_t *Connection::data(int i) const {
    auto *proc = reinterpret_cast<DBPROCESS *>(proc_);
    BYTE *p = dbdata(proc, i);
    if (!p && dbdatlen(proc, i) == 0)
        return nullptr;
    return p ? p : reinterpret_cast<const uint8_t *>("");
}

int Connection::length(int i) const {
    return dbdatlen(reinterpret_cast<DBPROCESS *>(proc_), i);
}

void Connection::cancel() {
    if (!dead())
        dbcancel(reinterpret_cast<DBPROCESS *>(proc_));
    state_->errors.clear();
    state_->interrupted = false;
    state_->timed_out = false;
    state_->silent = false;
    state_->attention_at.reset();
}

void Connection::drain() {
    auto *proc = reinterpret_cast<DBPROCESS *>(proc_);
    while (!dead()) {
        RETCODE rc = dbresults(proc);
        if (rc == NO_MORE_RESULTS || rc == FAIL)
            break;
        while (dbnextrow(proc) != NO_MORE_ROWS)
            if (dead())
                break;
    }
    if (!state_->errors.empty())
        raise("finishing the batch");
}

long long Connection::execute_all(const std::string &tsql) {
    auto *proc = reinterpret_cast<DBPROCESS *>(proc_);
    execute(tsql);
    long long affected = 0;
    for (;;) {
        state_->waiting_since = std::chrono::steady_clock::now();
        RETCODE rc = dbresults(proc);
        if (rc == NO_MORE_RESULTS)
            break;
        if (rc == FAIL || !state_->errors.empty() || state_->interrupted || state_->timed_out ||
            state_->silent) {
            if (!dead())
                dbcancel(proc);
            raise("running the batch");
        }
        bool rows = dbnumcols(proc) > 0;
        if (rows)
            while (next_row()) {
            }
        if (!rows && DBCOUNT(proc) > 0)
            affected += DBCOUNT(proc);
    }
    return affected;
}

Connection::TextResult Connection::query_text(const std::string &tsql) {
    TextResult out;
    query_rows(
        tsql,
        [&](const std::vector<ColumnDesc> &, std::vector<std::optional<std::string>> &row) {
            out.rows.push_back(std::move(row));
        },
        [&](const std::vector<ColumnDesc> &columns) {
            if (out.columns.empty())
                out.columns = columns;
        });
    return out;
}

void Connection::query_rows(
    const std::string &tsql,
    const std::function<void(const std::vector<ColumnDesc> &,
                             std::vector<std::optional<std::string>> &)> &each,
    const std::function<void(const std::vector<ColumnDesc> &)> &on_result) {
    execute(tsql);
    std::vector<std::optional<std::string>> row;
    while (next_result()) {
        const int n = column_count();
        if (n == 0)
            continue;
        std::vector<ColumnDesc> cols;
        for (int i = 1; i <= n; ++i)
            cols.push_back(column(i));
        if (on_result)
            on_result(cols);
        while (next_row()) {
            row.clear();
            row.reserve(static_cast<size_t>(n));
            for (int i = 1; i <= n; ++i) {
                const uint8_t *p = data(i);
                if (!p) {
                    row.emplace_back();
                    continue;
                }
                const ColumnDesc &c = cols[static_cast<size_t>(i - 1)];
                row.emplace_back(value_to_text(c.type, p, length(i), c.scale));
            }
            each(cols, row);
        }
    }
}

std::vector<ServerMessage> Connection::take_messages() {
    std::vector<ServerMessage> out;
    out.swap(state_->infos);
    return out;
}

} // namespace dts::tds
