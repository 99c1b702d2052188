// node-postgres (pg, pinned by package-lock.json) against eddy: run by
// cmd/eddy/clients_test.go as
//
//     node pg_test.js postgres://user@host:port/db
//
// Prints each check; keeps going after a mismatch or a failed step and exits
// 1 at the end if any failed. The expected values are what PostgreSQL 15 gives.
'use strict';
const assert = require('node:assert');
const { Client } = require('pg');

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

async function main() {
  const client = new Client({ connectionString: process.argv[2] });
  await client.connect();
  const other = new Client({ connectionString: process.argv[2] });
  await other.connect();

  await step('setup', async () => {
    await client.query('DROP TABLE IF EXISTS node_items');
    await client.query('CREATE TABLE node_items (id INT PRIMARY KEY, name TEXT NOT NULL, amount NUMERIC(8,2), at TIMESTAMPTZ, tags JSONB)');
  });

  await step('simple query', async () => {
    // No parameters: the simple protocol, several statements at once.
    const res = await client.query("INSERT INTO node_items VALUES (1, 'one', 1.5, '2024-03-04 05:06:07+00', '{\"a\": [1, 2]}'); SELECT 1 AS x, 'two'::text AS y, NULL::int AS z");
    check('multi-statement results', res.length, 2);
    check('insert rowCount', res[0].rowCount, 1);
    check('select rows', res[1].rows, [{ x: 1, y: 'two', z: null }]);
    check('fields', res[1].fields.map((f) => [f.name, f.dataTypeID]), [['x', 23], ['y', 25], ['z', 23]]);
  });

  await step('parameterised query', async () => {
    const ins = await client.query('INSERT INTO node_items (id, name, amount, at, tags) VALUES ($1, $2, $3, $4, $5)',
      [2, "it's two", '22.25', new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), { k: 'v', n: 2 }]);
    check('insert rowCount', ins.rowCount, 1);
    const res = await client.query('SELECT id, name, amount, at, tags FROM node_items WHERE id = ANY($1::int[]) ORDER BY id', [[1, 2]]);
    check('rows', res.rows, [
      { id: 1, name: 'one', amount: '1.50', at: new Date(Date.UTC(2024, 2, 4, 5, 6, 7)), tags: { a: [1, 2] } },
      { id: 2, name: "it's two", amount: '22.25', at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), tags: { k: 'v', n: 2 } },
    ]);
    const named = { name: 'node_by_id', text: 'SELECT name FROM node_items WHERE id = $1', values: [1] };
    for (let i = 0; i < 3; i++) {
      const r = await client.query(named);
      check(`prepared statement execution ${i + 1}`, r.rows, [{ name: 'one' }]);
    }
    const arr = await client.query({ text: 'SELECT $1::int + 1 AS n, $2::text AS t', values: [41, null], rowMode: 'array' });
    check('rowMode array', arr.rows, [[42, null]]);
  });

  await step('transaction', async () => {
    await client.query('BEGIN');
    await client.query('INSERT INTO node_items (id, name) VALUES ($1, $2)', [3, 'three']);
    const inside = await other.query('SELECT count(*)::int AS n FROM node_items WHERE id = 3');
    check('not visible before commit', inside.rows, [{ n: 0 }]);
    await client.query('COMMIT');
    const after = await other.query('SELECT count(*)::int AS n FROM node_items WHERE id = 3');
    check('visible after commit', after.rows, [{ n: 1 }]);
    await client.query('BEGIN');
    await client.query('DELETE FROM node_items');
    await client.query('ROLLBACK');
    const kept = await client.query('SELECT count(*) AS n FROM node_items');
    check('rollback', kept.rows, [{ n: '3' }]);
  });

  await step('errors', async () => {
    try {
      await client.query('INSERT INTO node_items (id, name) VALUES ($1, $2)', [1, 'dup']);
      check('unique violation', 'no error', '23505');
    } catch (e) {
      check('unique violation code', e.code, '23505');
      check('unique violation constraint', e.constraint, 'node_items_pkey');
    }
    try {
      await client.query('SELECT * FROM node_missing');
      check('undefined table', 'no error', '42P01');
    } catch (e) {
      check('undefined table code', e.code, '42P01');
    }
    try {
      await client.query('BEGIN');
      await client.query('SELECT 1/0');
      check('division by zero', 'no error', '22012');
    } catch (e) {
      check('division by zero code', e.code, '22012');
    }
    try {
      await client.query('SELECT 1');
      check('aborted transaction', 'no error', '25P02');
    } catch (e) {
      check('aborted transaction code', e.code, '25P02');
    }
    await client.query('ROLLBACK');
    const r = await client.query('SELECT $1::text AS ok', ['yes']);
    check('usable after errors', r.rows, [{ ok: 'yes' }]);
  });

  await step('materialized view', async () => {
    await client.query('DROP MATERIALIZED VIEW IF EXISTS node_mv');
    await client.query('CREATE MATERIALIZED VIEW node_mv AS SELECT count(*) AS n, sum(amount) AS total FROM node_items');
    const base = await client.query('SELECT count(*) AS n FROM node_items');
    const mv = await client.query('SELECT n FROM node_mv');
    check('matview rows', mv.rows, base.rows);
    const kind = await client.query("SELECT relkind FROM pg_class WHERE relname = 'node_mv'");
    check('matview relkind', kind.rows, [{ relkind: 'm' }]);
    const pm = await client.query("SELECT matviewname, ispopulated FROM pg_matviews WHERE matviewname = 'node_mv'");
    check('pg_matviews', pm.rows, [{ matviewname: 'node_mv', ispopulated: true }]);
    check('matview fields', mv.fields.map((f) => [f.name, f.dataTypeID]), [['n', 20]]);
    await client.query('DROP MATERIALIZED VIEW node_mv');
  });

  // LISTEN/NOTIFY through the 'notification' event, which pg emits as
  // NotificationResponse arrives, between queries or while idle.
  await step('notifications', async () => {
    const got = [];
    let wake = null;
    const onNote = (m) => {
      got.push([m.channel, m.payload, m.processId]);
      if (wake) wake();
    };
    client.on('notification', onNote);
    const waitFor = (n, ms) => new Promise((resolve) => {
      const done = () => { if (got.length >= n) { clearTimeout(timer); wake = null; resolve(); } };
      const timer = setTimeout(() => { wake = null; resolve(); }, ms);
      wake = done;
      done();
    });
    await client.query('LISTEN node_events');
    const pid = other.processID;
    await other.query('BEGIN');
    await other.query("NOTIFY node_events, 'a'");
    await other.query("SELECT pg_notify('node_events', 'b')");
    await waitFor(1, 200);
    check('no notification before commit', got, []);
    await other.query('COMMIT');
    await waitFor(2, 5000);
    check('notifications after commit', got, [['node_events', 'a', pid], ['node_events', 'b', pid]]);
    await client.query('UNLISTEN *');
    await other.query("NOTIFY node_events, 'c'");
    await waitFor(3, 200);
    check('no notification after UNLISTEN', got.length, 2);
    client.removeListener('notification', onNote);
  });

  await step('advisory locks', async () => {
    const l = await client.query('SELECT pg_try_advisory_lock(77) AS ok');
    check('try lock', l.rows, [{ ok: true }]);
    const o = await other.query('SELECT pg_try_advisory_lock(77) AS ok');
    check('try lock held elsewhere', o.rows, [{ ok: false }]);
    const a = await other.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [client.processID]);
    check('pg_stat_activity row', a.rows, [{ n: 1 }]);
    await client.query('SELECT pg_advisory_unlock_all()');
    const f = await other.query('SELECT pg_try_advisory_lock(77) AS ok, pg_advisory_unlock(77) AS un');
    check('free after unlock_all', f.rows, [{ ok: true, un: true }]);
  });

  await step('teardown', async () => {
    await client.query('DROP TABLE node_items');
  });
  await other.end();
  await client.end();
  if (failures.length > 0) {
    console.log(`node-postgres: ${failures.length} failed: ${failures.join(', ')}`);
    process.exit(1);
  }
  console.log('node-postgres: all checks passed');
}

main().catch((e) => {
  console.log(`FAIL ${e.code ? `[${e.code}] ` : ''}${e.stack}`);
  process.exit(1);
});
