"""pg8000 against eddy: run by cmd/eddy/clients_test.go as

    python3 pg8000_test.py postgres://user@host:port/db

pg8000 is pure Python: it sends every query through the extended protocol,
declaring its parameters' types itself (text or binary by type) and
reading binary results. Prints each check; exits non-zero if any failed.
The expected values are what PostgreSQL 15 gives.
"""
import datetime
import decimal
import sys
import urllib.parse

import pg8000

u = urllib.parse.urlparse(sys.argv[1])
failed = []


def check(what, got, want):
    if got != want:
        print(f"FAIL {what}: got {got!r}, want {want!r}")
        failed.append(what)
    else:
        print(f"ok   {what}")


def sqlstate(e):
    # pg8000 1.10 puts the fields in args (severity, severity, code,
    # message, ...); newer versions a dict with 'C'.
    a = e.args[0] if e.args else None
    if isinstance(a, dict):
        return a.get("C")
    return e.args[2] if len(e.args) > 2 else None


def name(n):
    return n.decode() if isinstance(n, bytes) else n  # bytes in pg8000 1.10


conn = pg8000.connect(user=u.username, password=u.password or None, host=u.hostname, port=u.port or 5432,
                      database=u.path.lstrip("/"))
cur = conn.cursor()
cur.execute("DROP MATERIALIZED VIEW IF EXISTS p8_mv")
cur.execute("DROP TABLE IF EXISTS p8_items")
cur.execute(
    "CREATE TABLE p8_items (id INT PRIMARY KEY, name TEXT, price NUMERIC(10,2), at TIMESTAMPTZ,"
    " ok BOOL, nums INT[], big BIGINT)"
)
conn.commit()

at = datetime.datetime(2024, 2, 29, 13, 14, 15, 123456, tzinfo=datetime.timezone.utc)
rows = [
    (1, "it's a widget", decimal.Decimal("9.99"), at, True, [1, 2, 3], 1 << 40),
    (2, None, None, None, None, None, None),
    (3, "ünïcode", decimal.Decimal("-0.50"), at - datetime.timedelta(days=400), False, [5], -7),
]
cur.execute("INSERT INTO p8_items VALUES (%s, %s, %s, %s, %s, %s, %s)", rows[0])
check("insert rowcount", cur.rowcount, 1)
cur.executemany("INSERT INTO p8_items VALUES (%s, %s, %s, %s, %s, %s, %s)", rows[1:])
conn.commit()

cur.execute("SELECT id, name, price, at, ok, nums, big FROM p8_items ORDER BY id")
got = [tuple(r) for r in cur.fetchall()]
check("fetchall", got, [tuple(r) for r in rows])
check("description", [name(d[0]) for d in cur.description], ["id", "name", "price", "at", "ok", "nums", "big"])

cur.execute("SELECT name FROM p8_items WHERE id = %s", (3,))
check("parameter select", cur.fetchone(), ["ünïcode"])
cur.execute("SELECT %s::int + 1, %s, %s IS NULL, %s::numeric * 2", (41, "a'b\\c", None, decimal.Decimal("1.25")))
check("parameter kinds", tuple(cur.fetchone()), (42, "a'b\\c", True, decimal.Decimal("2.50")))
cur.execute("SELECT count(*) FROM p8_items WHERE id = ANY(%s)", ([1, 3, 99],))
check("array parameter", cur.fetchone(), [2])
cur.execute("SELECT %s::date, %s::float8, %s::bytea, %s::jsonb", (datetime.date(2000, 1, 2), 1.5, b"\x00\xff", '{"a": 1}'))
r = cur.fetchone()
check("date, float, bytea, jsonb", (r[0], r[1], bytes(r[2])), (datetime.date(2000, 1, 2), 1.5, b"\x00\xff"))
conn.commit()

# The same statement again: pg8000 caches and reuses its prepared statement.
for i in (1, 3, 1):
    cur.execute("SELECT price FROM p8_items WHERE id = %s", (i,))
    check(f"reused statement {i}", cur.fetchone()[0], rows[i - 1][2])
conn.commit()

# Rollback.
cur.execute("UPDATE p8_items SET name = 'changed' WHERE id = 1")
conn.rollback()
cur.execute("SELECT name FROM p8_items WHERE id = 1")
check("rollback", cur.fetchone(), ["it's a widget"])
conn.commit()

# Errors carry their SQLSTATE; the connection stays usable after rollback.
for what, q, args, code in [
    ("unique violation", "INSERT INTO p8_items (id) VALUES (%s)", (1,), "23505"),
    ("undefined table", "SELECT * FROM p8_nope", None, "42P01"),
    ("division by zero", "SELECT 1 / %s::int", (0,), "22012"),
    ("syntax error", "SELEC 1", None, "42601"),
]:
    try:
        cur.execute(q, args) if args else cur.execute(q)
        check(what, "no error", code)
    except pg8000.ProgrammingError as e:
        check(what, sqlstate(e), code)
    except pg8000.Error as e:
        check(what, sqlstate(e), code)
    conn.rollback()
cur.execute("SELECT count(*) FROM p8_items")
check("usable after errors", cur.fetchone(), [3])
conn.commit()

# A materialized view and the catalogs. eddy creates views outside
# transaction blocks only, hence autocommit.
conn.autocommit = True
cur.execute("CREATE MATERIALIZED VIEW p8_mv AS SELECT ok, count(*) AS n FROM p8_items GROUP BY ok")
conn.commit()
cur.execute("SELECT ok, n FROM p8_mv ORDER BY ok NULLS LAST")
check("matview rows", [tuple(r) for r in cur.fetchall()], [(False, 1), (True, 1), (None, 1)])
cur.execute("SELECT relkind FROM pg_class WHERE relname = %s", ("p8_mv",))
check("matview relkind", cur.fetchone(), ["m"])
conn.autocommit = False
cur.execute(
    "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
    " WHERE c.relname = %s AND a.attnum > 0 ORDER BY a.attnum", ("p8_items",))
check("catalog columns", [tuple(r) for r in cur.fetchall()],
      [("id", "integer"), ("name", "text"), ("price", "numeric(10,2)"), ("at", "timestamp with time zone"),
       ("ok", "boolean"), ("nums", "integer[]"), ("big", "bigint")])
conn.commit()

cur.execute("DROP MATERIALIZED VIEW p8_mv")
cur.execute("DROP TABLE p8_items")
conn.commit()
conn.close()
if failed:
    print(f"{len(failed)} checks failed")
    sys.exit(1)
