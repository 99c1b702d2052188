"""psycopg2 against eddy: run by cmd/eddy/clients_test.go as

    python3 psycopg2_test.py postgres://user@host:port/db

Prints each check; exits non-zero on the first mismatch or error. The
expected values are what PostgreSQL 15 gives.
"""
import io
import sys

import psycopg2
import psycopg2.errorcodes

url = sys.argv[1]


def check(what, got, want):
    if got != want:
        print(f"FAIL {what}: got {got!r}, want {want!r}")
        sys.exit(1)
    print(f"ok   {what}")


conn = psycopg2.connect(url)
print(f"connected: server_version={conn.server_version}")
cur = conn.cursor()
cur.execute("DROP TABLE IF EXISTS py_items")
cur.execute(
    "CREATE TABLE py_items (id INT PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(10,2), qty BIGINT)"
)
conn.commit()

# Parameters (%s): psycopg2 interpolates client-side, over the simple protocol.
cur.execute(
    "INSERT INTO py_items (id, name, price, qty) VALUES (%s, %s, %s, %s)",
    (1, "it's a widget", "9.99", 3),
)
check("insert rowcount", cur.rowcount, 1)
cur.executemany(
    "INSERT INTO py_items VALUES (%s, %s, %s, %s)",
    [(i, f"item {i}", f"{i}.50", i * 10) for i in range(2, 101)],
)
conn.commit()

cur.execute("SELECT id, name, price, qty FROM py_items WHERE id <= %s ORDER BY id", (3,))
rows = cur.fetchall()
from decimal import Decimal

check(
    "fetchall",
    rows,
    [(1, "it's a widget", Decimal("9.99"), 3), (2, "item 2", Decimal("2.50"), 20), (3, "item 3", Decimal("3.50"), 30)],
)
check("description", [d.name for d in cur.description], ["id", "name", "price", "qty"])
cur.execute("SELECT count(*), sum(qty) FROM py_items")
check("count and sum", cur.fetchone(), (100, Decimal("50493")))
cur.execute("SELECT %s::int + 1, %s, %s IS NULL", (41, "a'b\\c", None))
check("parameter quoting", cur.fetchone(), (42, "a'b\\c", True))
conn.commit()

# Server-side named cursor: DECLARE ... CURSOR WITHOUT HOLD, FETCH FORWARD n.
named = conn.cursor(name="py_cur")
named.itersize = 7
named.execute("SELECT id FROM py_items ORDER BY id")
ids = [r[0] for r in named]
check("named cursor rows", ids, list(range(1, 101)))
named.close()
named = conn.cursor(name="py_cur2")
named.execute("SELECT id, name FROM py_items WHERE id > %s ORDER BY id", (95,))
check("named cursor fetchmany", named.fetchmany(2), [(96, "item 96"), (97, "item 97")])
check("named cursor fetchall", named.fetchall(), [(98, "item 98"), (99, "item 99"), (100, "item 100")])
named.close()
conn.commit()

# COPY via copy_expert.
buf = io.StringIO()
cur.copy_expert("COPY (SELECT id, name, price FROM py_items WHERE id <= 3 ORDER BY id) TO STDOUT", buf)
check("copy to stdout", buf.getvalue(), "1\tit's a widget\t9.99\n2\titem 2\t2.50\n3\titem 3\t3.50\n")
buf = io.StringIO()
cur.copy_expert("COPY (SELECT id, name FROM py_items WHERE id = 1) TO STDOUT WITH (FORMAT csv, HEADER)", buf)
check("copy to stdout csv", buf.getvalue(), "id,name\n1,it's a widget\n")
src = io.StringIO("201\tcopied one\t1.25\t7\n202\tcopied\\ttab\t\\N\t8\n")
cur.copy_expert("COPY py_items (id, name, price, qty) FROM STDIN", src)
check("copy from stdin rowcount", cur.rowcount, 2)
src = io.StringIO('id,name\n203,"csv, quoted"\n')
cur.copy_expert("COPY py_items (id, name) FROM STDIN WITH (FORMAT csv, HEADER)", src)
conn.commit()
cur.execute("SELECT id, name, price, qty FROM py_items WHERE id > 200 ORDER BY id")
check(
    "copied rows",
    cur.fetchall(),
    [(201, "copied one", Decimal("1.25"), 7), (202, "copied\ttab", None, 8), (203, "csv, quoted", None, None)],
)
conn.commit()

# Transactions.
cur.execute("INSERT INTO py_items VALUES (300, 'rolled back', 0, 0)")
conn.rollback()
cur.execute("SELECT count(*) FROM py_items WHERE id = 300")
check("rollback", cur.fetchone()[0], 0)
conn.commit()
cur.execute("INSERT INTO py_items VALUES (301, 'committed', 0, 0)")
conn.commit()
other = psycopg2.connect(url)
ocur = other.cursor()
ocur.execute("SELECT name FROM py_items WHERE id = 301")
check("commit visible to another session", ocur.fetchone(), ("committed",))
other.close()
with conn:
    with conn.cursor() as c:
        c.execute("UPDATE py_items SET qty = qty + 1 WHERE id = 301")
check("context manager commit", conn.status, psycopg2.extensions.STATUS_READY)
cur.execute("SELECT qty FROM py_items WHERE id = 301")
check("updated", cur.fetchone(), (1,))
conn.commit()

# Error codes.
try:
    cur.execute("INSERT INTO py_items VALUES (1, 'duplicate', 0, 0)")
    print("FAIL unique violation: no error")
    sys.exit(1)
except psycopg2.Error as e:
    check("unique violation pgcode", e.pgcode, psycopg2.errorcodes.UNIQUE_VIOLATION)
    check("unique violation class", type(e), psycopg2.errors.UniqueViolation)
    check("transaction aborted", conn.get_transaction_status(), psycopg2.extensions.TRANSACTION_STATUS_INERROR)
conn.rollback()
try:
    cur.execute("SELECT * FROM py_no_such_table")
    print("FAIL undefined table: no error")
    sys.exit(1)
except psycopg2.Error as e:
    check("undefined table pgcode", e.pgcode, psycopg2.errorcodes.UNDEFINED_TABLE)
    check("undefined table class", type(e), psycopg2.errors.UndefinedTable)
conn.rollback()
cur.execute("SELECT 1")
check("usable after errors", cur.fetchone(), (1,))

# A materialized view, created outside a transaction block (eddy refuses
# CREATE MATERIALIZED VIEW inside one), read and found in the catalogs.
conn.commit()
conn.autocommit = True
cur.execute("DROP MATERIALIZED VIEW IF EXISTS py_mv")
cur.execute("CREATE MATERIALIZED VIEW py_mv AS SELECT qty > 1 AS many, count(*) AS n FROM py_items GROUP BY qty > 1")
cur.execute("SELECT count(*) FROM py_items")
(items,) = cur.fetchone()
cur.execute("SELECT sum(n) FROM py_mv")
check("matview rows", cur.fetchone(), (items,))
cur.execute("SELECT relkind FROM pg_class WHERE relname = 'py_mv'")
check("matview relkind", cur.fetchone(), ("m",))
cur.execute("SELECT matviewname, ispopulated FROM pg_matviews WHERE matviewname = 'py_mv'")
check("pg_matviews", cur.fetchall(), [("py_mv", True)])
cur.execute("SELECT * FROM py_mv WHERE false")
check("matview description", [(d.name, d.type_code) for d in cur.description], [("many", 16), ("n", 20)])
cur.execute("DROP MATERIALIZED VIEW py_mv")
conn.autocommit = False

# LISTEN/NOTIFY as psycopg2's documentation has it: an autocommit
# listener waits on the socket with select() and collects with poll().
import select

listener = psycopg2.connect(url)
listener.autocommit = True
lcur = listener.cursor()
lcur.execute("LISTEN py_events")
notifier = psycopg2.connect(url)
ncur = notifier.cursor()
ncur.execute("NOTIFY py_events, 'first'")
ncur.execute("SELECT pg_notify('py_events', 'second')")
check("no notification before commit", select.select([listener], [], [], 0.2)[0], [])
notifier.commit()
got = []
while len(got) < 2 and select.select([listener], [], [], 5)[0]:
    listener.poll()
    while listener.notifies:
        n = listener.notifies.pop(0)
        got.append((n.channel, n.payload, n.pid))
check("notifications", got, [("py_events", "first", notifier.get_backend_pid()), ("py_events", "second", notifier.get_backend_pid())])
ncur.execute("NOTIFY py_events, 'dropped'")
notifier.rollback()
check("rolled back notification", select.select([listener], [], [], 0.2)[0], [])

# Advisory locks, and the sessions in pg_stat_activity.
ncur.execute("SELECT pg_advisory_lock(4242)")
lcur.execute("SELECT pg_try_advisory_lock(4242)")
check("advisory lock held elsewhere", lcur.fetchone(), (False,))
lcur.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND pid = %s", (notifier.get_backend_pid(),))
check("pg_locks advisory row", lcur.fetchone(), (1,))
lcur.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", (notifier.get_backend_pid(),))
check("pg_stat_activity idle in transaction", lcur.fetchone(), ("idle in transaction",))
ncur.execute("SELECT pg_advisory_unlock(4242)")
check("advisory unlock", ncur.fetchone(), (True,))
notifier.commit()
notifier.close()
listener.close()

cur.execute("DROP TABLE py_items")
conn.commit()
conn.close()
print("psycopg2: all checks passed")
