package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// restartable is an eddy on a data directory that outlives it.
type restartable struct {
	t    *testing.T
	dir  string
	stop func()
	conn *pgx.Conn
}

func newRestartable(t *testing.T) *restartable {
	r := &restartable{t: t, dir: t.TempDir()}
	r.start()
	return r
}

func (r *restartable) start() {
	ep, stop := runEddy(r.t, config{dataDir: r.dir, listen: "127.0.0.1:0"})
	r.stop = stop
	c, err := pgx.Connect(context.Background(), fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", ep.SQL))
	if err != nil {
		r.t.Fatal(err)
	}
	r.conn = c
}

func (r *restartable) restart() {
	r.conn.Close(context.Background())
	r.stop()
	r.start()
}

func (r *restartable) exec(qs ...string) {
	r.t.Helper()
	for _, q := range qs {
		if _, err := r.conn.Exec(context.Background(), q); err != nil {
			r.t.Fatalf("%s: %v", q, err)
		}
	}
}

func (r *restartable) fails(q, code string) {
	r.t.Helper()
	_, err := r.conn.Exec(context.Background(), q)
	if pe, ok := err.(*pgconn.PgError); !ok || pe.Code != code {
		r.t.Fatalf("%s: got %v, want error %s", q, err, code)
	}
}

func (r *restartable) rows(q string) string {
	r.t.Helper()
	return fmt.Sprint(queryStrings(r.t, r.conn, q))
}

// TestMatViewOverPlainView checks that the plain views a materialized view
// reads stay what they were when it was built: they cannot be dropped or
// replaced under it, so that after a restart it is planned as before and
// its table accepts writes.
func TestMatViewOverPlainView(t *testing.T) {
	r := newRestartable(t)
	r.exec(`CREATE TABLE d (k INT, v INT)`,
		`INSERT INTO d VALUES (1, 10), (2, 20)`,
		`CREATE VIEW dv AS SELECT k, v FROM d WHERE v > 5`,
		`CREATE VIEW dv2 AS SELECT k, v FROM dv`,
		`CREATE MATERIALIZED VIEW dm AS SELECT k, sum(v) AS s FROM dv2 GROUP BY k`)
	r.fails(`DROP VIEW dv`, "2BP01")
	r.fails(`DROP VIEW dv2`, "2BP01")
	r.fails(`CREATE OR REPLACE VIEW dv AS SELECT k, v * 100 AS v FROM d`, "0A000")
	r.exec(`CREATE OR REPLACE VIEW other AS SELECT 1`, `CREATE OR REPLACE VIEW other AS SELECT 2`)
	r.restart()
	r.exec(`INSERT INTO d VALUES (1, 5), (1, 7)`)
	if got, want := r.rows(`SELECT k, s FROM dm ORDER BY k`), "[1|17 2|20]"; got != want {
		t.Fatalf("after a restart the view holds %s, want %s", got, want)
	}
	r.exec(`DROP VIEW dv CASCADE`)
	r.fails(`SELECT * FROM dm`, "42P01")
	r.exec(`INSERT INTO d VALUES (3, 30)`)
}
