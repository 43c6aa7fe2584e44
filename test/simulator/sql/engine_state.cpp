#include "engine_state.hpp"

#include <chrono>

namespace sim::sql {

namespace {
std::string lsn_bytes(uint64_t n);
}

std::string EngineState::next_lsn() {
    std::lock_guard lock(mu_);
    return lsn_bytes(++lsn_counter_);
}

std::string EngineState::current_lsn() {
    std::lock_guard lock(mu_);
    return lsn_bytes(lsn_counter_);
}

namespace {
std::string lsn_bytes(uint64_t n) {
    // VLF 0x27.., 4 KiB-ish blocks of 0x20 slots: increasing in every part like a real log.
    uint32_t vlf = static_cast<uint32_t>(0x27 + (n >> 24));
    uint32_t block = static_cast<uint32_t>(((n >> 5) & 0x7FFFF) * 8 + 0x10);
    uint16_t slot = static_cast<uint16_t>((n & 0x1F) + 1);
    std::string b(10, '\0');
    for (int i = 0; i < 4; ++i) {
        b[static_cast<size_t>(i)] = static_cast<char>(vlf >> (24 - 8 * i));
        b[static_cast<size_t>(4 + i)] = static_cast<char>(block >> (24 - 8 * i));
    }
    b[8] = static_cast<char>(slot >> 8);
    b[9] = static_cast<char>(slot);
    return b;
}
} // namespace

std::string EngineState::next_rowversion() {
    std::lock_guard lock(mu_);
    if (rowversion_ == 0)
        rowversion_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count())
                      << 8;
    uint64_t v = ++rowversion_;
    std::string b(8, '\0');
    for (int i = 0; i < 8; ++i)
        b[static_cast<size_t>(i)] = static_cast<char>(v >> (56 - 8 * i));
    return b;
}

int64_t EngineState::next_identity(int database_id, int object_id, int64_t seed, int64_t increment,
                                   std::optional<int64_t> last) {
    std::lock_guard lock(mu_);
    auto key = std::make_pair(database_id, object_id);
    auto it = identities_.find(key);
    if (it == identities_.end())
        it =
            identities_.emplace(key, Ident{last ? *last + increment : seed, increment, last}).first;
    int64_t v = it->second.next;
    it->second.next += it->second.increment;
    it->second.current = v;
    return v;
}

bool EngineState::identity_known(int database_id, int object_id) {
    std::lock_guard lock(mu_);
    return identities_.count({database_id, object_id}) > 0;
}

std::optional<int64_t> EngineState::identity_current(int database_id, int object_id) {
    std::lock_guard lock(mu_);
    auto it = identities_.find({database_id, object_id});
    if (it == identities_.end())
        return std::nullopt;
    return it->second.current;
}

void EngineState::reset_identity(int database_id, int object_id) {
    std::lock_guard lock(mu_);
    identities_.erase({database_id, object_id});
}

// Every database but tempdb logs its changes (sys.fn_dblog shows them until the log is
// truncated, whatever the recovery model); logging_ and cdc_ only say why the log is kept.
bool EngineState::logging(int database_id) {
    return database_id != 2;
}

void EngineState::init_lsn_at_least(const std::string &lsn) {
    if (lsn.size() != 10)
        return;
    auto u = [&](size_t i, size_t n) {
        uint64_t v = 0;
        for (size_t k = 0; k < n; ++k)
            v = v << 8 | static_cast<uint8_t>(lsn[i + k]);
        return v;
    };
    uint64_t vlf = u(0, 4), block = u(4, 4), slot = u(8, 2);
    uint64_t n = ((vlf - 0x27) << 24) | (((block - 0x10) / 8) << 5) | ((slot - 1) & 0x1F);
    std::lock_guard lock(mu_);
    if (n + 1 > lsn_counter_)
        lsn_counter_ = n + 1;
}

void EngineState::set_cdc(int database_id, bool on) {
    std::lock_guard lock(mu_);
    cdc_[database_id] = on;
}

void EngineState::set_logging(int database_id, bool on) {
    std::lock_guard lock(mu_);
    logging_[database_id] = on;
}

void EngineState::use_database(int database_id, int delta) {
    std::lock_guard lock(mu_);
    users_[database_id] += delta;
}

int EngineState::users_of(int database_id) {
    std::lock_guard lock(mu_);
    return users_[database_id];
}

} // namespace sim::sql
