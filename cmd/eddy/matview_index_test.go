package main

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestMatViewIndexMaintained changes a view's input at random and checks,
// after each round and across restarts, that every lookup through the
// view's indexes (by parameter, as drivers send them) finds what a scan
// of the view finds.
func TestMatViewIndexMaintained(t *testing.T) {
	r := newRestartable(t)
	r.exec(`CREATE TABLE mx (id INT PRIMARY KEY, g INT, s TEXT)`,
		`INSERT INTO mx SELECT i, i % 5, 's' || (i % 11) FROM generate_series(1, 200) i`,
		`CREATE MATERIALIZED VIEW mx_by_g AS SELECT g, count(*) AS n, max(s) AS top FROM mx GROUP BY g`,
		`CREATE MATERIALIZED VIEW mx_rows AS SELECT g, s FROM mx WHERE id % 2 = 0`,
		`CREATE INDEX mx_by_g_n ON mx_by_g (n)`,
		`CREATE INDEX mx_rows_s_g ON mx_rows (s, g)`)
	rng := rand.New(rand.NewSource(1))
	check := func(when string) {
		t.Helper()
		for i := 0; i < 12; i++ {
			s := fmt.Sprintf("s%d", rng.Intn(12))
			g := rng.Intn(6)
			n := 36 + rng.Intn(10)
			for _, q := range [][2]string{
				{`SELECT g, s FROM mx_rows WHERE s = $1 ORDER BY g`, `SELECT g, s FROM mx_rows WHERE s || '' = $1 ORDER BY g`},
				{`SELECT g, s FROM mx_rows WHERE s = $1 AND g = $2::int ORDER BY g`, `SELECT g, s FROM mx_rows WHERE s || '' = $1 AND g + 0 = $2::int ORDER BY g`},
				{`SELECT g, s FROM mx_rows WHERE s > $1 AND g IN ($2::int, 3) ORDER BY s, g`, `SELECT g, s FROM mx_rows WHERE s || '' > $1 AND g + 0 IN ($2::int, 3) ORDER BY s, g`},
				{`SELECT g, n FROM mx_by_g WHERE n >= $3 AND $1 <> '' AND $2::int >= 0 ORDER BY g`, `SELECT g, n FROM mx_by_g WHERE n + 0 >= $3 AND $1 <> '' AND $2::int >= 0 ORDER BY g`},
				{`SELECT g, n FROM mx_by_g WHERE n = $3 AND $1 <> '' AND $2::int >= 0 ORDER BY g`, `SELECT g, n FROM mx_by_g WHERE n + 0 = $3 AND $1 <> '' AND $2::int >= 0 ORDER BY g`},
			} {
				args := []any{s, g, n}
				switch {
				case strings.Contains(q[0], "$3"):
				case strings.Contains(q[0], "$2"):
					args = args[:2]
				default:
					args = args[:1]
				}
				got, want := queryArgs(t, r.conn, q[0], args...), queryArgs(t, r.conn, q[1], args...)
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Fatalf("%s: %s (%s, %d) gives %v, a scan %v", when, q[0], s, g, got, want)
				}
			}
		}
		rows := queryStrings(t, r.conn, `EXPLAIN SELECT g FROM mx_rows WHERE s = 's1'`)
		if !strings.Contains(strings.Join(rows, "\n"), "Index Scan using mx_rows_s_g") {
			t.Fatalf("%s: the lookup does not use the index:\n%s", when, strings.Join(rows, "\n"))
		}
	}
	check("after CREATE INDEX")
	next := 1000
	for round := 0; round < 6; round++ {
		for i := 0; i < 20; i++ {
			switch rng.Intn(3) {
			case 0:
				r.exec(fmt.Sprintf(`INSERT INTO mx VALUES (%d, %d, 's%d')`, next, rng.Intn(6), rng.Intn(12)))
				next++
			case 1:
				r.exec(fmt.Sprintf(`UPDATE mx SET s = 's%d', g = %d WHERE id %% 17 = %d`, rng.Intn(12), rng.Intn(6), rng.Intn(17)))
			case 2:
				r.exec(fmt.Sprintf(`DELETE FROM mx WHERE id %% 23 = %d`, rng.Intn(23)))
			}
		}
		check(fmt.Sprintf("round %d", round))
		if round%2 == 1 {
			r.restart()
			check(fmt.Sprintf("restart after round %d", round))
		}
	}
	r.exec(`DROP INDEX mx_rows_s_g`, `DROP MATERIALIZED VIEW mx_by_g`)
	if got := r.rows(`SELECT count(*) FROM pg_class WHERE relname LIKE 'mx_by_g%' OR relname = 'mx_rows_s_g'`); got != "[0]" {
		t.Fatalf("dropped indexes remain: %s", got)
	}
}

// TestMatViewIndexOlderSnapshot checks a transaction whose snapshot
// predates an index: its queries plan the index scan but must not read
// entries that its snapshot does not hold.
func TestMatViewIndexOlderSnapshot(t *testing.T) {
	r := newRestartable(t)
	r.exec(`CREATE TABLE ms (id INT PRIMARY KEY, g INT)`,
		`INSERT INTO ms SELECT i, i % 4 FROM generate_series(1, 40) i`,
		`CREATE MATERIALIZED VIEW ms_v AS SELECT id, g FROM ms`)
	ctx := context.Background()
	other, err := pgx.Connect(ctx, r.conn.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	if _, err := other.Exec(ctx, `BEGIN`); err != nil {
		t.Fatal(err)
	}
	r.exec(`CREATE INDEX ms_v_g ON ms_v (g)`, `INSERT INTO ms VALUES (100, 2)`)
	if got := strings.Join(queryStrings(t, other, `EXPLAIN SELECT id FROM ms_v WHERE g = 2`), "\n"); !strings.Contains(got, "Index Scan using ms_v_g") {
		t.Fatalf("the plan does not use the index:\n%s", got)
	}
	if got := queryStrings(t, other, `SELECT count(*) FROM ms_v WHERE g = 2`); fmt.Sprint(got) != "[10]" {
		t.Fatalf("in a snapshot older than the index, g = 2 finds %v rows, want 10", got)
	}
	if _, err := other.Exec(ctx, `COMMIT`); err != nil {
		t.Fatal(err)
	}
	if got := queryStrings(t, other, `SELECT count(*) FROM ms_v WHERE g = 2`); fmt.Sprint(got) != "[11]" {
		t.Fatalf("after the index, g = 2 finds %v rows, want 11", got)
	}
}

func queryArgs(t *testing.T, c *pgx.Conn, q string, args ...any) []string {
	t.Helper()
	rows, err := c.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}
