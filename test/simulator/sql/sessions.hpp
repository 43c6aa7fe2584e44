// The server's connected sessions, server-wide: sys.dm_exec_sessions lists them, KILL and
// ALTER DATABASE ... WITH ROLLBACK IMMEDIATE end them (the connection is closed, which rolls
// back its open transaction as a disconnect does).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct sqlite3;

namespace sim::sql {

struct SessionEntry {
    uint16_t spid = 0;
    std::string login_name;
    std::string host_name;
    std::string program_name;
    std::string login_time; // "YYYY-MM-DD hh:mm:ss.fff"
    int database_id = 1;
    int open_transaction_count = 0;
    bool running = false;
};

void session_register(const SessionEntry &e);
void session_unregister(uint16_t spid);
void session_set_database(uint16_t spid, int database_id);
void session_set_state(uint16_t spid, bool running, int open_transaction_count);
bool session_exists(uint16_t spid);
// Closes the session's connection; false when no connection is registered for it.
bool session_kill(uint16_t spid);
// Sessions (other than `except`) whose current database is `database_id`.
std::vector<uint16_t> sessions_in_database(int database_id, uint16_t except);
// sim_sessions(): the registry as JSON for the sys.dm_exec_sessions view.
void register_session_functions(sqlite3 *db);

} // namespace sim::sql
