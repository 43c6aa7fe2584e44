// Server-wide state shared by all sessions: logins, the LSN and rowversion counters, identity
// counters, which databases keep their log, and who uses which database.
#pragma once

#include "engine.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace sim::sql {

class EngineState {
public:
    explicit EngineState(ServerSettings s) : settings(std::move(s)) {}
    ServerSettings settings;
    std::string db_path;

    std::string next_lsn();    // binary(10), strictly increasing
    std::string current_lsn(); // the last one handed out (binary(10)), without advancing
    void init_lsn(uint64_t last_counter) { lsn_counter_ = last_counter; }
    // Moves the counter past a stored LSN (binary(10)) when reopening a store.
    void init_lsn_at_least(const std::string &lsn);
    std::string next_rowversion();
    uint64_t next_xact_id() { return ++xact_counter_; }
    // Moves the transaction id counter past ids already in a reopened store's log: SQL Server
    // never hands out a transaction id twice, and log readers key transactions by it.
    void init_xact_at_least(uint64_t id) {
        if (id > xact_counter_)
            xact_counter_ = id;
    }
    uint16_t next_spid() { return static_cast<uint16_t>(++spid_counter_); }

    // Identity values: seeded from the catalog on first use, never rolled back.
    int64_t next_identity(int database_id, int object_id, int64_t seed, int64_t increment,
                          std::optional<int64_t> last);
    std::optional<int64_t> identity_current(int database_id, int object_id);
    void reset_identity(int database_id, int object_id);
    bool identity_known(int database_id, int object_id);

    bool logging(int database_id);
    void set_logging(int database_id, bool on);
    // A CDC-enabled database keeps its log whatever its recovery model (the capture process
    // reads it).
    void set_cdc(int database_id, bool on);

    void use_database(int database_id, int delta);
    int users_of(int database_id);

private:
    std::mutex mu_;
    uint64_t lsn_counter_ = 0;
    uint64_t rowversion_ = 0;
    std::atomic<uint64_t> xact_counter_{0};
    std::atomic<uint32_t> spid_counter_{50};
    struct Ident {
        int64_t next;
        int64_t increment;
        std::optional<int64_t> current;
    };
    std::map<std::pair<int, int>, Ident> identities_;
    std::map<int, bool> logging_;
    std::map<int, bool> cdc_;
    std::map<int, int> users_;
};

} // namespace sim::sql
