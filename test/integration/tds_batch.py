"""One T-SQL batch through python-tds, shared by the pytest suites and the workload generator."""


def run_batch(conn, sql, params=None):
    """Runs one batch and drains every result set, so that errors of later statements surface;
    returns the rows of the last result set that had any columns (or [])."""
    cur = conn.cursor()
    cur.execute(sql, params)
    rows = []
    while True:
        if cur.description is not None:
            rows = cur.fetchall()
        if not cur.nextset():
            break
    return rows
