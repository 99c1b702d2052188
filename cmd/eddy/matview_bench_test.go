package main

// Materialized view benchmarks. BenchmarkViewUpdate measures how long a
// single-row UPDATE takes to show in a view, on three servers in one run:
// eddy ("eddy"), eddy with every stateful node maintained by the generic
// keyed operator ("eddy-keyed", the baseline the specialized operators
// replace), and PostgreSQL ("postgres", when EDDY_BENCH_PG is set), where
// the op is the UPDATE followed by REFRESH MATERIALIZED VIEW. eddy
// maintains views in the committing transaction, so the UPDATE's latency
// is the time until the change is visible; a sample of ops reads the view
// back to check. For example:
//
//	EDDY_BENCH_PG=postgres://root:x@127.0.0.1:5432/slt \
//	    go test -run '^$' -bench ViewUpdate -benchtime 10s -timeout 2h ./cmd/eddy/
//
// BenchmarkViewMemory builds eddy, runs it as its own process and creates
// a view grouping EDDY_BENCH_KEYS (default 10,000,000) distinct keys; it
// reports the process's peak RSS during the CREATE and how long it took.
//
//	go test -run '^$' -bench ViewMemory -benchtime 1x -timeout 2h ./cmd/eddy/
//
// EDDY_BENCH_ROWS sets the table size of BenchmarkViewUpdate (default
// 1,000,000).

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const viewBenchDims = 1000

// viewBenchVal is the initial val of row id.
func viewBenchVal(id int) int64 { return int64(id) * 7919 % 1_000_003 }

// viewServer is one server with mv_t and mv_dim loaded, and a mirror of
// mv_t's val column as the benchmark's updates leave it.
type viewServer struct {
	once sync.Once
	url  string
	err  error
	stop func()
	vals []int64
}

var (
	viewServersMu sync.Mutex
	viewServers   = map[string]*viewServer{}
)

func stopViewBenchServers() {
	viewServersMu.Lock()
	defer viewServersMu.Unlock()
	for _, s := range viewServers {
		if s.stop != nil {
			s.stop()
		}
	}
}

// viewTarget returns the named server with the tables loaded, or skips.
func viewTarget(b *testing.B, name string) *viewServer {
	b.Helper()
	viewServersMu.Lock()
	s := viewServers[name]
	if s == nil {
		s = &viewServer{}
		viewServers[name] = s
	}
	viewServersMu.Unlock()
	pgURL := os.Getenv("EDDY_BENCH_PG")
	if name == "postgres" && pgURL == "" {
		b.Skip("did not run: set EDDY_BENCH_PG to a PostgreSQL URL (e.g. postgres://root:x@127.0.0.1:5432/slt) to compare with PostgreSQL")
	}
	s.once.Do(func() {
		switch name {
		case "eddy":
			s.url, s.stop, s.err = startBenchEddy()
		case "eddy-keyed":
			s.url, s.stop, s.err = startBenchEddy(func(c *config) { c.keyedViews = true })
		case "postgres":
			s.url, s.err = pgBenchURL(pgURL)
		}
		if s.err != nil {
			return
		}
		start := time.Now()
		s.err = loadViewTables(s.url, name == "postgres")
		if s.err == nil {
			b.Logf("%s: mv_t ready with %d rows in %s", name, benchRows(), time.Since(start).Round(time.Millisecond))
		}
		n := benchRows()
		s.vals = make([]int64, n+1)
		for id := 1; id <= n; id++ {
			s.vals[id] = viewBenchVal(id)
		}
	})
	if s.err != nil {
		b.Fatalf("%s: %v", name, s.err)
	}
	return s
}

func loadViewTables(url string, isPG bool) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	stmts := []string{
		"DROP MATERIALIZED VIEW IF EXISTS mv_agg",
		"DROP MATERIALIZED VIEW IF EXISTS mv_join",
		"DROP TABLE IF EXISTS mv_t",
		"DROP TABLE IF EXISTS mv_dim",
		"CREATE TABLE mv_t (id BIGINT PRIMARY KEY, grp INT, val BIGINT)",
		"CREATE TABLE mv_dim (id INT PRIMARY KEY, name TEXT)",
		fmt.Sprintf("INSERT INTO mv_dim SELECT i, 'dim-' || i FROM generate_series(0, %d) AS i", viewBenchDims-1),
	}
	n := benchRows()
	for lo := 1; lo <= n; lo += 100_000 {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO mv_t SELECT i, i %% %d, i::bigint * 7919 %% 1000003 FROM generate_series(%d, %d) AS i",
			viewBenchDims, lo, min(lo+100_000-1, n)))
	}
	if isPG {
		stmts = append(stmts, "VACUUM ANALYZE mv_t", "VACUUM ANALYZE mv_dim")
	}
	for _, q := range stmts {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// viewBench is one view of BenchmarkViewUpdate and how to check that an
// update to row id shows in it.
type viewBench struct {
	name, query string
	// checkEvery: one op in checkEvery reads the view back.
	checkEvery int
	check      func(ctx context.Context, conn *pgx.Conn, vals []int64, id int) error
}

var viewBenches = []viewBench{
	{
		name:       "mv_agg",
		query:      "SELECT grp, count(*) AS n, sum(val) AS s, max(val) AS m FROM mv_t GROUP BY grp",
		checkEvery: 16,
		check: func(ctx context.Context, conn *pgx.Conn, vals []int64, id int) error {
			grp := id % viewBenchDims
			var n, s, m int64
			for i := grp; i < len(vals); i += viewBenchDims {
				if i == 0 {
					continue
				}
				n, s, m = n+1, s+vals[i], max(m, vals[i])
			}
			var gn, gs, gm int64
			err := conn.QueryRow(ctx, "SELECT n, s, m FROM mv_agg WHERE grp = $1", grp).Scan(&gn, &gs, &gm)
			if err != nil {
				return err
			}
			if gn != n || gs != s || gm != m {
				return fmt.Errorf("group %d: (%d, %d, %d), want (%d, %d, %d)", grp, gn, gs, gm, n, s, m)
			}
			return nil
		},
	},
	{
		name:  "mv_join",
		query: "SELECT t.id, t.val, d.name FROM mv_t t JOIN mv_dim d ON t.grp = d.id",
		// Without an index on id, reading a row back scans the view.
		checkEvery: 200,
		check: func(ctx context.Context, conn *pgx.Conn, vals []int64, id int) error {
			var val int64
			var name string
			err := conn.QueryRow(ctx, "SELECT val, name FROM mv_join WHERE id = $1", id).Scan(&val, &name)
			if err != nil {
				return err
			}
			if want := fmt.Sprintf("dim-%d", id%viewBenchDims); val != vals[id] || name != want {
				return fmt.Errorf("row %d: (%d, %s), want (%d, %s)", id, val, name, vals[id], want)
			}
			return nil
		},
	},
	{
		// No view: the floor, an UPDATE's own latency (last, once the
		// background work of the loads is done).
		name:       "no_view",
		checkEvery: 1 << 30,
	},
}

// BenchmarkViewUpdate: single-row UPDATEs of a 1M-row table read by a
// GROUP BY view (mv_agg) or by a join with a 1000-row dimension table
// (mv_join); p50-ms and p99-ms are the latencies until the change is
// visible in the view.
func BenchmarkViewUpdate(b *testing.B) {
	for _, v := range viewBenches {
		b.Run(v.name, func(b *testing.B) {
			for _, name := range []string{"eddy", "eddy-keyed", "postgres"} {
				b.Run(name, func(b *testing.B) { benchViewUpdate(b, name, v) })
			}
		})
	}
}

func benchViewUpdate(b *testing.B, name string, v viewBench) {
	srv := viewTarget(b, name)
	ctx := context.Background()
	conn := benchConnect(b, srv.url)
	if v.query != "" {
		start := time.Now()
		if _, err := conn.Exec(ctx, "CREATE MATERIALIZED VIEW "+v.name+" AS "+v.query); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: %s created in %s", name, v.name, time.Since(start).Round(time.Millisecond))
		b.Cleanup(func() {
			if _, err := conn.Exec(ctx, "DROP MATERIALIZED VIEW "+v.name); err != nil {
				b.Error(err)
			}
		})
	}
	isPG := name == "postgres" && v.query != ""
	refresh := "REFRESH MATERIALIZED VIEW " + v.name
	n := benchRows()
	rng := rand.New(rand.NewPCG(1, 2))
	var lat []time.Duration
	for b.Loop() {
		id := 1 + rng.IntN(n)
		val := rng.Int64N(1_000_003)
		t0 := time.Now()
		if _, err := conn.Exec(ctx, "UPDATE mv_t SET val = $1 WHERE id = $2", val, id); err != nil {
			b.Fatal(err)
		}
		if isPG {
			if _, err := conn.Exec(ctx, refresh); err != nil {
				b.Fatal(err)
			}
		}
		lat = append(lat, time.Since(t0))
		srv.vals[id] = val
		if v.check != nil && len(lat)%v.checkEvery == 1 {
			b.StopTimer()
			if err := v.check(ctx, conn, srv.vals, id); err != nil {
				b.Fatalf("%s after %d updates: %v", v.name, len(lat), err)
			}
			b.StartTimer()
		}
	}
	slices.Sort(lat)
	q := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}

// BenchmarkViewMemory creates a view over EDDY_BENCH_KEYS distinct keys
// in an eddy process of its own and reports the process's peak RSS
// (VmHWM, reset after loading the table) and the CREATE's duration.
func BenchmarkViewMemory(b *testing.B) {
	keys := 10_000_000
	if s := os.Getenv("EDDY_BENCH_KEYS"); s != "" {
		if k, err := strconv.Atoi(s); err == nil && k > 0 {
			keys = k
		}
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "eddy")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	for b.Loop() {
		b.StopTimer()
		addr := freeAddr(b)
		cmd := exec.Command(bin, "--data-dir", filepath.Join(dir, "data"), "--listen", addr,
			"--kafka-listen", "", "--http-listen", "")
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		stop := func() {
			cmd.Process.Signal(os.Interrupt)
			cmd.Wait()
			os.RemoveAll(filepath.Join(dir, "data"))
		}
		ctx := context.Background()
		var conn *pgx.Conn
		var err error
		for i := 0; i < 100; i++ {
			if conn, err = pgx.Connect(ctx, "postgres://eddy@"+addr+"/eddy?sslmode=disable"); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			stop()
			b.Fatal(err)
		}
		t0 := time.Now()
		if _, err := conn.Exec(ctx, "CREATE TABLE big (k BIGINT PRIMARY KEY, v BIGINT)"); err != nil {
			b.Fatal(err)
		}
		for lo := 1; lo <= keys; lo += 1_000_000 {
			q := fmt.Sprintf("INSERT INTO big SELECT i, i %% 97 FROM generate_series(%d, %d) AS i", lo, min(lo+1_000_000-1, keys))
			if _, err := conn.Exec(ctx, q); err != nil {
				stop()
				b.Fatal(err)
			}
		}
		loaded := time.Since(t0)
		loadHWM := procStatus(b, cmd.Process.Pid, "VmHWM")
		// Peak RSS from here on.
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", cmd.Process.Pid), []byte("5"), 0); err != nil {
			b.Logf("cannot reset VmHWM: %v", err)
		}
		// VmHWM counts the pages of Badger's memory-mapped files that
		// were read; sampling RssAnon tells the process's own memory apart.
		pid := cmd.Process.Pid
		sampleStop := make(chan struct{})
		done := make(chan struct{})
		var peakAnon int64
		go func() {
			defer close(done)
			for {
				select {
				case <-sampleStop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				peakAnon = max(peakAnon, procStatus(b, pid, "RssAnon"))
			}
		}()
		b.StartTimer()
		t1 := time.Now()
		_, err = conn.Exec(ctx, "CREATE MATERIALIZED VIEW bigv AS SELECT k, count(*) AS n, sum(v) AS s FROM big GROUP BY k")
		created := time.Since(t1)
		b.StopTimer()
		sampleStop <- struct{}{}
		<-done
		if err != nil {
			stop()
			b.Fatal(err)
		}
		hwm := procStatus(b, cmd.Process.Pid, "VmHWM")
		rss := procStatus(b, cmd.Process.Pid, "VmRSS")
		var n, s int64
		k := keys / 2
		if err := conn.QueryRow(ctx, "SELECT n, s FROM bigv WHERE k = $1", k).Scan(&n, &s); err != nil || n != 1 || s != int64(k%97) {
			b.Fatalf("bigv row %d: (%d, %d), %v", k, n, s, err)
		}
		t2 := time.Now()
		if _, err := conn.Exec(ctx, "UPDATE big SET v = v + 1 WHERE k = $1", k); err != nil {
			b.Fatal(err)
		}
		update := time.Since(t2)
		du := dirSize(filepath.Join(dir, "data"))
		conn.Close(ctx)
		stop()
		b.Logf("%d keys: loaded in %s (peak RSS %d MiB); CREATE MATERIALIZED VIEW in %s, peak RSS %d MiB (anonymous %d MiB), RSS after %d MiB; "+
			"an update then %s; data dir %d MiB",
			keys, loaded.Round(time.Millisecond), loadHWM>>10, created.Round(time.Millisecond), hwm>>10, peakAnon>>10, rss>>10,
			update.Round(time.Microsecond), du>>20)
		b.ReportMetric(float64(hwm>>10), "peak-RSS-MiB")
		b.ReportMetric(float64(peakAnon>>10), "peak-anon-MiB")
		b.ReportMetric(created.Seconds(), "create-s")
		b.ReportMetric(float64(keys)/created.Seconds(), "keys/s")
		b.StartTimer()
	}
}

// procStatus returns a /proc/PID/status field in KiB.
func procStatus(b *testing.B, pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// dirSize is the disk space the files under dir take (Badger's value
// log files are sparse).
func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if st, ok := info.Sys().(*syscall.Stat_t); err == nil && ok && !info.IsDir() {
			n += st.Blocks * 512
		}
		return nil
	})
	return n
}
