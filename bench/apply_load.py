#!/usr/bin/python3
"""Source load for Part 2 of bench/apply.sh (commit-to-visible latency).

  setup   create dbo.narrow (as in bench/full_load.sh) and preload --keys rows, so that updates
          and deletes have rows to hit from the first transaction on
  run     small transactions at --rate changes/s for --seconds: 60% inserts of new keys, 30%
          updates and 10% deletes of live keys, 1..--max-tx-changes changes per transaction, each
          transaction one batch (one round trip) of at most one statement per kind of change.
          Paced against the clock: a generator that falls behind catches up at full speed and
          reports the rate it reached. Checks at the end that the source holds the rows it
          expects. Prints one JSON line: changes, transactions, seconds, rate, started/ended
          (UTC), source_rows, retries (lock time-outs sent again), stalled_seconds, connections.
          --connections N splits the rate over N processes with a connection each, on disjoint
          keys (bench/simulator_write.sh measures how far one or two connections drive the
          simulator).

Seeded, so that every run of a scenario sends the same statements.
"""
import argparse
import datetime
import json
import multiprocessing
import random
import sys
import time
import traceback
import warnings

warnings.filterwarnings("ignore", message="server parameter is deprecated")
import pytds  # noqa: E402


def connect(a):
    for attempt in range(60):
        try:
            conn = pytds.connect(server=a.host, port=a.port, user=a.user, password=a.password,
                                 database=a.db, autocommit=True, login_timeout=10, timeout=300)
            # An error ends the whole transaction, so that it can be sent again as it was.
            run_batch(conn, "SET XACT_ABORT ON")
            return conn
        except (pytds.Error, OSError):
            if attempt == 59:
                raise
            time.sleep(0.5)


def run_batch(conn, sql):
    """Runs one batch and drains its results, so that errors of later statements surface."""
    cur = conn.cursor()
    cur.execute(sql)
    while cur.nextset():
        pass


def value_sql(r):
    b = "NULL" if r.random() < 0.1 else str(r.getrandbits(40))
    c = "NULL" if r.random() < 0.1 else "'v%d'" % r.randrange(10 ** 9)
    return "%d, %s, %s" % (r.randrange(10 ** 6), b, c)


def setup(a):
    conn = connect(a)
    run_batch(conn, "CREATE TABLE dbo.narrow (id int NOT NULL PRIMARY KEY, a int NOT NULL, "
                    "b bigint NULL, c varchar(20) NULL)")
    if a.keys:
        run_batch(conn, "WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
                        "INSERT INTO dbo.narrow SELECT i, i %% 1000, CAST(i AS bigint) * 7, "
                        "'v' + CAST(i AS varchar(10)) FROM n OPTION (MAXRECURSION 0)" % a.keys)


def run(a):
    """--connections workers, each on its own keys (k % connections == worker), so that their
    transactions never touch the same rows; one JSON line for all of them."""
    n = max(1, a.connections)
    if n == 1:
        result = load(a, 0, 1)
    else:
        queue = multiprocessing.Queue()
        workers = [multiprocessing.Process(target=worker, args=(a, w, n, queue))
                   for w in range(n)]
        for w in workers:
            w.start()
        parts = [queue.get() for _ in workers]
        for w in workers:
            w.join()
        if any(p is None for p in parts):
            return 3
        seconds = max(p["seconds"] for p in parts)
        result = {"changes": sum(p["changes"] for p in parts),
                  "transactions": sum(p["transactions"] for p in parts),
                  "seconds": seconds,
                  "started": min(p["started"] for p in parts),
                  "ended": max(p["ended"] for p in parts),
                  "live": sum(p["live"] for p in parts),
                  "retries": sum(p["retries"] for p in parts),
                  "stalled_seconds": round(sum(p["stalled_seconds"] for p in parts), 2)}
        result["rate"] = round(result["changes"] / seconds, 1)
    if result is None:
        return 3
    conn = connect(a)
    cur = conn.cursor()
    cur.execute("SELECT COUNT(*) FROM dbo.narrow")
    result["source_rows"] = cur.fetchone()[0]
    if result["source_rows"] != result.pop("live"):
        print("apply_load: the source holds %d rows, the generator expected otherwise"
              % result["source_rows"], file=sys.stderr)
        return 3
    result["connections"] = n
    print(json.dumps(result))


def worker(a, w, n, queue):
    try:
        queue.put(load(a, w, n))
    except BaseException:
        traceback.print_exc()
        queue.put(None)


def load(a, index, workers):
    r = random.Random(a.seed * 1000 + index)
    rate = a.rate / workers
    conn = connect(a)
    # keys present at the source; swap-remove keeps it O(1)
    live = [k for k in range(1, a.keys + 1) if k % workers == index]
    pos = {k: i for i, k in enumerate(live)}
    next_key = a.keys + 1
    while next_key % workers != index:
        next_key += 1
    changes = transactions = retries = 0
    stalled = 0.0  # seconds slept before retries
    started = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    end = t0 + a.seconds
    while True:
        now = time.monotonic()
        if now >= end:
            break
        # Pacing: sleep while ahead of rate * elapsed.
        ahead = changes / rate - (now - t0)
        if ahead > 0:
            time.sleep(min(ahead, end - now))
            continue
        # One statement per kind of change, several rows each: the simulator spends most of its
        # time per statement, and one connection reaches 5k changes/s only this way. Inserts come
        # first and deletes last, so that the order of a transaction's changes stays valid.
        inserts, updates, deletes = [], [], []
        n = r.randint(1, a.max_tx_changes)
        for _ in range(n):
            roll = r.randrange(100)
            if roll < 60 or not live:
                k = next_key
                next_key += workers
                pos[k] = len(live)
                live.append(k)
                inserts.append("(%d, %s)" % (k, value_sql(r)))
            elif roll < 90:
                updates.append(live[r.randrange(len(live))])
            else:
                k = live[r.randrange(len(live))]
                i = pos.pop(k)
                last = live.pop()
                if last != k:
                    live[i] = last
                    pos[last] = i
                deletes.append(k)
        updates = sorted(set(updates))  # a key updated twice in one statement is one change
        n = len(inserts) + len(updates) + len(deletes)
        stmts = []
        if inserts:
            stmts.append("INSERT INTO dbo.narrow VALUES " + ", ".join(inserts))
        if updates:
            b = "NULL" if r.random() < 0.1 else str(r.getrandbits(40))
            stmts.append("UPDATE dbo.narrow SET a = a + 1, b = %s WHERE id IN (%s)"
                         % (b, ", ".join(map(str, updates))))
        if deletes:
            stmts.append("DELETE FROM dbo.narrow WHERE id IN (%s)" % ", ".join(map(str, deletes)))
        # The simulator answers lock time-outs (error 1222) at once while its CDC capture holds
        # the database; the transaction was rolled back (XACT_ABORT), so the same statements are
        # valid again a little later.
        sql = "BEGIN TRAN; " + "; ".join(stmts) + "; COMMIT"
        wait, give_up = 0.001, time.monotonic() + 120
        while True:
            try:
                run_batch(conn, sql)
                break
            except pytds.Error as e:
                retries += 1
                if time.monotonic() > give_up:
                    raise
                if retries <= 3:
                    print("apply_load: retrying a transaction: %s" % str(e).splitlines()[0],
                          file=sys.stderr)
                run_batch(conn, "IF @@TRANCOUNT > 0 ROLLBACK")
                time.sleep(wait)
                stalled += wait
                wait = min(wait * 2, 0.05)
        changes += n
        transactions += 1
    seconds = time.monotonic() - t0
    ended = datetime.datetime.now(datetime.timezone.utc)
    return {"changes": changes, "transactions": transactions, "seconds": round(seconds, 3),
            "rate": round(changes / seconds, 1), "started": started.isoformat(),
            "ended": ended.isoformat(), "live": len(live), "retries": retries,
            "stalled_seconds": round(stalled, 2)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("command", choices=["setup", "run"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", default="sa")
    p.add_argument("--password", default="Sim_Passw0rd")
    p.add_argument("--db", required=True)
    p.add_argument("--keys", type=int, default=10000, help="rows preloaded by setup")
    p.add_argument("--rate", type=float, default=1000, help="changes per second")
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--max-tx-changes", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--connections", type=int, default=1,
                   help="source connections (processes) sharing the rate, on disjoint keys")
    a = p.parse_args()
    setup(a) if a.command == "setup" else run(a)


if __name__ == "__main__":
    sys.exit(main())
