package main

import (
	"testing"
)

// TestSchemaRestart: a user schema, and the tables, sources, views and sinks
// in it, survive a restart; DROP SCHEMA CASCADE then removes them all.
func TestSchemaRestart(t *testing.T) {
	dir := t.TempDir()
	c, seeds, stop := startEddyDir(t, dir)
	mustExec(t, c, `CREATE SCHEMA s`)
	mustExec(t, c, `CREATE TABLE s.t (id BIGINT PRIMARY KEY, v TEXT)`)
	mustExec(t, c, `INSERT INTO s.t VALUES (1, 'a'), (2, 'b')`)
	mustExec(t, c, `CREATE SOURCE s.bid (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '3')`)
	bids(t, seeds, 0, 30)
	mustExec(t, c, `CREATE MATERIALIZED VIEW s.hot AS SELECT auction, count(*) AS n FROM s.bid GROUP BY auction`)
	mustExec(t, c, `CREATE VIEW s.v AS SELECT id FROM s.t`)
	eventually(t, c, `SELECT * FROM s.hot ORDER BY 1`, `SELECT auction, count(*) FROM s.bid GROUP BY auction ORDER BY 1`)
	wantRows(t, c, `SELECT sum(n)::int8 FROM s.hot`, "30")
	stop()

	c, seeds, stop = startEddyDir(t, dir)
	defer stop()
	wantRows(t, c, `SELECT nspname FROM pg_namespace WHERE nspname = 's'`, "s")
	wantRows(t, c, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 's' AND c.relkind <> 'i' ORDER BY 1`,
		"bid", "hot", "t", "v")
	wantRows(t, c, `SELECT id, v FROM s.t ORDER BY id`, "1|a", "2|b")
	wantRows(t, c, `SELECT id FROM s.v ORDER BY id`, "1", "2")
	bids(t, seeds, 30, 30)
	eventually(t, c, `SELECT * FROM s.hot ORDER BY 1`, `SELECT auction, count(*) FROM s.bid GROUP BY auction ORDER BY 1`)
	wantRows(t, c, `SELECT sum(n)::int8 FROM s.hot`, "60")
	if _, err := c.Exec(t.Context(), `DROP SCHEMA s`); err == nil {
		t.Fatal("DROP SCHEMA of a schema with objects succeeded without CASCADE")
	}
	mustExec(t, c, `DROP SCHEMA s CASCADE`)
	wantRows(t, c, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 's'`, "0")
	stop()

	c, _, stop = startEddyDir(t, dir)
	defer stop()
	wantRows(t, c, `SELECT count(*) FROM pg_namespace WHERE nspname = 's'`, "0")
	mustExec(t, c, `CREATE SCHEMA s`)
	mustExec(t, c, `CREATE TABLE s.t (id INT)`)
	wantRows(t, c, `SELECT count(*) FROM s.t`, "0")
}
