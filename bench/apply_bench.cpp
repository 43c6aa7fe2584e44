// apply_bench: Part 1 of bench/apply.sh. One synthetic change stream (seeded, so every method sees
// the same changes) applied to a destination three ways in one run:
//   (b) pg_dts      sidecar::apply_batch() with ~20 000-change batches of whole transactions,
//                   built the way sidecar/src/cdc_reader.cpp builds them
//   (c) row-by-row  one prepared INSERT/UPDATE/DELETE per change, COMMIT per source transaction
//   (a) COPY        the after-images of the same stream into an empty table
// then checks that pg_dts and row-by-row produced identical tables, and that both equal the state
// the generator expects. Prints a table and the goal lines; exits non-zero on any mismatch.
#include "apply_writer.hpp"
#include "pg_connection.hpp"

#include "copy_text.hpp"
#include "error.hpp"
#include "lsn.hpp"
#include "pg_quote.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

using dts::Lsn;
using dts::changes::Change;
using dts::changes::Op;
using dts::changes::Value;
using dts::changes::Values;

struct Options {
    std::string destination;
    int64_t task_id = 0;
    std::string full_db = "bench_full", sample_db = "bench_sample";
    size_t changes = 1000000;       // (b) and (a)
    size_t sample_changes = 100000; // (c), and (b) again on the same prefix
    size_t batch_changes = 20000;   // as kBatchChanges in cdc_reader.cpp
    size_t max_tx_changes = 10;     // source transactions hold 1..max changes
    uint64_t seed = 42;
    double time_budget = 120; // seconds of apply time for (b); half of it for (b) on the sample
    std::string schema = "apply_bench";
};

// The narrow table every method writes: as bench/full_load.sh's dbo.narrow.
const std::vector<std::string> kColumns = {"id", "a", "b", "c"};

// The source: a growing key space, 60% inserts of new keys, 30% updates and 10% deletes of live
// keys, in transactions of 1..max changes. Keys are dense (1, 2, ...), so a key's slot in `live_`
// is kept in a plain array and deletes stay O(1) without a hash map.
class Stream {
public:
    Stream(uint64_t seed, size_t max_tx, bool keep_rows)
        : rng_(seed), max_tx_(max_tx), keep_rows_(keep_rows) {}

    // The next source transaction; the reference stays valid until the next call.
    const std::vector<Change> &next_tx() {
        ++tx_no_;
        tx_.clear();
        const size_t n = 1 + rng_() % max_tx_;
        // Commit LSNs grow per transaction and seqvals within it, as CDC delivers them.
        const Lsn commit{0x30, tx_no_, 1};
        for (size_t i = 0; i < n; ++i) {
            Change c;
            c.commit_lsn = commit;
            c.seqval = Lsn{0x30, tx_no_, static_cast<uint16_t>(i + 2)};
            const unsigned roll = static_cast<unsigned>(rng_() % 100);
            int64_t id;
            if (live_.empty() || roll < 60) {
                id = next_key_++;
                add_live(id);
                c.op = Op::Insert;
                c.row = make_row(id);
            } else {
                id = live_[rng_() % live_.size()];
                if (roll < 90) {
                    c.op = Op::Update;
                    c.row = make_row(id);
                } else {
                    c.op = Op::Delete;
                    remove_live(id);
                }
            }
            c.key = {std::to_string(id)};
            tx_.push_back(std::move(c));
        }
        return tx_;
    }

    // With keep_rows: the rows the destination must hold now, in key order.
    std::vector<Values> final_rows() const {
        std::vector<Values> out;
        for (const auto &r : rows_)
            if (r)
                out.push_back(*r);
        return out;
    }

private:
    Values make_row(int64_t id) {
        Values v;
        v.reserve(4);
        v.emplace_back(std::to_string(id));
        v.emplace_back(std::to_string(rng_() % 1000000));
        const uint64_t b = rng_();
        v.push_back(b % 10 == 0 ? Value() : Value(std::to_string(b >> 20)));
        const uint64_t c = rng_();
        v.push_back(c % 10 == 0 ? Value() : Value("v" + std::to_string(c % 1000000000)));
        if (keep_rows_)
            slot(id) = v;
        return v;
    }
    std::optional<Values> &slot(int64_t id) {
        if (rows_.size() <= static_cast<size_t>(id))
            rows_.resize(static_cast<size_t>(id) + 1);
        return rows_[static_cast<size_t>(id)];
    }
    void add_live(int64_t id) {
        if (pos_.size() <= static_cast<size_t>(id))
            pos_.resize(static_cast<size_t>(id) + 1);
        pos_[static_cast<size_t>(id)] = static_cast<uint32_t>(live_.size());
        live_.push_back(id);
    }
    void remove_live(int64_t id) {
        const uint32_t p = pos_[static_cast<size_t>(id)];
        live_[p] = live_.back();
        pos_[static_cast<size_t>(live_[p])] = p;
        live_.pop_back();
        if (keep_rows_)
            slot(id).reset();
    }

    std::mt19937_64 rng_;
    size_t max_tx_;
    bool keep_rows_;
    uint32_t tx_no_ = 0;
    int64_t next_key_ = 1;
    std::vector<int64_t> live_;
    std::vector<uint32_t> pos_;
    std::vector<std::optional<Values>> rows_;
    std::vector<Change> tx_;
};

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

long peak_rss_kb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

struct Run {
    size_t changes = 0, transactions = 0, batches = 0;
    double seconds = 0;
    // changes/s of single batches: how sustained the rate is as the table grows
    double first_batch = 0, last_batch = 0, slowest_batch = 0;
    bool stopped = false; // the time budget ran out before the stream's end
};

std::string table(const Options &o, const std::string &name) {
    return dts::pg::qualified(o.schema, name);
}

void create_table(sidecar::PgConnection &pg, const Options &o, const std::string &name,
                  bool primary_key) {
    const std::string t = table(o, name);
    pg.exec("DROP TABLE IF EXISTS " + t);
    pg.exec("CREATE TABLE " + t + " (id int NOT NULL" + (primary_key ? " PRIMARY KEY" : "") +
            ", a int NOT NULL, b bigint NULL, c varchar(20) NULL)");
    // The raw COPY target repeats keys (one image per update): the same index, not unique.
    if (!primary_key)
        pg.exec("CREATE INDEX ON " + t + " (id)");
}

// Whatever the previous phase left dirty is written out before the clock of the next one starts.
void settle(sidecar::PgConnection &pg) {
    pg.exec("CHECKPOINT");
}

// (b): whole transactions are added to a batch until it holds batch_changes, exactly as the CDC
// reader does; only apply_batch() is timed, as the reader's own work is the source side.
Run run_pg_dts(sidecar::PgConnection &pg, const Options &o, const std::string &target,
               const std::string &db, size_t limit, double budget) {
    Stream s(o.seed, o.max_tx_changes, false);
    sidecar::TableChanges proto;
    proto.source_name = db + ".dbo.narrow";
    proto.target = table(o, target);
    proto.columns = kColumns;
    proto.key_positions = {0};
    Run r;
    while (r.changes < limit) {
        if (budget > 0 && r.seconds > budget) {
            r.stopped = true;
            break;
        }
        sidecar::Batch batch;
        batch.task_id = o.task_id;
        batch.task_name = "apply_bench";
        batch.source_db = db;
        batch.tables.push_back(proto);
        auto &out = batch.tables.back().changes;
        while (out.size() < o.batch_changes && r.changes + out.size() < limit) {
            const auto &tx = s.next_tx();
            if (out.empty())
                batch.first_commit = tx.front().commit_lsn;
            batch.last_commit = tx.front().commit_lsn;
            out.insert(out.end(), tx.begin(), tx.end());
            ++batch.transactions;
        }
        const double t0 = now_s();
        if (!sidecar::apply_batch(pg, batch))
            throw dts::Error("XX000", "apply_batch reported a fresh batch as applied already");
        const double dt = now_s() - t0;
        r.seconds += dt;
        const double rate = static_cast<double>(out.size()) / dt;
        r.slowest_batch = r.batches == 0 ? rate : std::min(r.slowest_batch, rate);
        r.first_batch = r.batches == 0 ? rate : r.first_batch;
        r.last_batch = rate;
        r.changes += out.size();
        r.transactions += batch.transactions;
        ++r.batches;
    }
    return r;
}

// The source transactions covering the first `limit` changes (whole transactions).
std::vector<std::vector<Change>> prefix(const Options &o, size_t limit) {
    Stream s(o.seed, o.max_tx_changes, false);
    std::vector<std::vector<Change>> txs;
    size_t n = 0;
    while (n < limit) {
        txs.push_back(s.next_tx());
        n += txs.back().size();
    }
    return txs;
}

struct PgResult {
    PGresult *r;
    ~PgResult() { PQclear(r); }
};

void check(PGconn *c, PGresult *res, const char *what) {
    PgResult guard{res};
    const ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        throw dts::Error("XX000", std::string(what) + ": " + PQerrorMessage(c));
}

// (c): one round trip per change, a commit per source transaction.
Run run_row_by_row(sidecar::PgConnection &pg, const Options &o, const std::string &target,
                   const std::vector<std::vector<Change>> &txs) {
    PGconn *c = pg.raw();
    const std::string t = table(o, target);
    check(c,
          PQprepare(c, "ins",
                    ("INSERT INTO " + t + " (id, a, b, c) VALUES ($1, $2, $3, $4)").c_str(), 4,
                    nullptr),
          "prepare insert");
    check(c,
          PQprepare(c, "upd", ("UPDATE " + t + " SET a = $2, b = $3, c = $4 WHERE id = $1").c_str(),
                    4, nullptr),
          "prepare update");
    check(c, PQprepare(c, "del", ("DELETE FROM " + t + " WHERE id = $1").c_str(), 1, nullptr),
          "prepare delete");
    Run r;
    const double t0 = now_s();
    for (const auto &tx : txs) {
        check(c, PQexec(c, "BEGIN"), "BEGIN");
        for (const Change &ch : tx) {
            const char *v[4];
            const Values &src = ch.op == Op::Delete ? ch.key : ch.row;
            for (size_t i = 0; i < src.size(); ++i)
                v[i] = src[i] ? src[i]->c_str() : nullptr;
            const char *name = ch.op == Op::Insert ? "ins" : ch.op == Op::Update ? "upd" : "del";
            check(c, PQexecPrepared(c, name, static_cast<int>(src.size()), v, nullptr, nullptr, 0),
                  name);
        }
        check(c, PQexec(c, "COMMIT"), "COMMIT");
        r.changes += tx.size();
        ++r.transactions;
    }
    r.seconds = now_s() - t0;
    return r;
}

void append_row(std::string &out, const Values &row) {
    for (size_t i = 0; i < row.size(); ++i) {
        if (i)
            out += '\t';
        if (row[i])
            dts::copy::append_field(out, *row[i]);
        else
            dts::copy::append_null(out);
    }
    out += '\n';
}

// COPY of prepared text, sent in 1 MB pieces like the sidecar's full load sends its chunks.
void copy_in(sidecar::PgConnection &pg, const std::string &target, const std::string &data) {
    pg.copy_begin("COPY " + target + " (id, a, b, c) FROM STDIN");
    for (size_t at = 0; at < data.size(); at += 1 << 20)
        pg.copy_put(data.substr(at, 1 << 20));
    pg.copy_end();
}

// (a): the after-image of every insert and update of the stream.
Run run_copy(sidecar::PgConnection &pg, const Options &o, const std::string &target, size_t limit) {
    Stream s(o.seed, o.max_tx_changes, false);
    std::string data;
    Run r;
    size_t changes = 0;
    while (changes < limit) {
        for (const Change &c : s.next_tx()) {
            ++changes;
            if (c.op == Op::Delete)
                continue;
            append_row(data, c.row);
            ++r.changes;
        }
    }
    const double t0 = now_s();
    copy_in(pg, table(o, target), data);
    r.seconds = now_s() - t0;
    return r;
}

// What the generator says the destination holds after the first `limit` changes.
void load_expected(sidecar::PgConnection &pg, const Options &o, const std::string &target,
                   size_t limit) {
    Stream s(o.seed, o.max_tx_changes, true);
    size_t n = 0;
    while (n < limit)
        n += s.next_tx().size();
    std::string data;
    for (const auto &row : s.final_rows())
        append_row(data, row);
    copy_in(pg, table(o, target), data);
}

std::string fingerprint(sidecar::PgConnection &pg, const Options &o, const std::string &name) {
    return *pg.query_rows("SELECT count(*)::text || ' rows, md5 ' || md5(coalesce(string_agg(t::"
                          "text, E'\\n' ORDER BY t.id), '')) FROM " +
                          table(o, name) + " t")
                .at(0)
                .at(0);
}

size_t to_size(const char *s) {
    return static_cast<size_t>(std::stoull(s));
}

Options parse(int argc, char **argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        const char *v = argv[i + 1];
        if (k == "--destination")
            o.destination = v;
        else if (k == "--task-id")
            o.task_id = std::stoll(v);
        else if (k == "--changes")
            o.changes = to_size(v);
        else if (k == "--sample-changes")
            o.sample_changes = to_size(v);
        else if (k == "--batch-changes")
            o.batch_changes = to_size(v);
        else if (k == "--max-tx-changes")
            o.max_tx_changes = to_size(v);
        else if (k == "--seed")
            o.seed = std::stoull(v);
        else if (k == "--time-budget")
            o.time_budget = std::stod(v);
        else if (k == "--full-db")
            o.full_db = v;
        else if (k == "--sample-db")
            o.sample_db = v;
        else
            throw dts::Error("22023", "unknown option " + k);
    }
    if (argc % 2 == 0)
        throw dts::Error("22023", std::string("option without a value: ") + argv[argc - 1]);
    if (o.destination.empty() || o.task_id == 0)
        throw dts::Error("22023", "usage: apply_bench --destination CONNINFO --task-id ID "
                                  "[--changes N] [--sample-changes N] [--batch-changes N] "
                                  "[--max-tx-changes N] [--seed S] [--time-budget SECONDS]");
    if (o.sample_changes > o.changes || o.max_tx_changes < 1)
        throw dts::Error("22023", "--sample-changes must not exceed --changes");
    return o;
}

void print_row(const char *method, const Run &r, double baseline_rate, const char *note = "") {
    const double rate = static_cast<double>(r.changes) / r.seconds;
    std::printf("%-36s %9zu %8.2f %11.0f %7.1fx  %s\n", method, r.changes, r.seconds, rate,
                rate / baseline_rate, note);
}

} // namespace

int main(int argc, char **argv) {
    // The progress lines (stderr) and the results (stdout) interleave in the order written.
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    try {
        const Options o = parse(argc, argv);
        sidecar::PgConnection pg(o.destination);
        pg.exec("SET client_min_messages = warning");
        pg.exec("CREATE SCHEMA IF NOT EXISTS " + dts::pg::quote_ident(o.schema));
        for (const char *t : {"t_dts", "t_dts_sample", "t_row", "expected", "expected_sample"})
            create_table(pg, o, t, true);
        create_table(pg, o, "t_copy", false);

        const long rss_before = peak_rss_kb();
        settle(pg);
        std::fprintf(stderr, "(b) pg_dts apply_batch: %zu changes (time budget %.0f s)\n",
                     o.changes, o.time_budget);
        const Run dts_full = run_pg_dts(pg, o, "t_dts", o.full_db, o.changes, o.time_budget);
        const long rss_after = peak_rss_kb();

        settle(pg);
        std::fprintf(stderr, "(b) pg_dts apply_batch on the row-by-row sample: %zu changes\n",
                     o.sample_changes);
        const Run dts_sample =
            run_pg_dts(pg, o, "t_dts_sample", o.sample_db, o.sample_changes, o.time_budget / 2);

        // The same source transactions as the sample pg_dts applied (all of it unless its
        // budget ran out), so that the two tables must come out identical.
        const auto txs = prefix(o, dts_sample.changes);
        settle(pg);
        std::fprintf(stderr, "(c) row-by-row: %zu source transactions\n", txs.size());
        const Run row = run_row_by_row(pg, o, "t_row", txs);

        settle(pg);
        std::fprintf(stderr, "(a) COPY of the after-images of %zu changes\n", o.changes);
        const Run copy = run_copy(pg, o, "t_copy", o.changes);

        // Identical results, or the numbers mean nothing.
        std::fprintf(stderr, "verifying\n");
        load_expected(pg, o, "expected", dts_full.changes);
        load_expected(pg, o, "expected_sample", dts_sample.changes);
        const std::string f_dts = fingerprint(pg, o, "t_dts"),
                          f_exp = fingerprint(pg, o, "expected"),
                          f_dts_s = fingerprint(pg, o, "t_dts_sample"),
                          f_row = fingerprint(pg, o, "t_row"),
                          f_exp_s = fingerprint(pg, o, "expected_sample");
        std::printf("\nverification (count and md5 of the rows in key order)\n");
        std::printf("  (b) pg_dts, %8zu changes       %s\n", dts_full.changes, f_dts.c_str());
        std::printf("      generator's expected state     %s\n", f_exp.c_str());
        std::printf("  (b) pg_dts, %8zu changes       %s\n", dts_sample.changes, f_dts_s.c_str());
        std::printf("  (c) row-by-row, same changes       %s\n", f_row.c_str());
        std::printf("      generator's expected state     %s\n", f_exp_s.c_str());
        if (f_dts != f_exp || f_dts_s != f_row || f_row != f_exp_s ||
            row.changes != dts_sample.changes) {
            std::printf("MISMATCH: the destination tables differ, the numbers below mean "
                        "nothing\n");
            return 3;
        }
        std::printf("  identical: yes\n");

        const double base = static_cast<double>(row.changes) / row.seconds;
        const double dts_rate = static_cast<double>(dts_full.changes) / dts_full.seconds;
        const double sample_rate = static_cast<double>(dts_sample.changes) / dts_sample.seconds;
        std::printf(
            "\nApply throughput: narrow rows (int key, int, bigint, varchar(20)), 60%% insert / "
            "30%% update / 10%% delete,\nsource transactions of 1-%zu changes (mean %.1f), "
            "seed %llu, pg_dts batches of >= %zu changes\n\n",
            o.max_tx_changes,
            static_cast<double>(dts_full.changes) / static_cast<double>(dts_full.transactions),
            static_cast<unsigned long long>(o.seed), o.batch_changes);
        std::printf("%-36s %9s %8s %11s %8s\n", "method", "changes", "seconds", "changes/s",
                    "vs (c)");
        char note[200];
        std::snprintf(note, sizeof note,
                      "%zu batches; changes/s of batch 1 %.0f, last %.0f, slowest %.0f%s",
                      dts_full.batches, dts_full.first_batch, dts_full.last_batch,
                      dts_full.slowest_batch, dts_full.stopped ? "; STOPPED by time budget" : "");
        print_row("(b) pg_dts apply", dts_full, base, note);
        std::snprintf(note, sizeof note, "the changes (c) applied%s",
                      dts_sample.stopped ? "; STOPPED by time budget" : "");
        print_row("(b) pg_dts apply, (c)'s sample", dts_sample, base, note);
        std::snprintf(note, sizeof note, "%zu source transactions, a COMMIT each",
                      row.transactions);
        print_row("(c) row-by-row", row, base, note);
        print_row("(a) COPY of the after-images", copy, base,
                  "rows = inserts + updates; same columns, index on id not unique");
        std::printf("\n(c) applies the first %zu changes only (whole source transactions); every "
                    "rate is per change.\n",
                    row.changes);
        std::printf(
            "Only the apply is timed: generating the stream and building batches is not.\n");
        if (dts_full.stopped)
            std::printf("(b) stopped after %.0f s of apply time at %zu of %zu changes: the rate "
                        "fell as the table grew.\n",
                        o.time_budget, dts_full.changes, o.changes);
        std::printf("\ngoal >= 100000 changes/s sustained: %s (%.0f changes/s over %zu changes, "
                    "slowest batch %.0f)\n",
                    dts_rate >= 100000 && !dts_full.stopped ? "met" : "NOT MET", dts_rate,
                    dts_full.changes, dts_full.slowest_batch);
        std::printf("goal >= 10x row-by-row:             %s (%.1fx; %.1fx on (c)'s sample)\n",
                    dts_rate / base >= 10 && !dts_full.stopped ? "met" : "NOT MET", dts_rate / base,
                    sample_rate / base);
        std::printf("driver peak RSS (getrusage): %.1f MiB before (b), %.1f MiB after (b)\n",
                    static_cast<double>(rss_before) / 1024, static_cast<double>(rss_after) / 1024);
        return 0;
    } catch (const dts::Error &e) {
        std::fprintf(stderr, "apply_bench: %s (SQLSTATE %s) %s\n", e.what(), e.sqlstate.c_str(),
                     e.detail.c_str());
        return 1;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "apply_bench: %s\n", e.what());
        return 1;
    }
}
