// How the sidecar reaches a task's source: the foreign server's options and the task owner's
// user mapping, read through dts._source_connection() (SECURITY DEFINER, dts_admin only) and
// parsed by the same code as the FDW's. Credentials stay in memory.
#pragma once

#include "pg_connection.hpp"

#include "tds_connection.hpp"

#include <cstdint>

namespace sidecar {

struct SourceSettings {
    dts::tds::ServerOptions server;
    dts::tds::Credentials credentials;
    dts::tds::ServerOptions for_database(const std::string &db) const {
        auto s = server;
        s.database = db;
        s.app_name = "pg_dts sidecar";
        s.packet_size = dts::tds::kBulkPacketSize;
        return s;
    }
};

// idle_timeout: the sidecar's --source-idle-timeout, applied to every source session it opens.
SourceSettings source_settings(PgConnection &pg, int64_t task_id, int idle_timeout);

} // namespace sidecar
