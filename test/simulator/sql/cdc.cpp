#include "cdc.hpp"

#include "errors.hpp"
#include "sqlite_db.hpp"
#include "sqltypes.hpp"
#include "txlog.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace sim::sql {

namespace {

bool iequals(const std::string &a, const std::string &b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string lower(std::string s) {
    for (auto &c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string rtrim(std::string s) {
    while (!s.empty() && s.back() == ' ')
        s.pop_back();
    return s;
}

SqlType ty(TypeId id, int32_t len = 0) {
    SqlType t;
    t.id = id;
    t.length = len;
    return t;
}

ColumnDef coldef(const std::string &name, SqlType t, bool nullable) {
    ColumnDef c;
    c.name = name;
    c.type = t;
    c.nullable = nullable;
    return c;
}

std::string tbl(const DatabaseMeta &d, const std::string &name) {
    return qi(sqlite_table_name(d.name, "cdc", name));
}

// Creates cdc.<name> as a table without log triggers (changes to CDC's own tables are not
// captured) and returns its object_id.
int create_cdc_table(sqlite3 *db, const DatabaseMeta &d, const std::string &name,
                     std::vector<ColumnDef> cols) {
    Statement s;
    s.k = Statement::K::CreateTable;
    s.table = {name};
    s.coldefs = std::move(cols);
    create_table(db, d, "cdc", s);
    int oid = *find_object_id(db, d.id, "cdc", name, "U");
    for (const char *suffix : {"$i", "$d", "$u"})
        exec(db, "DROP TRIGGER IF EXISTS " + qi("l$" + std::to_string(oid) + suffix));
    return oid;
}

bool cdc_enabled(sqlite3 *db, int database_id) {
    Stmt q(db, "SELECT is_cdc_enabled FROM \"$databases\" WHERE database_id = ?");
    q.bind(1, database_id);
    return q.step() && q.int_col(0) != 0;
}

const Value *arg(const std::vector<CdcArg> &args, const std::string &name, size_t pos,
                 const std::vector<std::string> &order) {
    for (const auto &a : args)
        if (a.name == name)
            return &a.value;
    (void)pos;
    // positional: by the documented parameter order
    for (size_t i = 0, p = 0; i < args.size(); ++i)
        if (args[i].name.empty()) {
            if (p < order.size() && order[p] == name)
                return &args[i].value;
            ++p;
        }
    return nullptr;
}

std::string text_of(const Value *v) {
    if (!v || v->is_null())
        return {};
    if (v->kind == Value::Kind::Int)
        return std::to_string(v->i);
    return v->s;
}

void not_enabled(const DatabaseMeta &d) {
    throw sql_error(22901, 1, 16,
                    "The database '" + d.name +
                        "' is not enabled for Change Data Capture. Ensure that the correct "
                        "database context is set and retry the operation. To report on the "
                        "databases enabled for Change Data Capture, query the is_cdc_enabled "
                        "column in the sys.databases catalog view.");
}

void enable_db(sqlite3 *db, const DatabaseMeta &d) {
    if (cdc_enabled(db, d.id))
        return;
    if (!find_schema(db, d.id, "cdc"))
        create_schema(db, d.id, "cdc");
    const SqlType sysname = ty(TypeId::NVarChar, 128), lsn = ty(TypeId::Binary, 10),
                  i = ty(TypeId::Int), bit = ty(TypeId::Bit), dt = ty(TypeId::DateTime);
    create_cdc_table(db, d, "change_tables",
                     {coldef("object_id", i, false), coldef("version", i, true),
                      coldef("source_object_id", i, true),
                      coldef("capture_instance", sysname, false), coldef("start_lsn", lsn, true),
                      coldef("end_lsn", lsn, true), coldef("supports_net_changes", bit, true),
                      coldef("has_drop_pending", bit, true), coldef("role_name", sysname, true),
                      coldef("index_name", sysname, true), coldef("filegroup_name", sysname, true),
                      coldef("create_date", dt, true), coldef("partition_switch", bit, false)});
    create_cdc_table(db, d, "captured_columns",
                     {coldef("object_id", i, false), coldef("column_name", sysname, false),
                      coldef("column_id", i, true), coldef("column_type", sysname, false),
                      coldef("column_ordinal", i, false), coldef("is_computed", bit, true)});
    create_cdc_table(db, d, "index_columns",
                     {coldef("object_id", i, false), coldef("column_name", sysname, false),
                      coldef("index_ordinal", ty(TypeId::TinyInt), false),
                      coldef("column_id", i, false)});
    create_cdc_table(db, d, "ddl_history",
                     {coldef("source_object_id", i, true), coldef("object_id", i, true),
                      coldef("required_column_update", bit, true),
                      coldef("ddl_command", ty(TypeId::NVarChar, SqlType::kMax), true),
                      coldef("ddl_lsn", lsn, true), coldef("ddl_time", dt, true)});
    create_cdc_table(db, d, "lsn_time_mapping",
                     {coldef("start_lsn", lsn, false), coldef("tran_begin_time", dt, true),
                      coldef("tran_end_time", dt, true),
                      coldef("tran_id", ty(TypeId::VarBinary, 10), true),
                      coldef("tran_begin_lsn", lsn, true)});
    exec(db, "CREATE TABLE IF NOT EXISTS \"$cdc_state\"(database_id INTEGER PRIMARY KEY, "
             "last_lsn BLOB)");
    Stmt st(db, "INSERT OR REPLACE INTO \"$cdc_state\"(database_id, last_lsn) VALUES (?, "
                "(SELECT MAX(lsn) FROM \"$log\" WHERE database_id = ?))");
    st.bind(1, d.id).bind(2, d.id);
    st.step();
    Stmt up(db, "UPDATE \"$databases\" SET is_cdc_enabled = 1 WHERE database_id = ?");
    up.bind(1, d.id);
    up.step();
}

struct Instance {
    std::string name;
    int ct_object_id = 0, source_object_id = 0;
};

std::vector<Instance> instances(sqlite3 *db, const DatabaseMeta &d) {
    std::vector<Instance> out;
    Stmt q(db, "SELECT capture_instance, object_id, source_object_id FROM " +
                   tbl(d, "change_tables") + " ORDER BY create_date, object_id");
    while (q.step())
        out.push_back(
            {q.text_col(0), static_cast<int>(q.int_col(1)), static_cast<int>(q.int_col(2))});
    return out;
}

void set_tracked(sqlite3 *db, const DatabaseMeta &d, int source) {
    Stmt up(db, "UPDATE \"$objects\" SET is_tracked_by_cdc = (SELECT COUNT(*) > 0 FROM " +
                    tbl(d, "change_tables") +
                    " WHERE source_object_id = ?) WHERE database_id = ? AND object_id = ?");
    up.bind(1, source).bind(2, d.id).bind(3, source);
    up.step();
}

void drop_instance(sqlite3 *db, const DatabaseMeta &d, const Instance &in) {
    if (auto t = table_by_id(db, d.id, in.ct_object_id))
        drop_table(db, *t);
    for (const char *c : {"change_tables", "captured_columns", "index_columns"}) {
        Stmt del(db, "DELETE FROM " + tbl(d, c) + " WHERE object_id = ?");
        del.bind(1, in.ct_object_id);
        del.step();
    }
    Stmt del(db, "DELETE FROM " + tbl(d, "ddl_history") + " WHERE object_id = ?");
    del.bind(1, in.ct_object_id);
    del.step();
    set_tracked(db, d, in.source_object_id);
}

void disable_db(sqlite3 *db, const DatabaseMeta &d) {
    if (!cdc_enabled(db, d.id))
        return;
    for (const auto &in : instances(db, d))
        drop_instance(db, d, in);
    for (const char *c :
         {"change_tables", "captured_columns", "index_columns", "ddl_history", "lsn_time_mapping"})
        if (auto t = find_table(db, d, "cdc", c))
            drop_table(db, *t);
    Stmt up(db, "UPDATE \"$databases\" SET is_cdc_enabled = 0 WHERE database_id = ?");
    up.bind(1, d.id);
    up.step();
    Stmt del(db, "DELETE FROM \"$schemas\" WHERE database_id = ? AND name = 'cdc' AND NOT EXISTS "
                 "(SELECT 1 FROM \"$objects\" o WHERE o.database_id = \"$schemas\".database_id "
                 "AND o.schema_id = \"$schemas\".schema_id)");
    del.bind(1, d.id);
    del.step();
}

std::string type_text(const SqlType &t) {
    std::string n = type_name(t.id);
    switch (t.id) {
    case TypeId::Char:
    case TypeId::VarChar:
    case TypeId::NChar:
    case TypeId::NVarChar:
    case TypeId::Binary:
    case TypeId::VarBinary:
        return n;
    default:
        return n;
    }
}

void enable_table(sqlite3 *db, const DatabaseMeta &d, const std::vector<CdcArg> &args,
                  const std::function<std::string()> &new_lsn) {
    static const std::vector<std::string> order = {
        "@SOURCE_SCHEMA",        "@SOURCE_NAME",          "@ROLE_NAME",
        "@CAPTURE_INSTANCE",     "@SUPPORTS_NET_CHANGES", "@INDEX_NAME",
        "@CAPTURED_COLUMN_LIST", "@FILEGROUP_NAME",       "@ALLOW_PARTITION_SWITCH"};
    auto get = [&](const char *n) { return arg(args, n, 0, order); };
    if (!cdc_enabled(db, d.id))
        not_enabled(d);
    std::string schema = text_of(get("@SOURCE_SCHEMA")), name = text_of(get("@SOURCE_NAME"));
    if (!get("@ROLE_NAME"))
        throw sql_error(201, 4, 16,
                        "Procedure or function 'sp_cdc_enable_table' expects parameter "
                        "'@role_name', which was not supplied.");
    auto t = find_table(db, d, schema, name);
    if (!t || t->system_view || iequals(schema, "cdc"))
        throw sql_error(22931, 1, 16,
                        "Source table '" + schema + "." + name +
                            "' does not exist in the current database. Ensure that the correct "
                            "database context is set. Specify a valid schema and table name for "
                            "the database.");
    std::string ci = rtrim(text_of(get("@CAPTURE_INSTANCE")));
    if (ci.empty())
        ci = t->schema + "_" + t->name;
    auto existing = instances(db, d);
    int count = 0;
    for (const auto &in : existing) {
        if (iequals(in.name, ci))
            throw sql_error(22926, 1, 16,
                            "Could not create a capture instance because the capture instance "
                            "name '" +
                                ci +
                                "' already exists in the current database. Specify an "
                                "explicit unique name for the parameter @capture_instance.");
        if (in.source_object_id == t->object_id)
            ++count;
    }
    if (count >= 2)
        throw sql_error(22962, 1, 16,
                        "Two capture instances already exist for source table '" + t->schema + "." +
                            t->name +
                            "'. A table can have a maximum of two capture instances. If this is "
                            "a valid request, use sys.sp_cdc_disable_table to disable one of the "
                            "existing capture instances, and then resubmit the request.");
    // The unique index for net changes: @index_name, or the primary key.
    std::string index_name = text_of(get("@INDEX_NAME"));
    std::vector<std::pair<std::string, int>> key; // column name, column_id
    {
        Stmt q(db, "SELECT i.name, c.name, c.column_id FROM \"$indexes\" i JOIN "
                   "\"$index_columns\" ic ON ic.database_id = i.database_id AND ic.object_id = "
                   "i.object_id AND ic.index_id = i.index_id JOIN \"$columns\" c ON "
                   "c.database_id = i.database_id AND c.object_id = i.object_id AND "
                   "c.column_id = ic.column_id WHERE i.database_id = ? AND i.object_id = ? AND " +
                       std::string(index_name.empty() ? "i.is_primary_key = 1"
                                                      : "i.is_unique = 1 AND i.name = ?") +
                       " AND ic.is_included_column = 0 ORDER BY ic.key_ordinal");
        q.bind(1, d.id).bind(2, t->object_id);
        if (!index_name.empty())
            q.bind(3, index_name);
        while (q.step()) {
            index_name = q.text_col(0);
            key.emplace_back(q.text_col(1), static_cast<int>(q.int_col(2)));
        }
    }
    const Value *net = get("@SUPPORTS_NET_CHANGES");
    bool supports_net = net && !net->is_null() ? net->i != 0 || net->s == "1" : !key.empty();
    if (supports_net && key.empty())
        throw sql_error(22939, 1, 16,
                        "The parameter @supports_net_changes is set to 1, but the source table "
                        "does not have a primary key defined and no alternate unique index has "
                        "been specified.");
    // Captured columns: all, or @captured_column_list (which must include the index columns).
    std::vector<const ColumnMeta *> cols;
    std::string list = text_of(get("@CAPTURED_COLUMN_LIST"));
    if (list.empty()) {
        for (const auto &c : t->columns)
            cols.push_back(&c);
    } else {
        size_t p = 0;
        while (p <= list.size()) {
            size_t e = list.find(',', p);
            if (e == std::string::npos)
                e = list.size();
            std::string n = list.substr(p, e - p);
            while (!n.empty() && (n.front() == ' ' || n.front() == '['))
                n.erase(n.begin());
            while (!n.empty() && (n.back() == ' ' || n.back() == ']'))
                n.pop_back();
            const ColumnMeta *c = t->column(n);
            if (!c)
                throw sql_error(22918, 1, 16,
                                "Column '" + n + "' is not a valid column in source table '" +
                                    t->display() +
                                    "'. Verify the column names specified in "
                                    "@captured_column_list.");
            cols.push_back(c);
            p = e + 1;
        }
        std::sort(cols.begin(), cols.end(),
                  [](auto *a, auto *b) { return a->column_id < b->column_id; });
        for (const auto &k : key)
            if (std::none_of(cols.begin(), cols.end(),
                             [&](auto *c) { return iequals(c->name, k.first); }))
                throw sql_error(22945, 1, 16,
                                "Could not create a capture instance because the index column '" +
                                    k.first +
                                    "' is not included in the captured column list. Columns in "
                                    "the unique index must be included in @captured_column_list.");
    }
    std::vector<ColumnDef> defs = {coldef("__$start_lsn", ty(TypeId::Binary, 10), false),
                                   coldef("__$end_lsn", ty(TypeId::Binary, 10), true),
                                   coldef("__$seqval", ty(TypeId::Binary, 10), false),
                                   coldef("__$operation", ty(TypeId::Int), false),
                                   coldef("__$update_mask", ty(TypeId::VarBinary, 128), true)};
    for (const auto *c : cols) {
        SqlType st = c->type;
        if (st.id == TypeId::Timestamp)
            st = ty(TypeId::Binary, 8);
        defs.push_back(coldef(c->name, st, true));
    }
    defs.push_back(coldef("__$command_id", ty(TypeId::Int), true));
    int ct = create_cdc_table(db, d, ci + "_CT", defs);
    const Value *role = get("@ROLE_NAME");
    Stmt ins(db, "INSERT INTO " + tbl(d, "change_tables") +
                     "(object_id, version, source_object_id, capture_instance, start_lsn, "
                     "end_lsn, supports_net_changes, has_drop_pending, role_name, index_name, "
                     "filegroup_name, create_date, partition_switch) VALUES (?, 0, ?, ?, ?, NULL, "
                     "?, NULL, ?, ?, NULL, sim_now(), 0)");
    ins.bind(1, ct).bind(2, t->object_id).bind(3, ci).bind(4, Value::blob(new_lsn()));
    ins.bind(5, supports_net ? 1 : 0)
        .bind(6, role && !role->is_null() ? Value::text(role->s) : Value::null());
    ins.bind(7, index_name.empty() ? Value::null() : Value::text(index_name));
    ins.step();
    Stmt cc(db, "INSERT INTO " + tbl(d, "captured_columns") +
                    "(object_id, column_name, column_id, column_type, column_ordinal, "
                    "is_computed) VALUES (?, ?, ?, ?, ?, ?)");
    for (const auto *c : cols) {
        cc.reset();
        cc.bind(1, ct).bind(2, c->name).bind(3, c->column_id).bind(4, type_text(c->type));
        cc.bind(5, c->column_id).bind(6, c->computed ? 1 : 0);
        cc.step();
    }
    Stmt ic(db, "INSERT INTO " + tbl(d, "index_columns") +
                    "(object_id, column_name, index_ordinal, column_id) VALUES (?, ?, ?, ?)");
    int ord = 0;
    for (const auto &k : key) {
        ic.reset();
        ic.bind(1, ct).bind(2, k.first).bind(3, ++ord).bind(4, k.second);
        ic.step();
    }
    set_tracked(db, d, t->object_id);
}

void disable_table(sqlite3 *db, const DatabaseMeta &d, const std::vector<CdcArg> &args) {
    static const std::vector<std::string> order = {"@SOURCE_SCHEMA", "@SOURCE_NAME",
                                                   "@CAPTURE_INSTANCE"};
    if (!cdc_enabled(db, d.id))
        not_enabled(d);
    std::string schema = text_of(arg(args, "@SOURCE_SCHEMA", 0, order));
    std::string name = text_of(arg(args, "@SOURCE_NAME", 0, order));
    std::string ci = rtrim(text_of(arg(args, "@CAPTURE_INSTANCE", 0, order)));
    auto t = find_table(db, d, schema, name);
    if (!t)
        throw sql_error(22931, 1, 16,
                        "Source table '" + schema + "." + name +
                            "' does not exist in the current database. Ensure that the correct "
                            "database context is set. Specify a valid schema and table name for "
                            "the database.");
    bool found = false;
    for (const auto &in : instances(db, d))
        if (in.source_object_id == t->object_id &&
            (ci.empty() || iequals(ci, "all") || iequals(ci, in.name))) {
            drop_instance(db, d, in);
            found = true;
        }
    if (!found)
        throw sql_error(22904, 1, 16,
                        "Could not update the metadata that indicates table " + t->display() +
                            " is enabled for Change Data Capture. The capture instance '" + ci +
                            "' does not exist for the source table.");
}

void cleanup(sqlite3 *db, const DatabaseMeta &d, const std::vector<CdcArg> &args) {
    static const std::vector<std::string> order = {"@CAPTURE_INSTANCE", "@LOW_WATER_MARK",
                                                   "@THRESHOLD"};
    if (!cdc_enabled(db, d.id))
        not_enabled(d);
    std::string ci = text_of(arg(args, "@CAPTURE_INSTANCE", 0, order));
    const Value *lwm = arg(args, "@LOW_WATER_MARK", 0, order);
    Instance inst;
    for (const auto &in : instances(db, d))
        if (iequals(in.name, ci))
            inst = in;
    if (inst.name.empty())
        throw sql_error(22985, 1, 16,
                        "Could not find the capture instance '" + ci +
                            "'. Specify a valid capture instance name.");
    std::string mark;
    if (lwm && !lwm->is_null()) {
        mark = lwm->s;
    } else {
        Stmt q(db, "SELECT MAX(start_lsn) FROM " + tbl(d, "lsn_time_mapping"));
        if (q.step())
            mark = q.value_col(0).s;
    }
    if (mark.empty())
        return;
    // The new low water mark must be a captured LSN (a start_lsn in cdc.lsn_time_mapping).
    Stmt chk(db, "SELECT 1 FROM " + tbl(d, "lsn_time_mapping") + " WHERE start_lsn = ?");
    chk.bind(1, Value::blob(mark));
    if (!chk.step())
        throw sql_error(22964, 1, 16,
                        "LSN " + lsn_text(mark) +
                            ", specified as the new low endpoint for the change table associated "
                            "with capture instance '" +
                            ci +
                            "', is not within the Change Data Capture timeline [start_lsn, "
                            "max_lsn].");
    auto ct = table_by_id(db, d.id, inst.ct_object_id);
    Stmt del(db, "DELETE FROM " + qi(ct->sqlite_name) + " WHERE \"__$start_lsn\" < ?");
    del.bind(1, Value::blob(mark));
    del.step();
    add_row_count(db, d.id, inst.ct_object_id, -sqlite3_changes(db));
    Stmt up(db, "UPDATE " + tbl(d, "change_tables") +
                    " SET start_lsn = ? WHERE object_id = ? AND (start_lsn IS NULL OR start_lsn < "
                    "?)");
    up.bind(1, Value::blob(mark)).bind(2, inst.ct_object_id).bind(3, Value::blob(mark));
    up.step();
}

std::string mask_of(const std::vector<int> &ordinals) {
    int maxo = 0;
    for (int o : ordinals)
        maxo = std::max(maxo, o);
    return std::string(static_cast<size_t>((maxo + 7) / 8), '\0');
}

void set_bit(std::string &mask, int ordinal) {
    size_t byte = mask.size() - 1 - static_cast<size_t>((ordinal - 1) / 8);
    mask[byte] = static_cast<char>(mask[byte] | (1 << ((ordinal - 1) % 8)));
}

bool same(const Value &a, const Value &b) {
    if (a.kind != b.kind)
        return false;
    switch (a.kind) {
    case Value::Kind::Null:
        return true;
    case Value::Kind::Int:
        return a.i == b.i;
    case Value::Kind::Real:
        return a.d == b.d;
    default:
        return a.s == b.s;
    }
}

} // namespace

bool cdc_procedure(sqlite3 *db, const DatabaseMeta &d, const std::string &proc,
                   const std::vector<CdcArg> &args, const std::function<std::string()> &new_lsn) {
    std::string p = lower(proc);
    if (p == "sp_cdc_enable_db")
        enable_db(db, d);
    else if (p == "sp_cdc_disable_db")
        disable_db(db, d);
    else if (p == "sp_cdc_enable_table")
        enable_table(db, d, args, new_lsn);
    else if (p == "sp_cdc_disable_table")
        disable_table(db, d, args);
    else if (p == "sp_cdc_cleanup_change_table")
        cleanup(db, d, args);
    else if (p == "sp_cdc_start_job" || p == "sp_cdc_stop_job" || p == "sp_cdc_change_job" ||
             p == "sp_cdc_add_job") {
        if (!cdc_enabled(db, d.id))
            not_enabled(d);
    } else
        return false;
    return true;
}

bool cdc_tracked(sqlite3 *db, int database_id, int object_id) {
    Stmt q(db,
           "SELECT is_tracked_by_cdc FROM \"$objects\" WHERE database_id = ? AND object_id = ?");
    q.bind(1, database_id).bind(2, object_id);
    return q.step() && q.int_col(0) != 0;
}

bool cdc_pending(sqlite3 *db, int database_id) {
    if (!cdc_enabled(db, database_id))
        return false;
    Stmt q(db, "SELECT 1 FROM \"$log\" WHERE database_id = ?1 AND lsn > coalesce((SELECT "
               "last_lsn FROM \"$cdc_state\" WHERE database_id = ?1), x'') AND operation = "
               "'LOP_COMMIT_XACT' LIMIT 1");
    q.bind(1, database_id);
    return q.step();
}

void cdc_ddl(sqlite3 *db, const DatabaseMeta &d, int object_id, const std::string &command,
             const std::string &lsn) {
    for (const auto &in : instances(db, d))
        if (in.source_object_id == object_id) {
            Stmt ins(db, "INSERT INTO " + tbl(d, "ddl_history") +
                             "(source_object_id, object_id, required_column_update, "
                             "ddl_command, ddl_lsn, ddl_time) VALUES (?, ?, 0, ?, ?, sim_now())");
            ins.bind(1, object_id).bind(2, in.ct_object_id).bind(3, command);
            ins.bind(4, Value::blob(lsn));
            ins.step();
        }
}

void cdc_capture(sqlite3 *db, const DatabaseMeta &d) {
    if (!cdc_enabled(db, d.id))
        return;
    std::string last;
    {
        Stmt q(db, "SELECT last_lsn FROM \"$cdc_state\" WHERE database_id = ?");
        q.bind(1, d.id);
        if (q.step())
            last = q.value_col(0).s;
    }
    auto records = read_log(db, d.id, last);
    if (records.empty())
        return;
    struct Target {
        Instance in;
        std::string start_lsn;
        std::string table;
        std::vector<int> positions; // per captured column: index in the source row image
        std::vector<int> ordinals;
        std::vector<std::string> names;
        // Large values, as Microsoft documents for the change table: text/ntext/image are NULL
        // in delete (1) and update-before (3) rows; varchar/nvarchar/varbinary(max) are NULL in
        // update-before rows unless the update changed the column.
        std::vector<char> legacy_lob, max_lob;
        std::shared_ptr<Stmt> insert; // prepared once per capture scan
    };
    std::map<int, std::vector<Target>> by_source;
    for (const auto &in : instances(db, d)) {
        Target tg;
        tg.in = in;
        Stmt q(db, "SELECT start_lsn FROM " + tbl(d, "change_tables") + " WHERE object_id = ?");
        q.bind(1, in.ct_object_id);
        if (q.step())
            tg.start_lsn = q.value_col(0).s;
        auto ct = table_by_id(db, d.id, in.ct_object_id);
        auto src = table_by_id(db, d.id, in.source_object_id);
        if (!ct || !src)
            continue;
        tg.table = ct->sqlite_name;
        Stmt c(db, "SELECT column_name, column_ordinal FROM " + tbl(d, "captured_columns") +
                       " WHERE object_id = ? ORDER BY column_ordinal");
        c.bind(1, in.ct_object_id);
        while (c.step()) {
            std::string n = c.text_col(0);
            int pos = -1;
            for (size_t i = 0; i < src->columns.size(); ++i)
                if (iequals(src->columns[i].name, n))
                    pos = static_cast<int>(i);
            tg.names.push_back(n);
            tg.positions.push_back(pos);
            tg.ordinals.push_back(static_cast<int>(c.int_col(1)));
            const SqlType *t = pos >= 0 ? &src->columns[static_cast<size_t>(pos)].type : nullptr;
            tg.legacy_lob.push_back(
                t && (t->id == TypeId::Text || t->id == TypeId::NText || t->id == TypeId::Image));
            tg.max_lob.push_back(t && t->length == SqlType::kMax &&
                                 (t->id == TypeId::VarChar || t->id == TypeId::NVarChar ||
                                  t->id == TypeId::VarBinary));
        }
        by_source[in.source_object_id].push_back(std::move(tg));
    }
    std::map<int64_t, std::vector<const LogRecord *>> open;
    std::map<int, int64_t> added; // rows per change table, counted once at the end of the scan
    std::optional<Stmt> mapping;
    const auto mapping_table = find_object_id(db, d.id, "cdc", "lsn_time_mapping", "U");
    std::string done = last;
    for (const auto &r : records) {
        if (r.operation != "LOP_COMMIT_XACT") {
            open[r.xact_id].push_back(&r);
            continue;
        }
        auto recs = std::move(open[r.xact_id]);
        open.erase(r.xact_id);
        done = r.lsn;
        bool any = false;
        std::string begin_time, begin_lsn;
        int command = 0;
        for (const auto *x : recs) {
            if (x->operation == "LOP_BEGIN_XACT") {
                begin_time = x->time;
                begin_lsn = x->lsn;
                continue;
            }
            ++command;
            auto it = by_source.find(x->object_id);
            if (it == by_source.end())
                continue;
            for (auto &tg : it->second) {
                if (!tg.start_lsn.empty() && r.lsn <= tg.start_lsn)
                    continue;
                if (!tg.insert) {
                    std::string sql = "INSERT INTO " + qi(tg.table) +
                                      "(\"__$start_lsn\", \"__$end_lsn\", \"__$seqval\", "
                                      "\"__$operation\", \"__$update_mask\"";
                    for (const auto &n : tg.names)
                        sql += ", " + qi(n);
                    sql += ", \"__$command_id\") VALUES (?, NULL, ?, ?, ?";
                    for (size_t i = 0; i < tg.names.size(); ++i)
                        sql += ", ?";
                    sql += ", ?)";
                    tg.insert = std::make_shared<Stmt>(db, sql);
                }
                Stmt &ins = *tg.insert;
                auto put = [&](int op, const std::vector<Value> &img, const std::string &mask,
                               const std::vector<char> &changed) {
                    ins.reset();
                    ins.bind(1, Value::blob(r.lsn)).bind(2, Value::blob(x->lsn)).bind(3, op);
                    ins.bind(4, Value::blob(mask));
                    for (size_t i = 0; i < tg.names.size(); ++i) {
                        int p = tg.positions[i];
                        const bool omitted =
                            (tg.legacy_lob[i] && (op == 1 || op == 3)) ||
                            (tg.max_lob[i] && op == 3 && !(i < changed.size() && changed[i]));
                        ins.bind(static_cast<int>(5 + i),
                                 !omitted && p >= 0 && static_cast<size_t>(p) < img.size()
                                     ? img[static_cast<size_t>(p)]
                                     : Value::null());
                    }
                    ins.bind(static_cast<int>(5 + tg.names.size()), command);
                    ins.step();
                    ++added[tg.in.ct_object_id];
                };
                std::string full = mask_of(tg.ordinals);
                for (int o : tg.ordinals)
                    set_bit(full, o);
                if (x->operation == "LOP_INSERT_ROWS") {
                    put(2, x->after, full, {});
                } else if (x->operation == "LOP_DELETE_ROWS") {
                    put(1, x->before, full, {});
                } else if (x->operation == "LOP_MODIFY_ROW") {
                    std::string m = mask_of(tg.ordinals);
                    std::vector<char> changed(tg.names.size(), 0);
                    for (size_t i = 0; i < tg.names.size(); ++i) {
                        int p = tg.positions[i];
                        if (p < 0)
                            continue;
                        auto sp = static_cast<size_t>(p);
                        Value b = sp < x->before.size() ? x->before[sp] : Value::null();
                        Value a = sp < x->after.size() ? x->after[sp] : Value::null();
                        if (!same(a, b)) {
                            set_bit(m, tg.ordinals[i]);
                            changed[i] = 1;
                        }
                    }
                    put(3, x->before, m, changed);
                    put(4, x->after, m, changed);
                } else {
                    continue;
                }
                any = true;
            }
        }
        if (any) {
            if (!mapping)
                mapping.emplace(db, "INSERT INTO " + tbl(d, "lsn_time_mapping") +
                                        "(start_lsn, tran_begin_time, tran_end_time, tran_id, "
                                        "tran_begin_lsn) VALUES (?, ?, ?, ?, ?)");
            Stmt &ins = *mapping;
            ins.reset();
            std::string tid(10, '\0');
            for (int i = 0; i < 8; ++i)
                tid[9 - i] = static_cast<char>((r.xact_id >> (8 * i)) & 0xff);
            ins.bind(1, Value::blob(r.lsn))
                .bind(2, begin_time.empty() ? Value::text(r.time) : Value::text(begin_time))
                .bind(3, Value::text(r.time))
                .bind(4, Value::blob(tid))
                .bind(5, begin_lsn.empty() ? Value::null() : Value::blob(begin_lsn));
            ins.step();
            if (mapping_table)
                ++added[*mapping_table];
        }
    }
    for (const auto &[object_id, rows] : added)
        add_row_count(db, d.id, object_id, rows);
    Stmt st(db, "INSERT OR REPLACE INTO \"$cdc_state\"(database_id, last_lsn) VALUES (?, ?)");
    st.bind(1, d.id).bind(2, Value::blob(done));
    st.step();
}

// ---- SQLite functions behind sys.fn_cdc_* and the change-data TVFs ----------------------------

namespace {

std::string blob_arg(sqlite3_value *v) {
    if (sqlite3_value_type(v) == SQLITE_NULL)
        return {};
    const void *p = sqlite3_value_blob(v);
    return std::string(static_cast<const char *>(p), static_cast<size_t>(sqlite3_value_bytes(v)));
}

std::string text_arg(sqlite3_value *v) {
    const unsigned char *t = sqlite3_value_text(v);
    return t ? reinterpret_cast<const char *>(t) : "";
}

void result_blob(sqlite3_context *c, const std::string &s) {
    if (s.empty())
        sqlite3_result_null(c);
    else
        sqlite3_result_blob(c, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

template <typename F> void guard(sqlite3_context *c, F &&f) {
    try {
        f();
    } catch (const SqlError &e) {
        std::string msg = encode_error(e.msg);
        sqlite3_result_error(c, msg.c_str(), static_cast<int>(msg.size()));
    } catch (const std::exception &e) {
        sqlite3_result_error(c, e.what(), -1);
    }
}

std::optional<DatabaseMeta> cdc_db(sqlite3 *db, sqlite3_value *id) {
    auto d = find_database(db, static_cast<int>(sqlite3_value_int64(id)));
    if (!d || !cdc_enabled(db, d->id))
        return std::nullopt;
    return d;
}

std::string min_lsn(sqlite3 *db, const DatabaseMeta &d, const std::string &ci) {
    Stmt q(db, "SELECT start_lsn FROM " + tbl(d, "change_tables") + " WHERE capture_instance = ?");
    q.bind(1, ci);
    if (q.step())
        return q.value_col(0).s;
    return {};
}

std::string max_lsn(sqlite3 *db, const DatabaseMeta &d) {
    Stmt q(db, "SELECT MAX(start_lsn) FROM " + tbl(d, "lsn_time_mapping"));
    if (q.step())
        return q.value_col(0).s;
    return {};
}

void fn_min_lsn(sqlite3_context *c, int, sqlite3_value **v) {
    guard(c, [&] {
        sqlite3 *db = sqlite3_context_db_handle(c);
        auto d = cdc_db(db, v[0]);
        std::string l = d ? min_lsn(db, *d, text_arg(v[1])) : std::string();
        // An unknown capture instance (or CDC not enabled): 0x00000000000000000000.
        result_blob(c, l.empty() ? std::string(10, '\0') : l);
    });
}

void fn_max_lsn(sqlite3_context *c, int, sqlite3_value **v) {
    guard(c, [&] {
        sqlite3 *db = sqlite3_context_db_handle(c);
        auto d = cdc_db(db, v[0]);
        result_blob(c, d ? max_lsn(db, *d) : std::string());
    });
}

void fn_lsn_add(sqlite3_context *c, int, sqlite3_value **v) {
    std::string l = blob_arg(v[0]);
    if (l.size() != 10) {
        sqlite3_result_null(c);
        return;
    }
    int delta = static_cast<int>(sqlite3_value_int64(v[1]));
    for (int i = 9; i >= 0; --i) {
        int b = static_cast<uint8_t>(l[static_cast<size_t>(i)]) + delta;
        l[static_cast<size_t>(i)] = static_cast<char>(b & 0xff);
        if (b >= 0 && b <= 0xff)
            break;
        delta = b < 0 ? -1 : 1;
    }
    result_blob(c, l);
}

void fn_map_lsn_to_time(sqlite3_context *c, int, sqlite3_value **v) {
    guard(c, [&] {
        sqlite3 *db = sqlite3_context_db_handle(c);
        auto d = cdc_db(db, v[0]);
        if (!d) {
            sqlite3_result_null(c);
            return;
        }
        Stmt q(db,
               "SELECT tran_end_time FROM " + tbl(*d, "lsn_time_mapping") + " WHERE start_lsn = ?");
        q.bind(1, Value::blob(blob_arg(v[1])));
        if (q.step())
            sqlite3_result_text(c, q.text_col(0).c_str(), -1, SQLITE_TRANSIENT);
        else
            sqlite3_result_null(c);
    });
}

void fn_map_time_to_lsn(sqlite3_context *c, int, sqlite3_value **v) {
    guard(c, [&] {
        sqlite3 *db = sqlite3_context_db_handle(c);
        auto d = cdc_db(db, v[0]);
        std::string op = lower(text_arg(v[1]));
        std::string sql;
        if (op == "largest less than")
            sql = "SELECT MAX(start_lsn) FROM {T} WHERE tran_end_time < ?";
        else if (op == "largest less than or equal")
            sql = "SELECT MAX(start_lsn) FROM {T} WHERE tran_end_time <= ?";
        else if (op == "smallest greater than")
            sql = "SELECT MIN(start_lsn) FROM {T} WHERE tran_end_time > ?";
        else if (op == "smallest greater than or equal")
            sql = "SELECT MIN(start_lsn) FROM {T} WHERE tran_end_time >= ?";
        else
            throw sql_error(313, 3, 16,
                            "An insufficient number of arguments were supplied for the "
                            "procedure or function sys.fn_cdc_map_time_to_lsn.");
        if (!d) {
            sqlite3_result_null(c);
            return;
        }
        sql.replace(sql.find("{T}"), 3, tbl(*d, "lsn_time_mapping"));
        Stmt q(db, sql);
        q.bind(1, Value::text(text_arg(v[2])));
        if (q.step())
            result_blob(c, q.value_col(0).s);
        else
            sqlite3_result_null(c);
    });
}

// sim_cdc_range(database_id, capture_instance, from_lsn, to_lsn, function name): 1, or error
// 313 when the range is not within [min_lsn(capture_instance), max_lsn()] or from > to.
void fn_range(sqlite3_context *c, int, sqlite3_value **v) {
    guard(c, [&] {
        sqlite3 *db = sqlite3_context_db_handle(c);
        auto d = cdc_db(db, v[0]);
        std::string from = blob_arg(v[2]), to = blob_arg(v[3]);
        std::string lo = d ? min_lsn(db, *d, text_arg(v[1])) : std::string();
        std::string hi = d ? max_lsn(db, *d) : std::string();
        if (from.empty() || to.empty() || lo.empty() || hi.empty() || from < lo || to > hi ||
            from > to)
            throw sql_error(313, 3, 16,
                            "An insufficient number of arguments were supplied for the "
                            "procedure or function " +
                                text_arg(v[4]) + " ... .");
        sqlite3_result_int(c, 1);
    });
}

} // namespace

void register_cdc_functions(sqlite3 *db) {
    struct F {
        const char *name;
        int n;
        void (*fn)(sqlite3_context *, int, sqlite3_value **);
    };
    static const F fs[] = {{"sim_cdc_min_lsn", 2, fn_min_lsn},
                           {"sim_cdc_max_lsn", 1, fn_max_lsn},
                           {"sim_cdc_lsn_add", 2, fn_lsn_add},
                           {"sim_cdc_map_lsn_to_time", 2, fn_map_lsn_to_time},
                           {"sim_cdc_map_time_to_lsn", 3, fn_map_time_to_lsn},
                           {"sim_cdc_range", 5, fn_range}};
    for (const auto &f : fs)
        sqlite3_create_function_v2(db, f.name, f.n, SQLITE_UTF8, nullptr, f.fn, nullptr, nullptr,
                                   nullptr);
}

} // namespace sim::sql
