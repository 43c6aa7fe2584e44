"""Bulk-loads N rows into a table the way bcp clients do, with python-tds: the column metadata
from a SET FMTONLY ON query, then INSERT BULK with an unbracketed two-part name, column types,
COLLATE and WITH options, then the rows as a bulk load message (packet type 7).

usage: bulk_load.py HOST PORT USER PASSWORD DATABASE FIRST_EMP COUNT
Loads hr.timesheet rows for employees FIRST_EMP.. (30 days each) and prints the row count."""
import datetime
import decimal
import sys

import pytds
from pytds.tds_base import Column
from pytds.tds_types import DateType, DecimalType, IntType, VarCharType

host, port, user, password, database = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
first, count = int(sys.argv[6]), int(sys.argv[7])

conn = pytds.connect(server=host, port=port, user=user, password=password, database=database,
                     autocommit=True)
cur = conn.cursor()
cur.execute("SET FMTONLY ON SELECT emp_id, day, hours, note FROM hr.timesheet SET FMTONLY OFF")
names = [d[0] for d in cur.description]
assert names == ["emp_id", "day", "hours", "note"], names
assert cur.fetchall() == []  # FMTONLY: metadata, no rows

types = {"emp_id": IntType(), "day": DateType(), "hours": DecimalType(precision=4, scale=1),
         "note": VarCharType(size=20)}
metadata = [Column(name=n, type=types[n], flags=Column.fNullable) for n in names]
start = datetime.date(2024, 1, 1)
rows = []
for i in range(count):
    emp, day = first + i // 30, start + datetime.timedelta(days=i % 30)
    hours = decimal.Decimal(4 + (i % 9)) + decimal.Decimal("0.5")
    rows.append((emp, day, hours, None if i % 4 == 0 else "shift %d" % (i % 3)))

cur.execute("INSERT BULK hr.timesheet (emp_id int, day date, hours decimal(4,1), "
            "note varchar(20) COLLATE SQL_Latin1_General_CP1_CI_AS) "
            "WITH (TABLOCK, CHECK_CONSTRAINTS, FIRE_TRIGGERS, ORDER(emp_id ASC, day ASC), "
            "BATCHSIZE = 1000, ROWS_PER_BATCH = %d)" % count)
cur._session.submit_bulk(metadata, rows)
cur._session.process_simple_request()
cur.execute("SELECT COUNT(*) FROM hr.timesheet WHERE emp_id >= %d" % first)
print(cur.fetchone()[0])
