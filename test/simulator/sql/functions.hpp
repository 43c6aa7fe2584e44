// SQLite functions and collations that give T-SQL its semantics inside the simulator.
#pragma once

#include "catalog.hpp"
#include "engine.hpp"

#include <sqlite3.h>

#include <optional>
#include <string>

namespace sim::sql {

// What session-dependent functions (DB_NAME(), SUSER_SNAME(), the log) need from the session.
class FunctionHost {
public:
    virtual ~FunctionHost() = default;
    virtual sqlite3 *db() = 0;
    virtual DatabaseMeta current_db() = 0;
    virtual const ServerSettings &settings() = 0;
    virtual const LoginDef &login() = 0;
    virtual const std::string &app_name() = 0;
    virtual const std::string &host_name() = 0;
    virtual std::string next_lsn() = 0;    // binary(10)
    virtual std::string current_lsn() = 0; // binary(10), the last one handed out
    virtual int64_t xact_id() = 0;
    virtual bool logging(int database_id) = 0;
    virtual std::string next_rowversion() = 0;
    virtual int64_t next_identity(int database_id, int object_id) = 0;
    virtual std::optional<int64_t> ident_current(int database_id, int object_id) = 0;
    // EVENTDATA(): the event's XML inside a DDL trigger, nothing elsewhere.
    virtual std::optional<std::string> event_data() { return std::nullopt; }
};

// The text of the first node an absolute XPath of the form (/a/b/c)[1], /a/b/c[1] or /a/@attr
// selects in an XML document (the xml .value() method for simple paths); nullopt when nothing
// matches. Throws SqlError 2389/9400-style errors only for paths it cannot read.
std::optional<std::string> xml_path_value(const std::string &xml, const std::string &path);

void register_functions(sqlite3 *db, FunctionHost *host);

// @@VERSION text for the configured edition and version.
std::string version_string(const ServerSettings &s);

} // namespace sim::sql
