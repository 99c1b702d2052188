// postgres.js (the npm package "postgres", pinned by package-lock.json)
// against eddy: run by cmd/eddy/clients_test.go as
//
//     node postgres_test.js postgres://user@host:port/db
//
// postgres.js prepares named statements over the extended protocol,
// fetches the array types from pg_type when it connects, reads cursors
// with Execute row limits and streams COPY. Prints each check; keeps going
// after a mismatch or a failed step and exits 1 at the end if any failed.
// The expected values are what PostgreSQL 15 gives.
'use strict';
const assert = require('node:assert');
const postgres = require('postgres');

const failures = [];

function check(what, got, want) {
  try {
    assert.deepStrictEqual(got, want);
    console.log(`ok   ${what}`);
  } catch (e) {
    console.log(`FAIL ${what}:\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`);
    failures.push(what);
  }
}

async function step(what, fn) {
  try {
    await fn();
  } catch (e) {
    console.log(`FAIL ${what}: ${e.code ? `[${e.code}] ` : ''}${e.message}`);
    failures.push(what);
  }
}

async function sqlstate(what, want, fn) {
  try {
    await fn();
    check(what, 'no error', want);
  } catch (e) {
    check(what, e.code, want);
  }
}

async function main() {
  const sql = postgres(process.argv[2], { max: 2, onnotice: () => {} });
  const at = new Date('2024-02-29T13:14:15.123Z');
  await step('setup', async () => {
    await sql`DROP MATERIALIZED VIEW IF EXISTS pjs_mv`;
    await sql`DROP TABLE IF EXISTS pjs_items`;
    await sql`CREATE TABLE pjs_items (id INT PRIMARY KEY, name TEXT, price NUMERIC(10,2), at TIMESTAMPTZ,
      ok BOOL, tags TEXT[], nums INT[], doc JSONB, big BIGINT)`;
  });
  await step('insert', async () => {
    const r = await sql`INSERT INTO pjs_items VALUES (1, ${"it's a widget"}, ${'9.99'}, ${at}, ${true},
      ${sql.array(['a', 'b c'])}, ${sql.array([1, 2, 3])}::int[], ${sql.json({ k: [1, 'two', null] })}, ${'1099511627776'})`;
    check('insert count', r.count, 1);
    await sql`INSERT INTO pjs_items ${sql([
      { id: 2, name: null, price: null, at: null, ok: null, big: null },
      { id: 3, name: 'ünïcode', price: '-0.50', at: new Date('2023-01-25T13:14:15Z'), ok: false, big: '-7' },
    ])}`;
  });
  await step('select', async () => {
    const rows = await sql`SELECT * FROM pjs_items ORDER BY id`;
    check('row 1', { ...rows[0] }, {
      id: 1, name: "it's a widget", price: '9.99', at, ok: true, tags: ['a', 'b c'], nums: [1, 2, 3],
      doc: { k: [1, 'two', null] }, big: '1099511627776',
    });
    check('row 2', { ...rows[1] }, { id: 2, name: null, price: null, at: null, ok: null, tags: null, nums: null, doc: null, big: null });
    check('columns', rows.columns.map((c) => c.name), ['id', 'name', 'price', 'at', 'ok', 'tags', 'nums', 'doc', 'big']);
    check('column types', rows.columns.map((c) => c.type), [23, 25, 1700, 1184, 16, 1009, 1007, 3802, 20]);
  });
  await step('parameters', async () => {
    const [r] = await sql`SELECT ${41}::int + 1 AS a, ${"a'b\\c"}::text AS b, ${null}::text IS NULL AS c, ${'1.25'}::numeric * 2 AS d`;
    check('typed parameters', { ...r }, { a: 42, b: "a'b\\c", c: true, d: '2.50' });
    const [n] = await sql`SELECT count(*)::int AS n FROM pjs_items WHERE id = ANY(${sql.array([1, 3, 99])}::int[])`;
    check('array parameter', n.n, 2);
    const [m] = await sql`SELECT name FROM pjs_items WHERE id = ${3}`;
    check('untyped parameter', m.name, 'ünïcode');
    // The same query again: postgres.js reuses its named statement.
    for (const id of [1, 3, 1]) {
      const [p] = await sql`SELECT price FROM pjs_items WHERE id = ${id}`;
      check(`reused statement ${id}`, p.price, id === 1 ? '9.99' : '-0.50');
    }
    const [u] = await sql.unsafe('SELECT $1::int * $2::int AS v', [6, 7]);
    check('unsafe with parameters', u.v, 42);
    const simple = await sql.unsafe('SELECT 1 AS one; SELECT 2 AS two').simple();
    check('simple protocol, two statements', simple.map((r) => r.map((x) => ({ ...x }))), [[{ one: 1 }], [{ two: 2 }]]);
  });
  await step('transactions', async () => {
    try {
      await sql.begin(async (tx) => {
        await tx`UPDATE pjs_items SET name = 'changed' WHERE id = 1`;
        throw new Error('roll back');
      });
    } catch (e) {
      if (e.message !== 'roll back') throw e;
    }
    const [r] = await sql`SELECT name FROM pjs_items WHERE id = 1`;
    check('rollback', r.name, "it's a widget");
    await sql.begin(async (tx) => {
      await tx`UPDATE pjs_items SET name = 'committed' WHERE id = 2`;
      await tx.savepoint(async (sp) => {
        await sp`UPDATE pjs_items SET name = 'inner' WHERE id = 2`;
      });
    });
    const [c] = await sql`SELECT name FROM pjs_items WHERE id = 2`;
    check('commit with savepoint', c.name, 'inner');
  });
  await step('errors', async () => {
    await sqlstate('unique violation', '23505', () => sql`INSERT INTO pjs_items (id) VALUES (${1})`);
    await sqlstate('undefined table', '42P01', () => sql`SELECT * FROM pjs_nope`);
    await sqlstate('division by zero', '22012', () => sql`SELECT 1 / ${0}::int`);
    await sqlstate('syntax error', '42601', () => sql`SELEC 1`);
    await sqlstate('error in transaction', '22012', () => sql.begin(async (tx) => {
      await tx`INSERT INTO pjs_items (id) VALUES (10)`;
      await tx`SELECT 1/0`;
    }));
    const [r] = await sql`SELECT count(*)::int AS n FROM pjs_items`;
    check('usable after errors', r.n, 3);
  });
  await step('cursor', async () => {
    const got = [];
    await sql`SELECT generate_series(1, 7) AS g`.cursor(3, async (rows) => {
      got.push(rows.map((r) => r.g));
    });
    check('cursor batches', got, [[1, 2, 3], [4, 5, 6], [7]]);
    const each = [];
    await sql`SELECT id FROM pjs_items ORDER BY id`.forEach((r) => each.push(r.id));
    check('forEach', each, [1, 2, 3]);
  });
  await step('copy', async () => {
    const { pipeline } = require('node:stream/promises');
    const { Readable, Writable } = require('node:stream');
    await pipeline(Readable.from(['20\tcopied\n', '21\t\\N\n']), await sql`COPY pjs_items (id, name) FROM STDIN`.writable());
    const [r] = await sql`SELECT count(*)::int AS n FROM pjs_items WHERE id >= 20`;
    check('copy in', r.n, 2);
    const chunks = [];
    await pipeline(await sql`COPY (SELECT id, name FROM pjs_items WHERE id >= 20 ORDER BY id) TO STDOUT`.readable(),
      new Writable({ write(c, _, cb) { chunks.push(c); cb(); } }));
    check('copy out', Buffer.concat(chunks).toString(), '20\tcopied\n21\t\\N\n');
  });
  await step('matview', async () => {
    await sql`CREATE MATERIALIZED VIEW pjs_mv AS SELECT ok, count(*)::int AS n FROM pjs_items GROUP BY ok`;
    const rows = await sql`SELECT ok, n FROM pjs_mv ORDER BY ok NULLS LAST`;
    check('matview rows', rows.map((r) => ({ ...r })), [{ ok: false, n: 1 }, { ok: true, n: 1 }, { ok: null, n: 3 }]);
    const [k] = await sql`SELECT relkind FROM pg_class WHERE relname = ${'pjs_mv'}`;
    check('matview relkind', k.relkind, 'm');
  });
  await step('describe', async () => {
    const d = await sql`SELECT id, name FROM pjs_items WHERE id = ${1} AND name = ${'x'}`.describe();
    check('describe types', d.types, [23, 25]);
    check('describe columns', d.columns.map((c) => c.name), ['id', 'name']);
  });
  await step('cleanup', async () => {
    await sql`DROP MATERIALIZED VIEW pjs_mv`;
    await sql`DROP TABLE pjs_items`;
  });
  await sql.end();
  if (failures.length) {
    console.log(`${failures.length} checks failed`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.log(`FAIL main: ${e.code ? `[${e.code}] ` : ''}${e.message}`);
  process.exit(1);
});
