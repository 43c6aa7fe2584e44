// What the schema stage (schema_sync.cpp) and schema evolution during the incremental stage
// (schema_evolve.cpp) share: a task's resolved tables, their source catalogs and their DDL.
#pragma once

#include "spi.hpp"

#include "schema_ddl.hpp"
#include "source_catalog.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgdts {

struct TaskTable {
    std::string db, schema, table;
    dts::ddl::Target target;
    std::string state; // dts.tables.schema_state
};

struct Task {
    std::string id, name, server, conflict_mode, owner;
    std::vector<TaskTable> tables;
};

std::vector<std::string> text_array(Spi &spi, const std::optional<std::string> &literal);

// The task and its resolved tables; `only` = {db, schema, table} keeps just that one.
Task load_task(Spi &spi, const std::string &id,
               const std::optional<std::vector<std::string>> &only);

dts::ddl::Flavour detect_flavour(Spi &spi);

// Source catalogs of the task's tables, per database (one connection each, closed after).
std::map<std::string, std::vector<dts::catalog::Table>> read_sources(const Task &task);

// The source table of `t`; throws when it no longer exists.
const dts::catalog::Table &
find_source(const std::map<std::string, std::vector<dts::catalog::Table>> &src, const TaskTable &t);

dts::ddl::TableDdl ddl_for(const Task &task, const TaskTable &t, const dts::catalog::Table &source,
                           dts::ddl::Flavour flavour);

} // namespace pgdts
