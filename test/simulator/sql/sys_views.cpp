#include "sys_views.hpp"

#include "permissions.hpp"
#include "principals.hpp"

#include "catalog.hpp"
#include "compat_views.hpp"
#include "dblog.hpp"
#include "phys_layout.hpp"

#include <strings.h>

namespace sim::sql {

namespace {
SqlType T(TypeId id, int32_t len = 0, uint8_t p = 0, uint8_t s = 0) {
    SqlType t;
    t.id = id;
    t.length = len;
    t.precision = p;
    t.scale = s;
    return t;
}
const SqlType kInt = T(TypeId::Int), kBigInt = T(TypeId::BigInt), kBit = T(TypeId::Bit),
              kTiny = T(TypeId::TinyInt), kSmall = T(TypeId::SmallInt),
              kName = T(TypeId::NVarChar, 128), kType2 = T(TypeId::Char, 2),
              kDesc = T(TypeId::NVarChar, 60), kDate = T(TypeId::DateTime),
              kSid = T(TypeId::VarBinary, 85), kDef = T(TypeId::NVarChar, SqlType::kMax),
              kVar = T(TypeId::SqlVariant), kLsn = T(TypeId::Numeric, 0, 25, 0);

// The unique index of the referenced table whose key columns are exactly the foreign key's
// referenced columns (sys.foreign_keys.key_index_id); `fk` is the constraint's object_id.
std::string key_index_id(const std::string &fk) {
    return "(SELECT i.index_id FROM \"$indexes\" i WHERE i.database_id = {D} AND i.is_unique = 1 "
           "AND i.object_id = (SELECT referenced_object_id FROM \"$fk_columns\" WHERE database_id "
           "= {D} AND constraint_object_id = " +
           fk +
           " LIMIT 1) AND (SELECT COUNT(*) FROM \"$index_columns\" ic WHERE ic.database_id = {D} "
           "AND ic.object_id = i.object_id AND ic.index_id = i.index_id AND "
           "ic.is_included_column = 0) = (SELECT COUNT(*) FROM \"$fk_columns\" WHERE database_id "
           "= {D} AND constraint_object_id = " +
           fk +
           ") AND NOT EXISTS (SELECT 1 FROM \"$fk_columns\" f WHERE f.database_id = {D} AND "
           "f.constraint_object_id = " +
           fk +
           " AND NOT EXISTS (SELECT 1 FROM \"$index_columns\" ic WHERE ic.database_id = {D} AND "
           "ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.is_included_column = "
           "0 AND ic.column_id = f.referenced_column_id)) ORDER BY i.is_primary_key DESC, "
           "i.index_id LIMIT 1)";
}

// INFORMATION_SCHEMA's spelling of a referential action (sys.foreign_keys' number).
std::string rule(const std::string &col) {
    return "CASE " + col +
           " WHEN 1 THEN 'CASCADE' WHEN 2 THEN 'SET NULL' WHEN 3 THEN 'SET DEFAULT' ELSE 'NO "
           "ACTION' END";
}

std::vector<SysView> build() {
    std::vector<SysView> v;
    v.push_back({"sys",
                 "schemas",
                 {{"name", kName, false}, {"schema_id", kInt, false}, {"principal_id", kInt, true}},
                 "SELECT name, schema_id, principal_id FROM \"$schemas\" WHERE database_id = {D}"});
    std::vector<ViewColumn> objcols = {{"name", kName, false},
                                       {"object_id", kInt, false},
                                       {"principal_id", kInt, true},
                                       {"schema_id", kInt, false},
                                       {"parent_object_id", kInt, false},
                                       {"type", kType2, true},
                                       {"type_desc", kDesc, true},
                                       {"create_date", kDate, false},
                                       {"modify_date", kDate, false},
                                       {"is_ms_shipped", kBit, false},
                                       {"is_published", kBit, false},
                                       {"is_schema_published", kBit, false}};
    const std::string objsel =
        "SELECT name, object_id, NULL AS principal_id, schema_id, parent_object_id, type, "
        "CASE type WHEN 'U' THEN 'USER_TABLE' WHEN 'PK' THEN 'PRIMARY_KEY_CONSTRAINT' "
        "WHEN 'UQ' THEN 'UNIQUE_CONSTRAINT' WHEN 'F' THEN 'FOREIGN_KEY_CONSTRAINT' "
        "WHEN 'D' THEN 'DEFAULT_CONSTRAINT' WHEN 'C' THEN 'CHECK_CONSTRAINT' WHEN 'V' THEN 'VIEW' "
        "WHEN 'TR' THEN 'SQL_TRIGGER' WHEN 'P' THEN 'SQL_STORED_PROCEDURE' "
        "WHEN 'FN' THEN 'SQL_SCALAR_FUNCTION' WHEN 'IF' THEN 'SQL_INLINE_TABLE_VALUED_FUNCTION' "
        "WHEN 'TF' THEN 'SQL_TABLE_VALUED_FUNCTION' ELSE type END AS type_desc, "
        "create_date, modify_date, 0 AS is_ms_shipped, 0 AS is_published, 0 AS is_schema_published";
    // Database DDL triggers are not schema-scoped: sys.triggers lists them, sys.objects does not.
    v.push_back({"sys", "objects", objcols,
                 objsel + " FROM \"$objects\" WHERE database_id = {D} AND schema_id <> 0"});
    v.push_back({"sys", "all_objects", objcols,
                 objsel + " FROM \"$objects\" WHERE database_id = {D} AND schema_id <> 0"});
    auto tabcols = objcols;
    tabcols.push_back({"lob_data_space_id", kInt, false});
    tabcols.push_back({"max_column_id_used", kInt, false});
    tabcols.push_back({"is_tracked_by_cdc", kBit, false});
    tabcols.push_back({"is_memory_optimized", kBit, false});
    tabcols.push_back({"temporal_type", kTiny, false});
    tabcols.push_back({"is_replicated", kBit, false});
    v.push_back({"sys", "tables", tabcols,
                 objsel + ", 1 AS lob_data_space_id, max(o.max_column_id_used, coalesce((SELECT "
                          "MAX(column_id) FROM \"$columns\" c WHERE c.database_id = o.database_id "
                          "AND c.object_id = o.object_id), 0)) AS max_column_id_used, "
                          "is_tracked_by_cdc, 0 AS is_memory_optimized, 0 AS "
                          "temporal_type, 0 AS is_replicated FROM \"$objects\" o WHERE database_id "
                          "= {D} AND type = 'U'"});
    // Modules: views, procedures, functions and triggers ("$modules" keeps their text).
    auto viewcols = objcols;
    for (const char *c :
         {"is_replicated", "has_replication_filter", "has_opaque_metadata",
          "has_unchecked_assembly_data", "with_check_option", "is_date_correlation_view"})
        viewcols.push_back({c, kBit, false});
    v.push_back({"sys", "views", viewcols,
                 objsel +
                     ", 0 AS is_replicated, 0 AS has_replication_filter, v_opaque AS "
                     "has_opaque_metadata, 0 AS has_unchecked_assembly_data, v_check AS "
                     "with_check_option, 0 AS is_date_correlation_view FROM (SELECT o.*, "
                     "m.has_opaque_metadata AS v_opaque, m.with_check_option AS v_check FROM "
                     "\"$objects\" o JOIN \"$modules\" m ON m.database_id = o.database_id AND "
                     "m.object_id = o.object_id WHERE o.database_id = {D} AND o.type = 'V') o"});
    auto proccols = objcols;
    for (const char *c : {"is_auto_executed", "is_execution_replicated",
                          "is_repl_serializable_only", "skips_repl_constraints"})
        proccols.push_back({c, kBit, false});
    v.push_back({"sys", "procedures", proccols,
                 objsel + ", 0 AS is_auto_executed, 0 AS is_execution_replicated, 0 AS "
                          "is_repl_serializable_only, 0 AS skips_repl_constraints FROM "
                          "\"$objects\" WHERE database_id = {D} AND type = 'P'"});
    v.push_back({"sys",
                 "triggers",
                 {{"name", kName, false},
                  {"object_id", kInt, false},
                  {"parent_class", kTiny, false},
                  {"parent_class_desc", kDesc, true},
                  {"parent_id", kInt, false},
                  {"type", kType2, false},
                  {"type_desc", kDesc, true},
                  {"create_date", kDate, false},
                  {"modify_date", kDate, false},
                  {"is_ms_shipped", kBit, false},
                  {"is_disabled", kBit, false},
                  {"is_not_for_replication", kBit, false},
                  {"is_instead_of_trigger", kBit, false}},
                 "SELECT o.name, o.object_id, CASE WHEN o.schema_id = 0 THEN 0 ELSE 1 END AS "
                 "parent_class, CASE WHEN o.schema_id = 0 THEN 'DATABASE' ELSE "
                 "'OBJECT_OR_COLUMN' END AS parent_class_desc, o.parent_object_id AS parent_id, "
                 "o.type, 'SQL_TRIGGER' AS "
                 "type_desc, o.create_date, o.modify_date, 0 AS is_ms_shipped, m.is_disabled, "
                 "m.is_not_for_replication, m.is_instead_of_trigger FROM \"$objects\" o JOIN "
                 "\"$modules\" m ON m.database_id = o.database_id AND m.object_id = o.object_id "
                 "WHERE o.database_id = {D} AND o.type = 'TR'"});
    // sys.trigger_events: a row per event a trigger fires on; an event group named in CREATE
    // TRIGGER gives a row per event of the group (the ones the simulator knows).
    {
        std::string events = "(1, 'INSERT', NULL), (2, 'UPDATE', NULL), (3, 'DELETE', NULL)";
        for (const auto &e : ddl_event_types()) {
            std::string groups;
            for (const char *g : e.groups)
                groups += std::string(groups.empty() ? "" : ",") + g;
            events += ", (" + std::to_string(e.type) + ", '" + e.name + "', '," + groups + ",')";
        }
        std::string groups;
        for (const auto &g : ddl_event_groups())
            groups += std::string(groups.empty() ? "" : ", ") + "(" + std::to_string(g.type) +
                      ", '" + g.name + "')";
        v.push_back(
            {"sys",
             "trigger_events",
             {{"object_id", kInt, false},
              {"type", kInt, false},
              {"type_desc", kDesc, false},
              {"is_first", kBit, false},
              {"is_last", kBit, false},
              {"event_group_type", kInt, true},
              {"event_group_type_desc", kDesc, true},
              {"is_trigger_event", kBit, false}},
             "WITH RECURSIVE split(object_id, item, rest) AS (SELECT object_id, NULL, "
             "upper(trigger_events) || ',' FROM \"$modules\" WHERE database_id = {D} AND "
             "trigger_events IS NOT NULL AND trigger_events <> '' UNION ALL SELECT object_id, "
             "substr(rest, 1, instr(rest, ',') - 1), substr(rest, instr(rest, ',') + 1) FROM "
             "split WHERE rest <> ''), ev(type, type_desc, grp) AS (VALUES " +
                 events + "), gr(type, name) AS (VALUES " + groups +
                 ") SELECT s.object_id, e.type, e.type_desc, 0 AS is_first, 0 AS is_last, NULL "
                 "AS event_group_type, NULL AS event_group_type_desc, 1 AS is_trigger_event "
                 "FROM split s JOIN ev e ON e.type_desc = s.item UNION ALL SELECT s.object_id, "
                 "e.type, e.type_desc, 0, 0, g.type, g.name, 1 FROM split s JOIN gr g ON g.name "
                 "= s.item JOIN ev e ON instr(e.grp, ',' || g.name || ',') > 0"});
    }
    const std::vector<ViewColumn> modcols = {{"object_id", kInt, false},
                                             {"definition", kDef, true},
                                             {"uses_ansi_nulls", kBit, true},
                                             {"uses_quoted_identifier", kBit, true},
                                             {"is_schema_bound", kBit, true},
                                             {"uses_database_collation", kBit, true},
                                             {"is_recompiled", kBit, true},
                                             {"null_on_null_input", kBit, true},
                                             {"execute_as_principal_id", kInt, true},
                                             {"uses_native_compilation", kBit, true}};
    const std::string modsel =
        "SELECT object_id, CASE WHEN is_encrypted = 1 THEN NULL ELSE definition END AS "
        "definition, uses_ansi_nulls, uses_quoted_identifier, is_schema_bound, 0 AS "
        "uses_database_collation, is_recompiled, null_on_null_input, execute_as_principal_id, 0 "
        "AS uses_native_compilation FROM \"$modules\" WHERE database_id = {D}";
    v.push_back({"sys", "sql_modules", modcols, modsel});
    v.push_back({"sys", "all_sql_modules", modcols, modsel});
    std::vector<ViewColumn> colcols = {
        {"object_id", kInt, false},         {"name", kName, true},
        {"column_id", kInt, false},         {"system_type_id", kTiny, false},
        {"user_type_id", kInt, false},      {"max_length", kSmall, false},
        {"precision", kTiny, false},        {"scale", kTiny, false},
        {"collation_name", kName, true},    {"is_nullable", kBit, true},
        {"is_ansi_padded", kBit, false},    {"is_rowguidcol", kBit, false},
        {"is_identity", kBit, false},       {"is_computed", kBit, false},
        {"default_object_id", kInt, false}, {"is_sparse", kBit, true},
        {"is_column_set", kBit, true}};
    const std::string colsel =
        "SELECT object_id, name, column_id, sim_type_fact(type_spec, 'system_type_id') AS "
        "system_type_id, COALESCE(user_type_id, sim_type_fact(type_spec, 'user_type_id')) AS "
        "user_type_id, "
        "sim_type_fact(type_spec, 'max_length') AS max_length, sim_type_fact(type_spec, "
        "'precision') AS precision, sim_type_fact(type_spec, 'scale') AS scale, "
        "sim_type_fact(type_spec, 'collation') AS collation_name, is_nullable, 1 AS "
        "is_ansi_padded, 0 AS is_rowguidcol, is_identity, is_computed, default_object_id, 0 AS "
        "is_sparse, 0 AS is_column_set";
    v.push_back({"sys", "columns", colcols, colsel + " FROM \"$columns\" WHERE database_id = {D}"});
    auto ccols = colcols;
    ccols.push_back({"definition", kDef, true});
    ccols.push_back({"is_persisted", kBit, false});
    v.push_back({"sys", "computed_columns", ccols,
                 colsel + ", definition, is_persisted FROM \"$columns\" WHERE database_id = {D} "
                          "AND is_computed = 1"});
    auto icols = colcols;
    icols.push_back({"seed_value", kVar, true});
    icols.push_back({"increment_value", kVar, true});
    icols.push_back({"last_value", kVar, true});
    v.push_back({"sys", "identity_columns", icols,
                 colsel +
                     ", seed AS seed_value, increment AS increment_value, identity_last AS "
                     "last_value FROM \"$columns\" WHERE database_id = {D} AND is_identity = 1"});
    v.push_back({"sys",
                 "types",
                 {{"name", kName, false},
                  {"system_type_id", kTiny, false},
                  {"user_type_id", kInt, false},
                  {"schema_id", kInt, false},
                  {"principal_id", kInt, true},
                  {"max_length", kSmall, false},
                  {"precision", kTiny, false},
                  {"scale", kTiny, false},
                  {"collation_name", kName, true},
                  {"is_nullable", kBit, true},
                  {"is_user_defined", kBit, false},
                  {"is_assembly_type", kBit, false}},
                 "SELECT name, system_type_id, user_type_id, 4 AS schema_id, NULL AS principal_id, "
                 "max_length, precision, scale, collation_name, 1 AS is_nullable, 0 AS "
                 "is_user_defined, is_assembly_type FROM \"$types\" UNION ALL "
                 // Alias types: the base type's facts, their own id, schema and nullability.
                 "SELECT name, sim_type_fact(type_spec, 'system_type_id'), user_type_id, "
                 "schema_id, NULL, sim_type_fact(type_spec, 'max_length'), "
                 "sim_type_fact(type_spec, 'precision'), sim_type_fact(type_spec, 'scale'), "
                 "sim_type_fact(type_spec, 'collation'), is_nullable, 1, 0 FROM "
                 "\"$user_types\" WHERE database_id = {D}"});
    v.push_back(
        {"sys",
         "indexes",
         {{"object_id", kInt, false},
          {"name", kName, true},
          {"index_id", kInt, false},
          {"type", kTiny, false},
          {"type_desc", kDesc, true},
          {"is_unique", kBit, true},
          {"data_space_id", kInt, true},
          {"ignore_dup_key", kBit, true},
          {"is_primary_key", kBit, true},
          {"is_unique_constraint", kBit, true},
          {"fill_factor", kTiny, false},
          {"is_padded", kBit, true},
          {"is_disabled", kBit, true},
          {"is_hypothetical", kBit, true},
          {"has_filter", kBit, true},
          {"filter_definition", kDef, true}},
         "SELECT object_id, name, index_id, type, CASE type WHEN 0 THEN 'HEAP' WHEN 1 THEN "
         "'CLUSTERED' ELSE 'NONCLUSTERED' END AS type_desc, is_unique, 1 AS data_space_id, 0 "
         "AS ignore_dup_key, is_primary_key, is_unique_constraint, 0 AS fill_factor, 0 AS "
         "is_padded, 0 AS is_disabled, 0 AS is_hypothetical, 0 AS has_filter, NULL AS "
         "filter_definition FROM "
         "\"$indexes\" WHERE database_id = {D}"});
    v.push_back({"sys",
                 "index_columns",
                 {{"object_id", kInt, false},
                  {"index_id", kInt, false},
                  {"index_column_id", kInt, false},
                  {"column_id", kInt, false},
                  {"key_ordinal", kTiny, false},
                  {"partition_ordinal", kTiny, false},
                  {"is_descending_key", kBit, true},
                  {"is_included_column", kBit, true}},
                 "SELECT object_id, index_id, index_column_id, column_id, key_ordinal, 0 AS "
                 "partition_ordinal, is_descending_key, is_included_column FROM "
                 "\"$index_columns\" WHERE database_id = {D}"});
    auto kccols = objcols;
    kccols.push_back({"unique_index_id", kInt, true});
    kccols.push_back({"is_system_named", kBit, false});
    v.push_back({"sys", "key_constraints", kccols,
                 objsel +
                     ", (SELECT index_id FROM \"$indexes\" i WHERE i.database_id = o.database_id "
                     "AND i.constraint_object_id = o.object_id) AS unique_index_id, "
                     "is_system_named FROM \"$objects\" o WHERE database_id = {D} AND type IN "
                     "('PK', 'UQ')"});
    auto fkcols = objcols;
    fkcols.push_back({"referenced_object_id", kInt, true});
    fkcols.push_back({"key_index_id", kInt, true});
    fkcols.push_back({"is_disabled", kBit, false});
    fkcols.push_back({"is_not_for_replication", kBit, false});
    fkcols.push_back({"is_not_trusted", kBit, false});
    fkcols.push_back({"delete_referential_action", kTiny, true});
    fkcols.push_back({"delete_referential_action_desc", kDesc, true});
    fkcols.push_back({"update_referential_action", kTiny, true});
    fkcols.push_back({"update_referential_action_desc", kDesc, true});
    fkcols.push_back({"is_system_named", kBit, false});
    auto action_desc = [](const std::string &col) {
        return "CASE " + col +
               " WHEN 1 THEN 'CASCADE' WHEN 2 THEN 'SET_NULL' WHEN 3 THEN 'SET_DEFAULT' ELSE "
               "'NO_ACTION' END";
    };
    v.push_back({"sys", "foreign_keys", fkcols,
                 objsel +
                     ", (SELECT referenced_object_id FROM \"$fk_columns\" f WHERE "
                     "f.database_id = o.database_id AND f.constraint_object_id = o.object_id "
                     "LIMIT 1) AS referenced_object_id, " +
                     key_index_id("o.object_id") +
                     " AS key_index_id, fk_dis AS is_disabled, "
                     "fk_nfr AS is_not_for_replication, fk_nt AS is_not_trusted, fk_del AS "
                     "delete_referential_action, " +
                     action_desc("fk_del") +
                     " AS delete_referential_action_desc, fk_upd AS update_referential_action, " +
                     action_desc("fk_upd") +
                     " AS update_referential_action_desc, is_system_named FROM (SELECT o.*, "
                     "COALESCE(k.delete_referential_action, 0) AS fk_del, "
                     "COALESCE(k.update_referential_action, 0) AS fk_upd, "
                     "COALESCE(k.is_not_for_replication, 0) AS fk_nfr, COALESCE(k.is_disabled, "
                     "0) AS fk_dis, COALESCE(k.is_not_trusted, 0) AS fk_nt FROM \"$objects\" o "
                     "LEFT "
                     "JOIN \"$foreign_keys\" k ON k.database_id = o.database_id AND k.object_id "
                     "= o.object_id WHERE o.database_id = {D} AND o.type = 'F') o"});
    v.push_back({"sys",
                 "foreign_key_columns",
                 {{"constraint_object_id", kInt, false},
                  {"constraint_column_id", kInt, false},
                  {"parent_object_id", kInt, false},
                  {"parent_column_id", kInt, false},
                  {"referenced_object_id", kInt, false},
                  {"referenced_column_id", kInt, false}},
                 "SELECT constraint_object_id, constraint_column_id, parent_object_id, "
                 "parent_column_id, referenced_object_id, referenced_column_id FROM "
                 "\"$fk_columns\" WHERE database_id = {D}"});
    auto dfcols = objcols;
    dfcols.push_back({"parent_column_id", kInt, false});
    dfcols.push_back({"definition", kDef, true});
    dfcols.push_back({"is_system_named", kBit, false});
    v.push_back({"sys", "default_constraints", dfcols,
                 objsel + ", (SELECT column_id FROM \"$columns\" c WHERE c.database_id = "
                          "o.database_id AND c.default_object_id = o.object_id) AS "
                          "parent_column_id, (SELECT default_definition FROM \"$columns\" c WHERE "
                          "c.database_id = o.database_id AND c.default_object_id = o.object_id) AS "
                          "definition, is_system_named FROM \"$objects\" o WHERE database_id = {D} "
                          "AND type = 'D'"});
    auto ckcols = objcols;
    ckcols.push_back({"is_disabled", kBit, false});
    ckcols.push_back({"is_not_for_replication", kBit, false});
    ckcols.push_back({"is_not_trusted", kBit, false});
    ckcols.push_back({"parent_column_id", kInt, false});
    ckcols.push_back({"definition", kDef, true});
    ckcols.push_back({"uses_database_collation", kBit, true});
    ckcols.push_back({"is_system_named", kBit, false});
    v.push_back({"sys", "check_constraints", ckcols,
                 objsel + ", ck_disabled AS is_disabled, 0 AS is_not_for_replication, "
                          "ck_not_trusted AS is_not_trusted, ck_column AS parent_column_id, "
                          "ck_definition AS definition, 1 AS uses_database_collation, "
                          "is_system_named FROM (SELECT o.*, k.is_disabled AS ck_disabled, "
                          "k.is_not_trusted AS ck_not_trusted, k.parent_column_id AS ck_column, "
                          "k.definition AS ck_definition FROM \"$objects\" o JOIN "
                          "\"$check_constraints\" k ON k.database_id = o.database_id AND "
                          "k.object_id = o.object_id WHERE o.database_id = {D} AND o.type = 'C')"});
    v.push_back(
        {"sys",
         "partitions",
         {{"partition_id", kBigInt, false},
          {"object_id", kInt, false},
          {"index_id", kInt, false},
          {"partition_number", kInt, false},
          {"hobt_id", kBigInt, false},
          {"rows", kBigInt, true},
          {"filestream_filegroup_id", kSmall, false},
          {"data_compression", kTiny, false},
          {"data_compression_desc", kDesc, true}},
         "SELECT 72057594000000000 + o.object_id * 256 + i.index_id AS partition_id, "
         "i.object_id, i.index_id, 1 AS partition_number, 72057594000000000 + o.object_id * "
         "256 + i.index_id AS hobt_id, o.row_count AS rows, 0 AS filestream_filegroup_id, "
         "o.data_compression, CASE o.data_compression WHEN 0 THEN 'NONE' WHEN 1 THEN 'ROW' "
         "ELSE 'PAGE' END AS data_compression_desc FROM \"$indexes\" i JOIN \"$objects\" o "
         "ON o.database_id = i.database_id AND o.object_id = i.object_id WHERE "
         "i.database_id = {D}"});
    v.push_back({"sys",
                 "allocation_units",
                 {{"allocation_unit_id", kBigInt, false},
                  {"type", kTiny, false},
                  {"type_desc", kDesc, true},
                  {"container_id", kBigInt, false},
                  {"data_space_id", kInt, true},
                  {"total_pages", kBigInt, false},
                  {"used_pages", kBigInt, false},
                  {"data_pages", kBigInt, false}},
                 allocation_units_sql()});
    v.push_back({"sys",
                 "system_internals_partition_columns",
                 {{"partition_id", kBigInt, false},
                  {"partition_column_id", kInt, false},
                  {"modified_count", kBigInt, false},
                  {"max_inrow_length", kSmall, false},
                  {"is_replicated", kBit, false},
                  {"is_logged_for_replication", kBit, false},
                  {"is_dropped", kBit, false},
                  {"system_type_id", kTiny, false},
                  {"max_length", kSmall, false},
                  {"precision", kTiny, false},
                  {"scale", kTiny, false},
                  {"collation_name", kName, true},
                  {"is_filestream", kBit, false},
                  {"is_uniqueifier", kBit, false},
                  {"key_ordinal", kSmall, false},
                  {"is_nullable", kBit, false},
                  {"is_descending_key", kBit, false},
                  {"is_anti_matter", kBit, false},
                  {"leaf_offset", kSmall, false},
                  {"leaf_null_bit", kSmall, false},
                  {"leaf_bit_position", kTiny, false},
                  {"internal_offset", kSmall, false},
                  {"internal_null_bit", kSmall, false},
                  {"internal_bit_position", kTiny, false},
                  {"has_default", kBit, false},
                  {"default_value", kVar, true},
                  {"is_sparse", kBit, false},
                  {"is_sparse_column_set", kBit, false},
                  {"column_id", kInt, true}},
                 partition_columns_sql()});
    v.push_back({"sys",
                 "dm_tran_database_transactions",
                 {{"transaction_id", kBigInt, false},
                  {"database_id", kInt, false},
                  {"database_transaction_begin_time", kDate, true},
                  {"database_transaction_type", kInt, false},
                  {"database_transaction_state", kInt, false},
                  {"database_transaction_log_record_count", kBigInt, false},
                  {"database_transaction_begin_lsn", kLsn, true},
                  {"database_transaction_last_lsn", kLsn, true}},
                 "SELECT json_extract(j.value, '$.x') AS transaction_id, json_extract(j.value, "
                 "'$.d') AS database_id, replace(substr(json_extract(j.value, '$.t'), 1, 19), "
                 "'/', '-') || '.' || substr(json_extract(j.value, '$.t'), 21, 3) || '0000' AS "
                 "database_transaction_begin_time, 1 AS database_transaction_type, 4 AS "
                 "database_transaction_state, 0 AS database_transaction_log_record_count, "
                 "json_extract(j.value, '$.l') AS database_transaction_begin_lsn, NULL AS "
                 "database_transaction_last_lsn FROM json_each(sim_open_xacts()) j"});
    v.push_back({"sys",
                 "sysservers",
                 {{"srvid", kSmall, true},
                  {"srvstatus", kSmall, true},
                  {"srvname", kName, false},
                  {"srvproduct", kName, false},
                  {"providername", kName, false},
                  {"datasource", T(TypeId::NVarChar, 4000), true},
                  {"isremote", kBit, true}},
                 "SELECT 0 AS srvid, 1089 AS srvstatus, sim_server_name() AS srvname, 'SQL Server' "
                 "AS srvproduct, 'SQLOLEDB' AS providername, sim_server_name() AS datasource, 1 AS "
                 "isremote"});
    v.push_back({"sys",
                 "servers",
                 {{"server_id", kInt, false},
                  {"name", kName, false},
                  {"product", kName, false},
                  {"provider", kName, false},
                  {"data_source", T(TypeId::NVarChar, 4000), true},
                  {"is_linked", kBit, false}},
                 "SELECT 0 AS server_id, sim_server_name() AS name, 'SQL Server' AS product, "
                 "'SQLNCLI' AS provider, sim_server_name() AS data_source, 0 AS is_linked"});
    v.push_back(
        {"sys",
         "databases",
         {{"name", kName, false},
          {"database_id", kInt, false},
          {"source_database_id", kInt, true},
          {"owner_sid", kSid, true},
          {"create_date", kDate, false},
          {"compatibility_level", kTiny, false},
          {"collation_name", kName, true},
          {"user_access", kTiny, true},
          {"user_access_desc", kDesc, true},
          {"is_read_only", kBit, true},
          {"state", kTiny, true},
          {"state_desc", kDesc, true},
          {"recovery_model", kTiny, true},
          {"recovery_model_desc", kDesc, true},
          {"log_reuse_wait", kTiny, true},
          {"log_reuse_wait_desc", kDesc, true},
          {"is_cdc_enabled", kBit, false},
          {"is_published", kBit, false},
          {"is_read_committed_snapshot_on", kBit, true},
          {"snapshot_isolation_state", kTiny, true}},
         "SELECT name, database_id, NULL AS source_database_id, owner_sid, create_date, 150 "
         "AS compatibility_level, 'SQL_Latin1_General_CP1_CI_AS' AS collation_name, 0 AS "
         "user_access, 'MULTI_USER' AS user_access_desc, 0 AS is_read_only, 0 AS state, "
         "'ONLINE' AS state_desc, recovery_model, CASE recovery_model WHEN 1 THEN 'FULL' "
         "WHEN 2 THEN 'BULK_LOGGED' ELSE 'SIMPLE' END AS recovery_model_desc, " +
             log_reuse_wait_sql("dbs") +
             ", is_cdc_enabled, 0 AS is_published, coalesce((SELECT versioning & 1 FROM "
             "\"$logstate\" ls WHERE ls.database_id = dbs.database_id), 0) AS "
             "is_read_committed_snapshot_on, CASE WHEN coalesce((SELECT versioning & 2 FROM "
             "\"$logstate\" ls WHERE ls.database_id = dbs.database_id), 0) <> 0 THEN 1 ELSE 0 "
             "END AS snapshot_isolation_state FROM \"$databases\" dbs"});
    v.push_back({"INFORMATION_SCHEMA",
                 "TABLES",
                 {{"TABLE_CATALOG", kName, true},
                  {"TABLE_SCHEMA", kName, true},
                  {"TABLE_NAME", kName, false},
                  {"TABLE_TYPE", T(TypeId::VarChar, 10), true}},
                 "SELECT '{N}' AS TABLE_CATALOG, s.name AS TABLE_SCHEMA, o.name AS TABLE_NAME, "
                 "CASE o.type WHEN 'V' THEN 'VIEW' ELSE 'BASE TABLE' END AS TABLE_TYPE FROM "
                 "\"$objects\" o JOIN \"$schemas\" s ON s.database_id = o.database_id AND "
                 "s.schema_id = o.schema_id WHERE o.database_id = {D} AND o.type IN ('U', 'V')"});
    v.push_back(
        {"INFORMATION_SCHEMA",
         "VIEWS",
         {{"TABLE_CATALOG", kName, true},
          {"TABLE_SCHEMA", kName, true},
          {"TABLE_NAME", kName, false},
          {"VIEW_DEFINITION", T(TypeId::NVarChar, 4000), true},
          {"CHECK_OPTION", T(TypeId::VarChar, 7), true},
          {"IS_UPDATABLE", T(TypeId::VarChar, 2), true}},
         "SELECT '{N}' AS TABLE_CATALOG, s.name AS TABLE_SCHEMA, o.name AS TABLE_NAME, CASE "
         "WHEN m.is_encrypted = 1 THEN NULL ELSE substr(m.definition, 1, 4000) END AS "
         "VIEW_DEFINITION, CASE m.with_check_option WHEN 1 THEN 'CASCADE' ELSE 'NONE' END AS "
         "CHECK_OPTION, 'NO' AS IS_UPDATABLE FROM \"$objects\" o JOIN \"$schemas\" s ON "
         "s.database_id = o.database_id AND s.schema_id = o.schema_id JOIN \"$modules\" m ON "
         "m.database_id = o.database_id AND m.object_id = o.object_id WHERE o.database_id = {D} "
         "AND o.type = 'V'"});
    // INFORMATION_SCHEMA views: one row per object the current database holds, with the
    // columns and types of SQL Server's views.
    const std::string schema_join = "JOIN \"$schemas\" s ON s.database_id = o.database_id AND "
                                    "s.schema_id = o.schema_id";
    v.push_back(
        {"INFORMATION_SCHEMA",
         "COLUMNS",
         {{"TABLE_CATALOG", kName, true},
          {"TABLE_SCHEMA", kName, true},
          {"TABLE_NAME", kName, false},
          {"COLUMN_NAME", kName, true},
          {"ORDINAL_POSITION", kInt, true},
          {"COLUMN_DEFAULT", T(TypeId::NVarChar, 4000), true},
          {"IS_NULLABLE", T(TypeId::VarChar, 3), true},
          {"DATA_TYPE", kName, true},
          {"CHARACTER_MAXIMUM_LENGTH", kInt, true},
          {"CHARACTER_OCTET_LENGTH", kInt, true},
          {"NUMERIC_PRECISION", kTiny, true},
          {"NUMERIC_PRECISION_RADIX", kSmall, true},
          {"NUMERIC_SCALE", kInt, true},
          {"DATETIME_PRECISION", kSmall, true},
          {"CHARACTER_SET_CATALOG", kName, true},
          {"CHARACTER_SET_SCHEMA", kName, true},
          {"CHARACTER_SET_NAME", kName, true},
          {"COLLATION_CATALOG", kName, true},
          {"COLLATION_SCHEMA", kName, true},
          {"COLLATION_NAME", kName, true},
          {"DOMAIN_CATALOG", kName, true},
          {"DOMAIN_SCHEMA", kName, true},
          {"DOMAIN_NAME", kName, true}},
         "SELECT '{N}' AS TABLE_CATALOG, s.name AS TABLE_SCHEMA, o.name AS TABLE_NAME, "
         "c.name AS COLUMN_NAME, c.column_id AS ORDINAL_POSITION, c.default_definition AS "
         "COLUMN_DEFAULT, CASE c.is_nullable WHEN 1 THEN 'YES' ELSE 'NO' END AS IS_NULLABLE, "
         "sim_type_fact(c.type_spec, 'name') AS DATA_TYPE, sim_type_fact(c.type_spec, "
         "'char_length') AS CHARACTER_MAXIMUM_LENGTH, sim_type_fact(c.type_spec, "
         "'octet_length') AS CHARACTER_OCTET_LENGTH, sim_type_fact(c.type_spec, "
         "'numeric_precision') AS NUMERIC_PRECISION, sim_type_fact(c.type_spec, "
         "'numeric_precision_radix') AS NUMERIC_PRECISION_RADIX, sim_type_fact(c.type_spec, "
         "'numeric_scale') AS NUMERIC_SCALE, sim_type_fact(c.type_spec, "
         "'datetime_precision') AS DATETIME_PRECISION, CASE WHEN sim_type_fact(c.type_spec, "
         "'charset') IS NOT NULL THEN 'master' END AS CHARACTER_SET_CATALOG, NULL AS "
         "CHARACTER_SET_SCHEMA, sim_type_fact(c.type_spec, 'charset') AS CHARACTER_SET_NAME, "
         "NULL AS COLLATION_CATALOG, NULL AS COLLATION_SCHEMA, sim_type_fact(c.type_spec, "
         "'collation') AS COLLATION_NAME, NULL AS DOMAIN_CATALOG, NULL AS DOMAIN_SCHEMA, NULL "
         "AS DOMAIN_NAME FROM \"$columns\" c JOIN \"$objects\" o ON o.database_id = "
         "c.database_id AND o.object_id = c.object_id " +
             schema_join + " WHERE c.database_id = {D} AND o.type IN ('U', 'V')"});
    v.push_back({"INFORMATION_SCHEMA",
                 "SCHEMATA",
                 {{"CATALOG_NAME", kName, true},
                  {"SCHEMA_NAME", kName, false},
                  {"SCHEMA_OWNER", kName, true},
                  {"DEFAULT_CHARACTER_SET_CATALOG", T(TypeId::VarChar, 6), true},
                  {"DEFAULT_CHARACTER_SET_SCHEMA", T(TypeId::VarChar, 3), true},
                  {"DEFAULT_CHARACTER_SET_NAME", kName, true}},
                 "SELECT '{N}' AS CATALOG_NAME, name AS SCHEMA_NAME, CASE WHEN schema_id IN "
                 "(2, 3, 4) THEN name ELSE 'dbo' END AS SCHEMA_OWNER, NULL AS "
                 "DEFAULT_CHARACTER_SET_CATALOG, NULL AS DEFAULT_CHARACTER_SET_SCHEMA, 'iso_1' "
                 "AS DEFAULT_CHARACTER_SET_NAME FROM \"$schemas\" WHERE database_id = {D}"});
    // Constraints of tables: PRIMARY KEY, UNIQUE, FOREIGN KEY and CHECK.
    v.push_back({"INFORMATION_SCHEMA",
                 "TABLE_CONSTRAINTS",
                 {{"CONSTRAINT_CATALOG", kName, true},
                  {"CONSTRAINT_SCHEMA", kName, true},
                  {"CONSTRAINT_NAME", kName, false},
                  {"TABLE_CATALOG", kName, true},
                  {"TABLE_SCHEMA", kName, true},
                  {"TABLE_NAME", kName, false},
                  {"CONSTRAINT_TYPE", T(TypeId::VarChar, 11), true},
                  {"IS_DEFERRABLE", T(TypeId::VarChar, 2), false},
                  {"INITIALLY_DEFERRED", T(TypeId::VarChar, 2), false}},
                 "SELECT '{N}' AS CONSTRAINT_CATALOG, s.name AS CONSTRAINT_SCHEMA, o.name AS "
                 "CONSTRAINT_NAME, '{N}' AS TABLE_CATALOG, s.name AS TABLE_SCHEMA, t.name AS "
                 "TABLE_NAME, CASE o.type WHEN 'PK' THEN 'PRIMARY KEY' WHEN 'UQ' THEN 'UNIQUE' "
                 "WHEN 'F' THEN 'FOREIGN KEY' ELSE 'CHECK' END AS CONSTRAINT_TYPE, 'NO' AS "
                 "IS_DEFERRABLE, 'NO' AS INITIALLY_DEFERRED FROM \"$objects\" o " +
                     schema_join +
                     " JOIN \"$objects\" t ON t.database_id = o.database_id AND t.object_id = "
                     "o.parent_object_id WHERE o.database_id = {D} AND o.type IN ('PK', 'UQ', "
                     "'F', 'C') AND t.type = 'U'"});
    // One row per column of a PRIMARY KEY, UNIQUE or FOREIGN KEY constraint.
    v.push_back(
        {"INFORMATION_SCHEMA",
         "KEY_COLUMN_USAGE",
         {{"CONSTRAINT_CATALOG", kName, true},
          {"CONSTRAINT_SCHEMA", kName, true},
          {"CONSTRAINT_NAME", kName, false},
          {"TABLE_CATALOG", kName, true},
          {"TABLE_SCHEMA", kName, true},
          {"TABLE_NAME", kName, false},
          {"COLUMN_NAME", kName, true},
          {"ORDINAL_POSITION", kInt, false}},
         "SELECT '{N}' AS CONSTRAINT_CATALOG, s.name AS CONSTRAINT_SCHEMA, o.name AS "
         "CONSTRAINT_NAME, '{N}' AS TABLE_CATALOG, s.name AS TABLE_SCHEMA, t.name AS "
         "TABLE_NAME, c.name AS COLUMN_NAME, k.ordinal AS ORDINAL_POSITION FROM (SELECT "
         "i.database_id, i.constraint_object_id AS object_id, ic.object_id AS table_id, "
         "ic.column_id, ic.key_ordinal AS ordinal FROM \"$indexes\" i JOIN \"$index_columns\" ic "
         "ON ic.database_id = i.database_id AND ic.object_id = i.object_id AND ic.index_id = "
         "i.index_id AND ic.is_included_column = 0 WHERE i.database_id = {D} AND "
         "i.constraint_object_id <> 0 UNION ALL SELECT database_id, constraint_object_id, "
         "parent_object_id, parent_column_id, constraint_column_id FROM \"$fk_columns\" WHERE "
         "database_id = {D}) k JOIN \"$objects\" o ON o.database_id = k.database_id AND "
         "o.object_id = k.object_id " +
             schema_join +
             " JOIN \"$objects\" t ON t.database_id = k.database_id AND t.object_id = k.table_id "
             "JOIN \"$columns\" c ON c.database_id = k.database_id AND c.object_id = k.table_id "
             "AND c.column_id = k.column_id"});
    // Foreign keys and the unique index (PRIMARY KEY or UNIQUE constraint) they reference.
    v.push_back({"INFORMATION_SCHEMA",
                 "REFERENTIAL_CONSTRAINTS",
                 {{"CONSTRAINT_CATALOG", kName, true},
                  {"CONSTRAINT_SCHEMA", kName, true},
                  {"CONSTRAINT_NAME", kName, false},
                  {"UNIQUE_CONSTRAINT_CATALOG", kName, true},
                  {"UNIQUE_CONSTRAINT_SCHEMA", kName, true},
                  {"UNIQUE_CONSTRAINT_NAME", kName, true},
                  {"MATCH_OPTION", T(TypeId::VarChar, 7), true},
                  {"UPDATE_RULE", T(TypeId::VarChar, 11), true},
                  {"DELETE_RULE", T(TypeId::VarChar, 11), true}},
                 "SELECT '{N}' AS CONSTRAINT_CATALOG, s.name AS CONSTRAINT_SCHEMA, f.name AS "
                 "CONSTRAINT_NAME, '{N}' AS UNIQUE_CONSTRAINT_CATALOG, rs.name AS "
                 "UNIQUE_CONSTRAINT_SCHEMA, i.name AS UNIQUE_CONSTRAINT_NAME, 'SIMPLE' AS "
                 "MATCH_OPTION, " +
                     rule("f.update_referential_action") + " AS UPDATE_RULE, " +
                     rule("f.delete_referential_action") +
                     " AS DELETE_RULE FROM (SELECT o.object_id, o.name, o.schema_id, "
                     "k.update_referential_action, k.delete_referential_action, (SELECT "
                     "referenced_object_id FROM \"$fk_columns\" WHERE database_id = {D} AND "
                     "constraint_object_id = o.object_id LIMIT 1) AS referenced_object_id, " +
                     key_index_id("o.object_id") +
                     " AS key_index_id FROM \"$objects\" o LEFT JOIN \"$foreign_keys\" k ON "
                     "k.database_id = o.database_id AND k.object_id = o.object_id WHERE "
                     "o.database_id = {D} AND o.type = 'F') f JOIN \"$schemas\" s ON "
                     "s.database_id = {D} AND s.schema_id = f.schema_id JOIN \"$objects\" r ON "
                     "r.database_id = {D} AND r.object_id = f.referenced_object_id JOIN "
                     "\"$schemas\" rs ON rs.database_id = {D} AND rs.schema_id = r.schema_id "
                     "LEFT JOIN \"$indexes\" i ON i.database_id = {D} AND i.object_id = "
                     "f.referenced_object_id AND i.index_id = f.key_index_id"});
    SysView bs{"dbo",
               "backupset",
               {{"backup_set_id", kInt, false},
                {"name", kName, true},
                {"database_name", kName, true},
                {"type", T(TypeId::Char, 1), true},
                {"backup_start_date", kDate, true},
                {"backup_finish_date", kDate, true},
                {"first_lsn", kLsn, true},
                {"last_lsn", kLsn, true},
                {"is_copy_only", kBit, true},
                {"recovery_model", T(TypeId::NVarChar, 60), true},
                {"database_backup_lsn", kLsn, true},
                {"media_set_id", kInt, false}},
               "SELECT backup_set_id, name, database_name, type, backup_start_date, "
               "backup_finish_date, first_lsn, last_lsn, 0 AS is_copy_only, recovery_model, "
               "database_backup_lsn, backup_set_id AS media_set_id FROM \"$backupset\"",
               true};
    v.push_back(bs);
    SysView mf{"dbo",
               "backupmediafamily",
               {{"media_set_id", kInt, false},
                {"family_sequence_number", kTiny, false},
                {"physical_device_name", T(TypeId::NVarChar, 260), true},
                {"device_type", kTiny, true}},
               "SELECT backup_set_id AS media_set_id, 1 AS family_sequence_number, "
               "physical_device_name, 2 AS device_type FROM \"$backupset\"",
               true};
    v.push_back(mf);
    add_compat_views(v);
    add_principal_views(v);
    add_permission_views(v);
    v.push_back(
        {"sys",
         "dm_exec_sessions",
         {{"session_id", kSmall, false},
          {"login_time", kDate, false},
          {"host_name", kName, true},
          {"program_name", kName, true},
          {"login_name", kName, false},
          {"nt_user_name", kName, true},
          {"status", T(TypeId::NVarChar, 30), false},
          {"database_id", kSmall, false},
          {"open_transaction_count", kInt, false},
          {"is_user_process", kBit, false},
          {"original_login_name", kName, false}},
         "SELECT json_extract(j.value, '$.s') AS session_id, json_extract(j.value, '$.t') "
         "AS login_time, json_extract(j.value, '$.h') AS host_name, json_extract(j.value, "
         "'$.p') AS program_name, json_extract(j.value, '$.l') AS login_name, NULL AS "
         "nt_user_name, CASE json_extract(j.value, '$.r') WHEN 1 THEN 'running' ELSE "
         "'sleeping' END AS status, json_extract(j.value, '$.d') AS database_id, "
         "json_extract(j.value, '$.o') AS open_transaction_count, 1 AS is_user_process, "
         "json_extract(j.value, '$.l') AS original_login_name FROM json_each(sim_sessions()) j"});
    return v;
}
} // namespace

const std::vector<SysView> &sys_views() {
    static const std::vector<SysView> views = build();
    return views;
}

const SysView *find_sys_view(const std::string &schema, const std::string &name) {
    for (const auto &v : sys_views())
        if (strcasecmp(v.schema.c_str(), schema.c_str()) == 0 &&
            strcasecmp(v.name.c_str(), name.c_str()) == 0)
            return &v;
    return nullptr;
}

} // namespace sim::sql
