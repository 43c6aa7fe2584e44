// Destination DDL for a source table: CREATE TABLE with the one type mapping, keys, indexes,
// foreign keys, defaults and identity, in the dialect of the destination flavour (PostgreSQL,
// Greenplum/AnalyticDB, Citus). Pure text generation, so every flavour is unit-tested here even
// where it cannot be installed. Every statement is idempotent (IF NOT EXISTS or guarded).
#pragma once

#include "source_catalog.hpp"

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dts::ddl {

enum class Flavour { PostgreSQL, Greenplum, Citus };
const char *flavour_name(Flavour f);

struct Target {
    std::string schema, table;
    std::vector<std::string> primary_key;      // source column names; empty: the source's PK
    std::vector<std::string> distribution_key; // empty: the primary key (distributed flavours)
};

// Destination (schema, table) of a referenced source table, or nullopt when the task does not
// sync it (its foreign keys are then left out).
using RefResolver = std::function<std::optional<std::pair<std::string, std::string>>(
    const std::string &schema, const std::string &table)>;

struct ForeignKeyDdl {
    std::string name;      // constraint name on the destination table
    std::string statement; // ALTER TABLE ... ADD CONSTRAINT ...
};

struct TableDdl {
    std::string create_schema;               // CREATE SCHEMA IF NOT EXISTS
    std::string create_table;                // CREATE TABLE IF NOT EXISTS
    std::vector<std::string> after_create;   // distribution, indexes
    std::vector<ForeignKeyDdl> foreign_keys; // to run once every table of the task exists
    std::vector<std::string> notes;          // what was not carried over, and why
};

TableDdl table_ddl(const catalog::Table &source, const Target &target, Flavour flavour,
                   const RefResolver &resolve);

// One column's definition for CREATE TABLE or ALTER TABLE ... ADD COLUMN (name, type, identity,
// NOT NULL, default), or nullopt when the column is not synced; `notes` says what was left out.
std::optional<std::string> column_definition(const catalog::Column &c, bool not_null,
                                             std::vector<std::string> &notes);

// The effective key columns: the override, else the source primary key.
std::vector<std::string> primary_key_columns(const catalog::Table &source, const Target &target);
std::vector<std::string> distribution_columns(const catalog::Table &source, const Target &target);

// A SQL Server default (sys.default_constraints.definition, e.g. "((0))", "(getdate())") as a
// PostgreSQL expression for a column of source type `type`, or nullopt when it has no safe
// translation. A constant becomes the text its value would reach PostgreSQL as when synced.
std::optional<std::string> translate_default(const std::string &definition, const SourceType &type);

// Index and constraint names: "<table>_<name>" cut to PostgreSQL's 63 bytes on a character
// boundary (SQL Server index names are per table, PostgreSQL's per schema).
std::string object_name(const std::string &table, const std::string &name);

} // namespace dts::ddl
