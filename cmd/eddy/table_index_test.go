package main

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestTableIndexMaintained writes to tables at random (autocommit
// statements, upserts, transactions with savepoints rolled back or kept,
// TRUNCATE, COPY) and checks, after each round and across restarts, that every
// lookup through the tables' indexes (by parameter, as drivers send them)
// finds what a scan finds, inside transactions too.
func TestTableIndexMaintained(t *testing.T) {
	r := newRestartable(t)
	r.exec(`CREATE TABLE tx (id INT PRIMARY KEY, g INT, s TEXT)`,
		`INSERT INTO tx SELECT i, i % 5, 's' || (i % 11) FROM generate_series(1, 200) i`,
		`CREATE TABLE tk (g INT, s TEXT)`,
		`INSERT INTO tk SELECT i % 7, 's' || (i % 3) FROM generate_series(1, 100) i`,
		`CREATE INDEX tx_g ON tx (g)`,
		`CREATE INDEX tx_s_g ON tx (s, g)`,
		`CREATE INDEX tk_g_s ON tk (g, s)`)
	rng := rand.New(rand.NewSource(1))
	queries := [][2]string{
		{`SELECT id FROM tx WHERE g = $2::int AND $1 <> '' ORDER BY id`, `SELECT id FROM tx WHERE g + 0 = $2::int AND $1 <> '' ORDER BY id`},
		{`SELECT id, g FROM tx WHERE s = $1 AND $2::int >= 0 ORDER BY id`, `SELECT id, g FROM tx WHERE s || '' = $1 AND $2::int >= 0 ORDER BY id`},
		{`SELECT id FROM tx WHERE s = $1 AND g = $2::int ORDER BY id`, `SELECT id FROM tx WHERE s || '' = $1 AND g + 0 = $2::int ORDER BY id`},
		{`SELECT id FROM tx WHERE s > $1 AND g IN ($2::int, 3) ORDER BY id`, `SELECT id FROM tx WHERE s || '' > $1 AND g + 0 IN ($2::int, 3) ORDER BY id`},
		{`SELECT id FROM tx WHERE g >= $2::int AND g < 4 AND $1 <> '' ORDER BY id`, `SELECT id FROM tx WHERE g + 0 >= $2::int AND g + 0 < 4 AND $1 <> '' ORDER BY id`},
		{`SELECT g, s, count(*) FROM tk WHERE g = $2::int AND s <= $1 GROUP BY g, s ORDER BY g, s`, `SELECT g, s, count(*) FROM tk WHERE g + 0 = $2::int AND s || '' <= $1 GROUP BY g, s ORDER BY g, s`},
		{`SELECT g, count(*) FROM tk WHERE g IN ($2::int, 1) AND $1 <> '' GROUP BY g ORDER BY g`, `SELECT g, count(*) FROM tk WHERE g + 0 IN ($2::int, 1) AND $1 <> '' GROUP BY g ORDER BY g`},
	}
	check := func(c *pgx.Conn, when string) {
		t.Helper()
		for i := 0; i < 8; i++ {
			s := fmt.Sprintf("s%d", rng.Intn(12))
			g := rng.Intn(8)
			for _, q := range queries {
				got, want := queryArgs(t, c, q[0], s, g), queryArgs(t, c, q[1], s, g)
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Fatalf("%s: %s (%s, %d) gives %v, a scan %v", when, q[0], s, g, got, want)
				}
			}
		}
		for q, ix := range map[string]string{`EXPLAIN SELECT id FROM tx WHERE s = 's1'`: "tx_s_g", `EXPLAIN SELECT g FROM tk WHERE g = 3`: "tk_g_s"} {
			if rows := strings.Join(queryStrings(t, c, q), "\n"); !strings.Contains(rows, "Index Scan using "+ix) {
				t.Fatalf("%s: the lookup does not use the index:\n%s", when, rows)
			}
		}
	}
	next := 1000
	write := func() string {
		switch rng.Intn(6) {
		case 0:
			next++
			return fmt.Sprintf(`INSERT INTO tx VALUES (%d, %d, 's%d')`, next, rng.Intn(6), rng.Intn(12))
		case 1:
			return fmt.Sprintf(`UPDATE tx SET s = 's%d', g = %d WHERE id %% 17 = %d`, rng.Intn(12), rng.Intn(6), rng.Intn(17))
		case 2:
			return fmt.Sprintf(`DELETE FROM tx WHERE id %% 23 = %d`, rng.Intn(23))
		case 3:
			return fmt.Sprintf(`INSERT INTO tx VALUES (%d, %d, NULL), (%d, NULL, 's%d') ON CONFLICT (id) DO UPDATE SET g = EXCLUDED.g, s = EXCLUDED.s`,
				rng.Intn(300), rng.Intn(6), rng.Intn(300), rng.Intn(12))
		case 4:
			return fmt.Sprintf(`INSERT INTO tk VALUES (%d, 's%d'), (%d, NULL)`, rng.Intn(8), rng.Intn(3), rng.Intn(8))
		default:
			return fmt.Sprintf(`UPDATE tk SET g = %d WHERE g = %d AND s = 's%d'`, rng.Intn(8), rng.Intn(8), rng.Intn(3))
		}
	}
	copyRows := func() {
		t.Helper()
		var data strings.Builder
		for i := 0; i < 20; i++ {
			fmt.Fprintf(&data, "%d\ts%d\n", rng.Intn(8), rng.Intn(3))
		}
		data.WriteString("\\N\t\\N\n")
		if _, err := r.conn.PgConn().CopyFrom(context.Background(), strings.NewReader(data.String()), "COPY tk FROM STDIN"); err != nil {
			t.Fatalf("COPY: %v", err)
		}
	}
	check(r.conn, "after CREATE INDEX")
	for round := 0; round < 6; round++ {
		for i := 0; i < 15; i++ {
			r.exec(write())
		}
		copyRows()
		// A transaction checks its own writes, some of them taken back.
		r.exec(`BEGIN`)
		for i := 0; i < 5; i++ {
			r.exec(write())
		}
		r.exec(`SAVEPOINT a`)
		for i := 0; i < 5; i++ {
			r.exec(write())
		}
		copyRows()
		check(r.conn, fmt.Sprintf("round %d, in a transaction", round))
		r.exec(`ROLLBACK TO SAVEPOINT a`)
		check(r.conn, fmt.Sprintf("round %d, after ROLLBACK TO SAVEPOINT", round))
		if round%2 == 0 {
			r.exec(`COMMIT`)
		} else {
			r.exec(`ROLLBACK`)
		}
		if round == 3 {
			r.exec(`TRUNCATE tk`, `INSERT INTO tk SELECT i % 7, 's' || (i % 3) FROM generate_series(1, 30) i`)
		}
		check(r.conn, fmt.Sprintf("round %d", round))
		if round%2 == 1 {
			r.restart()
			check(r.conn, fmt.Sprintf("restart after round %d", round))
		}
	}
	r.exec(`DROP INDEX tx_s_g`)
	if rows := strings.Join(queryStrings(t, r.conn, `EXPLAIN SELECT id FROM tx WHERE s = 's2'`), "\n"); strings.Contains(rows, "Index Scan") {
		t.Fatalf("a dropped index is still used:\n%s", rows)
	}
	r.exec(`DROP TABLE tk`)
	if got := r.rows(`SELECT count(*) FROM pg_class WHERE relname IN ('tx_s_g', 'tk_g_s')`); got != "[0]" {
		t.Fatalf("dropped indexes remain: %s", got)
	}
}

// TestTableIndexConcurrentWriters checks CREATE INDEX against
// transactions that write the table meanwhile: one that wrote rows before
// the index existed cannot commit them without entries, and reads what its
// snapshot holds until then; a CREATE INDEX in a transaction block cannot
// commit over rows it did not see, and reads its own index.
func TestTableIndexConcurrentWriters(t *testing.T) {
	r := newRestartable(t)
	r.exec(`CREATE TABLE ts (id INT PRIMARY KEY, g INT)`,
		`INSERT INTO ts SELECT i, i % 4 FROM generate_series(1, 40) i`)
	ctx := context.Background()
	other, err := pgx.Connect(ctx, r.conn.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	run := func(c *pgx.Conn, q string) error {
		_, err := c.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol)
		return err
	}
	must := func(c *pgx.Conn, qs ...string) {
		t.Helper()
		for _, q := range qs {
			if err := run(c, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	count := func(c *pgx.Conn, q, want string) {
		t.Helper()
		if got := fmt.Sprint(queryStrings(t, c, q)); got != want {
			t.Fatalf("%s finds %s rows, want %s", q, got, want)
		}
	}
	must(other, `BEGIN`, `INSERT INTO ts VALUES (200, 2)`)
	r.exec(`CREATE INDEX ts_g ON ts (g)`, `INSERT INTO ts VALUES (100, 2)`)
	if got := strings.Join(queryStrings(t, other, `EXPLAIN SELECT id FROM ts WHERE g = 2`), "\n"); !strings.Contains(got, "Index Scan using ts_g") {
		t.Fatalf("the plan does not use the index:\n%s", got)
	}
	count(other, `SELECT count(*) FROM ts WHERE g = 2`, "[11]")
	if err := run(other, `COMMIT`); err == nil || !strings.Contains(err.Error(), "40001") {
		t.Fatalf("a transaction that wrote rows before the index commits them: %v", err)
	}
	count(other, `SELECT count(*) FROM ts WHERE g = 2`, "[11]")

	// A transaction block that writes and indexes reads through its index.
	must(other, `BEGIN`, `INSERT INTO ts VALUES (300, 3)`, `CREATE INDEX ts_id_g ON ts (g, id)`)
	count(other, `SELECT count(*) FROM ts WHERE g = 3 AND id > 200`, "[1]")
	if got := strings.Join(queryStrings(t, other, `EXPLAIN SELECT count(*) FROM ts WHERE g = 3 AND id > 200`), "\n"); !strings.Contains(got, "Index Scan using ts_id_g") {
		t.Fatalf("the plan does not use the index:\n%s", got)
	}
	must(other, `COMMIT`)
	count(r.conn, `SELECT count(*) FROM ts WHERE g = 3 AND id > 200`, "[1]")

	// One whose build missed rows committed meanwhile cannot commit.
	must(other, `BEGIN`, `SELECT 1`)
	r.exec(`INSERT INTO ts VALUES (400, 1)`)
	must(other, `CREATE INDEX ts_g2 ON ts (g)`)
	if err := run(other, `COMMIT`); err == nil || !strings.Contains(err.Error(), "40001") {
		t.Fatalf("CREATE INDEX commits over rows its build did not see: %v", err)
	}
	count(r.conn, `SELECT count(*) FROM pg_class WHERE relname = 'ts_g2'`, "[0]")
	count(r.conn, `SELECT count(*) FROM ts WHERE g = 1`, "[11]")

	// An index created after a savepoint goes with ROLLBACK TO it.
	must(other, `BEGIN`, `SAVEPOINT a`, `CREATE INDEX ts_g3 ON ts (g)`, `ROLLBACK TO SAVEPOINT a`, `INSERT INTO ts VALUES (500, 1)`, `COMMIT`)
	count(r.conn, `SELECT count(*) FROM pg_class WHERE relname = 'ts_g3'`, "[0]")
	count(r.conn, `SELECT count(*) FROM ts WHERE g = 1`, "[12]")
}

// TestTopicTableIndex checks an index on a table that a topic feeds: the
// ingest keeps its entries through upserts and tombstones, so lookups find
// what a scan finds.
func TestTopicTableIndex(t *testing.T) {
	c, seeds := startEddyKafka(t)
	mustExec(t, c, `CREATE TABLE tv (k INT PRIMARY KEY, v BIGINT) WITH (topic = 'tv', partitions = '2')`)
	mustExec(t, c, `CREATE INDEX tv_v ON tv (v)`)
	if _, err := c.Exec(context.Background(), `CREATE UNIQUE INDEX tv_u ON tv (v)`); err == nil || !strings.Contains(err.Error(), "0A000") {
		t.Fatalf("a unique index on a topic table: %v", err)
	}
	last := map[int]int{}
	for p := range int32(2) {
		var recs []kv
		for i := range 2000 {
			k := int(p) + 2*(i%50)
			if i%9 == 4 {
				recs = append(recs, tomb(fmt.Sprint(k)))
				delete(last, k)
				continue
			}
			recs = append(recs, kv{fmt.Sprint(k), fmt.Sprintf(`{"v": %d}`, i%13)})
			last[k] = i % 13
		}
		produceKeyed(t, seeds, "tv", p, recs...)
	}
	sum := 0
	for _, x := range last {
		sum += x
	}
	waitRows(t, c, `SELECT records_read FROM eddy_catalog.eddy_sources WHERE name = 'tv'`, "4000")
	wantRows(t, c, `SELECT count(*), sum(v)::int8 FROM tv`, fmt.Sprintf("%d|%d", len(last), sum))
	for v := range 14 {
		n := 0
		for _, x := range last {
			if x == v {
				n++
			}
		}
		q := fmt.Sprintf(`SELECT count(*) FROM tv WHERE v = %d`, v)
		wantRows(t, c, q, fmt.Sprint(n))
		if plan := strings.Join(queryStrings(t, c, "EXPLAIN "+q), "\n"); !strings.Contains(plan, "Index Scan using tv_v") {
			t.Fatalf("the lookup does not use the index:\n%s", plan)
		}
	}
}
