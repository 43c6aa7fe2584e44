#include "compat_views.hpp"

#include <strings.h>

namespace sim::sql {

namespace {

SqlType T(TypeId id, int32_t len = 0) {
    SqlType t;
    t.id = id;
    t.length = len;
    return t;
}
const SqlType kInt = T(TypeId::Int), kSmall = T(TypeId::SmallInt), kTiny = T(TypeId::TinyInt),
              kBig = T(TypeId::BigInt), kName = T(TypeId::NVarChar, 128),
              kType2 = T(TypeId::Char, 2), kDate = T(TypeId::DateTime),
              kSid = T(TypeId::VarBinary, 85), kPath = T(TypeId::NVarChar, 260);

const char *const kNames[] = {"sysobjects",  "sysdatabases", "syscolumns", "sysindexes",
                              "sysaltfiles", "sysusers",     "sysservers"};

// The data and log file of a database as SQL Server on Linux names them.
std::string file_path(const std::string &name_expr, const char *suffix) {
    return "'/var/opt/mssql/data/' || " + name_expr + " || '" + suffix + "'";
}

} // namespace

bool is_compat_view(const std::string &name) {
    for (const char *n : kNames)
        if (strcasecmp(n, name.c_str()) == 0)
            return true;
    return false;
}

void add_compat_views(std::vector<SysView> &v) {
    // xtype is sys.objects.type; type folds PRIMARY KEY and UNIQUE constraints into K.
    v.push_back({"sys",
                 "sysobjects",
                 {{"name", kName, false},           {"id", kInt, false},
                  {"xtype", kType2, false},         {"uid", kSmall, true},
                  {"info", kSmall, true},           {"status", kInt, true},
                  {"base_schema_ver", kInt, true},  {"replinfo", kInt, true},
                  {"parent_obj", kInt, false},      {"crdate", kDate, false},
                  {"ftcatid", kSmall, true},        {"schema_ver", kInt, true},
                  {"stats_schema_ver", kInt, true}, {"type", kType2, true},
                  {"userstat", kSmall, true},       {"sysstat", kSmall, true},
                  {"indexdel", kSmall, true},       {"refdate", kDate, false},
                  {"version", kInt, true},          {"deltrig", kInt, true},
                  {"instrig", kInt, true},          {"updtrig", kInt, true},
                  {"seltrig", kInt, true},          {"category", kInt, true},
                  {"cache", kSmall, true}},
                 "SELECT name, object_id AS id, type AS xtype, schema_id AS uid, 0 AS info, 0 AS "
                 "status, 0 AS base_schema_ver, 0 AS replinfo, parent_object_id AS parent_obj, "
                 "create_date AS crdate, 0 AS ftcatid, 0 AS schema_ver, 0 AS stats_schema_ver, "
                 "CASE WHEN type IN ('PK', 'UQ') THEN 'K' ELSE type END AS type, 0 AS userstat, 0 "
                 "AS sysstat, 0 AS indexdel, create_date AS refdate, 0 AS version, 0 AS deltrig, "
                 "0 AS instrig, 0 AS updtrig, 0 AS seltrig, 0 AS category, 0 AS cache FROM "
                 "\"$objects\" WHERE database_id = {D} AND schema_id <> 0"});
    v.push_back({"sys",
                 "sysdatabases",
                 {{"name", kName, true},
                  {"dbid", kSmall, true},
                  {"sid", kSid, true},
                  {"mode", kSmall, true},
                  {"status", kInt, true},
                  {"status2", kInt, true},
                  {"crdate", kDate, false},
                  {"reserved", kDate, false},
                  {"category", kInt, true},
                  {"cmptlevel", kTiny, false},
                  {"filename", kPath, true},
                  {"version", kSmall, true}},
                 "SELECT name, database_id AS dbid, owner_sid AS sid, 0 AS mode, CASE "
                 "recovery_model WHEN 3 THEN 65544 ELSE 65536 END AS status, 1627389952 AS "
                 "status2, create_date AS crdate, '1900-01-01 00:00:00.0000000' AS reserved, 0 "
                 "AS category, 150 AS cmptlevel, " +
                     file_path("name", ".mdf") +
                     " AS filename, 904 AS version FROM \"$databases\""});
    // One data file (fileid 1) and one log file (fileid 2, no filegroup) per database.
    v.push_back(
        {"sys",
         "sysaltfiles",
         {{"fileid", kSmall, true},
          {"groupid", kSmall, true},
          {"size", kInt, false},
          {"maxsize", kInt, false},
          {"growth", kInt, false},
          {"status", kInt, true},
          {"perf", kInt, true},
          {"dbid", kSmall, true},
          {"name", kName, false},
          {"filename", kPath, true},
          {"createlsn", T(TypeId::Binary, 10), true},
          {"droplsn", T(TypeId::Binary, 10), true}},
         "SELECT 1 AS fileid, 1 AS groupid, 1024 AS size, -1 AS maxsize, 8192 AS growth, "
         "2 AS status, 0 AS perf, database_id AS dbid, name, " +
             file_path("name", ".mdf") +
             " AS filename, NULL AS createlsn, NULL AS droplsn FROM \"$databases\" UNION "
             "ALL SELECT 2, 0, 1024, 268435456, 8192, 66, 0, database_id, name || '_log', " +
             file_path("name", "_log.ldf") + ", NULL, NULL FROM \"$databases\""});
    v.push_back(
        {"sys",
         "syscolumns",
         {{"name", kName, true},      {"id", kInt, false},         {"xtype", kTiny, false},
          {"typestat", kTiny, true},  {"xusertype", kSmall, true}, {"length", kSmall, false},
          {"xprec", kTiny, false},    {"xscale", kTiny, false},    {"colid", kSmall, true},
          {"xoffset", kSmall, true},  {"bitpos", kTiny, true},     {"reserved", kTiny, true},
          {"colstat", kSmall, true},  {"cdefault", kInt, false},   {"domain", kInt, false},
          {"number", kSmall, true},   {"colorder", kSmall, true},  {"offset", kSmall, true},
          {"status", kTiny, true},    {"prec", kSmall, true},      {"scale", kInt, true},
          {"iscomputed", kInt, true}, {"isoutparam", kInt, true},  {"isnullable", kInt, true},
          {"collation", kName, true}},
         "SELECT name, object_id AS id, sim_type_fact(type_spec, 'system_type_id') AS "
         "xtype, 0 AS typestat, COALESCE(user_type_id, sim_type_fact(type_spec, "
         "'user_type_id')) AS xusertype, sim_type_fact(type_spec, 'max_length') AS "
         "length, sim_type_fact(type_spec, 'precision') AS xprec, sim_type_fact(type_spec, "
         "'scale') AS xscale, column_id AS colid, 0 AS xoffset, 0 AS bitpos, 0 AS "
         "reserved, 0 AS colstat, default_object_id AS cdefault, 0 AS domain, 0 AS number, "
         "column_id AS colorder, 0 AS offset, CASE WHEN is_nullable = 1 THEN 8 ELSE 0 END "
         "AS status, sim_type_fact(type_spec, 'precision') AS prec, "
         "sim_type_fact(type_spec, 'scale') AS scale, is_computed AS iscomputed, 0 AS "
         "isoutparam, is_nullable AS isnullable, sim_type_fact(type_spec, 'collation') "
         "AS collation FROM \"$columns\" WHERE database_id = {D}"});
    // indid 0 is the heap, 1 the clustered index, 2.. nonclustered; the row counts are the
    // table's.
    v.push_back({"sys",
                 "sysindexes",
                 {{"id", kInt, false},
                  {"status", kInt, true},
                  {"indid", kSmall, true},
                  {"minlen", kSmall, true},
                  {"keycnt", kSmall, true},
                  {"groupid", kSmall, true},
                  {"dpages", kInt, true},
                  {"reserved", kInt, true},
                  {"used", kInt, true},
                  {"rowcnt", kBig, true},
                  {"rowmodctr", kInt, true},
                  {"xmaxlen", kSmall, true},
                  {"maxirow", kSmall, true},
                  {"OrigFillFactor", kTiny, true},
                  {"name", kName, true},
                  {"maxlen", kInt, true},
                  {"rows", kInt, true}},
                 "SELECT i.object_id AS id, CASE WHEN i.is_unique = 1 THEN 2 ELSE 0 END | CASE "
                 "WHEN i.is_primary_key = 1 THEN 2048 ELSE 0 END AS status, i.index_id AS indid, "
                 "0 AS minlen, (SELECT COUNT(*) FROM \"$index_columns\" ic WHERE ic.database_id = "
                 "i.database_id AND ic.object_id = i.object_id AND ic.index_id = i.index_id AND "
                 "ic.is_included_column = 0) AS keycnt, 1 AS groupid, 0 AS dpages, 0 AS reserved, "
                 "0 AS used, o.row_count AS rowcnt, 0 AS rowmodctr, 8000 AS xmaxlen, 0 AS maxirow, "
                 "0 AS OrigFillFactor, i.name, 8000 AS maxlen, o.row_count AS rows FROM "
                 "\"$indexes\" i JOIN \"$objects\" o ON o.database_id = i.database_id AND "
                 "o.object_id = i.object_id WHERE i.database_id = {D}"});
    // The fixed principals every database has: the public role, dbo, guest and the two
    // schema-owning users.
    v.push_back({"sys",
                 "sysusers",
                 {{"uid", kSmall, true},
                  {"status", kSmall, true},
                  {"name", kName, false},
                  {"sid", kSid, true},
                  {"createdate", kDate, false},
                  {"updatedate", kDate, false},
                  {"altuid", kSmall, true},
                  {"gid", kSmall, true},
                  {"hasdbaccess", kInt, true},
                  {"islogin", kInt, true},
                  {"isntname", kInt, true},
                  {"isntgroup", kInt, true},
                  {"isntuser", kInt, true},
                  {"issqluser", kInt, true},
                  {"isaliased", kInt, true},
                  {"issqlrole", kInt, true},
                  {"isapprole", kInt, true}},
                 "SELECT u.column1 AS uid, u.column2 AS status, u.column3 AS name, u.column4 AS "
                 "sid, d.create_date AS createdate, d.create_date AS updatedate, NULL AS altuid, "
                 "0 AS gid, u.column5 AS hasdbaccess, u.column5 AS islogin, 0 AS isntname, 0 AS "
                 "isntgroup, 0 AS isntuser, 1 - u.column6 AS issqluser, 0 AS isaliased, "
                 "u.column6 AS issqlrole, 0 AS isapprole FROM (VALUES (0, 32, 'public', x'01050000"
                 "0000000904000000', 0, 1), (1, 2, 'dbo', x'01', 1, 0), (2, 0, 'guest', x'00', "
                 "0, 0), (3, 0, 'INFORMATION_SCHEMA', NULL, 0, 0), (4, 0, 'sys', NULL, 0, 0), "
                 "(16384, 0, 'db_owner', x'01050000000000090400000000', 0, 1), (16385, 0, "
                 "'db_accessadmin', NULL, 0, 1), (16386, 0, 'db_securityadmin', NULL, 0, 1), "
                 "(16387, 0, 'db_ddladmin', NULL, 0, 1), (16389, 0, 'db_backupoperator', NULL, 0, "
                 "1), (16390, 0, 'db_datareader', NULL, 0, 1), (16391, 0, 'db_datawriter', NULL, "
                 "0, 1), (16392, 0, 'db_denydatareader', NULL, 0, 1), (16393, 0, "
                 "'db_denydatawriter', NULL, 0, 1)) u JOIN \"$databases\" d ON d.database_id = {D} "
                 // CREATE USER's users
                 "UNION ALL SELECT principal_id, 2, name, NULL, create_date, modify_date, NULL, 0, "
                 "1, CASE WHEN login IS NULL THEN 0 ELSE 1 END, 0, 0, 0, 1, 0, 0, 0 FROM "
                 "\"$db_users\" WHERE database_id = {D}"});
}

} // namespace sim::sql
