package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestPreparedReplan: a statement prepared through the extended protocol
// is planned again after DDL (DROP and CREATE), as PostgreSQL revalidates cached plans: it
// reads the table that now has its name, fails with 0A000 if its result
// would change shape, and with 42P01 if its table is gone. Messages and
// codes are PostgreSQL 15's.
func TestPreparedReplan(t *testing.T) {
	c, _, stop := startEddyDir(t, t.TempDir())
	defer stop()
	pc := c.PgConn()
	ctx := context.Background()
	prepare := func(name, q string) {
		t.Helper()
		if _, err := pc.Prepare(ctx, name, q, nil); err != nil {
			t.Fatalf("prepare %s: %v", q, err)
		}
	}
	// run executes a prepared statement and returns its rows joined, or
	// the SQLSTATE of its error.
	run := func(name string, params ...string) string {
		t.Helper()
		var args [][]byte
		for _, p := range params {
			args = append(args, []byte(p))
		}
		res := pc.ExecPrepared(ctx, name, args, nil, nil).Read()
		if res.Err != nil {
			var pe *pgconn.PgError
			if errors.As(res.Err, &pe) {
				return pe.Code + " " + pe.Message
			}
			t.Fatalf("execute %s: %v", name, res.Err)
		}
		var rows []string
		for _, r := range res.Rows {
			var f []string
			for _, v := range r {
				f = append(f, string(v))
			}
			rows = append(rows, strings.Join(f, "|"))
		}
		return strings.Join(rows, ",")
	}
	want := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	mustExec(t, c, `CREATE TABLE rp (a INT)`)
	mustExec(t, c, `INSERT INTO rp VALUES (1)`)
	prepare("star", `SELECT * FROM rp`)
	prepare("cols", `SELECT a FROM rp ORDER BY a`)
	prepare("ins", `INSERT INTO rp (a) VALUES ($1)`)
	want(run("star"), "1")

	// eddy has no ALTER TABLE: a table of the same name with another
	// column list stands in for ADD COLUMN.
	mustExec(t, c, `DROP TABLE rp`)
	mustExec(t, c, `CREATE TABLE rp (a INT, b TEXT DEFAULT 'x')`)
	mustExec(t, c, `INSERT INTO rp (a) VALUES (1)`)
	want(run("star"), "0A000 cached plan must not change result type")
	want(run("cols"), "1")
	want(run("ins", "2"), "")
	wantRows(t, c, `SELECT a, b FROM rp ORDER BY a`, "1|x", "2|x")

	mustExec(t, c, `DROP TABLE rp`)
	want(run("cols"), `42P01 relation "rp" does not exist`)
	mustExec(t, c, `CREATE TABLE rp (a INT, c INT)`)
	mustExec(t, c, `INSERT INTO rp VALUES (7, 8)`)
	want(run("cols"), "7")
	want(run("ins", "9"), "")
	want(run("cols"), "7,9")
	mustExec(t, c, `DROP TABLE rp`)
	mustExec(t, c, `CREATE TABLE rp (a TEXT)`)
	want(run("cols"), "0A000 cached plan must not change result type")

	// The search path is part of what a plan was made under.
	mustExec(t, c, `CREATE SCHEMA other`)
	mustExec(t, c, `CREATE TABLE other.rp (a TEXT)`)
	mustExec(t, c, `INSERT INTO other.rp VALUES ('other')`)
	mustExec(t, c, `INSERT INTO rp VALUES ('public')`)
	prepare("text", `SELECT a FROM rp`)
	want(run("text"), "public")
	mustExec(t, c, `SET search_path = other, public`)
	want(run("text"), "other")
}
