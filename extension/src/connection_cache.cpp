// One SQL Server connection per backend per (server, user mapping), reused across queries.
#include "fdw_catalog.hpp"

#include "pg_boundary.hpp"

extern "C" {
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "utils/inval.h"
#include "utils/syscache.h"
}

#include <map>
#include <memory>

namespace pgdts {

namespace {
using Key = std::pair<Oid, Oid>;
struct Pooled {
    std::unique_ptr<dts::tds::Connection> conn;
    bool busy = false;
};
// Without MARS one TDS connection runs one batch at a time, so scans that are open together
// (a nested loop over two foreign tables) each get their own connection.
std::map<Key, std::vector<std::unique_ptr<Pooled>>> *g_cache = nullptr;
// Set by the invalidation callback (which must only record); acted on at the next lookup.
bool g_stale = false;

void on_invalidate(Datum, int, uint32) {
    g_stale = true;
}

void on_exit(int, Datum) {
    if (g_cache)
        g_cache->clear();
}

bool interrupt_pending() {
    return QueryCancelPending || ProcDiePending;
}

// T-SQL built here holds names, filters and literals in the database's encoding; FreeTDS sends
// UTF-8. A database in UTF-8 sends its text as it is.
std::string to_utf8(const std::string &sql) {
    if (GetDatabaseEncoding() == PG_UTF8)
        return sql;
    const char *r = pg_call([&]() -> const char * {
        return pg_server_to_any(sql.c_str(), static_cast<int>(sql.size()), PG_UTF8);
    });
    return std::string(r);
}
} // namespace

void install_connection_cache() {
    g_cache = new std::map<Key, std::vector<std::unique_ptr<Pooled>>>();
    CacheRegisterSyscacheCallback(FOREIGNSERVEROID, on_invalidate, 0);
    CacheRegisterSyscacheCallback(USERMAPPINGOID, on_invalidate, 0);
    on_proc_exit(on_exit, 0);
    dts::tds::Connection::set_interrupt_check(interrupt_pending);
    dts::tds::Connection::set_outgoing_text(to_utf8);
}

ConnectionLease::ConnectionLease(Oid server_oid, Oid user_oid) {
    if (g_stale) {
        // Drop idle connections; busy ones are closed when released.
        for (auto &[k, pool] : *g_cache)
            std::erase_if(pool, [](const auto &p) { return !p->busy; });
        g_stale = false;
    }
    auto &pool = (*g_cache)[{server_oid, user_oid}];
    std::erase_if(pool, [](const auto &p) { return !p->busy && p->conn->dead(); });
    for (auto &p : pool)
        if (!p->busy) {
            p->busy = true;
            slot_ = p.get();
            return;
        }
    ConnectionSettings s = connection_settings(server_oid, user_oid);
    auto p = std::make_unique<Pooled>();
    p->conn = std::make_unique<dts::tds::Connection>(s.server, s.credentials);
    p->busy = true;
    slot_ = p.get();
    pool.push_back(std::move(p));
}

ConnectionLease::~ConnectionLease() {
    if (slot_)
        static_cast<Pooled *>(slot_)->busy = false;
}

dts::tds::Connection &ConnectionLease::get() {
    return *static_cast<Pooled *>(slot_)->conn;
}

} // namespace pgdts
