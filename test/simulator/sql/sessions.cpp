#include "sessions.hpp"

#include "engine.hpp"

#include <sqlite3.h>

#include <functional>
#include <map>
#include <mutex>

namespace sim::sql {
namespace {

struct Registered {
    SessionEntry entry;
    std::function<void()> kill; // set by the connection that owns the session
};

std::mutex g_mu;
std::map<uint16_t, Registered> g_sessions;

std::string json_str(const std::string &s) {
    std::string o = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\')
            o.push_back('\\');
        if (static_cast<unsigned char>(ch) >= 0x20)
            o.push_back(ch);
    }
    return o + "\"";
}

void fn_sessions(sqlite3_context *c, int, sqlite3_value **) {
    std::lock_guard g(g_mu);
    std::string j = "[";
    for (const auto &[spid, r] : g_sessions) {
        const SessionEntry &e = r.entry;
        if (j.size() > 1)
            j += ",";
        j += "{\"s\":" + std::to_string(spid) + ",\"l\":" + json_str(e.login_name) +
             ",\"h\":" + json_str(e.host_name) + ",\"p\":" + json_str(e.program_name) +
             ",\"t\":" + json_str(e.login_time) + ",\"d\":" + std::to_string(e.database_id) +
             ",\"o\":" + std::to_string(e.open_transaction_count) +
             ",\"r\":" + (e.running ? "1" : "0") + "}";
    }
    j += "]";
    sqlite3_result_text(c, j.c_str(), -1, SQLITE_TRANSIENT);
}

} // namespace

void session_register(const SessionEntry &e) {
    std::lock_guard g(g_mu);
    g_sessions[e.spid].entry = e;
}

void session_unregister(uint16_t spid) {
    std::lock_guard g(g_mu);
    g_sessions.erase(spid);
}

void session_set_database(uint16_t spid, int database_id) {
    std::lock_guard g(g_mu);
    auto it = g_sessions.find(spid);
    if (it != g_sessions.end())
        it->second.entry.database_id = database_id;
}

void session_set_state(uint16_t spid, bool running, int open_transaction_count) {
    std::lock_guard g(g_mu);
    auto it = g_sessions.find(spid);
    if (it != g_sessions.end()) {
        it->second.entry.running = running;
        it->second.entry.open_transaction_count = open_transaction_count;
    }
}

bool session_exists(uint16_t spid) {
    std::lock_guard g(g_mu);
    return g_sessions.count(spid) != 0;
}

bool session_kill(uint16_t spid) {
    std::lock_guard g(g_mu);
    auto it = g_sessions.find(spid);
    if (it == g_sessions.end() || !it->second.kill)
        return false;
    it->second.kill();
    return true;
}

std::vector<uint16_t> sessions_in_database(int database_id, uint16_t except) {
    std::lock_guard g(g_mu);
    std::vector<uint16_t> out;
    for (const auto &[spid, r] : g_sessions)
        if (spid != except && r.entry.database_id == database_id)
            out.push_back(spid);
    return out;
}

void register_session_functions(sqlite3 *db) {
    sqlite3_create_function(db, "sim_sessions", 0, SQLITE_UTF8, nullptr, fn_sessions, nullptr,
                            nullptr);
}

} // namespace sim::sql

namespace sim {

void set_session_killer(uint16_t spid, std::function<void()> kill) {
    std::lock_guard g(sql::g_mu);
    auto it = sql::g_sessions.find(spid);
    if (it != sql::g_sessions.end())
        it->second.kill = std::move(kill);
}

} // namespace sim
