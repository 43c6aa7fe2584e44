#!/usr/bin/python3
"""Seeded random source workload for test/integration/sidecar/cdc_workload.sh.

Talks to SQL Server (the simulator or a real one) with python-tds, in the given database:

  setup               create the workload's tables and their first rows (before the task starts)
  run                 random transactions: inserts, updates (also of primary keys, also
                      case-only changes of an nvarchar key), deletes, multi-table transactions,
                      rolled-back transactions, LOB values, duplicate rows in the heap
  big                 one transaction inserting --rows rows into dbo.bulk (and a row of dbo.items),
                      then one transaction updating half of dbo.bulk
  tx SQL              one batch in its own connection (errors are reported, exit status 1)

The generator keeps a model of the keys (read back from the source when it starts) only to produce
valid statements; the source itself is the truth the test compares the destination with.
"""
import argparse
import os
import random
import sys
import time

import warnings
warnings.filterwarnings("ignore", message="server parameter is deprecated")
import pytds

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tds_batch import run_batch  # noqa: E402

TABLES = ["items", "kv", "events", "docs", "bulk", "mark"]

DDL = [
    "CREATE TABLE dbo.items (id int NOT NULL PRIMARY KEY, qty int NOT NULL, price decimal(12,2) "
    "NULL, name nvarchar(60) NOT NULL, tag varchar(20) NULL, updated datetime2(3) NULL, "
    "flag bit NOT NULL)",
    "CREATE TABLE dbo.kv (region nvarchar(20) NOT NULL, code int NOT NULL, val varchar(100) NULL, "
    "amount decimal(18,4) NOT NULL, PRIMARY KEY (region, code))",
    # A heap: no primary key, no unique index; rows may be exact duplicates.
    "CREATE TABLE dbo.events (kind varchar(10) NOT NULL, n int NOT NULL, note nvarchar(max) NULL, "
    "at datetime2(0) NULL)",
    "CREATE TABLE dbo.docs (id int NOT NULL PRIMARY KEY, title nvarchar(100) NOT NULL, "
    "body nvarchar(max) NULL, blob varbinary(max) NULL)",
    "CREATE TABLE dbo.bulk (id int NOT NULL PRIMARY KEY, grp int NOT NULL, v nvarchar(40) NULL, "
    "amount decimal(12,2) NOT NULL)",
    # Markers the test writes to know the destination caught up with everything before them.
    "CREATE TABLE dbo.mark (id int NOT NULL PRIMARY KEY, label nvarchar(40) NOT NULL)",
]

WORDS = ["alpha", "Beta", "gamma", "O'Brien", "café", "Grüße", "日本語", "Ωmega", "tab\there",
         "line\nbreak", "back\\slash", "quote\"d", "emoji 😀", "ж", "", "x", "percent 100%",
         "semi;colon", "NULL", "\\N"]
REGIONS = ["north", "south", "east", "west", "mitte", "o'hare", "süd", "øst", "запад", "东京"]
DIGITS = "(VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9))"


def nstr(s):
    return "N'" + s.replace("'", "''") + "'"


def astr(s):
    return "'" + s.replace("'", "''") + "'"


class Source:
    def __init__(self, a):
        self.a = a
        self.conn = None

    def connect(self):
        deadline = time.time() + self.a.connect_wait
        while True:
            try:
                self.conn = pytds.connect(server=self.a.host, port=self.a.port, user=self.a.user,
                                          password=self.a.password, database=self.a.db,
                                          autocommit=True, login_timeout=10, timeout=900)
                self.run("SET XACT_ABORT ON")
                return
            except (pytds.Error, OSError):
                if time.time() > deadline:
                    raise
                time.sleep(0.5)

    def run_tx(self, sql, patience=180):
        """Runs a batch that is one transaction; a lock request time out (1222) rolled it back
        (XACT_ABORT), so it runs again, as an application would. Returns the number of retries."""
        retries = 0
        deadline = time.time() + patience
        while True:
            try:
                self.run(sql)
                return retries
            except pytds.Error as e:
                if getattr(e, "msg_no", None) != 1222 or time.time() > deadline:
                    raise
                retries += 1
                self.run("IF @@TRANCOUNT > 0 ROLLBACK")
                time.sleep(min(1.0, 0.05 * retries))

    def run(self, sql):
        return run_batch(self.conn, sql)


class Model:
    """The keys the generator knows of (to write valid statements)."""

    def __init__(self):
        self.items = set()
        self.kv = {}  # (region.lower(), code) -> region as stored
        self.docs = set()
        self.bulk_max = 0

    def copy(self):
        m = Model()
        m.items, m.kv, m.docs, m.bulk_max = set(self.items), dict(self.kv), set(self.docs), self.bulk_max
        return m

    def load(self, src):
        self.items = {r[0] for r in src.run("SELECT id FROM dbo.items")}
        self.kv = {(r[0].lower(), r[1]): r[0] for r in src.run("SELECT region, code FROM dbo.kv")}
        self.docs = {r[0] for r in src.run("SELECT id FROM dbo.docs")}
        self.bulk_max = src.run("SELECT ISNULL(MAX(id), 0) FROM dbo.bulk")[0][0]


class Gen:
    def __init__(self, rnd, phase):
        self.r = rnd
        self.phase = phase
        self.stats = {}

    def count(self, what, n=1):
        self.stats[what] = self.stats.get(what, 0) + n

    # ---- values
    def text(self, maxlen=60):
        r = self.r
        s = " ".join(r.choice(WORDS) for _ in range(r.randint(1, 3)))
        return s[:maxlen]

    def ascii(self, maxlen=20):
        r = self.r
        return "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789 -_'") for _ in
                       range(r.randint(0, maxlen)))

    def dec(self, digits, scale):
        r = self.r
        v = r.randint(-10 ** (digits - 1), 10 ** (digits - 1))
        s = str(abs(v)).rjust(scale + 1, "0")
        return ("-" if v < 0 else "") + s[:-scale] + "." + s[-scale:]

    def ts(self, frac=True):
        r = self.r
        s = "%04d-%02d-%02d %02d:%02d:%02d" % (r.randint(1900, 2099), r.randint(1, 12),
                                                r.randint(1, 28), r.randint(0, 23),
                                                r.randint(0, 59), r.randint(0, 59))
        return s + (".%03d" % r.randint(0, 999) if frac else "")

    def maybe(self, v, p=0.2):
        return "NULL" if self.r.random() < p else v

    def lob_text(self):
        r = self.r
        k = r.random()
        if k < 0.15:
            return "NULL"
        if k < 0.25:
            return "N''"
        if k < 0.55:
            return nstr(self.text(200))
        seg = self.text(12) or "z"
        return "REPLICATE(CAST(%s AS nvarchar(max)), %d)" % (nstr(seg), r.randint(100, 12000))

    def lob_bin(self):
        r = self.r
        k = r.random()
        if k < 0.2:
            return "NULL"
        if k < 0.3:
            return "0x"
        if k < 0.65:
            return "0x" + "".join("%02X" % r.randint(0, 255) for _ in range(r.randint(1, 300)))
        return "CONVERT(varbinary(max), REPLICATE(CAST(%s AS varchar(max)), %d))" % (
            astr(self.ascii(8) or "q"), r.randint(100, 15000))

    # ---- keys
    def new_id(self, used, lo=1, hi=5_000_000):
        while True:
            k = self.r.randint(lo, hi)
            if k not in used:
                return k

    def pick(self, keys, n=1):
        ks = sorted(keys)
        if not ks:
            return []
        return self.r.sample(ks, min(n, len(ks)))

    # ---- operations: each returns SQL and updates the model m
    def op_items(self, m):
        r = self.r
        k = r.random()
        if k < 0.30 or len(m.items) < 20:
            rows = []
            for _ in range(r.randint(1, 5)):
                i = self.new_id(m.items)
                m.items.add(i)
                rows.append("(%d, %d, %s, %s, %s, %s, %d)" % (
                    i, r.randint(-1000, 100000), self.maybe(self.dec(10, 2)), nstr(self.text(60)),
                    self.maybe(astr(self.ascii(20))), self.maybe(astr(self.ts())), r.randint(0, 1)))
            self.count("items insert", len(rows))
            return "INSERT INTO dbo.items (id, qty, price, name, tag, updated, flag) VALUES " + \
                ", ".join(rows)
        if k < 0.45:
            # Fixed-length columns only, set NULL or given a value again: the log's update
            # record then covers the NULL bitmap, and the log reader completes it from the row
            # before (no variable-length column changes with them).
            ids = self.pick(m.items, r.randint(1, 4))
            self.count("items fixed update", len(ids))
            return "UPDATE dbo.items SET qty = qty + %d, price = %s, updated = %s, " \
                   "flag = 1 - flag WHERE id IN (%s)" % (
                       r.randint(1, 9), self.maybe(self.dec(10, 2), 0.4),
                       self.maybe(astr(self.ts()), 0.4), ", ".join(map(str, ids)))
        if k < 0.50:
            ids = self.pick(m.items, r.randint(1, 4))
            self.count("items update", len(ids))
            return "UPDATE dbo.items SET qty = qty + %d, price = %s, name = %s, updated = %s, " \
                   "flag = 1 - flag WHERE id IN (%s)" % (
                       r.randint(1, 9), self.maybe(self.dec(10, 2)), nstr(self.text(60)),
                       self.maybe(astr(self.ts())), ", ".join(map(str, ids)))
        if k < 0.57:
            self.count("items set-based update")
            return "UPDATE dbo.items SET tag = %s, qty = qty - 1 WHERE id %% %d = %d" % (
                self.maybe(astr(self.ascii(20))), r.randint(5, 30), r.randint(0, 4))
        if k < 0.72:
            old = self.pick(m.items)[0]
            new = self.new_id(m.items)
            m.items.discard(old)
            m.items.add(new)
            self.count("items key change")
            return "UPDATE dbo.items SET id = %d, qty = qty + 1 WHERE id = %d" % (new, old)
        if k < 0.77:
            # A key shift of a whole range in one statement, into free keys.
            lo = self.pick(m.items)[0]
            hi = lo + r.randint(1000, 200000)
            moved = [i for i in m.items if lo <= i <= hi]
            off = r.choice([5_000_000, 7_000_000, -lo + 1 if lo > 1 else 9_000_000])
            while any((i + off) in m.items for i in moved) or any(i + off <= 0 for i in moved):
                off += 10_000_000
            for i in moved:
                m.items.discard(i)
            for i in moved:
                m.items.add(i + off)
            self.count("items key change", len(moved))
            return "UPDATE dbo.items SET id = id + (%d) WHERE id BETWEEN %d AND %d" % (off, lo, hi)
        ids = self.pick(m.items, r.randint(1, 3))
        for i in ids:
            m.items.discard(i)
        self.count("items delete", len(ids))
        return "DELETE FROM dbo.items WHERE id IN (%s)" % ", ".join(map(str, ids))

    def op_kv(self, m):
        r = self.r
        k = r.random()

        def new_key():
            while True:
                reg = r.choice(REGIONS)
                code = r.randint(1, 300)
                if (reg.lower(), code) not in m.kv:
                    return reg, code

        if k < 0.30 or len(m.kv) < 20:
            rows = []
            for _ in range(r.randint(1, 4)):
                reg, code = new_key()
                m.kv[(reg.lower(), code)] = reg
                rows.append("(%s, %d, %s, %s)" % (nstr(reg), code, self.maybe(astr(self.ascii(40))),
                                                 self.dec(14, 4)))
            self.count("kv insert", len(rows))
            return "INSERT INTO dbo.kv (region, code, val, amount) VALUES " + ", ".join(rows)
        (lk, code), = self.pick(m.kv.keys())
        reg = m.kv[(lk, code)]
        where = "region = %s AND code = %d" % (nstr(reg), code)
        if k < 0.50:
            self.count("kv update")
            return "UPDATE dbo.kv SET val = %s, amount = amount + %s WHERE %s" % (
                self.maybe(astr(self.ascii(60))), self.dec(6, 4).lstrip("-"), where)
        if k < 0.60 and reg.isascii() and reg.lower() == reg:
            # Same key for SQL Server's case-insensitive collation, another value for PostgreSQL.
            up = r.choice([reg.upper(), reg.capitalize()])
            m.kv[(lk, code)] = up
            self.count("kv key case change")
            return "UPDATE dbo.kv SET region = %s WHERE %s" % (nstr(up), where)
        if k < 0.60 and reg.isascii() and reg.lower() != reg:
            m.kv[(lk, code)] = reg.lower()
            self.count("kv key case change")
            return "UPDATE dbo.kv SET region = %s WHERE %s" % (nstr(reg.lower()), where)
        if k < 0.75:
            nreg, ncode = new_key()
            if r.random() < 0.5 and (lk, ncode) not in m.kv:
                nreg = reg  # only the code changes
            del m.kv[(lk, code)]
            m.kv[(nreg.lower(), ncode)] = nreg
            self.count("kv key change")
            return "UPDATE dbo.kv SET region = %s, code = %d, val = %s WHERE %s" % (
                nstr(nreg), ncode, self.maybe(astr(self.ascii(30))), where)
        del m.kv[(lk, code)]
        self.count("kv delete")
        return "DELETE FROM dbo.kv WHERE " + where

    def ev_row(self):
        r = self.r
        note = r.choice(["NULL", "N''", "N'x'", nstr("ü\tz"), nstr("line\nnote"),
                         "REPLICATE(CAST(N'long ' AS nvarchar(max)), 2000)"])
        at = r.choice(["NULL", "'2024-01-01 00:00:00'", "'2024-06-30 12:34:56'"])
        return "(%s, %d, %s, %s)" % (astr(r.choice("abcd")), r.randint(0, 5), note, at)

    def op_events(self, m):
        r = self.r
        k = r.random()
        kind, n = r.choice("abcd"), r.randint(0, 5)
        where = "kind = '%s' AND n = %d" % (kind, n)
        if k < 0.30:
            rows = [self.ev_row() for _ in range(r.randint(1, 4))]
            if r.random() < 0.5:
                rows.append(rows[0])  # an exact duplicate in the same statement
            self.count("events insert", len(rows))
            return "INSERT INTO dbo.events (kind, n, note, at) VALUES " + ", ".join(rows)
        if k < 0.42:
            self.count("events duplicate existing")
            return "INSERT INTO dbo.events (kind, n, note, at) SELECT TOP (%d) kind, n, note, at " \
                   "FROM dbo.events WHERE %s" % (r.randint(1, 3), where)
        if k < 0.57:
            # The LOB column is not changed by this update.
            self.count("events update (LOB unchanged)")
            return "UPDATE TOP (%d) dbo.events SET n = %d WHERE %s" % (
                r.randint(1, 3), r.randint(0, 5), where)
        if k < 0.67:
            self.count("events update all duplicates")
            return "UPDATE dbo.events SET kind = '%s', at = %s WHERE %s" % (
                r.choice("abcd"), r.choice(["NULL", "'2025-02-03 04:05:06'"]), where)
        if k < 0.75:
            self.count("events update LOB")
            return "UPDATE TOP (2) dbo.events SET note = %s WHERE %s" % (
                r.choice(["NULL", "N'y'", "REPLICATE(CAST(N'ÿ' AS nvarchar(max)), 5000)"]), where)
        if k < 0.90:
            self.count("events delete one of duplicates")
            return "DELETE TOP (1) FROM dbo.events WHERE " + where
        self.count("events delete all matching")
        return "DELETE FROM dbo.events WHERE " + where

    def op_docs(self, m):
        r = self.r
        k = r.random()
        if k < 0.30 or len(m.docs) < 5:
            i = self.new_id(m.docs, 1, 100000)
            m.docs.add(i)
            self.count("docs insert")
            return "INSERT INTO dbo.docs (id, title, body, blob) VALUES (%d, %s, %s, %s)" % (
                i, nstr(self.text(100)), self.lob_text(), self.lob_bin())
        i = self.pick(m.docs)[0]
        if k < 0.42:
            self.count("docs update (LOBs unchanged)")
            return "UPDATE dbo.docs SET title = %s WHERE id = %d" % (nstr(self.text(100)), i)
        if k < 0.54:
            self.count("docs update body")
            return "UPDATE dbo.docs SET body = %s WHERE id = %d" % (self.lob_text(), i)
        if k < 0.62:
            self.count("docs append body")
            return "UPDATE dbo.docs SET body = body + %s WHERE id = %d" % (nstr(self.text(30)), i)
        if k < 0.72:
            self.count("docs update blob")
            return "UPDATE dbo.docs SET blob = %s WHERE id = %d" % (self.lob_bin(), i)
        if k < 0.85:
            new = self.new_id(m.docs, 1, 100000)
            m.docs.discard(i)
            m.docs.add(new)
            self.count("docs key change")
            return "UPDATE dbo.docs SET id = %d WHERE id = %d" % (new, i)
        m.docs.discard(i)
        self.count("docs delete")
        return "DELETE FROM dbo.docs WHERE id = %d" % i

    def op_bulk(self, m):
        """Medium-sized statements on dbo.bulk (after the 1M-row transaction made it large)."""
        r = self.r
        if m.bulk_max < 100000:
            return self.op_items(m)
        k = r.random()
        if k < 0.45:
            lo = r.randint(1, m.bulk_max)
            n = r.randint(1000, 25000)
            self.count("bulk range update (rows in range)", n)
            return "UPDATE dbo.bulk SET grp = grp + 1, v = %s WHERE id BETWEEN %d AND %d" % (
                nstr("p%d-%d" % (self.phase, r.randint(0, 999))), lo, lo + n - 1)
        if k < 0.70:
            base = m.bulk_max
            m.bulk_max += 10000
            self.count("bulk insert", 10000)
            return ("INSERT INTO dbo.bulk (id, grp, v, amount) SELECT %d + a.n + 10*b.n + 100*c.n "
                    "+ 1000*d.n + 1, a.n, N'ins', %s FROM %s a(n) CROSS JOIN %s b(n) CROSS JOIN "
                    "%s c(n) CROSS JOIN %s d(n)" % (base, self.dec(8, 2), DIGITS, DIGITS, DIGITS,
                                                    DIGITS))
        if k < 0.85:
            lo = r.randint(1, m.bulk_max)
            n = r.randint(10, 3000)
            self.count("bulk range delete (rows in range)", n)
            return "DELETE FROM dbo.bulk WHERE id BETWEEN %d AND %d" % (lo, lo + n - 1)
        # Key change of a range into free keys above everything.
        lo = r.randint(1, m.bulk_max)
        n = r.randint(100, 5000)
        off = m.bulk_max + 1 - lo
        m.bulk_max = lo + n - 1 + off
        self.count("bulk range key change (rows in range)", n)
        return "UPDATE dbo.bulk SET id = id + %d WHERE id BETWEEN %d AND %d" % (off, lo, lo + n - 1)

    def op(self, m, medium):
        k = self.r.random()
        if medium and k < 0.05:
            return self.op_bulk(m)
        if k < 0.35:
            return self.op_items(m)
        if k < 0.60:
            return self.op_kv(m)
        if k < 0.82:
            return self.op_events(m)
        return self.op_docs(m)

    def special(self, m):
        """Several changes of the same keys inside one transaction."""
        r = self.r
        k = r.random()
        if k < 0.3 and len(m.items) >= 2:
            a, b = self.pick(m.items, 2)
            t = self.new_id(m.items)
            self.count("items key swap")
            return ["UPDATE dbo.items SET id = %d WHERE id = %d" % (t, a),
                    "UPDATE dbo.items SET id = %d WHERE id = %d" % (a, b),
                    "UPDATE dbo.items SET id = %d, qty = qty + 1 WHERE id = %d" % (b, t)]
        if k < 0.55:
            i = self.new_id(m.items)
            j = self.new_id(m.items | {i})
            keep = r.random() < 0.5
            if keep:
                m.items.add(j)
            self.count("items insert-update-rekey" + ("" if keep else "-delete"))
            out = ["INSERT INTO dbo.items (id, qty, name, flag) VALUES (%d, 1, N'churn', 0)" % i,
                   "UPDATE dbo.items SET qty = 2, price = 1.50 WHERE id = %d" % i,
                   "UPDATE dbo.items SET id = %d WHERE id = %d" % (j, i)]
            if not keep:
                out.append("DELETE FROM dbo.items WHERE id = %d" % j)
            return out
        if k < 0.75 and m.items:
            i = self.pick(m.items)[0]
            self.count("items delete and re-insert same key")
            return ["DELETE FROM dbo.items WHERE id = %d" % i,
                    "INSERT INTO dbo.items (id, qty, price, name, tag, flag) VALUES "
                    "(%d, %d, NULL, %s, NULL, 1)" % (i, r.randint(0, 9), nstr(self.text(60)))]
        if k < 0.9 and m.kv:
            (lk, code), = self.pick(m.kv.keys())
            reg = m.kv[(lk, code)]
            self.count("kv delete and re-insert same key")
            return ["DELETE FROM dbo.kv WHERE region = %s AND code = %d" % (nstr(reg), code),
                    "INSERT INTO dbo.kv (region, code, val, amount) VALUES (%s, %d, 're', 0)" %
                    (nstr(reg), code)]
        self.count("events delete-insert-update same rows")
        return ["DELETE TOP (1) FROM dbo.events WHERE kind = 'a'",
                "INSERT INTO dbo.events (kind, n, note, at) VALUES ('a', 9, NULL, NULL), "
                "('a', 9, NULL, NULL)",
                "UPDATE TOP (1) dbo.events SET n = 8 WHERE kind = 'a' AND n = 9"]

    def transaction(self, m, medium):
        """-> (batch, committed)"""
        r = self.r
        k = r.random()
        if k < 0.40:
            self.count("tx single statement")
            return self.op(m, medium), True
        if k < 0.75:
            stmts = [self.op(m, medium) for _ in range(r.randint(2, 6))]
            self.count("tx multi-statement committed")
            return "BEGIN TRAN; " + "; ".join(stmts) + "; COMMIT", True
        if k < 0.88:
            stmts = [self.op(m, medium) for _ in range(r.randint(1, 5))]
            self.count("tx rolled back")
            return "BEGIN TRAN; " + "; ".join(stmts) + "; ROLLBACK", False
        self.count("tx same keys changed repeatedly")
        return "BEGIN TRAN; " + "; ".join(self.special(m)) + "; COMMIT", True


def cmd_setup(src, a):
    rnd = random.Random(a.seed)
    for d in DDL:
        src.run(d)
    g = Gen(rnd, 0)
    m = Model()
    for _ in range(40):
        src.run(g.op_items(m) if len(m.items) < 150 else g.op_items(m))
    for _ in range(30):
        src.run(g.op_kv(m))
    src.run("INSERT INTO dbo.events (kind, n, note, at) VALUES " +
            ", ".join(g.ev_row() for _ in range(60)))
    src.run("INSERT INTO dbo.events (kind, n, note, at) SELECT kind, n, note, at FROM dbo.events "
            "WHERE kind IN ('a', 'b')")
    for _ in range(15):
        src.run(g.op_docs(m))


def cmd_run(src, a):
    rnd = random.Random(a.seed)
    g = Gen(rnd, a.phase)
    m = Model()
    m.load(src)
    done = errors = retried = 0
    t0 = time.time()
    while True:
        if a.stop_file:
            if (done >= a.txns and os.path.exists(a.stop_file)) or done >= a.max_txns:
                break
        elif done >= a.txns:
            break
        work = m.copy()
        sql, committed = g.transaction(work, a.medium)
        try:
            retried += src.run_tx(sql)
            if committed:
                m = work
        except (pytds.Error, OSError) as e:
            errors += 1
            if errors <= 5:
                print("workload: source error (%s) in: %s" % (str(e).splitlines()[0], sql[:300]),
                      file=sys.stderr)
            try:
                src.run("IF @@TRANCOUNT > 0 ROLLBACK")
            except (pytds.Error, OSError):
                src.connect()
            m.load(src)
        done += 1
        if a.pace_ms:
            time.sleep(rnd.random() * a.pace_ms / 1000.0)
    print("workload phase %d seed %d: %d transactions in %.1fs, %d source errors, %d lock "
          "timeouts (1222) retried" % (a.phase, a.seed, done, time.time() - t0, errors, retried))
    print("  " + ", ".join("%s %d" % kv for kv in sorted(g.stats.items())))
    return 0 if errors == 0 else 3


def cmd_big(src, a):
    t = time.time()
    # rows = 10^k: a cross join of k single-digit tables, one INSERT ... SELECT.
    k = len(str(a.rows)) - 1
    assert a.rows == 10 ** k and k >= 2, "--rows must be a power of ten"
    names = "abcdefghij"[:k]
    digits = " CROSS JOIN ".join("%s %s(n)" % (DIGITS, c) for c in names)
    idexpr = " + ".join("%d*%s.n" % (10 ** i, c) for i, c in enumerate(names))
    retried = src.run_tx("BEGIN TRAN; "
            "INSERT INTO dbo.bulk (id, grp, v, amount) SELECT " + idexpr + " + 1, a.n + 10*b.n, "
            "N'row ' + CAST(" + idexpr + " AS nvarchar(10)), CAST(" + names[-1] + ".n * 100 + "
            "b.n AS decimal(12,2)) / 4 FROM " + digits + "; "
            "INSERT INTO dbo.items (id, qty, name, flag) VALUES (-1, 1000000, N'big transaction', 1); "
            "COMMIT")
    t1 = time.time()
    retried += src.run_tx("BEGIN TRAN; UPDATE dbo.bulk SET v = N'updated', amount = amount + 0.01 WHERE "
            "grp % 2 = 0; UPDATE dbo.items SET qty = qty + 1 WHERE id = -1; COMMIT")
    print("big transaction: %d-row insert %.1fs, update of half the rows %.1fs, %d lock time "
          "outs (1222) retried" % (a.rows, t1 - t, time.time() - t1, retried))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", default=os.environ.get("WORKLOAD_SRC_PASSWORD"),
                   help="default: $WORKLOAD_SRC_PASSWORD")
    p.add_argument("--db", default="master")
    p.add_argument("--connect-wait", type=float, default=60,
                   help="seconds to keep retrying the login (the source may be restarting)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--phase", type=int, default=1)
    p.add_argument("--txns", type=int, default=300)
    p.add_argument("--max-txns", type=int, default=100000)
    p.add_argument("--stop-file")
    p.add_argument("--pace-ms", type=float, default=0)
    p.add_argument("--medium", action="store_true", help="also medium statements on dbo.bulk")
    p.add_argument("--rows", type=int, default=1000000)
    p.add_argument("command", choices=["setup", "run", "big", "tx"])
    p.add_argument("sql", nargs="?")
    a = p.parse_args()
    src = Source(a)
    src.connect()
    if a.command == "setup":
        cmd_setup(src, a)
    elif a.command == "run":
        sys.exit(cmd_run(src, a))
    elif a.command == "big":
        cmd_big(src, a)
    else:
        try:
            for row in src.run(a.sql):
                print("|".join("" if v is None else str(v) for v in row))
        except pytds.Error as e:
            print("error: %s" % e, file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
