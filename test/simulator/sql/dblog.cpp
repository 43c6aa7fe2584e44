// sys.fn_dblog's log records: built at COMMIT / ROLLBACK from the transaction's logical records
// and each row's stored FixedVar record ("$phys_rows"), written to "$dblog" keyed by (database,
// LSN text) so that an LSN range is an index range. The record shapes follow the research brief
// §2.3; where it leaves a choice open, docs/simulator.md says which one was made.
#include "dblog.hpp"

#include "sqlite_db.hpp"
#include "sqltypes.hpp"
#include "txlog.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <tuple>

namespace sim::sql {

namespace {

const char *kTables = R"SQL(
CREATE TABLE IF NOT EXISTS "$dblog"(database_id INTEGER, lsn TEXT, xact TEXT, operation TEXT,
  context TEXT, prev_lsn TEXT, alloc_unit_id INTEGER, page TEXT, slot INTEGER, partition_id INTEGER,
  offset_in_row INTEGER, modify_size INTEGER, num_elements INTEGER, spid INTEGER, begin_time TEXT,
  xact_name TEXT, xact_sid BLOB, parent_xact TEXT, xact_num INTEGER, end_time TEXT, xact_begin TEXT,
  lock_info TEXT, description TEXT, ckpt_begin TEXT, ckpt_end TEXT, min_lsn TEXT, dirty_pages INTEGER,
  rc0 BLOB, rc1 BLOB, rc2 BLOB, rc3 BLOB, rc4 BLOB, rc5 BLOB, log_record BLOB, fixed_len INTEGER,
  rec_len INTEGER, flag_bits INTEGER, log_reserve INTEGER, num_locks INTEGER,
  PRIMARY KEY(database_id, lsn)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS "$phys_rows"(database_id INTEGER, object_id INTEGER, row_id INTEGER,
  page INTEGER, slot INTEGER, record BLOB, PRIMARY KEY(database_id, object_id, row_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS "$phys_rows_by_page" ON "$phys_rows"(database_id, object_id, page, slot);
CREATE TABLE IF NOT EXISTS "$phys_pages"(database_id INTEGER, object_id INTEGER, index_id INTEGER,
  au_type INTEGER, page INTEGER, used INTEGER, slots INTEGER, pages INTEGER,
  PRIMARY KEY(database_id, object_id, index_id, au_type));
CREATE TABLE IF NOT EXISTS "$cdc_state"(database_id INTEGER PRIMARY KEY, last_lsn BLOB);
CREATE TABLE IF NOT EXISTS "$logstate"(database_id INTEGER PRIMARY KEY, versioning INTEGER DEFAULT 0,
  since_ckpt INTEGER DEFAULT 0, last_backup_lsn TEXT, last_full_lsn TEXT);
)SQL";

// Operation and context codes (brief §2.2) for the raw Log Record header.
int op_code(const std::string &op) {
    static const std::map<std::string, int> m = {
        {"LOP_FORMAT_PAGE", 1},   {"LOP_INSERT_ROWS", 2},    {"LOP_DELETE_ROWS", 3},
        {"LOP_MODIFY_ROW", 4},    {"LOP_MODIFY_COLUMNS", 6}, {"LOP_DELETE_SPLIT", 11},
        {"LOP_EXPUNGE_ROWS", 13}, {"LOP_BEGIN_XACT", 128},   {"LOP_COMMIT_XACT", 129},
        {"LOP_ABORT_XACT", 130},  {"LOP_LOCK_XACT", 141},    {"LOP_BEGIN_CKPT", 150},
        {"LOP_XACT_CKPT", 152},   {"LOP_END_CKPT", 153}};
    auto it = m.find(op);
    return it == m.end() ? 0 : it->second;
}
int ctx_code(const std::string &c) {
    static const std::map<std::string, int> m = {
        {"LCX_NULL", 0},          {"LCX_HEAP", 1},           {"LCX_CLUSTERED", 2},
        {"LCX_INDEX_LEAF", 3},    {"LCX_INDEX_INTERIOR", 4}, {"LCX_TEXT_MIX", 5},
        {"LCX_TEXT_TREE", 6},     {"LCX_IAM", 10},           {"LCX_PFS", 11},
        {"LCX_MARK_AS_GHOST", 19}};
    auto it = m.find(c);
    return it == m.end() ? 0 : it->second;
}

void put_le(std::string &out, uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string xact_string(int64_t n) {
    char b[24];
    std::snprintf(b, sizeof b, "%04x:%08x", static_cast<unsigned>((n >> 32) & 0xFFFF),
                  static_cast<unsigned>(n & 0xFFFFFFFF));
    return b;
}

std::string page_string(int64_t page) {
    char b[24];
    std::snprintf(b, sizeof b, "0001:%08x", static_cast<unsigned>(page));
    return b;
}

uint64_t fnv(const std::string &s, uint64_t h = 1469598103934665603ULL) {
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

std::array<unsigned, 3> lsn_parts(const std::string &text) {
    std::array<unsigned, 3> p{0, 0, 0};
    std::sscanf(text.c_str(), "%x:%x:%x", &p[0], &p[1], &p[2]);
    return p;
}

// The raw record (our rendering of the header, brief §2.2/V22 offsets): a 64-byte header, the
// element lengths (uint16 each, padded to 4 bytes), then each element padded to 4 bytes.
std::string raw_record(const DbLogRec &r, const std::string &prev_lsn, int64_t xact_num,
                       int num_elements) {
    std::string h(64, '\0');
    auto set = [&](size_t at, uint64_t v, int n) {
        for (int i = 0; i < n; ++i)
            h[at + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
    };
    auto pl = lsn_parts(prev_lsn);
    set(0, 64 + ((2 * static_cast<size_t>(num_elements) + 3) & ~size_t{3}), 2);
    set(4, pl[0], 4);
    set(8, pl[1], 4);
    set(12, pl[2], 2);
    set(0x10, static_cast<uint64_t>(xact_num >> 32) & 0xFFFF, 2);
    set(0x12, static_cast<uint64_t>(xact_num) & 0xFFFFFFFF, 4);
    h[0x16] = static_cast<char>(op_code(r.operation));
    h[0x17] = static_cast<char>(ctx_code(r.context));
    if (!r.page.empty()) {
        unsigned file = 0, page = 0;
        std::sscanf(r.page.c_str(), "%x:%x", &file, &page);
        set(0x18, page, 4);
        set(0x1C, file, 2);
    }
    if (r.slot >= 0)
        set(0x1E, static_cast<uint64_t>(r.slot), 2);
    set(0x30, static_cast<uint64_t>(r.partition_id), 8);
    if (r.offset_in_row >= 0)
        set(0x38, static_cast<uint64_t>(r.offset_in_row), 2);
    if (r.modify_size >= 0)
        set(0x3A, static_cast<uint64_t>(r.modify_size), 2);
    set(0x3E, static_cast<uint64_t>(num_elements), 2);
    std::string lens;
    for (int i = 0; i < num_elements; ++i)
        put_le(lens, r.elements[static_cast<size_t>(i)].size(), 2);
    while (lens.size() % 4)
        lens.push_back('\0');
    h += lens;
    for (int i = 0; i < num_elements; ++i) {
        h += r.elements[static_cast<size_t>(i)];
        while (h.size() % 4)
            h.push_back('\0');
    }
    return h;
}

struct Writer {
    sqlite3 *db;
    Stmt ins;
    explicit Writer(sqlite3 *d)
        : db(d),
          ins(d, "INSERT INTO \"$dblog\"(database_id, lsn, xact, operation, context, prev_lsn, "
                 "alloc_unit_id, page, slot, partition_id, offset_in_row, modify_size, "
                 "num_elements, spid, begin_time, xact_name, xact_sid, parent_xact, xact_num, "
                 "end_time, xact_begin, lock_info, description, ckpt_begin, ckpt_end, min_lsn, "
                 "dirty_pages, rc0, rc1, rc2, rc3, rc4, rc5, log_record, fixed_len, rec_len, "
                 "flag_bits, log_reserve, num_locks) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                 "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, "
                 "?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39)") {}
    void write(int database_id, const std::string &lsn, const std::string &xact,
               const std::string &prev, int64_t xact_num, const DbLogRec &r,
               const std::string &xact_begin, const std::string &sid) {
        auto opt_text = [&](int i, const std::string &s) {
            if (s.empty())
                sqlite3_bind_null(ins.get(), i);
            else
                ins.bind(i, s);
        };
        auto opt_int = [&](int i, int64_t v, bool present) {
            if (present)
                ins.bind(i, v);
            else
                sqlite3_bind_null(ins.get(), i);
        };
        ins.reset();
        sqlite3_clear_bindings(ins.get());
        const int n = static_cast<int>(r.elements.size());
        ins.bind(1, database_id).bind(2, lsn).bind(3, xact).bind(4, r.operation);
        ins.bind(5, r.context);
        ins.bind(6, prev.empty() ? std::string("00000000:00000000:0000") : prev);
        opt_int(7, r.alloc_unit_id, r.alloc_unit_id != 0);
        opt_text(8, r.page);
        opt_int(9, r.slot, r.slot >= 0);
        opt_int(10, r.partition_id, r.partition_id != 0);
        opt_int(11, r.offset_in_row, r.offset_in_row >= 0);
        opt_int(12, r.modify_size, r.modify_size >= 0);
        opt_int(13, n, r.alloc_unit_id != 0 || n > 0);
        opt_int(14, r.spid, r.begin_of_xact);
        opt_text(15, r.begin_time);
        opt_text(16, r.xact_name);
        if (r.begin_of_xact && !sid.empty())
            ins.bind(17, Value::blob(sid));
        opt_text(18, r.parent_xact);
        opt_int(19, xact_num, r.begin_of_xact);
        opt_text(20, r.end_time);
        opt_text(21, r.end_of_xact ? xact_begin : std::string());
        opt_text(22, r.lock_info);
        opt_text(23, r.description);
        opt_text(24, r.ckpt_begin);
        opt_text(25, r.ckpt_end);
        opt_text(26, r.min_lsn_here ? xact_begin : std::string());
        opt_int(27, r.dirty_pages, r.dirty_pages >= 0);
        for (int i = 0; i < 6 && i < n; ++i)
            ins.bind(28 + i, Value::blob(r.elements[static_cast<size_t>(i)]));
        std::string raw = raw_record(r, prev, xact_num, n);
        ins.bind(34, Value::blob(raw));
        ins.bind(35, 64 + ((2 * n + 3) & ~3));
        ins.bind(36, static_cast<int64_t>(raw.size()));
        ins.bind(37, r.clr ? 0x0200 : 0);
        ins.bind(38, r.work ? static_cast<int64_t>(raw.size()) + 70 : 0);
        opt_int(39, 1, !r.lock_info.empty());
        ins.step();
    }
};

int64_t state_int(sqlite3 *db, int database_id, const char *col) {
    Stmt q(db, std::string("SELECT ") + col + " FROM \"$logstate\" WHERE database_id = ?");
    q.bind(1, database_id);
    return q.step() ? q.int_col(0) : 0;
}

std::string state_text(sqlite3 *db, int database_id, const char *col) {
    Stmt q(db, std::string("SELECT ") + col + " FROM \"$logstate\" WHERE database_id = ?");
    q.bind(1, database_id);
    return q.step() ? q.text_col(0) : std::string();
}

void state_set(sqlite3 *db, int database_id, const char *col, const Value &v) {
    Stmt q(db, std::string("INSERT INTO \"$logstate\"(database_id, ") + col +
                   ") VALUES (?1, ?2) ON CONFLICT(database_id) DO UPDATE SET " + col + " = ?2");
    q.bind(1, database_id).bind(2, v);
    q.step();
}

// Records before this LSN may be truncated: the checkpoint (or backup) point, held back by an
// open transaction and, with CDC, by the last transaction the capture process has taken.
std::string truncation_point(sqlite3 *db, int database_id, const std::string &upto,
                             const std::string &oldest_active) {
    std::string t = upto;
    if (!oldest_active.empty())
        t = std::min(t, oldest_active);
    Stmt q(db, "SELECT is_cdc_enabled FROM \"$databases\" WHERE database_id = ?");
    q.bind(1, database_id);
    if (q.step() && q.int_col(0)) {
        std::string captured;
        try {
            Stmt c(db, "SELECT last_lsn FROM \"$cdc_state\" WHERE database_id = ?");
            c.bind(1, database_id);
            if (c.step())
                captured = lsn_string(c.value_col(0).s);
        } catch (...) {
        }
        // Not yet captured: everything after the captured commit must stay.
        Stmt n(db, "SELECT lsn FROM \"$dblog\" WHERE database_id = ? AND lsn > ? ORDER BY lsn "
                   "LIMIT 1");
        n.bind(1, database_id).bind(2, captured);
        if (n.step())
            t = std::min(t, n.text_col(0));
    }
    return t;
}

void truncate_before(sqlite3 *db, int database_id, const std::string &point) {
    Stmt d(db, "DELETE FROM \"$dblog\" WHERE database_id = ? AND lsn < ?");
    d.bind(1, database_id).bind(2, point);
    d.step();
}

} // namespace

void dblog_bootstrap(sqlite3 *db) {
    exec(db, kTables);
    // msdb.dbo.backupset columns added with the physical log.
    bool has = false;
    {
        Stmt q(db, "SELECT 1 FROM pragma_table_info('$backupset') WHERE name = "
                   "'database_backup_lsn'");
        has = q.step();
    }
    if (!has)
        exec(db, "ALTER TABLE \"$backupset\" ADD COLUMN database_backup_lsn TEXT");
    {
        Stmt q(db, "SELECT 1 FROM pragma_table_info('$log') WHERE name = 'row_id'");
        has = q.step();
    }
    if (!has)
        exec(db, "ALTER TABLE \"$log\" ADD COLUMN row_id INTEGER");
}

std::string lsn_string(const std::string &lsn10) {
    std::string t = lsn_text(lsn10);
    return t.empty() ? "00000000:00000000:0000" : t;
}

std::string lsn_binary(const std::string &text) {
    auto p = lsn_parts(text);
    std::string b(10, '\0');
    for (int i = 0; i < 4; ++i) {
        b[static_cast<size_t>(i)] = static_cast<char>(p[0] >> (24 - 8 * i));
        b[static_cast<size_t>(4 + i)] = static_cast<char>(p[1] >> (24 - 8 * i));
    }
    b[8] = static_cast<char>(p[2] >> 8);
    b[9] = static_cast<char>(p[2]);
    return b;
}

std::optional<std::string> parse_lsn_arg(const std::string &arg) {
    std::string s;
    for (char c : arg)
        if (!std::isspace(static_cast<unsigned char>(c)))
            s.push_back(c);
    if (s.empty())
        return std::nullopt;
    bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    if (hex)
        s = s.substr(2);
    unsigned long long p[3] = {0, 0, 0};
    size_t part = 0;
    std::string cur;
    for (size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || s[i] == ':') {
            if (part > 2 || cur.empty())
                return std::nullopt;
            p[part++] = std::stoull(cur, nullptr, hex ? 16 : 10);
            cur.clear();
        } else {
            if (!(hex ? std::isxdigit(static_cast<unsigned char>(s[i]))
                      : std::isdigit(static_cast<unsigned char>(s[i]))))
                return std::nullopt;
            cur.push_back(s[i]);
        }
    }
    if (part != 3)
        return std::nullopt;
    char b[40];
    std::snprintf(b, sizeof b, "%08llx:%08llx:%04llx", p[0], p[1], p[2]);
    return std::string(b);
}

std::string lsn_numeric(const std::string &lsn_text) {
    auto p = lsn_parts(lsn_text);
    char b[64];
    std::snprintf(b, sizeof b, "%u%010u%05u", p[0], p[1], p[2]);
    std::string s = b;
    size_t nz = s.find_first_not_of('0');
    return nz == std::string::npos ? "0" : s.substr(nz);
}

std::string dblog_time_now() {
    auto now = std::chrono::system_clock::now();
    auto t = std::chrono::system_clock::to_time_t(now);
    int ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    char b[96];
    std::snprintf(b, sizeof b, "%04d/%02d/%02d %02d:%02d:%02d:%03d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return b;
}

// ---- rows --------------------------------------------------------------------------------

PhysXact::TableInfo &PhysXact::table(int database_id, int object_id) {
    auto key = std::make_pair(database_id, object_id);
    auto it = tables_.find(key);
    if (it != tables_.end())
        return it->second;
    TableInfo ti;
    if (auto m = table_by_id(db_, database_id, object_id))
        ti.meta = *m;
    ti.base = phys_base(db_, database_id, object_id);
    if (!ti.base) {
        if (auto d = find_database(db_, database_id))
            phys_sync(db_, *d, ti.meta);
        ti.base = phys_base(db_, database_id, object_id);
    }
    ti.nc = phys_nonclustered(db_, database_id, object_id);
    for (size_t i = 0; i < ti.meta.columns.size(); ++i)
        ti.pos[ti.meta.columns[i].column_id] = i;
    ti.heap = !ti.base || ti.base->index_id == 0;
    ti.versioned = state_int(db_, database_id, "versioning") != 0;
    return tables_.emplace(key, std::move(ti)).first->second;
}

int64_t PhysXact::new_page(int database_id) {
    Stmt q(db_, "INSERT INTO \"$phys_pages\" VALUES (?, 0, 0, 0, 288, 0, 0, 0) ON "
                "CONFLICT(database_id, object_id, index_id, au_type) DO UPDATE SET page = page + "
                "1 RETURNING page");
    q.bind(1, database_id);
    q.step();
    return q.int_col(0);
}

namespace {
DbLogRec sys_begin(const std::string &xact, int64_t num, const std::string &name) {
    DbLogRec b;
    b.operation = "LOP_BEGIN_XACT";
    b.context = "LCX_NULL";
    b.xact = xact;
    b.begin_of_xact = true;
    b.xact_name = name;
    b.begin_time = dblog_time_now();
    b.xact_num = num;
    b.parent_xact = "@";
    return b;
}
DbLogRec sys_commit(const std::string &xact) {
    DbLogRec c;
    c.operation = "LOP_COMMIT_XACT";
    c.context = "LCX_NULL";
    c.xact = xact;
    c.end_of_xact = true;
    c.end_time = dblog_time_now();
    return c;
}
// PFS byte of a page: logged against the allocation unit that gets (or gives back) the page.
DbLogRec pfs_change(const std::string &xact, int64_t page, bool alloc, int64_t au) {
    DbLogRec p;
    p.operation = "LOP_MODIFY_ROW";
    p.context = "LCX_PFS";
    p.xact = xact;
    p.alloc_unit_id = au;
    p.page = page_string(1);
    p.slot = 0;
    p.offset_in_row = static_cast<int>(page % 8088);
    p.modify_size = 1;
    p.elements = {std::string(1, '\0'), std::string(1, alloc ? '\x40' : '\0')};
    p.description = (alloc ? "Allocated " : "Deallocated ") + page_string(page);
    return p;
}
} // namespace

// Where a record of `len` bytes goes on the table's in-row unit. A page holds 8096 bytes of
// records and slot entries; a full page gets a successor in a system transaction: SplitPage on
// a B-tree (the last quarter of the old page's rows move to the new page, each logged as an
// insert there), AllocPages on a heap; the very first page comes with AllocFirstPage.
std::pair<std::string, int> PhysXact::place(int database_id, TableInfo &t, size_t len) {
    const int index_id = t.base ? t.base->index_id : 0;
    const int oid = t.meta.object_id;
    int64_t page = 0, used = 0, slots = 0;
    bool have = false;
    {
        Stmt q(db_, "SELECT page, used, slots FROM \"$phys_pages\" WHERE database_id = ? AND "
                    "object_id = ? AND index_id = ? AND au_type = 1");
        q.bind(1, database_id).bind(2, oid).bind(3, index_id);
        if (q.step()) {
            have = true;
            page = q.int_col(0);
            used = q.int_col(1);
            slots = q.int_col(2);
        }
    }
    const int64_t hobt = hobt_id(oid, index_id);
    const std::string ctx = t.heap ? "LCX_HEAP" : "LCX_CLUSTERED";
    auto save = [&](int64_t pages_delta) {
        Stmt up(db_, "INSERT INTO \"$phys_pages\" VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7) ON "
                     "CONFLICT(database_id, object_id, index_id, au_type) DO UPDATE SET page = "
                     "?4, used = ?5, slots = ?6, pages = pages + ?7");
        up.bind(1, database_id).bind(2, oid).bind(3, index_id).bind(4, page).bind(5, used);
        up.bind(6, slots).bind(7, pages_delta);
        up.step();
    };
    auto format = [&](const std::string &x, int64_t pg) {
        DbLogRec f;
        f.operation = "LOP_FORMAT_PAGE";
        f.context = ctx;
        f.xact = x;
        f.alloc_unit_id = hobt;
        f.partition_id = hobt;
        f.page = page_string(pg);
        f.elements = {std::string(96, '\0')}; // the page header
        f.elements[0][1] = t.heap ? 1 : 1;    // page type 1: data page
        return f;
    };
    if (!have) {
        int64_t num = hooks_.next_xact_num();
        std::string x = xact_string(num);
        page = new_page(database_id);
        recs_.push_back(sys_begin(x, num, "AllocFirstPage"));
        recs_.push_back(pfs_change(x, page, true, hobt));
        DbLogRec iam = format(x, new_page(database_id));
        iam.context = "LCX_IAM";
        recs_.push_back(iam);
        recs_.push_back(format(x, page));
        recs_.push_back(sys_commit(x));
        used = slots = 0;
        save(2);
    } else if (used + static_cast<int64_t>(len) + 2 > 8096) {
        int64_t num = hooks_.next_xact_num();
        std::string x = xact_string(num);
        int64_t old = page;
        page = new_page(database_id);
        used = slots = 0;
        if (t.heap) {
            recs_.push_back(sys_begin(x, num, "AllocPages"));
            recs_.push_back(pfs_change(x, page, true, hobt));
            recs_.push_back(format(x, page));
        } else {
            recs_.push_back(sys_begin(x, num, "SplitPage"));
            recs_.push_back(pfs_change(x, page, true, hobt));
            DbLogRec ds;
            ds.operation = "LOP_DELETE_SPLIT";
            ds.context = "LCX_CLUSTERED";
            ds.xact = x;
            ds.alloc_unit_id = hobt;
            ds.partition_id = hobt;
            ds.page = page_string(old);
            recs_.push_back(ds);
            recs_.push_back(format(x, page));
            // The last quarter of the old page's rows move.
            std::vector<std::pair<int64_t, std::string>> moved;
            {
                Stmt q(db_, "SELECT row_id, record FROM \"$phys_rows\" WHERE database_id = ? AND "
                            "object_id = ? AND page = ? ORDER BY slot");
                q.bind(1, database_id).bind(2, oid).bind(3, old);
                std::vector<std::pair<int64_t, std::string>> all;
                while (q.step())
                    all.push_back({q.int_col(0), q.value_col(1).s});
                size_t keep = all.size() - all.size() / 4;
                moved.assign(all.begin() + static_cast<long>(keep), all.end());
            }
            int first_slot = static_cast<int>(slots);
            Stmt up(db_, "UPDATE \"$phys_rows\" SET page = ?, slot = ? WHERE database_id = ? AND "
                         "object_id = ? AND row_id = ?");
            for (const auto &[rid, rec] : moved) {
                DbLogRec in;
                in.operation = "LOP_INSERT_ROWS";
                in.context = "LCX_CLUSTERED";
                in.xact = x;
                in.alloc_unit_id = hobt;
                in.partition_id = hobt;
                in.page = page_string(page);
                in.slot = static_cast<int>(slots);
                in.elements = {rec};
                recs_.push_back(in);
                up.reset();
                up.bind(1, page).bind(2, slots).bind(3, database_id).bind(4, oid).bind(5, rid);
                up.step();
                used += static_cast<int64_t>(rec.size()) + 2;
                ++slots;
            }
            (void)first_slot;
            // The parent level learns the new page: an index record pointing at it.
            DbLogRec ix;
            ix.operation = "LOP_INSERT_ROWS";
            ix.context = "LCX_INDEX_INTERIOR";
            ix.xact = x;
            ix.alloc_unit_id = hobt;
            ix.partition_id = hobt;
            ix.page = page_string(old);
            ix.slot = 1;
            std::string child(1, '\x06');
            put_le(child, static_cast<uint64_t>(page), 4);
            put_le(child, 1, 2);
            ix.elements = {child};
            recs_.push_back(ix);
        }
        recs_.push_back(sys_commit(x));
        save(1);
    }
    int slot = static_cast<int>(slots);
    used += static_cast<int64_t>(len) + 2;
    ++slots;
    save(0);
    return {page_string(page), slot};
}

std::string PhysXact::key_record(TableInfo &t, const std::vector<Value> &v, int64_t uniq) {
    std::vector<std::pair<SqlType, Value>> fixed, var;
    if (!t.base)
        return {};
    std::vector<const PhysColumn *> keys;
    for (const auto &c : t.base->layout.cols)
        if (c.key_ordinal > 0)
            keys.push_back(&c);
    std::sort(keys.begin(), keys.end(),
              [](auto *a, auto *b) { return a->key_ordinal < b->key_ordinal; });
    for (const auto *c : keys) {
        if (c->is_uniqueifier) {
            var.push_back({SqlType{TypeId::Binary, 4, 0, 0},
                           uniq ? Value::blob(std::string(reinterpret_cast<const char *>(&uniq), 4))
                                : Value::null()});
            continue;
        }
        auto it = t.pos.find(c->column_id);
        Value val = it != t.pos.end() && it->second < v.size() ? v[it->second] : Value::null();
        (fixed_size(c->type) != 0 ? fixed : var).push_back({c->type, val});
    }
    for (auto &p : var) {
        // Variable key parts: the uniquifier is 4 raw bytes, others as the type encodes them.
        if (p.first.id == TypeId::Binary)
            p.first.id = TypeId::VarBinary;
        fixed.push_back(p);
    }
    return encode_index_record(fixed);
}

std::string PhysXact::lock_info(int database_id, TableInfo &t, const std::string &page, int slot,
                                const std::string &key) {
    const int64_t hobt = hobt_id(t.meta.object_id, t.base ? t.base->index_id : 0);
    unsigned pg = 0, file = 0;
    std::sscanf(page.c_str(), "%x:%x", &file, &pg);
    std::string s = "HoBt " + std::to_string(hobt) +
                    ":ACQUIRE_LOCK_IX OBJECT: " + std::to_string(database_id) + ":" +
                    std::to_string(t.meta.object_id) +
                    ":0 ;ACQUIRE_LOCK_IX PAGE: " + std::to_string(database_id) +
                    ":1:" + std::to_string(pg) + " ;ACQUIRE_LOCK_X ";
    if (t.heap) {
        s += "RID: " + std::to_string(database_id) + ":1:" + std::to_string(pg) + ":" +
             std::to_string(slot);
    } else {
        // The key hash is not public: a stand-in of the same shape (12 hex digits).
        char h[16];
        std::snprintf(h, sizeof h, "%012llx",
                      static_cast<unsigned long long>(fnv(key) & 0xFFFFFFFFFFFFULL));
        s += "KEY: " + std::to_string(database_id) + ":" + std::to_string(hobt) + " (" + h + ")";
    }
    return s;
}

std::string PhysXact::encode(int database_id, TableInfo &t, int64_t row_id,
                             const std::vector<Value> &v, const std::string *old_record) {
    const auto &layout = t.base->layout;
    std::vector<ColumnInput> in(layout.cols.size());
    for (size_t i = 0; i < layout.cols.size(); ++i) {
        const auto &c = layout.cols[i];
        if (c.is_uniqueifier) {
            int64_t u = 0;
            if (old_record) {
                auto s = stored_column(layout, *old_record, i);
                if (s && !s->null && s->bytes.size() == 4)
                    std::memcpy(&u, s->bytes.data(), 4);
            } else {
                // How many rows with the same key came before this one.
                std::string where;
                std::vector<Value> binds;
                for (const auto &k : layout.cols)
                    if (k.key_ordinal > 0 && !k.is_uniqueifier) {
                        where += (where.empty() ? "" : " AND ") + qi(k.name) + " IS ?";
                        auto it = t.pos.find(k.column_id);
                        binds.push_back(it != t.pos.end() && it->second < v.size() ? v[it->second]
                                                                                   : Value::null());
                    }
                Stmt q(db_, "SELECT COUNT(*) FROM " + qi(t.meta.sqlite_name) + " WHERE " + where +
                                " AND rowid < ?");
                int k = 1;
                for (const auto &b : binds)
                    q.bind(k++, b);
                q.bind(k, row_id);
                q.step();
                u = q.int_col(0);
            }
            in[i].value = u ? Value::integer(u) : Value::null();
            continue;
        }
        if (c.is_dropped) {
            if (old_record) {
                auto s = stored_column(layout, *old_record, i);
                if (s && !s->null) {
                    in[i].raw = s->bytes;
                    in[i].complex = s->complex;
                }
            }
            continue;
        }
        auto it = t.pos.find(c.column_id);
        if (it != t.pos.end() && it->second < v.size())
            in[i].value = v[it->second];
        if (in[i].value.kind == Value::Kind::Int && c.type.id == TypeId::Bit)
            in[i].value.i = in[i].value.i != 0;
    }
    EncodeOptions opt;
    if (old_record) {
        int n = stored_column_count(*old_record);
        size_t f = static_cast<uint8_t>((*old_record)[2]) | static_cast<uint8_t>((*old_record)[3])
                                                                << 8;
        size_t last = f + 2 + static_cast<size_t>((n + 7) / 8) - 1;
        if (n > 0 && last < old_record->size())
            opt.garbage = static_cast<uint8_t>((*old_record)[last]);
    } else {
        opt.garbage = static_cast<uint8_t>(
            fnv(std::to_string(t.meta.object_id) + ":" + std::to_string(row_id)) >> 24);
    }
    if (t.versioned) {
        opt.version_tag.assign(14, '\0');
        int64_t xsn = row_id;
        std::memcpy(&opt.version_tag[8], &xsn, 6);
    }
    OffRow off;
    off.store = [&](int kind, bool textptr, const std::string &data) {
        const int au_type = kind == 1 ? 2 : 3;
        const int index_id = t.base->index_id;
        const int64_t hobt = hobt_id(t.meta.object_id, index_id);
        const uint64_t blob_id = fnv(data, fnv(std::to_string(row_id)));
        std::string ptr;
        std::vector<std::tuple<uint32_t, int64_t, int>> links;
        for (size_t at = 0; at < data.size() || at == 0; at += 8000) {
            std::string frag = data.substr(at, 8000);
            std::string rec(1, '\x08');
            rec.push_back('\0');
            put_le(rec, 14 + frag.size(), 2);
            put_le(rec, blob_id, 8);
            put_le(rec, 3, 2);
            rec += frag;
            int64_t page = new_page(database_id);
            {
                Stmt up(db_, "INSERT INTO \"$phys_pages\" VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, 1) ON "
                             "CONFLICT(database_id, object_id, index_id, au_type) DO UPDATE SET "
                             "page = ?5, pages = pages + 1");
                up.bind(1, database_id).bind(2, t.meta.object_id).bind(3, index_id);
                up.bind(4, au_type).bind(5, page);
                up.step();
            }
            DbLogRec r;
            r.operation = "LOP_INSERT_ROWS";
            r.context = "LCX_TEXT_MIX";
            r.alloc_unit_id = alloc_unit_id(hobt, au_type);
            r.partition_id = hobt;
            r.page = page_string(page);
            r.slot = 0;
            r.elements = {rec};
            r.work = true;
            recs_.push_back(r);
            links.push_back({static_cast<uint32_t>(at + frag.size()), page, 0});
            if (data.empty())
                break;
        }
        if (textptr) {
            put_le(ptr, blob_id, 8);
            put_le(ptr, static_cast<uint64_t>(std::get<1>(links[0])), 4);
            put_le(ptr, 1, 2);
            put_le(ptr, 0, 2);
            return ptr;
        }
        // An in-row root holds at most five links (24 to 72 bytes); a longer value gets a
        // text-tree node holding the links, and the root one link to it (index level 1).
        char level = 0;
        if (links.size() > 5) {
            std::string node(1, '\x08');
            node.push_back('\0');
            put_le(node, 14 + 12 * links.size(), 2);
            put_le(node, blob_id, 8);
            put_le(node, 2, 2); // internal node
            for (const auto &[end, page, slot] : links) {
                put_le(node, end, 4);
                put_le(node, static_cast<uint64_t>(page), 4);
                put_le(node, 1, 2);
                put_le(node, static_cast<uint64_t>(slot), 2);
            }
            const int64_t page = new_page(database_id);
            DbLogRec r;
            r.operation = "LOP_INSERT_ROWS";
            r.context = "LCX_TEXT_TREE";
            r.alloc_unit_id = alloc_unit_id(hobt, au_type);
            r.partition_id = hobt;
            r.page = page_string(page);
            r.slot = 0;
            r.elements = {node};
            r.work = true;
            recs_.push_back(r);
            links = {{static_cast<uint32_t>(data.size()), page, 0}};
            level = 1;
        }
        ptr.push_back(static_cast<char>(kind)); // 1 LOB root, 2 row-overflow
        ptr.push_back(level);                   // index level
        put_le(ptr, 0, 2);
        put_le(ptr, blob_id & 0xFFFFFFFF, 4); // timestamp
        put_le(ptr, 0, 4);
        for (const auto &[end, page, slot] : links) {
            put_le(ptr, end, 4);
            put_le(ptr, static_cast<uint64_t>(page), 4);
            put_le(ptr, 1, 2);
            put_le(ptr, static_cast<uint64_t>(slot), 2);
        }
        return ptr;
    };
    opt.off_row = &off;
    return encode_record(layout, in, opt);
}

void PhysXact::nc_records(int database_id, TableInfo &t, int64_t row_id,
                          const std::vector<Value> &v, bool insert, const std::string &page,
                          int slot) {
    (void)database_id;
    for (const auto &p : t.nc) {
        std::vector<std::pair<SqlType, Value>> parts;
        for (const auto &c : p.layout.cols) {
            if (c.name == "RID" && c.column_id == 0 && !c.is_uniqueifier) {
                unsigned pg = 0, file = 0;
                std::sscanf(page.c_str(), "%x:%x", &file, &pg);
                std::string rid;
                put_le(rid, pg, 4);
                put_le(rid, file, 2);
                put_le(rid, static_cast<uint64_t>(slot), 2);
                parts.push_back({c.type, Value::blob(rid)});
                continue;
            }
            if (c.is_uniqueifier) {
                parts.push_back({SqlType{TypeId::VarBinary, 4, 0, 0}, Value::null()});
                continue;
            }
            auto it = t.pos.find(c.column_id);
            parts.push_back({c.type, it != t.pos.end() && it->second < v.size() ? v[it->second]
                                                                                : Value::null()});
        }
        DbLogRec r;
        r.operation = insert ? "LOP_INSERT_ROWS" : "LOP_DELETE_ROWS";
        r.context = insert ? "LCX_INDEX_LEAF" : "LCX_MARK_AS_GHOST";
        r.alloc_unit_id = p.partition_id;
        r.partition_id = p.partition_id;
        // Nonclustered leaf rows sit at a place derived from the row (stable per row).
        r.page = page_string(0x4000 + p.index_id * 0x1000 + (row_id / 200));
        r.slot = static_cast<int>(row_id % 200);
        r.elements = {encode_index_record(parts)};
        r.work = true;
        recs_.push_back(r);
        if (!insert) {
            DbLogRec g = r;
            ghosts_.push_back(g);
        }
    }
}

void PhysXact::row_insert(int database_id, TableInfo &t, int64_t row_id,
                          const std::vector<Value> &v) {
    std::string rec = encode(database_id, t, row_id, v, nullptr);
    auto [page, slot] = place(database_id, t, rec.size());
    DbLogRec r;
    r.operation = "LOP_INSERT_ROWS";
    r.context = t.heap ? "LCX_HEAP" : "LCX_CLUSTERED";
    r.alloc_unit_id = t.base->partition_id;
    r.partition_id = t.base->partition_id;
    r.page = page;
    r.slot = slot;
    r.elements = {rec};
    r.work = true;
    r.lock_info = lock_info(database_id, t, page, slot, key_record(t, v, 0));
    recs_.push_back(r);
    unsigned pg = 0, file = 0;
    std::sscanf(page.c_str(), "%x:%x", &file, &pg);
    Stmt ins(db_, "INSERT OR REPLACE INTO \"$phys_rows\" VALUES (?, ?, ?, ?, ?, ?)");
    ins.bind(1, database_id).bind(2, t.meta.object_id).bind(3, row_id).bind(4, pg).bind(5, slot);
    ins.bind(6, Value::blob(rec));
    ins.step();
    nc_records(database_id, t, row_id, v, true, page, slot);
}

// The record, page and slot a row has on its page (for a row from before the physical log
// existed: its record as it would be).
void PhysXact::stored_record(int database_id, TableInfo &t, int64_t row_id,
                             const std::vector<Value> &v, std::string &rec, std::string &page,
                             int &slot) {
    Stmt q(db_, "SELECT page, slot, record FROM \"$phys_rows\" WHERE database_id = ? AND "
                "object_id = ? AND row_id = ?");
    q.bind(1, database_id).bind(2, t.meta.object_id).bind(3, row_id);
    if (q.step()) {
        page = page_string(q.int_col(0));
        slot = static_cast<int>(q.int_col(1));
        rec = q.value_col(2).s;
    }
    if (rec.empty()) {
        rec = encode(database_id, t, row_id, v, nullptr);
        page = page_string(0x3000 + row_id / 100);
        slot = static_cast<int>(row_id % 100);
    }
}

void PhysXact::row_delete(int database_id, TableInfo &t, int64_t row_id,
                          const std::vector<Value> &v) {
    std::string rec, page;
    int slot = 0;
    stored_record(database_id, t, row_id, v, rec, page, slot);
    DbLogRec r;
    r.operation = "LOP_DELETE_ROWS";
    r.context = t.heap ? "LCX_HEAP" : "LCX_MARK_AS_GHOST";
    r.alloc_unit_id = t.base->partition_id;
    r.partition_id = t.base->partition_id;
    r.page = page;
    r.slot = slot;
    r.elements = {rec};
    r.work = true;
    r.lock_info = lock_info(database_id, t, page, slot, key_record(t, v, 0));
    recs_.push_back(r);
    if (!t.heap)
        ghosts_.push_back(r);
    Stmt del(db_,
             "DELETE FROM \"$phys_rows\" WHERE database_id = ? AND object_id = ? AND row_id = ?");
    del.bind(1, database_id).bind(2, t.meta.object_id).bind(3, row_id);
    del.step();
    nc_records(database_id, t, row_id, v, false, page, slot);
}

// Byte ranges that differ between two records of the same length, with runs of at most
// kGap equal bytes between differences merged into one range.
constexpr size_t kGap = 8;

void PhysXact::row_update(int database_id, TableInfo &t, int64_t row_id,
                          const std::vector<Value> &b, const std::vector<Value> &a) {
    // Clustered key change: delete + insert (deferred update).
    bool key_changed = false;
    if (!t.heap)
        for (const auto &c : t.base->layout.cols)
            if (c.key_ordinal > 0 && !c.is_uniqueifier) {
                auto it = t.pos.find(c.column_id);
                if (it == t.pos.end())
                    continue;
                const Value &x = it->second < b.size() ? b[it->second] : Value{};
                const Value &y = it->second < a.size() ? a[it->second] : Value{};
                if (x.kind != y.kind || x.i != y.i || x.d != y.d || x.s != y.s)
                    key_changed = true;
            }
    if (key_changed) {
        row_delete(database_id, t, row_id, b);
        row_insert(database_id, t, row_id, a);
        return;
    }
    std::string old, page;
    int slot = 0;
    stored_record(database_id, t, row_id, b, old, page, slot);
    std::string rec = encode(database_id, t, row_id, a, &old);
    // Unchanged off-row values keep their pointers: re-encoding wrote new LOB records only
    // for changed values, so drop LOB records of values that did not change... simpler rule:
    // off-row values are rewritten on every update (documented).
    if (rec == old)
        return;
    const std::string key = key_record(t, a, 0);
    DbLogRec r;
    r.context = t.heap ? "LCX_HEAP" : "LCX_CLUSTERED";
    r.alloc_unit_id = t.base->partition_id;
    r.partition_id = t.base->partition_id;
    r.page = page;
    r.slot = slot;
    r.work = true;
    r.lock_info = lock_info(database_id, t, page, slot, key);
    if (rec.size() != old.size()) {
        size_t i = 0;
        while (i < old.size() && i < rec.size() && old[i] == rec[i])
            ++i;
        r.operation = "LOP_MODIFY_ROW";
        r.offset_in_row = static_cast<int>(i);
        r.modify_size = static_cast<int>(old.size() - i);
        r.elements = {old.substr(i), rec.substr(i)};
        if (!t.heap)
            r.elements.push_back(key);
    } else {
        std::vector<std::pair<size_t, size_t>> ranges; // [start, end)
        for (size_t i = 0; i < old.size(); ++i) {
            if (old[i] == rec[i])
                continue;
            if (!ranges.empty() && i - ranges.back().second <= kGap)
                ranges.back().second = i + 1;
            else
                ranges.push_back({i, i + 1});
        }
        if (ranges.size() == 1) {
            auto [s, e] = ranges[0];
            r.operation = "LOP_MODIFY_ROW";
            r.offset_in_row = static_cast<int>(s);
            r.modify_size = static_cast<int>(e - s);
            r.elements = {old.substr(s, e - s), rec.substr(s, e - s)};
            if (!t.heap)
                r.elements.push_back(key);
        } else {
            // RC0: per range its offset in the record before and after the update (uint16
            // each; equal here: same-length updates only); RC1: uint16 lengths; RC2: the key
            // (B-tree) or empty; RC3: uint16 range count + 2 zero bytes; then old, new value per
            // range.
            std::string offs, lens, cnt;
            for (auto [s, e] : ranges) {
                put_le(offs, s, 2);
                put_le(offs, s, 2);
                put_le(lens, e - s, 2);
            }
            put_le(cnt, ranges.size(), 2);
            put_le(cnt, 0, 2);
            r.operation = "LOP_MODIFY_COLUMNS";
            r.offset_in_row = static_cast<int>(ranges.front().first);
            r.modify_size = static_cast<int>(ranges.back().second - ranges.front().first);
            r.elements = {offs, lens, t.heap ? std::string() : key, cnt};
            for (auto [s, e] : ranges) {
                r.elements.push_back(old.substr(s, e - s));
                r.elements.push_back(rec.substr(s, e - s));
            }
        }
    }
    recs_.push_back(r);
    unsigned pg = 0, file = 0;
    std::sscanf(page.c_str(), "%x:%x", &file, &pg);
    Stmt ins(db_, "INSERT OR REPLACE INTO \"$phys_rows\" VALUES (?, ?, ?, ?, ?, ?)");
    ins.bind(1, database_id).bind(2, t.meta.object_id).bind(3, row_id).bind(4, pg).bind(5, slot);
    ins.bind(6, Value::blob(rec));
    ins.step();
    // Nonclustered rows whose columns changed move: delete the old leaf row, insert the new.
    for (const auto &p : t.nc) {
        bool changed = false;
        for (const auto &c : p.layout.cols) {
            auto it = t.pos.find(c.column_id);
            if (c.column_id == 0 || it == t.pos.end())
                continue;
            const Value &x = it->second < b.size() ? b[it->second] : Value{};
            const Value &y = it->second < a.size() ? a[it->second] : Value{};
            changed = changed || x.kind != y.kind || x.i != y.i || x.d != y.d || x.s != y.s;
        }
        if (!changed)
            continue;
        TableInfo one = t;
        one.nc = {p};
        nc_records(database_id, one, row_id, b, false, page, slot);
        nc_records(database_id, one, row_id, a, true, page, slot);
    }
}

std::string PhysXact::capture(int database_id, int64_t xact_id, const std::string &after_lsn) {
    (void)database_id;
    std::string last = after_lsn;
    Stmt q(db_, "SELECT lsn, database_id, operation, object_id, row_before, row_after, row_id "
                "FROM \"$log\" WHERE lsn > ? AND xact_id = ? ORDER BY lsn");
    q.bind(1, Value::blob(after_lsn)).bind(2, xact_id);
    struct L {
        int db, oid;
        std::string op;
        std::vector<Value> b, a;
        int64_t rid;
    };
    std::vector<L> ls;
    while (q.step()) {
        last = q.value_col(0).s;
        L l;
        l.db = static_cast<int>(q.int_col(1));
        l.op = q.text_col(2);
        l.oid = static_cast<int>(q.int_col(3));
        Value b = q.value_col(4), a = q.value_col(5);
        if (!b.is_null())
            l.b = decode_row(b.s);
        if (!a.is_null())
            l.a = decode_row(a.s);
        l.rid = q.int_col(6);
        ls.push_back(std::move(l));
    }
    for (const auto &l : ls) {
        if (first_verb_.empty())
            first_verb_ = l.op == "LOP_INSERT_ROWS"   ? "INSERT"
                          : l.op == "LOP_DELETE_ROWS" ? "DELETE"
                                                      : "UPDATE";
        auto &t = table(l.db, l.oid);
        if (!t.base)
            continue;
        if (!locked_.count({l.db, l.oid})) {
            locked_.insert({l.db, l.oid});
            DbLogRec lk;
            lk.operation = "LOP_LOCK_XACT";
            lk.context = "LCX_NULL";
            lk.lock_info = "HoBt 0:ACQUIRE_LOCK_IX OBJECT: " + std::to_string(l.db) + ":" +
                           std::to_string(l.oid) + ":0";
            recs_.push_back(lk);
        }
        if (l.op == "LOP_INSERT_ROWS")
            row_insert(l.db, t, l.rid, l.a);
        else if (l.op == "LOP_DELETE_ROWS")
            row_delete(l.db, t, l.rid, l.b);
        else
            row_update(l.db, t, l.rid, l.b, l.a);
    }
    return last;
}

void PhysXact::compensate(size_t from) {
    std::vector<DbLogRec> clrs;
    for (size_t i = recs_.size(); i-- > from;) {
        const auto &w = recs_[i];
        if (!w.work)
            continue;
        DbLogRec c = w;
        c.work = false;
        c.clr = true;
        c.description = "COMPENSATION";
        if (w.operation == "LOP_INSERT_ROWS") {
            c.operation = "LOP_DELETE_ROWS";
            c.context = w.context == "LCX_CLUSTERED" ? "LCX_MARK_AS_GHOST" : w.context;
        } else if (w.operation == "LOP_DELETE_ROWS") {
            c.operation = "LOP_INSERT_ROWS";
            c.context =
                w.context == "LCX_MARK_AS_GHOST"
                    ? (w.alloc_unit_id == w.partition_id && w.lock_info.empty() ? "LCX_INDEX_LEAF"
                                                                                : "LCX_CLUSTERED")
                    : w.context;
        } else if (w.operation == "LOP_MODIFY_ROW") {
            // Redo-only: nothing to undo, the restored bytes to write.
            c.elements[0] = std::string();
            c.elements[1] = w.elements[0];
            c.modify_size = static_cast<int>(w.elements[1].size());
        } else if (w.operation == "LOP_MODIFY_COLUMNS") {
            for (size_t k = 4; k + 1 < c.elements.size(); k += 2)
                std::swap(c.elements[k], c.elements[k + 1]);
        }
        clrs.push_back(std::move(c));
    }
    for (auto &c : clrs)
        recs_.push_back(std::move(c));
    // Rows the undo re-inserts are not ghosts any more.
    if (from == 0)
        ghosts_.clear();
}

namespace {
// A system table's allocation unit (sys.<table>.clst) and a small row for it.
struct SysAu {
    const char *name;
    int64_t id;
};
const SysAu kSchObjs{"sys.sysschobjs.clst", 2228224}, kColPars{"sys.syscolpars.clst", 2686976},
    kRowsets{"sys.sysrowsets.clst", 327680}, kAllocUnits{"sys.sysallocunits.clst", 458752};

std::string sys_row(int object_id, int id2, const std::string &name) {
    auto col = [](int id, const char *n, SqlType t) {
        PhysColumn c;
        c.column_id = id;
        c.name = n;
        c.type = t;
        c.nullable = false;
        return c;
    };
    auto val = [](Value v) {
        ColumnInput i;
        i.value = std::move(v);
        return i;
    };
    RecordLayout l = make_layout({col(1, "id", SqlType{TypeId::Int, 0, 0, 0}),
                                  col(2, "number", SqlType{TypeId::Int, 0, 0, 0}),
                                  col(3, "name", SqlType{TypeId::NVarChar, 128, 0, 0})});
    return encode_record(
        l, {val(Value::integer(object_id)), val(Value::integer(id2)), val(Value::text(name))});
}
} // namespace

void PhysXact::note_ddl(int database_id, const std::string &verb, int object_id,
                        const std::string &object_name, int columns) {
    (void)database_id;
    if (first_verb_.empty())
        first_verb_ = verb;
    const bool drop = verb == "DROPOBJ";
    const std::string op = drop ? "LOP_DELETE_ROWS" : "LOP_INSERT_ROWS";
    const std::string ctx = drop ? "LCX_MARK_AS_GHOST" : "LCX_CLUSTERED";
    DbLogRec lk;
    lk.operation = "LOP_LOCK_XACT";
    lk.context = "LCX_NULL";
    lk.lock_info = "ACQUIRE_LOCK_SCH_M OBJECT: " + std::to_string(database_id) + ":" +
                   std::to_string(object_id) + ":0";
    recs_.push_back(lk);
    auto add = [&](const SysAu &au, const std::string &row, int slot, bool modify = false) {
        DbLogRec r;
        r.operation = modify ? "LOP_MODIFY_ROW" : op;
        r.context = modify ? "LCX_CLUSTERED" : ctx;
        r.alloc_unit_id = au.id;
        r.partition_id = au.id;
        r.page = page_string(0x20 + (au.id >> 16));
        r.slot = slot;
        if (modify) {
            r.offset_in_row = 4;
            r.modify_size = 4;
            r.elements = {row.substr(4, 4), row.substr(4, 4), row.substr(0, 9)};
        } else {
            r.elements = {row};
        }
        recs_.push_back(r);
    };
    if (verb == "CREATE TABLE" || verb == "DROPOBJ") {
        add(kSchObjs, sys_row(object_id, 0, object_name), object_id % 50);
        for (int c = 1; c <= columns; ++c)
            add(kColPars, sys_row(object_id, c, object_name), (object_id + c) % 50);
        add(kRowsets, sys_row(object_id, 1, object_name), object_id % 40);
        add(kAllocUnits, sys_row(object_id, 1, object_name), object_id % 40);
    } else if (verb == "ALTER TABLE") {
        add(kSchObjs, sys_row(object_id, 0, object_name), object_id % 50, true);
        for (int c = 1; c <= columns; ++c)
            add(kColPars, sys_row(object_id, c, object_name), (object_id + c) % 50);
    } else { // CREATE INDEX
        add(kRowsets, sys_row(object_id, 2, object_name), object_id % 40);
        add(kAllocUnits, sys_row(object_id, 2, object_name), object_id % 40);
    }
}

std::string PhysXact::flush(const Header &h, bool commit) {
    Writer w(db_);
    const std::string user = xact_string(h.xact_num);
    const std::string begin_lsn = lsn_string(h.begin_lsn.empty() ? hooks_.next_lsn() : h.begin_lsn);
    std::map<std::string, std::string> last;   // xact -> its previous record's LSN
    std::map<std::string, std::string> begins; // xact -> its BEGIN LSN
    DbLogRec b;
    b.operation = "LOP_BEGIN_XACT";
    b.context = "LCX_NULL";
    b.begin_of_xact = true;
    b.xact_name = h.name;
    b.begin_time = h.begin_time;
    b.spid = h.spid;
    w.write(h.database_id, begin_lsn, user, {}, h.xact_num, b, {}, h.sid);
    last[user] = begins[user] = begin_lsn;
    for (auto &r : recs_) {
        const std::string x = r.xact.empty() ? user : r.xact;
        const std::string lsn = lsn_string(hooks_.next_lsn());
        if (r.begin_of_xact) {
            begins[x] = lsn;
            if (r.parent_xact == "@")
                r.parent_xact = user;
            r.spid = h.spid;
        }
        w.write(h.database_id, lsn, x, last[x], r.begin_of_xact ? r.xact_num : h.xact_num, r,
                begins[x], {});
        last[x] = lsn;
    }
    DbLogRec e;
    e.operation = commit ? "LOP_COMMIT_XACT" : "LOP_ABORT_XACT";
    e.context = "LCX_NULL";
    e.end_of_xact = true;
    e.end_time = dblog_time_now();
    const std::string end_bin = hooks_.next_lsn();
    const std::string end_lsn = lsn_string(end_bin);
    w.write(h.database_id, end_lsn, user, last[user], h.xact_num, e, begin_lsn, {});
    int64_t written = static_cast<int64_t>(recs_.size()) + 2;
    // Ghost cleanup removes the ghosted rows of committed deletes, in its own transaction.
    if (commit && !ghosts_.empty()) {
        int64_t num = hooks_.next_xact_num();
        std::string x = xact_string(num);
        DbLogRec gb = sys_begin(x, num, "GhostCleanupTask");
        gb.parent_xact.clear();
        std::string prev = lsn_string(hooks_.next_lsn());
        w.write(h.database_id, prev, x, {}, num, gb, {}, {});
        std::string gbegin = prev;
        for (const auto &g : ghosts_) {
            DbLogRec ex;
            ex.operation = "LOP_EXPUNGE_ROWS";
            ex.context = g.context == "LCX_MARK_AS_GHOST" && g.lock_info.empty() ? "LCX_INDEX_LEAF"
                                                                                 : "LCX_CLUSTERED";
            ex.alloc_unit_id = g.alloc_unit_id;
            ex.partition_id = g.partition_id;
            ex.page = g.page;
            ex.slot = g.slot;
            ex.elements = {g.elements.empty() ? std::string() : g.elements[0]};
            std::string lsn = lsn_string(hooks_.next_lsn());
            w.write(h.database_id, lsn, x, prev, num, ex, gbegin, {});
            prev = lsn;
        }
        DbLogRec gc = sys_commit(x);
        std::string lsn = lsn_string(hooks_.next_lsn());
        w.write(h.database_id, lsn, x, prev, num, gc, gbegin, {});
        written += static_cast<int64_t>(ghosts_.size()) + 2;
    }
    clear();
    // Automatic checkpoints: one every 10,000 records of a database (the recovery interval's
    // stand-in, deterministic given the workload).
    {
        Stmt up(db_, "INSERT INTO \"$logstate\"(database_id, since_ckpt) VALUES (?1, ?2) ON "
                     "CONFLICT(database_id) DO UPDATE SET since_ckpt = since_ckpt + ?2 RETURNING "
                     "since_ckpt");
        up.bind(1, h.database_id).bind(2, written);
        up.step();
        if (up.int_col(0) >= 10000) {
            up.reset();
            dblog_checkpoint(db_, hooks_, h.database_id);
        }
    }
    return end_bin;
}

void PhysXact::clear() {
    recs_.clear();
    ghosts_.clear();
    tables_.clear();
    locked_.clear();
    first_verb_.clear();
}

// ---- checkpoints, truncation, backups ------------------------------------------------------

std::string dblog_checkpoint(sqlite3 *db, const PhysHooks &hooks, int database_id,
                             const std::string &oldest_active) {
    Writer w(db);
    const std::string none = "0000:00000000";
    std::string begin = lsn_string(hooks.next_lsn());
    DbLogRec b;
    b.operation = "LOP_BEGIN_CKPT";
    b.context = "LCX_NULL";
    b.ckpt_begin = dblog_time_now();
    w.write(database_id, begin, none, {}, 0, b, {}, {});
    DbLogRec x;
    x.operation = "LOP_XACT_CKPT";
    x.context = "LCX_NULL";
    std::string xl = lsn_string(hooks.next_lsn());
    w.write(database_id, xl, none, begin, 0, x, {}, {});
    DbLogRec e;
    e.operation = "LOP_END_CKPT";
    e.context = "LCX_NULL";
    e.ckpt_begin = b.ckpt_begin;
    e.ckpt_end = dblog_time_now();
    e.min_lsn_here = true;
    e.dirty_pages = 0;
    std::string min = oldest_active.empty() ? begin : std::min(begin, oldest_active);
    w.write(database_id, lsn_string(hooks.next_lsn()), none, xl, 0, e, min, {});
    state_set(db, database_id, "since_ckpt", Value::integer(0));
    // SIMPLE, and FULL / BULK_LOGGED before the first full backup, truncate at checkpoint.
    Stmt q(db, "SELECT recovery_model, has_full_backup FROM \"$databases\" WHERE database_id = ?");
    q.bind(1, database_id);
    if (!q.step())
        return begin;
    if (q.int_col(0) == 3 || q.int_col(1) == 0)
        truncate_before(db, database_id, truncation_point(db, database_id, begin, oldest_active));
    return begin;
}

std::pair<std::string, std::string> dblog_backup_log(sqlite3 *db, const PhysHooks &hooks,
                                                     int database_id, const std::string &path) {
    const std::string from = state_text(db, database_id, "last_backup_lsn");
    std::string first, last;
    sqlite3 *out = nullptr;
    if (sqlite3_open_v2(path.c_str(), &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
        sqlite3_close(out);
        throw std::runtime_error("cannot open " + path);
    }
    struct Close {
        sqlite3 *d;
        ~Close() { sqlite3_close(d); }
    } close{out};
    exec(out, "DROP TABLE IF EXISTS \"$dblog\"");
    exec(out, kTables);
    exec(out, "BEGIN");
    {
        // msdb.dbo.backupset: first_lsn is the oldest record in the backup, last_lsn "the next
        // log record after the backup set" (exclusive); a log backup starts where the previous
        // one ended, so consecutive backups meet.
        Stmt q(db, "SELECT * FROM \"$dblog\" WHERE database_id = ? AND lsn >= ? ORDER BY lsn");
        q.bind(1, database_id).bind(2, from);
        const int n = sqlite3_column_count(q.get());
        std::string marks;
        for (int i = 0; i < n; ++i)
            marks += i ? ", ?" : "?";
        Stmt ins(out, "INSERT INTO \"$dblog\" VALUES (" + marks + ")");
        while (q.step()) {
            ins.reset();
            for (int i = 0; i < n; ++i)
                ins.bind(i + 1, q.value_col(i));
            ins.step();
            if (first.empty())
                first = q.text_col(1);
        }
    }
    exec(out, "COMMIT");
    // The log goes on with a checkpoint: its first record is "the next log record after the
    // backup set", last_lsn.
    last = dblog_checkpoint(db, hooks, database_id);
    if (!from.empty())
        first = from;
    else if (first.empty())
        first = last;
    state_set(db, database_id, "last_backup_lsn", Value::text(last));
    std::string point = truncation_point(db, database_id, last, {});
    truncate_before(db, database_id, point);
    return {first, last};
}

void dblog_set_versioning(sqlite3 *db, int database_id, const std::string &option, bool on) {
    // Bit 1: READ_COMMITTED_SNAPSHOT, bit 2: ALLOW_SNAPSHOT_ISOLATION.
    int bit = option == "READ_COMMITTED_SNAPSHOT" ? 1 : 2;
    int64_t v = state_int(db, database_id, "versioning");
    v = on ? (v | bit) : (v & ~bit);
    state_set(db, database_id, "versioning", Value::integer(v));
}

std::string log_reuse_wait_sql(const std::string &d) {
    const std::string repl = d +
                             ".is_cdc_enabled = 1 AND EXISTS (SELECT 1 FROM \"$log\" l WHERE "
                             "l.database_id = " +
                             d +
                             ".database_id AND l.operation = 'LOP_COMMIT_XACT' AND l.lsn > "
                             "coalesce((SELECT last_lsn FROM \"$cdc_state\" c WHERE "
                             "c.database_id = " +
                             d + ".database_id), x''))";
    const std::string backup = d + ".recovery_model <> 3 AND " + d + ".has_full_backup = 1";
    return "CASE WHEN " + repl + " THEN 6 WHEN " + backup +
           " THEN 2 ELSE 0 END AS log_reuse_wait, "
           "CASE WHEN " +
           repl + " THEN 'REPLICATION' WHEN " + backup +
           " THEN 'LOG_BACKUP' ELSE 'NOTHING' END AS log_reuse_wait_desc";
}

// ---- fn_dblog's columns ---------------------------------------------------------------------

const std::vector<DbLogColumn> &dblog_columns() {
    static const std::vector<DbLogColumn> cols = [] {
        auto T = [](TypeId id, int32_t len = 0) { return SqlType{id, len, 0, 0}; };
        const SqlType nv23 = T(TypeId::NVarChar, 23), nv14 = T(TypeId::NVarChar, 14),
                      i = T(TypeId::Int), si = T(TypeId::SmallInt), bi = T(TypeId::BigInt),
                      vb = T(TypeId::VarBinary, 8000), nv24 = T(TypeId::NVarChar, 24);
        std::vector<DbLogColumn> c = {
            {"Current LSN", nv23, "l.lsn"},
            {"Operation", T(TypeId::NVarChar, 31), "l.operation"},
            {"Context", T(TypeId::NVarChar, 31), "l.context"},
            {"Transaction ID", nv14, "l.xact"},
            {"LogBlockGeneration", i, "0"},
            {"Tag Bits", T(TypeId::Binary, 2), "x'0000'"},
            {"Log Record Fixed Length", si, "l.fixed_len"},
            {"Log Record Length", si, "l.rec_len"},
            {"Previous LSN", nv23, "l.prev_lsn"},
            {"Flag Bits", T(TypeId::Binary, 2),
             "CASE WHEN l.flag_bits = 0 THEN x'0000' ELSE x'0200' END"},
            {"Log Reserve", i, "l.log_reserve"},
            {"AllocUnitId", bi, "l.alloc_unit_id"},
            {"AllocUnitName", T(TypeId::NVarChar, 387),
             "sim_alloc_unit_name(l.database_id, "
             "l.alloc_unit_id)"},
            {"Page ID", nv14, "l.page"},
            {"Slot ID", i, "l.slot"},
            {"Previous Page LSN", nv23, "CASE WHEN l.page IS NOT NULL THEN l.prev_lsn END"},
            {"PartitionId", bi, "l.partition_id"},
            {"RowFlags", si, "CASE WHEN l.alloc_unit_id IS NOT NULL THEN 0 END"},
            {"Num Elements", si, "l.num_elements"},
            {"Offset in Row", si, "l.offset_in_row"},
            {"Modify Size", si, "l.modify_size"},
            {"Checkpoint Begin", nv24, "l.ckpt_begin"},
            {"CHKPT Begin DB Version", si, "NULL"},
            {"Max XDESID", nv14, "NULL"},
            {"Num Transactions", si, "CASE WHEN l.operation = 'LOP_XACT_CKPT' THEN 0 END"},
            {"Checkpoint End", nv24, "l.ckpt_end"},
            {"CHKPT End DB Version", si, "NULL"},
            {"Minimum LSN", nv23, "l.min_lsn"},
            {"Dirty Pages", i, "l.dirty_pages"},
            {"Oldest Replicated Begin LSN", nv23, "NULL"},
            {"Next Replicated End LSN", nv23, "NULL"},
            {"Last Distributed Backup End LSN", nv23, "NULL"},
            {"Last Distributed End LSN", nv23, "NULL"},
            {"Repl Min Hold LSN", nv23, "NULL"},
            {"Server UID", i, "NULL"},
            {"SPID", i, "l.spid"},
            {"Beginlog Status", T(TypeId::Binary, 4),
             "CASE WHEN l.operation = 'LOP_BEGIN_XACT' THEN x'00000000' END"},
            {"Xact Type", i, "CASE WHEN l.operation = 'LOP_BEGIN_XACT' THEN 1 END"},
            {"Begin Time", nv24, "l.begin_time"},
            {"Transaction Name", T(TypeId::NVarChar, 33), "l.xact_name"},
            {"Transaction SID", T(TypeId::VarBinary, 85), "l.xact_sid"},
            {"Parent Transaction ID", nv14, "l.parent_xact"},
            {"Oldest Active Transaction ID", nv14, "NULL"},
            {"Xact ID", bi, "l.xact_num"},
            {"Xact Node ID", i, "CASE WHEN l.operation = 'LOP_BEGIN_XACT' THEN 0 END"},
            {"Xact Node Local ID", i, "NULL"},
            {"End AGE", bi, "NULL"},
            {"End Time", nv24, "l.end_time"},
            {"Transaction Begin", nv23, "l.xact_begin"},
            {"Replicated Records", bi, "NULL"},
            {"Oldest Active LSN", nv23, "NULL"},
            {"Server Name", T(TypeId::NVarChar, 128), "NULL"},
            {"Database Name", T(TypeId::NVarChar, 128), "NULL"},
            {"Mark Name", T(TypeId::NVarChar, 33), "NULL"},
            {"Repl Partition ID", i, "NULL"},
            {"Repl Epoch", i, "NULL"},
            {"Repl CSN", bi, "NULL"},
            {"Repl Flags", i, "NULL"},
            {"Repl Msg", T(TypeId::VarBinary, 8000), "NULL"},
            {"Repl Source Commit Time", nv24, "NULL"},
            {"Master XDESID", nv14, "NULL"},
            {"Master DBID", i, "NULL"},
            {"Preplog Begin LSN", nv23, "NULL"},
            {"Prepare Time", nv24, "NULL"},
            {"Virtual Clock", bi, "NULL"},
            {"Previous Savepoint", nv23, "NULL"},
            {"Savepoint Name", T(TypeId::NVarChar, 33), "NULL"},
            {"Rowbits First Bit", si, "NULL"},
            {"Rowbits Bit Count", si, "NULL"},
            {"Rowbits Bit Value", T(TypeId::Binary, 1), "NULL"},
            {"Number of Locks", si, "l.num_locks"},
            {"Lock Information", T(TypeId::NVarChar, 256), "l.lock_info"},
            {"LSN before writes", nv23, "NULL"},
            {"Pages Written", si, "NULL"},
            {"Command Type", i, "NULL"},
            {"Publication ID", i, "NULL"},
            {"Article ID", i, "NULL"},
            {"Partial Status", i, "NULL"},
            {"Command", T(TypeId::NVarChar, 26), "NULL"},
            {"Byte Offset", si, "NULL"},
            {"New Value", T(TypeId::Binary, 1), "NULL"},
            {"Old Value", T(TypeId::Binary, 1), "NULL"},
            {"New Split Page", nv14, "NULL"},
            {"Rows Deleted", si, "NULL"},
            {"Bytes Freed", si, "NULL"},
            {"CI Table Id", i, "NULL"},
            {"CI Index Id", si, "NULL"},
            {"NewAllocUnitId", bi, "NULL"},
            {"FileGroup ID", si, "NULL"},
            {"Meta Status", T(TypeId::Binary, 4), "NULL"},
            {"File Status", T(TypeId::Binary, 4), "NULL"},
            {"File ID", si, "NULL"},
            {"Physical Name", T(TypeId::NVarChar, 260), "NULL"},
            {"Logical Name", T(TypeId::NVarChar, 128), "NULL"},
            {"Format LSN", nv23, "NULL"},
            {"RowsetId", bi, "NULL"},
            {"TextPtr", T(TypeId::Binary, 16), "NULL"},
            {"Column Offset", si, "NULL"},
            {"Flags", i, "NULL"},
            {"Text Size", bi, "NULL"},
            {"Offset", bi, "NULL"},
            {"Old Size", bi, "NULL"},
            {"New Size", bi, "NULL"},
            {"Description", T(TypeId::NVarChar, 256), "l.description"},
            {"Bulk allocated extent count", i, "NULL"},
            {"Bulk RowsetId", bi, "NULL"},
            {"Bulk AllocUnitId", bi, "NULL"},
            {"Bulk allocation first IAM Page ID", nv14, "NULL"},
            {"Bulk allocated extent ids", T(TypeId::NVarChar, 4000), "NULL"},
            {"VLFs added", T(TypeId::NVarChar, 4000), "NULL"},
            {"InvalidateCache Id", i, "NULL"},
            {"InvalidateCache keys", T(TypeId::NVarChar, 4000), "NULL"},
            {"CopyVerionInfo Source Page Id", nv14, "NULL"},
            {"CopyVerionInfo Source Page LSN", nv23, "NULL"},
            {"CopyVerionInfo Source Slot Id", i, "NULL"},
            {"CopyVerionInfo Source Slot Count", i, "NULL"},
            {"RowLog Contents 0", vb, "l.rc0"},
            {"RowLog Contents 1", vb, "l.rc1"},
            {"RowLog Contents 2", vb, "l.rc2"},
            {"RowLog Contents 3", vb, "l.rc3"},
            {"RowLog Contents 4", vb, "l.rc4"},
            {"RowLog Contents 5", vb, "l.rc5"},
            {"Compression Log Type", si, "NULL"},
            {"Compression Info", T(TypeId::VarBinary, 8000), "NULL"},
            {"PageFormat PageType", si, "NULL"},
            {"PageFormat PageFlags", si, "NULL"},
            {"PageFormat PageLevel", si, "NULL"},
            {"PageFormat PageStat", si, "NULL"},
            {"PageFormat FormatOption", si, "NULL"},
            {"Log Record", vb, "l.log_record"},
        };
        return c;
    }();
    return cols;
}

std::string dblog_load_dump(sqlite3 *db, const std::string &path) {
    sqlite3 *in = nullptr;
    if (sqlite3_open_v2(path.c_str(), &in, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(in);
        throw std::runtime_error("cannot open " + path);
    }
    struct Close {
        sqlite3 *d;
        ~Close() { sqlite3_close(d); }
    } close{in};
    const std::string name = "$dump";
    exec(db, "DROP TABLE IF EXISTS temp.\"$dump\"");
    exec(db, "CREATE TEMP TABLE \"$dump\" AS SELECT * FROM \"$dblog\" WHERE 0");
    Stmt q(in, "SELECT * FROM \"$dblog\" ORDER BY database_id, lsn");
    const int n = sqlite3_column_count(q.get());
    std::string marks;
    for (int i = 0; i < n; ++i)
        marks += i ? ", ?" : "?";
    Stmt ins(db, "INSERT INTO temp.\"$dump\" VALUES (" + marks + ")");
    while (q.step()) {
        ins.reset();
        for (int i = 0; i < n; ++i)
            ins.bind(i + 1, q.value_col(i));
        ins.step();
    }
    return name;
}

// ---- SQL functions ----------------------------------------------------------------------------

namespace {

void fn_lsn_arg(sqlite3_context *c, int, sqlite3_value **v) {
    const bool end = sqlite3_value_int(v[1]) != 0;
    if (sqlite3_value_type(v[0]) == SQLITE_NULL) {
        const char *s = end ? "ffffffff:ffffffff:ffff" : "";
        sqlite3_result_text(c, s, -1, SQLITE_STATIC);
        return;
    }
    std::string a(reinterpret_cast<const char *>(sqlite3_value_text(v[0])));
    auto p = parse_lsn_arg(a);
    if (!p) {
        sqlite3_result_error(c, "Could not find the LSN in the log (invalid LSN argument).", -1);
        return;
    }
    sqlite3_result_text(c, p->c_str(), -1, SQLITE_TRANSIENT);
}

// AllocUnitName is resolved when the log is read, from the current catalog ("Unknown Alloc
// Unit" once the object or index is gone). Names are cached per connection while the store's
// data version (bumped by every commit, any connection's) stays the same.
struct AuNameCache {
    unsigned version = 0;
    bool valid = false;
    std::map<std::pair<int, int64_t>, std::string> names;
};

void fn_au_name(sqlite3_context *c, int, sqlite3_value **v) {
    if (sqlite3_value_type(v[1]) == SQLITE_NULL) {
        sqlite3_result_null(c);
        return;
    }
    const int64_t au = sqlite3_value_int64(v[1]);
    const int dbid = sqlite3_value_int(v[0]);
    for (const SysAu &s : {kSchObjs, kColPars, kRowsets, kAllocUnits})
        if (s.id == au) {
            sqlite3_result_text(c, s.name, -1, SQLITE_STATIC);
            return;
        }
    if (au < kHobtBase) {
        sqlite3_result_text(c, "Unknown Alloc Unit", -1, SQLITE_STATIC);
        return;
    }
    auto *cache = static_cast<AuNameCache *>(sqlite3_user_data(c));
    sqlite3 *db = sqlite3_context_db_handle(c);
    unsigned version = 0;
    sqlite3_file_control(db, "main", SQLITE_FCNTL_DATA_VERSION, &version);
    if (!cache->valid || version != cache->version) {
        cache->names.clear();
        cache->version = version;
        cache->valid = true;
    }
    auto key = std::make_pair(dbid, au);
    auto it = cache->names.find(key);
    if (it == cache->names.end()) {
        const int64_t rest = (au - kHobtBase) % kAuTypeStep;
        Stmt q(db, "SELECT s.name || '.' || o.name || coalesce('.' || i.name, '') FROM "
                   "\"$indexes\" i JOIN \"$objects\" o ON o.database_id = i.database_id AND "
                   "o.object_id = i.object_id JOIN \"$schemas\" s ON s.database_id = "
                   "o.database_id AND s.schema_id = o.schema_id WHERE i.database_id = ? AND "
                   "i.object_id = ? AND i.index_id = ?");
        q.bind(1, dbid).bind(2, rest / 256).bind(3, rest % 256);
        it = cache->names.emplace(key, q.step() ? q.text_col(0) : "Unknown Alloc Unit").first;
    }
    sqlite3_result_text(c, it->second.c_str(), -1, SQLITE_TRANSIENT);
}

void fn_type_id(sqlite3_context *c, int, sqlite3_value **v) {
    SqlType t{static_cast<TypeId>(sqlite3_value_int(v[0])), 0, 0, 0};
    sqlite3_result_int(c, type_facts(t).system_type_id);
}

SqlType type_of(sqlite3_value **v) {
    return SqlType{static_cast<TypeId>(sqlite3_value_int(v[0])), sqlite3_value_int(v[1]),
                   static_cast<uint8_t>(sqlite3_value_int(v[2])),
                   static_cast<uint8_t>(sqlite3_value_int(v[3]))};
}

void fn_max_length(sqlite3_context *c, int, sqlite3_value **v) {
    sqlite3_result_int(c, type_facts(type_of(v)).max_length);
}

void fn_max_inrow(sqlite3_context *c, int, sqlite3_value **v) {
    SqlType t = type_of(v);
    int f = fixed_size(t);
    int n = f < 0 ? 1 : f > 0 ? f : type_facts(t).max_length;
    if (always_text_pointer(t))
        n = 16;
    else if (n < 0)
        n = 8000;
    sqlite3_result_int(c, n);
}

void fn_has_collation(sqlite3_context *c, int, sqlite3_value **v) {
    SqlType t{static_cast<TypeId>(sqlite3_value_int(v[0])), 0, 0, 0};
    sqlite3_result_int(c, type_facts(t).has_collation ? 1 : 0);
}

void fn_lsn_numeric(sqlite3_context *c, int, sqlite3_value **v) {
    if (sqlite3_value_type(v[0]) == SQLITE_NULL) {
        sqlite3_result_null(c);
        return;
    }
    std::string s = lsn_numeric(reinterpret_cast<const char *>(sqlite3_value_text(v[0])));
    sqlite3_result_text(c, s.c_str(), -1, SQLITE_TRANSIENT);
}

void fn_lsn_bin(sqlite3_context *c, int, sqlite3_value **v) {
    if (sqlite3_value_type(v[0]) == SQLITE_NULL) {
        sqlite3_result_null(c);
        return;
    }
    std::string b = lsn_binary(reinterpret_cast<const char *>(sqlite3_value_text(v[0])));
    sqlite3_result_blob(c, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
}

// Writing transactions in progress (sys.dm_tran_database_transactions), server-wide.
std::mutex g_open_mu;
std::map<int64_t, std::tuple<int, std::string, std::string>> g_open;

std::string json_str(const std::string &s) {
    std::string o = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\')
            o.push_back('\\');
        o.push_back(ch);
    }
    return o + "\"";
}

void fn_open_xacts(sqlite3_context *c, int, sqlite3_value **) {
    std::lock_guard g(g_open_mu);
    std::string j = "[";
    for (const auto &[x, v] : g_open) {
        const auto &[dbid, lsn, time] = v;
        if (j.size() > 1)
            j += ",";
        j += "{\"x\":" + std::to_string(x) + ",\"d\":" + std::to_string(dbid) +
             ",\"l\":" + json_str(lsn_numeric(lsn)) + ",\"t\":" + json_str(time) + "}";
    }
    j += "]";
    sqlite3_result_text(c, j.c_str(), -1, SQLITE_TRANSIENT);
}

} // namespace

void dblog_open_xact(int64_t xact, int database_id, const std::string &begin_lsn10,
                     const std::string &begin_time) {
    std::lock_guard g(g_open_mu);
    g_open[xact] = {database_id, lsn_string(begin_lsn10), begin_time};
}

void dblog_close_xact(int64_t xact) {
    std::lock_guard g(g_open_mu);
    g_open.erase(xact);
}

void register_dblog_functions(sqlite3 *db) {
    sqlite3_create_function(db, "sim_lsn_bin", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                            fn_lsn_bin, nullptr, nullptr);
    sqlite3_create_function(db, "sim_open_xacts", 0, SQLITE_UTF8, nullptr, fn_open_xacts, nullptr,
                            nullptr);
    const int f = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    sqlite3_create_function(db, "sim_dblog_lsn_arg", 2, f, nullptr, fn_lsn_arg, nullptr, nullptr);
    sqlite3_create_function_v2(db, "sim_alloc_unit_name", 2, SQLITE_UTF8, new AuNameCache,
                               fn_au_name, nullptr, nullptr,
                               [](void *p) { delete static_cast<AuNameCache *>(p); });
    sqlite3_create_function(db, "sim_phys_type_id", 1, f, nullptr, fn_type_id, nullptr, nullptr);
    sqlite3_create_function(db, "sim_phys_max_length", 4, f, nullptr, fn_max_length, nullptr,
                            nullptr);
    sqlite3_create_function(db, "sim_phys_max_inrow", 4, f, nullptr, fn_max_inrow, nullptr,
                            nullptr);
    sqlite3_create_function(db, "sim_phys_has_collation", 1, f, nullptr, fn_has_collation, nullptr,
                            nullptr);
    sqlite3_create_function(db, "sim_lsn_numeric", 1, f, nullptr, fn_lsn_numeric, nullptr, nullptr);
}

} // namespace sim::sql
