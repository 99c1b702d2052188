package main

import (
	"context"
	"fmt"
	"testing"
	"time"

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

// TestMatViewLargeStatement checks views over statements too large for one
// Badger transaction, which commit in steps: each step carries the views'
// changes, so a statement that fails after some steps, or a restart, finds
// every view equal to its query over the rows that committed.
func TestMatViewLargeStatement(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 150,000 rows")
	}
	r := newRestartable(t)
	r.exec(`CREATE TABLE big (k INT PRIMARY KEY, v INT)`,
		`CREATE MATERIALIZED VIEW by_k AS SELECT k, count(*) AS c FROM big GROUP BY k`,
		`CREATE MATERIALIZED VIEW positive AS SELECT k, v FROM big WHERE v > 0`)
	check := func(when string) {
		t.Helper()
		for _, c := range [][2]string{
			{`SELECT count(*), coalesce(sum(c), 0)::int8 FROM by_k`, `SELECT count(*), count(*) FROM big`},
			{`SELECT count(*), sum(k)::text, sum(v)::text FROM positive`, `SELECT count(*), sum(k)::text, sum(v)::text FROM big WHERE v > 0`},
		} {
			if got, want := r.rows(c[0]), r.rows(c[1]); got != want {
				t.Fatalf("%s: %s gives %s, want %s", when, c[0], got, want)
			}
		}
	}
	// The last row fails, after the statement has committed steps.
	r.fails(`INSERT INTO big SELECT g, g % 3 FROM generate_series(1, 150000) g UNION ALL SELECT 5, 5`, "23505")
	if r.rows(`SELECT count(*) > 0 FROM big`) != "[true]" {
		t.Fatal("the statement committed no step: the test needs a larger statement")
	}
	check("after a failed statement")
	r.exec(`DELETE FROM big WHERE k % 2 = 0`)
	check("after a large DELETE")
	r.restart()
	check("after a restart")
	r.exec(`TRUNCATE big`)
	check("after TRUNCATE")
}

// TestMatViewLocksReleased checks the locks a transaction takes on the
// views it feeds, which it holds from its first 1024 changes to its end:
// a client that goes away mid-transaction releases them, and DROP inside
// such a transaction fails rather than wait for the transaction itself.
func TestMatViewLocksReleased(t *testing.T) {
	url := startEddy(t)
	ctx := context.Background()
	c1, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	c2 := connectURL(t, url)
	execAll(t, c2, `CREATE TABLE t (a INT)`, `CREATE MATERIALIZED VIEW v AS SELECT a % 10 AS g, count(*) AS c FROM t GROUP BY a % 10`)
	execAll(t, c1, `BEGIN`, `INSERT INTO t SELECT g FROM generate_series(1, 2000) g`)
	within := func(what string, f func(ctx context.Context) error) error {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- f(ctx) }()
		select {
		case err := <-done:
			return err
		case <-time.After(60 * time.Second):
			t.Fatalf("%s: still waiting after 60s", what)
			return nil
		}
	}
	err = within("DROP in the transaction that feeds the view", func(ctx context.Context) error {
		_, err := c1.Exec(ctx, `DROP MATERIALIZED VIEW v`)
		return err
	})
	if pe, ok := err.(*pgconn.PgError); !ok || pe.Code != "0A000" {
		t.Fatalf("DROP MATERIALIZED VIEW in the transaction: got %v, want 0A000", err)
	}
	// The client goes away without ending its transaction.
	c1.PgConn().Conn().Close()
	err = within("an INSERT after the client that fed the view went away", func(ctx context.Context) error {
		_, err := c2.Exec(ctx, `INSERT INTO t VALUES (1), (2)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(queryStrings(t, c2, `SELECT sum(c)::int8 FROM v`)); got != "[2]" {
		t.Fatalf("the view counts %s rows, want [2]", got)
	}
	execAll(t, c2, `DROP MATERIALIZED VIEW v`)
}

// TestMatViewLockWaitEnds checks that a statement waiting for a view that
// an idle transaction holds ends with statement_timeout.
func TestMatViewLockWaitEnds(t *testing.T) {
	url := startEddy(t)
	idle, waiter := connectURL(t, url), connectURL(t, url)
	execAll(t, waiter, `CREATE TABLE t (a INT)`, `CREATE MATERIALIZED VIEW v AS SELECT count(*) AS c FROM t`)
	execAll(t, idle, `BEGIN`, `INSERT INTO t SELECT g FROM generate_series(1, 2000) g`)
	execAll(t, waiter, `SET statement_timeout = '300ms'`)
	for _, q := range []string{`INSERT INTO t VALUES (1)`, `DROP MATERIALIZED VIEW v`, `CREATE MATERIALIZED VIEW w AS SELECT a FROM t`} {
		done := make(chan error, 1)
		go func() {
			_, err := waiter.Exec(context.Background(), q)
			done <- err
		}()
		select {
		case err := <-done:
			if pe, ok := err.(*pgconn.PgError); !ok || pe.Code != "57014" {
				t.Fatalf("%s: got %v, want 57014 (statement timeout)", q, err)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("%s: still waiting for the idle transaction after 60s", q)
		}
	}
	execAll(t, idle, `COMMIT`)
	execAll(t, waiter, `INSERT INTO t VALUES (1)`)
	if got := fmt.Sprint(queryStrings(t, waiter, `SELECT c FROM v`)); got != "[2001]" {
		t.Fatalf("the view counts %s, want [2001]", got)
	}
}

// TestMatViewTimeZone checks that a view is maintained in the time zone of
// the session that created it, as its creator's batch query runs, also
// after a restart.
func TestMatViewTimeZone(t *testing.T) {
	r := newRestartable(t)
	const q = `SELECT tz::date AS d, extract(hour FROM tz) AS h, tz::text AS s FROM tzs`
	r.exec(`SET TimeZone = 'Asia/Tokyo'`,
		`CREATE TABLE tzs (tz timestamptz)`,
		`INSERT INTO tzs VALUES ('2024-01-01 20:00+00')`,
		`CREATE MATERIALIZED VIEW tzv AS `+q,
		`INSERT INTO tzs VALUES ('2024-06-30 16:30+00')`)
	check := func(when string) {
		t.Helper()
		if got, want := r.rows(`SELECT * FROM tzv ORDER BY s`), r.rows(q+` ORDER BY s`); got != want {
			t.Fatalf("%s: the view holds %s, its query gives %s", when, got, want)
		}
	}
	check("in the creating session")
	r.restart()
	r.exec(`SET TimeZone = 'Asia/Tokyo'`, `INSERT INTO tzs VALUES ('2024-12-31 15:00+00')`)
	check("after a restart")
}
