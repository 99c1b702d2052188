package main

// Benchmarks against PostgreSQL on the same machine, in the same run, over
// the same wire protocol and client (pgx), so that the two figures of one
// run can be divided. Set EDDY_BENCH_PG to a PostgreSQL URL to get the
// "postgres" sub-benchmarks; they skip otherwise. For example:
//
//	EDDY_BENCH_PG=postgres://root:x@127.0.0.1:5432/slt \
//	    go test -run '^$' -bench PointLookup -benchtime 5000x ./cmd/eddy/
//	EDDY_BENCH_PG=postgres://root:x@127.0.0.1:5432/slt \
//	    go test -run '^$' -bench GroupBy -benchtime 5x ./cmd/eddy/
//
// EDDY_BENCH_ROWS overrides the table size (default 1,000,000) for quicker
// runs; EDDY_BENCH_ROWS=1 measures a lookup's fixed cost (wire, executor
// set-up) without the cost of finding the row. Loading is done once per
// process and per server, and is not timed. While eddy answers WHERE id = $1
// with a full scan (about a second per lookup at 1M rows), a time-based
// -benchtime 5s suits PointLookup better than 5000x.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	benchGroups    = 1000
	benchBatchRows = 1000
	// PostgreSQL's database is shared with other test suites, so the
	// table lives in its own schema: the queries' text stays the same on
	// both sides and nothing else's "kv" is touched.
	benchPGSchema = "eddy_bench"
)

func benchRows() int {
	if s := os.Getenv("EDDY_BENCH_ROWS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 1_000_000
}

// The row with key id; deterministic so that the servers can be checked
// against each other and against a table left by an earlier run.
func benchVal(id int) int64 { return int64(id) * 7919 % 1_000_003 }
func benchName(id int) string {
	return "name-" + strconv.Itoa(id)
}

// benchTarget is one server with kv loaded.
type benchTarget struct {
	once sync.Once
	url  string
	err  error
	stop func()
}

var (
	benchEddy benchTarget
	benchPG   benchTarget
)

// TestMain exists so that the in-process eddy the benchmarks start, and its
// data directory of a million rows, go away with the test binary.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchEddy.stop != nil {
		benchEddy.stop()
	}
	stopViewBenchServers()
	os.Exit(code)
}

// target returns a connection string for the named server with kv loaded,
// or skips.
func target(b *testing.B, name string) string {
	b.Helper()
	var t *benchTarget
	switch name {
	case "eddy":
		t = &benchEddy
		t.once.Do(func() { t.url, t.stop, t.err = startBenchEddy() })
	case "postgres":
		t = &benchPG
		url := os.Getenv("EDDY_BENCH_PG")
		if url == "" {
			b.Skip("did not run: set EDDY_BENCH_PG to a PostgreSQL URL (e.g. postgres://root:x@127.0.0.1:5432/slt) to compare with PostgreSQL")
		}
		t.once.Do(func() { t.url, t.err = pgBenchURL(url) })
	}
	if t.err != nil {
		b.Fatalf("%s: %v", name, t.err)
	}
	loadOnce(b, name, t.url)
	return t.url
}

var loaded sync.Map // server name -> *loadState

type loadState struct {
	once sync.Once
	err  error
}

func loadOnce(b *testing.B, name, url string) {
	v, _ := loaded.LoadOrStore(name, new(loadState))
	ls := v.(*loadState)
	ls.once.Do(func() {
		start := time.Now()
		ls.err = loadKV(url, name == "postgres")
		if ls.err == nil {
			b.Logf("%s: kv ready with %d rows in %s", name, benchRows(), time.Since(start).Round(time.Millisecond))
		}
	})
	if ls.err != nil {
		b.Fatalf("%s: loading kv: %v", name, ls.err)
	}
}

func startBenchEddy(opts ...func(*config)) (string, func(), error) {
	dir, err := os.MkdirTemp("", "eddy-bench-")
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan endpoints, 1)
	done := make(chan error, 1)
	cfg := config{dataDir: dir, listen: "127.0.0.1:0"} // no Kafka, no HTTP
	for _, o := range opts {
		o(&cfg)
	}
	go func() { done <- run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), ready) }()
	stop := func() {
		cancel()
		<-done
		os.RemoveAll(dir)
	}
	select {
	case ep := <-ready:
		return fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", ep.SQL), stop, nil
	case err := <-done:
		os.RemoveAll(dir)
		return "", nil, err
	}
}

// pgBenchURL creates the benchmark schema and returns url with it first on
// the search path.
func pgBenchURL(url string) (string, error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+benchPGSchema); err != nil {
		return "", err
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + benchPGSchema, nil
}

// loadKV creates and fills kv with multi-row INSERTs (the common subset of
// both servers; COPY would be faster but is not what is measured here). A
// PostgreSQL table left by an earlier run with the same contents is kept.
func loadKV(url string, isPG bool) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	n := benchRows()
	if isPG && kvMatches(ctx, conn, n) {
		return nil
	}
	if isPG {
		if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS kv"); err != nil {
			return err
		}
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE kv (id BIGINT PRIMARY KEY, grp INT, val BIGINT, name TEXT)"); err != nil {
		return err
	}
	var sb strings.Builder
	for lo := 1; lo <= n; lo += benchBatchRows {
		sb.Reset()
		sb.WriteString("INSERT INTO kv VALUES ")
		for id := lo; id < lo+benchBatchRows && id <= n; id++ {
			if id > lo {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "(%d,%d,%d,'%s')", id, id%benchGroups, benchVal(id), benchName(id))
		}
		// The simple protocol: a thousand distinct one-off statements
		// should not fill pgx's (or the server's) statement cache.
		if _, err := conn.PgConn().Exec(ctx, sb.String()).ReadAll(); err != nil {
			return fmt.Errorf("insert rows %d..: %w", lo, err)
		}
	}
	if isPG {
		// Steady state, as a real table would be: visibility map set
		// and statistics known.
		if _, err := conn.Exec(ctx, "VACUUM ANALYZE kv"); err != nil {
			return err
		}
	}
	if !kvMatches(ctx, conn, n) {
		return fmt.Errorf("kv does not hold the %d rows just loaded", n)
	}
	return nil
}

func kvMatches(ctx context.Context, conn *pgx.Conn, n int) bool {
	var count, sum int64
	if err := conn.QueryRow(ctx, "SELECT count(*), sum(val) FROM kv").Scan(&count, &sum); err != nil {
		return false
	}
	var want int64
	for id := 1; id <= n; id++ {
		want += benchVal(id)
	}
	return count == int64(n) && sum == want
}

func benchConnect(b *testing.B, url string) *pgx.Conn {
	b.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// BenchmarkPointLookup is the target: primary-key lookups per second
// over one pgx connection with a prepared statement, at least PostgreSQL's.
func BenchmarkPointLookup(b *testing.B) {
	for _, name := range []string{"eddy", "postgres"} {
		b.Run(name, func(b *testing.B) {
			conn := benchConnect(b, target(b, name))
			ctx := context.Background()
			const q = "SELECT val, name FROM kv WHERE id = $1"
			if _, err := conn.Prepare(ctx, "lookup", q); err != nil {
				b.Fatal(err)
			}
			n := benchRows()
			// The same keys on both servers, so both do the same work.
			rng := rand.New(rand.NewPCG(1, 2))
			var val int64
			var nm string
			iters := 0
			for b.Loop() {
				iters++
				id := 1 + rng.IntN(n)
				if err := conn.QueryRow(ctx, "lookup", id).Scan(&val, &nm); err != nil {
					b.Fatalf("id %d: %v", id, err)
				}
				if val != benchVal(id) {
					b.Fatalf("id %d: val %d, want %d", id, val, benchVal(id))
				}
			}
			b.ReportMetric(float64(iters)/b.Elapsed().Seconds(), "lookups/s")
		})
	}
}

// BenchmarkGroupBy aggregates the whole table into benchGroups groups;
// rows/s counts input rows aggregated.
func BenchmarkGroupBy(b *testing.B) {
	for _, name := range []string{"eddy", "postgres"} {
		b.Run(name, func(b *testing.B) {
			conn := benchConnect(b, target(b, name))
			ctx := context.Background()
			const q = "SELECT grp, count(*), sum(val) FROM kv GROUP BY grp"
			n := benchRows()
			iters := 0
			for b.Loop() {
				iters++
				rows, err := conn.Query(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				var groups, total int64
				for rows.Next() {
					var grp, count, sum int64
					if err := rows.Scan(&grp, &count, &sum); err != nil {
						b.Fatal(err)
					}
					groups++
					total += count
				}
				if err := rows.Err(); err != nil {
					b.Fatal(err)
				}
				if want := min(int64(n), benchGroups); groups != want || total != int64(n) {
					b.Fatalf("%d groups over %d rows, want %d over %d", groups, total, want, n)
				}
			}
			b.ReportMetric(float64(n)*float64(iters)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
