// log_decode_bench: the reader-side part of bench/log_reader.sh Part 1. It separates what the
// transaction-log reader costs from what the source (here the simulator) costs to serve fn_dblog:
//
//   capture  reads the backlog from a stopped log-mode task's restart point to END with the
//            sidecar's own SQL (LogStream::active_read_sql, read_limit records a read, each read
//            starting at the last LSN of the one before, as read_ahead() does) and keeps the
//            result sets' raw column bytes, doing nothing else with them: the time it takes is
//            the source's fn_dblog serving rate. Writes them, and the task's destination rows
//            (the state at its checkpoint), to FILE.
//   replay   loads FILE into memory, then runs every captured read through the reader's real
//            code: read_log_rows() (the TDS columns into LogRows), LogStream::add_rows() (the
//            transaction assembly: compensation records, aborted and system transactions),
//            LogStream::take() (row decoding, updates completed from the row before), as
//            cdc_reader.cpp's poll does. The destination is a map in memory: updates completed
//            from the destination's row find it there, and each read's changes are applied to it
//            (timed apart). Rows the reader re-reads from the source by key come from memory too:
//            the destination table after the task caught up (equal to the source, whose rows a
//            re-read during the catch-up returns: the backlog was complete). At the end the map
//            is compared with that table: equal means the replay decoded what the end-to-end run
//            applied.
//
// The connections replay opens (the task's tables, the source catalog for the row layouts) are
// set-up only; nothing timed touches a connection. Prints one JSON object per command.
#include "cdc_tables.hpp"
#include "log_rows.hpp"
#include "log_stream.hpp"
#include "pg_connection.hpp"

#include "error.hpp"
#include "lsn.hpp"
#include "pg_quote.hpp"
#include "tds_connection.hpp"

#include <sybdb.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using dts::Lsn;
using dts::changes::Values;
using sidecar::LogChange;
using sidecar::LogStream;

struct Options {
    std::string command, destination, task, db, file, host = "127.0.0.1", user = "sa", password;
    int port = 1433;
    long read_limit = 20000; // the sidecar's --read-limit default
    std::string end;         // capture: read until a read passes this LSN
    std::string from;        // capture: read from this LSN, not the task's restart point
};

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

double cpu_s() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// One captured result set: column descriptions and each row's columns (length -1: NULL).
struct ResultSet {
    std::vector<dts::tds::ColumnDesc> columns;
    std::vector<int32_t> lengths; // rows * columns
    std::vector<size_t> offsets;  // into data, rows * columns
    std::string data;
    size_t rows() const { return columns.empty() ? 0 : lengths.size() / columns.size(); }
};
// One read of the log: its result sets.
using Read = std::vector<ResultSet>;

// A captured read with Connection's result-reading interface, for read_log_rows().
class Replay {
public:
    explicit Replay(const Read &r) : read_(r) {}
    bool next_result() {
        ++set_;
        row_ = static_cast<size_t>(-1);
        return set_ < read_.size();
    }
    int column_count() const { return static_cast<int>(cur().columns.size()); }
    dts::tds::ColumnDesc column(int i) const { return cur().columns[static_cast<size_t>(i - 1)]; }
    bool next_row() { return ++row_ < cur().rows(); }
    const uint8_t *data(int i) const {
        const size_t k = at(i);
        return cur().lengths[k] < 0
                   ? nullptr
                   : reinterpret_cast<const uint8_t *>(cur().data.data() + cur().offsets[k]);
    }
    int length(int i) const { return std::max(0, cur().lengths[at(i)]); }

private:
    const ResultSet &cur() const { return read_[set_]; }
    size_t at(int i) const { return row_ * cur().columns.size() + static_cast<size_t>(i - 1); }
    const Read &read_;
    size_t set_ = static_cast<size_t>(-1), row_ = 0;
};

// ---- the file: reads, then destination rows -------------------------------------------------
void put_u64(std::ostream &o, uint64_t v) {
    o.write(reinterpret_cast<const char *>(&v), sizeof v);
}
uint64_t get_u64(std::istream &i) {
    uint64_t v = 0;
    i.read(reinterpret_cast<char *>(&v), sizeof v);
    if (!i)
        throw std::runtime_error("capture file is truncated");
    return v;
}
void put_str(std::ostream &o, const std::string &s) {
    put_u64(o, s.size());
    o.write(s.data(), static_cast<std::streamsize>(s.size()));
}
std::string get_str(std::istream &i) {
    std::string s(get_u64(i), '\0');
    i.read(s.data(), static_cast<std::streamsize>(s.size()));
    return s;
}
// Destination rows: per table index, apply-column values as text.
using DestRows = std::map<size_t, std::vector<Values>>;

// The task's checkpoints when the capture was taken (the replay starts there).
struct Start {
    Lsn restart, applied;
};

void write_file(const std::string &path, const Start &start, const std::vector<Read> &reads,
                const DestRows &dest) {
    std::ofstream o(path, std::ios::binary);
    put_str(o, start.restart.to_log_string());
    put_str(o, start.applied.to_log_string());
    put_u64(o, reads.size());
    for (const Read &r : reads) {
        put_u64(o, r.size());
        for (const ResultSet &s : r) {
            put_u64(o, s.columns.size());
            for (const auto &c : s.columns) {
                put_u64(o, static_cast<uint64_t>(c.type));
                put_u64(o, static_cast<uint64_t>(c.scale));
            }
            put_u64(o, s.lengths.size());
            o.write(reinterpret_cast<const char *>(s.lengths.data()),
                    static_cast<std::streamsize>(s.lengths.size() * sizeof(int32_t)));
            put_str(o, s.data);
        }
    }
    put_u64(o, dest.size());
    for (const auto &[table, rows] : dest) {
        put_u64(o, table);
        put_u64(o, rows.size());
        for (const Values &v : rows) {
            put_u64(o, v.size());
            for (const auto &x : v) {
                put_u64(o, x ? 1 : 0);
                if (x)
                    put_str(o, *x);
            }
        }
    }
    if (!o)
        throw std::runtime_error("cannot write " + path);
}

void read_file(const std::string &path, Start &start, std::vector<Read> &reads, DestRows &dest) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open " + path);
    start.restart = Lsn::parse(get_str(in)).value_or(Lsn{});
    start.applied = Lsn::parse(get_str(in)).value_or(Lsn{});
    reads.resize(get_u64(in));
    for (Read &r : reads) {
        r.resize(get_u64(in));
        for (ResultSet &s : r) {
            s.columns.resize(get_u64(in));
            for (auto &c : s.columns) {
                c.type = static_cast<int>(get_u64(in));
                c.scale = static_cast<int>(get_u64(in));
            }
            s.lengths.resize(get_u64(in));
            in.read(reinterpret_cast<char *>(s.lengths.data()),
                    static_cast<std::streamsize>(s.lengths.size() * sizeof(int32_t)));
            s.data = get_str(in);
            size_t off = 0;
            s.offsets.resize(s.lengths.size());
            for (size_t k = 0; k < s.lengths.size(); ++k) {
                s.offsets[k] = off;
                off += static_cast<size_t>(std::max(0, s.lengths[k]));
            }
        }
    }
    for (uint64_t n = get_u64(in); n > 0; --n) {
        auto &rows = dest[get_u64(in)];
        rows.resize(get_u64(in));
        for (Values &v : rows) {
            v.resize(get_u64(in));
            for (auto &x : v)
                if (get_u64(in))
                    x = get_str(in);
        }
    }
}

// ---- the task, its tables and the reader ----------------------------------------------------
struct Task {
    sidecar::TaskRef ref;
    Lsn restart, applied;
};

Lsn checkpoint(sidecar::PgConnection &pg, const Task &t, const std::string &db,
               const std::string &stage) {
    auto r = pg.query_rows("SELECT lsn FROM dts.checkpoints WHERE task_id = $1 AND source_db = $2 "
                           "AND stage = $3",
                           {std::to_string(t.ref.id), db, stage});
    auto l = !r.empty() && r[0][0] ? Lsn::parse(*r[0][0]) : std::nullopt;
    if (!l)
        throw std::runtime_error("task " + t.ref.name + " has no " + stage + " checkpoint");
    return *l;
}

Task load_task(sidecar::PgConnection &pg, const Options &o) {
    Task t;
    auto r = pg.query_rows("SELECT task_id FROM dts.tasks WHERE name = $1", {o.task});
    if (r.empty() || !r[0][0])
        throw std::runtime_error("no task " + o.task);
    t.ref = {std::stoll(*r[0][0]), o.task};
    t.restart = checkpoint(pg, t, o.db, "log_restart");
    t.applied = checkpoint(pg, t, o.db, "incremental");
    return t;
}

// The reader with its destination and source lookups answered from memory.
class BenchStream : public LogStream {
public:
    using LogStream::LogStream;
    // Destination rows by table index, then key_string of the clustered key.
    std::map<size_t, std::unordered_map<std::string, Values>> dest;
    // The source's rows as a re-read by key finds them during the catch-up: the backlog is
    // complete by then, so they are the rows at its end (the log task's destination after it
    // caught up, which bench/log_reader.sh checks equal to the source).
    std::map<size_t, std::unordered_map<std::string, Values>> source;
    size_t dest_lookups = 0, source_rereads = 0;

    const std::vector<size_t> &key_of(size_t table) const {
        for (const auto &t : tables())
            if (t.index == table)
                return t.key_apply;
        throw std::runtime_error("table " + std::to_string(table) + " is not read from the log");
    }
    std::string key(size_t table, const Values &v) const {
        Values k;
        for (size_t p : key_of(table))
            k.push_back(v.at(p));
        return sidecar::key_string(k);
    }
    void apply(const std::vector<LogChange> &changes) {
        for (const LogChange &c : changes) {
            auto &rows = dest[c.table];
            if (c.op == 1)
                rows.erase(key(c.table, c.values));
            else
                rows[key(c.table, c.values)] = c.values;
        }
    }

protected:
    Rows destination_rows(const Table &tb, const std::set<std::string> &keys,
                          const std::map<std::string, Values> &) override {
        Rows out;
        auto &rows = dest[tb.index];
        for (const auto &k : keys) {
            ++dest_lookups;
            if (auto it = rows.find(k); it != rows.end())
                out.emplace(k, it->second);
        }
        return out;
    }
    Rows source_rows(const Table &tb, const std::set<std::string> &keys,
                     const std::map<std::string, Values> &) override {
        Rows out;
        auto &rows = source[tb.index];
        for (const auto &k : keys)
            if (auto it = rows.find(k); it != rows.end()) {
                out.emplace(k, it->second);
                ++source_rereads; // as LogStats::reread counts them
            }
        return out;
    }
};

dts::tds::Connection connect_source(const Options &o) {
    dts::tds::ServerOptions s;
    s.host = o.host;
    s.port = o.port;
    s.database = o.db;
    s.packet_size = dts::tds::kBulkPacketSize; // as the sidecar's (source_settings.hpp)
    return dts::tds::Connection(s, {o.user, o.password});
}

// The destination rows of the task's log-read tables, as destination_rows() selects them.
DestRows destination(sidecar::PgConnection &pg, const std::vector<sidecar::CdcTable> &tables) {
    DestRows out;
    for (size_t i = 0; i < tables.size(); ++i) {
        const auto &t = tables[i];
        if (!t.log || t.kind != sidecar::TableKind::Synced || t.apply.target.empty())
            continue;
        std::string cols;
        for (size_t c = 0; c < t.apply.columns.size(); ++c)
            cols += std::string(c ? ", " : "") + "t." + dts::pg::quote_ident(t.apply.columns[c]) +
                    "::text";
        for (auto &r : pg.query_rows("SELECT " + cols + " FROM " + t.apply.target + " t"))
            out[i].push_back(Values(r.begin(), r.end()));
    }
    return out;
}

int capture(const Options &o) {
    sidecar::PgConnection pg(o.destination);
    const Task task = load_task(pg, o);
    auto src = connect_source(o);
    const auto tables = sidecar::load_cdc_tables(pg, src, task.ref, o.db);
    BenchStream stream(o.destination, src, task.ref, o.db, tables, task.restart, task.applied,
                       o.read_limit);
    const DestRows dest = destination(pg, tables);
    const Lsn end = *Lsn::parse(o.end);
    std::vector<Read> reads;
    size_t records = 0, result_bytes = 0;
    const double t0 = now_s(), c0 = cpu_s();
    Lsn at = o.from.empty() ? task.restart : *Lsn::parse(o.from);
    for (;;) {
        // The client does nothing with the rows but keep their bytes.
        src.execute(
            stream.active_read_sql(at.is_null() ? "NULL" : sidecar::dblog_lsn(at), o.read_limit));
        Read read;
        size_t n = 0;
        Lsn last = at;
        while (src.next_result()) {
            ResultSet s;
            for (int i = 1; i <= src.column_count(); ++i)
                s.columns.push_back(src.column(i));
            while (src.next_row()) {
                for (int i = 1; i <= static_cast<int>(s.columns.size()); ++i) {
                    const uint8_t *p = src.data(i);
                    s.lengths.push_back(p ? src.length(i) : -1);
                    if (p)
                        s.data.append(reinterpret_cast<const char *>(p),
                                      static_cast<size_t>(src.length(i)));
                }
                ++n;
                if (const uint8_t *p = src.data(1)) // [Current LSN]
                    last = Lsn::parse(std::string_view(reinterpret_cast<const char *>(p),
                                                       static_cast<size_t>(src.length(1))))
                               .value_or(last);
            }
            result_bytes += s.data.size();
            read.push_back(std::move(s));
        }
        records += n;
        reads.push_back(std::move(read));
        if (n < static_cast<size_t>(o.read_limit) || !(last < end))
            break;
        at = last;
    }
    const double seconds = now_s() - t0, cpu = cpu_s() - c0;
    write_file(o.file, {task.restart, task.applied}, reads, dest);
    std::printf("{\"reads\": %zu, \"records\": %zu, \"result_bytes\": %zu, \"seconds\": %.3f, "
                "\"client_cpu\": %.3f}\n",
                reads.size(), records, result_bytes, seconds, cpu);
    return 0;
}

int replay(const Options &o) {
    sidecar::PgConnection pg(o.destination);
    const Task task = load_task(pg, o);
    auto src = connect_source(o);
    const auto tables = sidecar::load_cdc_tables(pg, src, task.ref, o.db);
    std::vector<Read> reads;
    DestRows rows;
    Start start;
    read_file(o.file, start, reads, rows);
    // The checkpoints as they were at the capture: the replay starts where the capture did.
    BenchStream stream(o.destination, src, task.ref, o.db, tables, start.restart, start.applied,
                       o.read_limit);
    for (auto &[table, list] : rows)
        for (Values &v : list) {
            std::string k = stream.key(table, v);
            stream.dest[table].emplace(std::move(k), std::move(v));
        }
    const DestRows after = destination(pg, tables);
    for (const auto &[table, list] : after)
        for (const Values &v : list)
            stream.source[table].emplace(stream.key(table, v), v);
    double convert = 0, assemble = 0, take = 0, apply = 0;
    size_t records = 0, bytes = 0, changes = 0;
    Lsn from = stream.read_position().next();
    const double c0 = cpu_s();
    std::vector<dts::logrec::LogRow> log; // one vector for every read, as LogStream keeps it
    for (const Read &r : reads) {
        double t = now_s();
        Replay cursor(r);
        sidecar::read_log_rows(cursor, log, records, bytes);
        double u = now_s();
        convert += u - t;
        stream.add_rows(log);
        t = now_s();
        assemble += t - u;
        const Lsn to = stream.read_position();
        std::vector<LogChange> out;
        if (!(to < from))
            stream.take(from, to, out);
        u = now_s();
        take += u - t;
        stream.apply(out);
        stream.release(to);
        t = now_s();
        apply += t - u;
        changes += out.size();
        from = to.next();
    }
    const double cpu = cpu_s() - c0 - apply;
    // The replay's destination against the task's own after its catch-up.
    size_t differ = 0;
    for (auto &[table, list] : after) {
        auto &mine = stream.dest[table];
        differ += list.size() > mine.size() ? list.size() - mine.size() : mine.size() - list.size();
        for (const Values &v : list) {
            auto it = mine.find(stream.key(table, v));
            if (it == mine.end() || it->second != v)
                ++differ;
        }
    }
    const auto &st = stream.stats();
    std::printf("{\"reads\": %zu, \"records\": %zu, \"row_bytes\": %zu, \"changes\": %zu, "
                "\"convert_s\": %.3f, \"assemble_s\": %.3f, \"decode_s\": %.3f, \"apply_s\": %.3f, "
                "\"cpu_s\": %.3f, \"completed\": %zu, \"dest_lookups\": %zu, \"source_rereads\": "
                "%zu, \"differ\": %zu}\n",
                reads.size(), records, bytes, changes, convert, assemble, take, apply, cpu,
                st.completed, stream.dest_lookups, stream.source_rereads, differ);
    return differ == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
    Options o;
    if (argc < 2) {
        std::fprintf(
            stderr,
            "usage: log_decode_bench capture|replay --destination C --task T "
            "--db D --port P --password PW --file F --end LSN [--from LSN] [--read-limit N]\n");
        return 2;
    }
    o.command = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--destination")
            o.destination = v;
        else if (k == "--task")
            o.task = v;
        else if (k == "--db")
            o.db = v;
        else if (k == "--host")
            o.host = v;
        else if (k == "--port")
            o.port = std::stoi(v);
        else if (k == "--user")
            o.user = v;
        else if (k == "--password")
            o.password = v;
        else if (k == "--file")
            o.file = v;
        else if (k == "--end")
            o.end = v;
        else if (k == "--from")
            o.from = v;
        else if (k == "--read-limit")
            o.read_limit = std::stol(v);
        else {
            std::fprintf(stderr, "unknown option %s\n", k.c_str());
            return 2;
        }
    }
    try {
        if (dbinit() == FAIL)
            throw std::runtime_error("cannot initialise FreeTDS db-lib");
        if (o.command == "capture")
            return capture(o);
        if (o.command == "replay")
            return replay(o);
        std::fprintf(stderr, "unknown command %s\n", o.command.c_str());
        return 2;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "log_decode_bench: %s\n", e.what());
        return 1;
    }
}
