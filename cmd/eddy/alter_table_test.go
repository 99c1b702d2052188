package main

import (
	"context"
	"fmt"
	"testing"
)

// TestAlterTableRestart checks that ALTER TABLE's descriptor and rewritten
// rows (and the indexes over renumbered columns) survive a restart.
func TestAlterTableRestart(t *testing.T) {
	dir := t.TempDir()
	session := restartSession(t, dir)
	got := session(
		"CREATE TABLE ar (id INT PRIMARY KEY, a TEXT, b INT)",
		"INSERT INTO ar VALUES (1, 'x', 10), (2, 'y', 20)",
		"CREATE INDEX ar_b ON ar (b)",
		"ALTER TABLE ar ADD COLUMN c INT DEFAULT 5, DROP COLUMN a, ALTER COLUMN b TYPE TEXT",
		"ALTER TABLE ar RENAME COLUMN c TO cc",
		"ALTER TABLE ar RENAME TO ar2",
		"SELECT id, b, cc FROM ar2 ORDER BY id",
		"CREATE TABLE am (id INT PRIMARY KEY)",
		"INSERT INTO am VALUES (1), (2)",
		"ALTER TABLE am ADD COLUMN t TEXT NOT NULL DEFAULT 'x', ADD COLUMN n INT",
		"SELECT id::text || t || coalesce(n, 0)::text FROM am ORDER BY id")
	if want := "[1105 2205 1x0 2x0]"; fmt.Sprint(got) != want {
		t.Fatalf("before the restart got %v, want %v", got, want)
	}
	got = session(
		"INSERT INTO ar2 (id, b) VALUES (3, '30')",
		"SELECT id, b, cc FROM ar2 WHERE b = '20' OR id = 3 ORDER BY id",
		"SELECT count(*) FROM pg_attribute WHERE attrelid = 'ar2'::regclass AND attnum > 0",
		"UPDATE am SET n = 5 WHERE id = 2",
		"SELECT id::text || t || coalesce(n, 0)::text FROM am WHERE t = 'x' ORDER BY id")
	if want := "[2205 3305 3 1x0 2x5]"; fmt.Sprint(got) != want {
		t.Fatalf("after the restart got %v, want %v", got, want)
	}
}

// TestAlterTableReplans checks that a statement prepared before ALTER TABLE
// is planned again against the new columns: the INSERT must fill the
// column added after it was prepared with its default.
func TestAlterTableReplans(t *testing.T) {
	conn, _, stop := startEddyDir(t, t.TempDir())
	defer stop()
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("CREATE TABLE ap (id INT PRIMARY KEY, a INT)")
	if _, err := conn.Prepare(ctx, "ins", "INSERT INTO ap (id) VALUES ($1)"); err != nil {
		t.Fatal(err)
	}
	exec("ins", 1)
	exec("ALTER TABLE ap ADD COLUMN b INT DEFAULT 9")
	exec("ins", 2)
	var got []string
	rows, err := conn.Query(ctx, "SELECT id, coalesce(b, -1) FROM ap ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, b int
		if err := rows.Scan(&id, &b); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprint(id, ":", b))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := "[1:9 2:9]"; fmt.Sprint(got) != want {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestAlterMatViewRenameRestart checks that a renamed materialized view
// keeps being maintained, before and after a restart.
func TestAlterMatViewRenameRestart(t *testing.T) {
	dir := t.TempDir()
	session := restartSession(t, dir)
	got := session(
		"CREATE TABLE mr (k INT, v INT)",
		"INSERT INTO mr VALUES (1, 1), (1, 2)",
		"CREATE MATERIALIZED VIEW mr_sum AS SELECT k, sum(v) AS s FROM mr GROUP BY k",
		"CREATE INDEX mr_sum_k ON mr_sum (k)",
		"ALTER MATERIALIZED VIEW mr_sum RENAME TO mr_total",
		"ALTER INDEX mr_sum_k RENAME TO mr_total_k",
		"INSERT INTO mr VALUES (1, 3)",
		"SELECT k, s FROM mr_total")
	if want := "[1 6]"; fmt.Sprint(got) != want {
		t.Fatalf("before the restart got %v, want %v", got, want)
	}
	got = session(
		"INSERT INTO mr VALUES (1, 4)",
		"SELECT k, s FROM mr_total WHERE k = 1",
		"SELECT count(*) FROM pg_class WHERE relname IN ('mr_sum', 'mr_sum_k')")
	if want := "[1 10 0]"; fmt.Sprint(got) != want {
		t.Fatalf("after the restart got %v, want %v", got, want)
	}
}

// TestAlterTableCopyRestart rewrites tables too large for one Badger
// transaction, which ALTER TABLE copies under a new OID: rows, indexes and
// foreign keys referencing them must follow, across a restart.
func TestAlterTableCopyRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 120000 rows")
	}
	dir := t.TempDir()
	session := restartSession(t, dir)
	got := session(
		"CREATE TABLE cp (id INT PRIMARY KEY, a TEXT, v INT)",
		"INSERT INTO cp SELECT g, 'a' || g, g % 10 FROM generate_series(1, 60000) g",
		"CREATE INDEX cp_v ON cp (v)",
		"CREATE TABLE cc (pid INT REFERENCES cp)",
		"INSERT INTO cc VALUES (7)",
		"CREATE TABLE cn (a TEXT, v INT)",
		"INSERT INTO cn SELECT 'a' || g, g % 10 FROM generate_series(1, 60000) g",
		"ALTER TABLE cp DROP COLUMN a",
		"ALTER TABLE cn DROP COLUMN a",
		"SELECT count(*) FROM cp WHERE v = 3",
		"SELECT count(*) FROM cn WHERE v = 3")
	if want := "[6000 6000]"; fmt.Sprint(got) != want {
		t.Fatalf("before the restart got %v, want %v", got, want)
	}
	got = session(
		"SELECT count(*) FROM cp WHERE v = 3",
		"SELECT count(*), sum(v) FROM cn",
		"INSERT INTO cn VALUES (5)",
		"SELECT count(*) FROM cn",
		"SELECT count(*) FROM pg_attribute WHERE attrelid = 'cp'::regclass AND attnum > 0",
		"SELECT count(*) FROM pg_constraint WHERE confrelid = 'cp'::regclass",
		"INSERT INTO cc VALUES (8)",
		"DELETE FROM cp WHERE id = 9",
		"SELECT count(*) FROM cp")
	if want := "[6000 60000 270000 60001 2 1 59999]"; fmt.Sprint(got) != want {
		t.Fatalf("after the restart got %v, want %v", got, want)
	}
}
