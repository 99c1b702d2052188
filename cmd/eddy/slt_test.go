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

	"github.com/eddysql/eddy/cmd/internal/slt"
)

// startEddy runs eddy in-process on free ports with a fresh data directory
// and returns a connection string for it.
func startEddy(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config{dataDir: t.TempDir(), listen: "127.0.0.1:0"}
	ready := make(chan string, 1)
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
	case addr := <-ready:
		return fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", addr)
	case err := <-done:
		t.Fatalf("eddy did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("eddy did not start in 30s")
	}
	return ""
}

func runSLT(t *testing.T, conn, path string) {
	t.Helper()
	res, err := slt.RunFile(context.Background(), conn, path, slt.Options{Engine: "postgresql", MaxFailures: 20})
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
	dir := "../../../shared/slt/sqlite"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("did not run: %s is not present (it lives beside the repository in CI)", dir)
	}
	for _, name := range []string{"select1.test", "select2.test", "select3.test"} {
		t.Run(name, func(t *testing.T) {
			runSLT(t, startEddy(t), filepath.Join(dir, name))
		})
	}
}
