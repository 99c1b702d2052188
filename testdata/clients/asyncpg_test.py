"""asyncpg against eddy: run by cmd/eddy/clients_test.go as

    python3 asyncpg_test.py postgres://user@host:port/db

asyncpg is the demanding client: it speaks only the extended protocol,
asks for binary results for every type it knows, and introspects the
catalogs (pg_type, pg_range, ...) for types it does not. Prints each
check; exits non-zero if any failed. The expected values are what
PostgreSQL 15 gives.
"""
import asyncio
import datetime
import decimal
import json
import sys

import asyncpg

url = sys.argv[1]
failed = []


def check(what, got, want):
    if got != want:
        print(f"FAIL {what}: got {got!r}, want {want!r}")
        failed.append(what)
    else:
        print(f"ok   {what}")


async def expect_error(what, sqlstate, coro):
    try:
        await coro
    except asyncpg.PostgresError as e:
        check(what, e.sqlstate, sqlstate)
    else:
        check(what, "no error", sqlstate)


async def main():
    conn = await asyncpg.connect(url)
    print(f"connected: server_version={conn.get_server_version()}")
    await conn.execute("DROP MATERIALIZED VIEW IF EXISTS apg_mv")
    await conn.execute("DROP TABLE IF EXISTS apg_items")
    await conn.execute(
        "CREATE TABLE apg_items (id INT PRIMARY KEY, name TEXT, price NUMERIC(10,2),"
        " at TIMESTAMPTZ, ok BOOL, tags TEXT[], nums INT[], doc JSONB, big BIGINT)"
    )
    at = datetime.datetime(2024, 2, 29, 13, 14, 15, 123456, tzinfo=datetime.timezone.utc)
    rows = [
        (1, "it's a widget", decimal.Decimal("9.99"), at, True, ["a", "b c"], [1, 2, 3], '{"k": [1, "two", null]}', 1 << 40),
        (2, None, None, None, None, None, None, None, None),
        (3, "ünïcode", decimal.Decimal("-0.50"), at - datetime.timedelta(days=400), False, [], [], "{}", -7),
    ]
    insert = "INSERT INTO apg_items VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    status = await conn.execute(insert, *rows[0])
    check("execute status", status, "INSERT 0 1")
    await conn.executemany(insert, rows[1:])

    got = await conn.fetch("SELECT * FROM apg_items ORDER BY id")
    check("fetch rows", [tuple(r) for r in got], [tuple(r) for r in rows])
    check("record keys", list(got[0].keys()), ["id", "name", "price", "at", "ok", "tags", "nums", "doc", "big"])

    # Parameters of every kind, typed by the server (asyncpg asks Describe
    # for the parameter types and encodes in binary accordingly).
    r = await conn.fetchrow(
        "SELECT $1::int + 1, $2::text, $3::numeric * 2, $4::timestamptz, $5::bool, $6::int[], $7::jsonb, $8::text IS NULL",
        41, "a'b\\c", decimal.Decimal("1.25"), at, False, [4, None, 6], '{"x": 1}', None,
    )
    check("typed parameters", tuple(r), (42, "a'b\\c", decimal.Decimal("2.50"), at, False, [4, None, 6], '{"x": 1}', True))
    check("fetchval", await conn.fetchval("SELECT count(*) FROM apg_items WHERE id = ANY($1)", [1, 3, 99]), 2)
    check("untyped parameter", await conn.fetchval("SELECT name FROM apg_items WHERE id = $1", 3), "ünïcode")
    check(
        "date, interval, float, bytea",
        tuple(await conn.fetchrow("SELECT $1::date, $2::interval, $3::float8, $4::bytea, $5::smallint",
                                  datetime.date(2000, 1, 2), datetime.timedelta(days=3, seconds=4), 1.5, b"\x00\xff", 7)),
        (datetime.date(2000, 1, 2), datetime.timedelta(days=3, seconds=4), 1.5, b"\x00\xff", 7),
    )
    check("two-dimensional array parameter", await conn.fetchval("SELECT $1::text[][]", [["a", "b"], ["c", None]]),
          [["a", "b"], ["c", None]])
    check("record", tuple(await conn.fetchval("SELECT ROW(1, 'x', NULL::text, true)")), (1, "x", None, True))
    check("uuid", str(await conn.fetchval("SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid")), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")

    # Prepared statements, reused.
    stmt = await conn.prepare("SELECT name, price FROM apg_items WHERE id = $1")
    check("prepared attributes", [(a.name, a.type.name) for a in stmt.get_attributes()], [("name", "text"), ("price", "numeric")])
    check("prepared parameters", [p.name for p in stmt.get_parameters()], ["int4"])
    check("prepared reuse 1", tuple(await stmt.fetchrow(1)), ("it's a widget", decimal.Decimal("9.99")))
    check("prepared reuse 3", tuple(await stmt.fetchrow(3)), ("ünïcode", decimal.Decimal("-0.50")))
    check("prepared no row", await stmt.fetchrow(99), None)

    # Transactions and rollback.
    try:
        async with conn.transaction():
            await conn.execute("UPDATE apg_items SET name = 'changed' WHERE id = 1")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    check("rollback", await conn.fetchval("SELECT name FROM apg_items WHERE id = 1"), "it's a widget")
    async with conn.transaction():
        await conn.execute("UPDATE apg_items SET big = big + 1 WHERE id = $1", 1)
    check("commit", await conn.fetchval("SELECT big FROM apg_items WHERE id = 1"), (1 << 40) + 1)

    # Errors carry their SQLSTATE; the connection stays usable.
    await expect_error("unique violation", "23505", conn.execute(insert, *rows[0]))
    await expect_error("undefined table", "42P01", conn.fetch("SELECT * FROM apg_nope"))
    await expect_error("division by zero", "22012", conn.fetchval("SELECT 1 / $1::int", 0))
    await expect_error("syntax error", "42601", conn.execute("SELEC 1"))
    try:
        async with conn.transaction():
            await conn.execute("INSERT INTO apg_items (id) VALUES (10)")
            await conn.execute("SELECT 1/0")
    except asyncpg.PostgresError as e:
        check("error in transaction", e.sqlstate, "22012")
    check("usable after errors", await conn.fetchval("SELECT count(*) FROM apg_items"), 3)

    # Server-side cursor (a portal read in chunks inside a transaction).
    async with conn.transaction():
        ids = [r["id"] async for r in conn.cursor("SELECT id FROM apg_items ORDER BY id", prefetch=1)]
        check("cursor iteration", ids, [1, 2, 3])
        cur = await conn.cursor("SELECT generate_series(1, 10) AS g")
        check("cursor fetch", [r["g"] for r in await cur.fetch(3)], [1, 2, 3])
        await cur.forward(2)
        check("cursor forward", (await cur.fetchrow())["g"], 6)

    # COPY both ways.
    n = await conn.copy_records_to_table("apg_items", records=[(20, "copied", decimal.Decimal("1.00"), at, True, ["x"], [9], "[]", 5)])
    check("copy to table", n, "COPY 1")
    check("copied row", await conn.fetchval("SELECT name FROM apg_items WHERE id = 20"), "copied")
    out = []
    await conn.copy_from_query("SELECT id, name FROM apg_items WHERE id IN (1, 20) ORDER BY id", output=lambda b: out.append(b) or asyncio.sleep(0))
    check("copy from query", b"".join(out), b"1\tit's a widget\n20\tcopied\n")

    # A materialized view: created, read, and found in the catalogs.
    await conn.execute("CREATE MATERIALIZED VIEW apg_mv AS SELECT ok, count(*) AS n, sum(price) AS total FROM apg_items GROUP BY ok")
    got = await conn.fetch("SELECT ok, n, total FROM apg_mv ORDER BY ok NULLS LAST")
    check("matview rows", [tuple(r) for r in got],
          [(False, 1, decimal.Decimal("-0.50")), (True, 2, decimal.Decimal("10.99")), (None, 1, None)])
    check("matview relkind", await conn.fetchval("SELECT relkind FROM pg_class WHERE relname = 'apg_mv'"), b"m")

    # Introspection: asyncpg's own type lookup runs for types outside its
    # builtin table; set_type_codec runs the same query.
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    check("jsonb codec", await conn.fetchval("SELECT doc FROM apg_items WHERE id = 1"), {"k": [1, "two", None]})
    check("jsonb codec parameter", await conn.fetchval("SELECT $1::jsonb -> 'a'", {"a": [1]}), [1])
    check(
        "catalog columns",
        [tuple(r) for r in await conn.fetch(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = $1 AND a.attnum > 0 ORDER BY a.attnum", "apg_items")],
        [("id", "integer"), ("name", "text"), ("price", "numeric(10,2)"), ("at", "timestamp with time zone"),
         ("ok", "boolean"), ("tags", "text[]"), ("nums", "integer[]"), ("doc", "jsonb"), ("big", "bigint")],
    )
    # Text-format fallback for a type asyncpg has no binary codec for.
    check("text fallback", await conn.fetchval("SELECT '1 day'::interval::text"), "1 day")

    await conn.execute("DROP MATERIALIZED VIEW apg_mv")
    await conn.execute("DROP TABLE apg_items")

    # A pool: several connections, reset between uses.
    pool = await asyncpg.create_pool(url, min_size=2, max_size=2)
    vals = await asyncio.gather(*[pool.fetchval("SELECT $1::int * 2", i) for i in range(6)])
    check("pool", vals, [0, 2, 4, 6, 8, 10])
    # The pool's reset (pg_advisory_unlock_all, UNLISTEN *) really
    # releases what a user of a connection left behind.
    async with pool.acquire() as pc:
        await pc.execute("SELECT pg_advisory_lock(5151)")
        await pc.execute("LISTEN apg_left")
        left_pid = pc.get_server_pid()
    check("pool reset unlocks", await conn.fetchval("SELECT pg_try_advisory_lock(5151)"), True)
    await conn.execute("SELECT pg_advisory_unlock(5151)")
    check("pool connection idle after reset", await conn.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state = 'idle'", left_pid), 1)
    await pool.close()

    # add_listener: asyncpg calls back as NotificationResponse arrives.
    got = asyncio.Queue()
    await conn.add_listener("apg_events", lambda c, pid, channel, payload: got.put_nowait((pid, channel, payload)))
    other = await asyncpg.connect(url)
    async with other.transaction():
        await other.execute("NOTIFY apg_events, 'x'")
        await other.execute("SELECT pg_notify('apg_events', 'y')")
    notes = [await asyncio.wait_for(got.get(), 5) for _ in range(2)]
    pid = other.get_server_pid()
    check("notifications", notes, [(pid, "apg_events", "x"), (pid, "apg_events", "y")])
    await other.close()
    await conn.close()


asyncio.run(main())
if failed:
    print(f"{len(failed)} checks failed")
    sys.exit(1)
