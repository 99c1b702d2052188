package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// buildEddy builds the eddy binary for tests that run it as a process,
// with the go build flags in EDDY_BUILD_FLAGS (-race, to run eddy itself
// under the race detector).
func buildEddy(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "eddy")
	args := append(append([]string{"build"}, strings.Fields(os.Getenv("EDDY_BUILD_FLAGS"))...), "-o", bin, ".")
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// startBinary runs bin on dataDir and returns the process and a connection
// string, once it listens.
func startBinary(t *testing.T, bin, dataDir string) (*exec.Cmd, string) {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--data-dir", dataDir, "--listen", addr, "--http-listen", "", "--kafka-listen", "")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Generously: after a kill -9, a start replays Badger's logs, and the
	// machine may be loaded.
	start := time.Now()
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Since(start) > 90*time.Second {
			cmd.Process.Kill()
			t.Fatalf("eddy did not listen on %s in %s (its log is above)", addr, time.Since(start).Round(time.Millisecond))
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cmd, fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", addr)
}

// TestKill9AfterCommit kills eddy with SIGKILL right after a COMMIT and
// checks that the committed rows are there after a restart.
func TestKill9AfterCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildEddy(t)
	dataDir := t.TempDir()
	start := func() (*exec.Cmd, string) { return startBinary(t, bin, dataDir) }
	ctx := context.Background()
	cmd, url := start()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE k (id INT PRIMARY KEY, v TEXT)",
		"BEGIN",
		"INSERT INTO k VALUES (1, 'one'), (2, 'two')",
		"COMMIT",
		"INSERT INTO k VALUES (3, 'three')",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	conn.Close(ctx)

	cmd, url = start()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	conn, err = pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	var s string
	if err := conn.QueryRow(ctx, "SELECT count(*), string_agg(v, ',' ORDER BY id) FROM k").Scan(&n, &s); err != nil {
		t.Fatal(err)
	}
	if n != 3 || s != "one,two,three" {
		t.Fatalf("after kill -9: %d rows %q, want 3 rows one,two,three", n, s)
	}
}
