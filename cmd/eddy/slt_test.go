package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eddysql/eddy/cmd/internal/slt"
)

// startEddy runs eddy in-process on free ports with a fresh data directory
// and returns a connection string for it.
func startEddy(t testing.TB) string {
	t.Helper()
	return fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", startEddyWith(t, config{}))
}

// startEddyWith runs eddy in-process with cfg, filling in a fresh data
// directory and a free loopback port where cfg leaves them empty, and
// returns the address it listens on.
func startEddyWith(t testing.TB, cfg config) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if cfg.dataDir == "" {
		cfg.dataDir = t.TempDir()
	}
	if cfg.listen == "" {
		cfg.listen = "127.0.0.1:0"
	}
	ready := make(chan endpoints, 1)
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- run(ctx, cfg, log, ready) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("eddy: %v", err)
		}
	})
	select {
	case ep := <-ready:
		return ep.SQL
	case err := <-done:
		done <- nil
		t.Fatalf("eddy did not start: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("eddy did not start in 90s")
	}
	return ""
}

// runSLT runs one script as engine "postgresql" (the scripts' expected
// results come from PostgreSQL) that also answers to "eddy", so that
// "onlyif eddy" marks eddy's own statements (settings PostgreSQL lacks).
func runSLT(t *testing.T, conn, path string) {
	t.Helper()
	res, err := slt.RunFile(context.Background(), conn, path, slt.Options{Engine: "postgresql", Labels: []string{"eddy"}, MaxFailures: 20})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	t.Logf("%s: %d passed, %d failed, %d skipped", filepath.Base(path), res.Passed, res.Failed, res.Skipped)
	for _, f := range res.Failures {
		t.Errorf("%s", f.String())
	}
}

// TestSLT runs the project's own scripts through the real wire protocol.
func TestSLT(t *testing.T) {
	files, err := filepath.Glob("../../testdata/*.slt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.slt found: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			runSLT(t, startEddy(t), f)
		})
	}
}

// TestSQLiteCorpus runs SQLite's select1-3 from ../shared, which CI always
// has; a clone elsewhere may not, and then the test says so and skips.
func TestSQLiteCorpus(t *testing.T) {
	dir := filepath.Join(sharedDir(), "slt", "sqlite")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("did not run: %s is not present (it lives beside the repository in CI)", dir)
	}
	for _, name := range []string{"select1.test", "select2.test", "select3.test"} {
		t.Run(name, func(t *testing.T) {
			runSLT(t, startEddy(t), filepath.Join(dir, name))
		})
	}
}

// TestSLTDir runs every .test and .slt file in the directory named by
// EDDY_SLT_DIR (for instance a checkout of SQLite's sqllogictest corpus,
// which is too large to live in the repository). Each file gets a fresh
// server, a per-record timeout so that one slow query cannot stall the run,
// and no failure limit, so that the log holds every failure to classify.
// (To see what PostgreSQL itself makes of the same files, use cmd/slt
// -fresh-db against it.)
func TestSLTDir(t *testing.T) {
	dir := os.Getenv("EDDY_SLT_DIR")
	if dir == "" {
		t.Skip("did not run: set EDDY_SLT_DIR to a directory of .test/.slt files")
	}
	var files []string
	for _, pat := range []string{"*.test", "*.slt"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatalf("no .test or .slt files in %s", dir)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			conn := startEddy(t)
			start := time.Now()
			res, err := slt.RunFile(context.Background(), conn, f, slt.Options{Engine: "postgresql", Labels: []string{"eddy"}, Timeout: 20 * time.Second})
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			t.Logf("%s: %d passed, %d failed, %d skipped in %v", filepath.Base(f), res.Passed, res.Failed, res.Skipped, time.Since(start).Round(time.Millisecond))
			for _, fl := range res.Failures {
				t.Errorf("%s", fl.String())
			}
		})
	}
}

// restartSession returns a function that starts eddy over dir, runs the
// statements, returns their rows (each row's values joined by fmt.Sprint)
// and stops eddy: each call is a restart over the same data.
func restartSession(t *testing.T, dir string) func(queries ...string) []string {
	return func(queries ...string) []string {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan endpoints, 1)
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, config{dataDir: dir, listen: "127.0.0.1:0"}, slog.New(slog.NewTextHandler(io.Discard, nil)), ready)
		}()
		var addr string
		select {
		case ep := <-ready:
			addr = ep.SQL
		case err := <-done:
			t.Fatalf("eddy did not start: %v", err)
		}
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("eddy: %v", err)
			}
		}()
		conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", addr))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		var out []string
		for _, q := range queries {
			rows, err := conn.Query(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
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
		}
		return out
	}
}

// TestRestart checks that committed tables and views survive a restart.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	exec1 := restartSession(t, dir)
	exec1("CREATE TABLE kv (k TEXT PRIMARY KEY, v INT)",
		"INSERT INTO kv VALUES ('a', 1), ('b', 2)",
		"CREATE VIEW big AS SELECT k FROM kv WHERE v > 1")
	got := exec1("SELECT k, v FROM kv ORDER BY k", "SELECT * FROM big")
	want := []string{"a1", "b2", "b"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after restart got %v, want %v", got, want)
	}
}
