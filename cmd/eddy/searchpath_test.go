package main

import "testing"

// TestSearchPathRestart: a view and a materialized view created under
// SET search_path keep reading what their unqualified names meant then,
// after the path is reset and after a restart (which binds them again
// from their stored text).
func TestSearchPathRestart(t *testing.T) {
	dir := t.TempDir()
	c, _, stop := startEddyDir(t, dir)
	mustExec(t, c, `CREATE SCHEMA s`)
	mustExec(t, c, `CREATE TABLE s.t (id BIGINT PRIMARY KEY)`)
	mustExec(t, c, `INSERT INTO s.t VALUES (1)`)
	mustExec(t, c, `CREATE TABLE t (id BIGINT PRIMARY KEY)`)
	mustExec(t, c, `INSERT INTO t VALUES (100)`)
	mustExec(t, c, `SET search_path = s, public`)
	mustExec(t, c, `CREATE VIEW v AS SELECT id FROM t`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW mv AS SELECT count(*) AS n, sum(id) AS total FROM t`)
	mustExec(t, c, `RESET search_path`)
	wantRows(t, c, `SELECT id FROM s.v`, "1")
	wantRows(t, c, `SELECT n, total::int8 FROM s.mv`, "1|1")
	wantRows(t, c, `SELECT id FROM t`, "100")
	stop()

	c, _, stop = startEddyDir(t, dir)
	defer stop()
	wantRows(t, c, `SELECT id FROM s.v`, "1")
	wantRows(t, c, `SELECT n, total::int8 FROM s.mv`, "1|1")
	mustExec(t, c, `INSERT INTO s.t VALUES (2)`)
	mustExec(t, c, `INSERT INTO t VALUES (200)`)
	eventually(t, c, `SELECT n, total::int8 FROM s.mv`, `SELECT count(*), sum(id)::int8 FROM s.t`)
	wantRows(t, c, `SELECT id FROM s.v ORDER BY id`, "1", "2")
	// A table created since in a schema earlier on the view's path does not
	// capture its name.
	mustExec(t, c, `CREATE SCHEMA early`)
	mustExec(t, c, `SET search_path = early, s`)
	mustExec(t, c, `CREATE VIEW w AS SELECT id FROM t`)
	mustExec(t, c, `CREATE TABLE early.t (id BIGINT)`)
	mustExec(t, c, `INSERT INTO early.t VALUES (-1)`)
	mustExec(t, c, `RESET search_path`)
	wantRows(t, c, `SELECT id FROM early.w ORDER BY id`, "1", "2")
	stop()

	c, _, stop = startEddyDir(t, dir)
	defer stop()
	wantRows(t, c, `SELECT id FROM early.w ORDER BY id`, "1", "2")
}

// TestSchemaRenameRestart: ALTER SCHEMA RENAME moves the schema's tables
// and indexes with it durably.
func TestSchemaRenameRestart(t *testing.T) {
	dir := t.TempDir()
	c, _, stop := startEddyDir(t, dir)
	mustExec(t, c, `CREATE SCHEMA a`)
	mustExec(t, c, `CREATE TABLE a.t (id BIGINT PRIMARY KEY, v TEXT)`)
	mustExec(t, c, `INSERT INTO a.t VALUES (1, 'x')`)
	mustExec(t, c, `ALTER SCHEMA a RENAME TO b`)
	stop()

	c, _, stop = startEddyDir(t, dir)
	defer stop()
	wantRows(t, c, `SELECT nspname FROM pg_namespace WHERE nspname IN ('a', 'b')`, "b")
	wantRows(t, c, `SELECT id, v FROM b.t WHERE id = 1`, "1|x")
	mustExec(t, c, `INSERT INTO b.t VALUES (2, 'y')`)
	if _, err := c.Exec(t.Context(), `INSERT INTO b.t VALUES (2, 'z')`); err == nil {
		t.Error("the primary key did not survive the rename")
	}
	if _, err := c.Exec(t.Context(), `SELECT * FROM a.t`); err == nil {
		t.Error("a.t still resolves after the rename")
	}
}
