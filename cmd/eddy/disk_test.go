package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestDiskFullTmpfs fills a real file system under eddy: a tmpfs of
// 256 MB holding the data directory (and the embedded broker's log).
// Once less than the reserve is free, a statement fails with 53100 and a
// view fed by a source stops with 53100 in eddy_view_sources, keeping its
// last state; once space returns, both go on, and nothing committed or
// produced is lost. Mounting needs root: without it the test says that it
// did not run (TestDiskFullRefusesWrites in exec covers the same with the
// free space injected).
func TestDiskFullTmpfs(t *testing.T) {
	dir := mountTmpfs(t, 256<<20)
	c, seeds, _ := startEddyConfig(t, config{dataDir: filepath.Join(dir, "data"), diskReserve: 96 << 20})
	ctx := context.Background()
	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '1')`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW n AS SELECT count(*), sum(price)::int8 FROM bid`)
	mustExec(t, c, `CREATE TABLE t (id BIGINT PRIMARY KEY)`)
	produce := func(from, n int) {
		vals := make([]string, n)
		for i := range vals {
			vals[i] = fmt.Sprintf(`{"auction": %d, "price": %d}`, from+i, from+i)
		}
		produceTo(t, seeds, "bid", 1, vals...)
	}
	produce(0, 50)
	eventually(t, c, `SELECT * FROM n`, `SELECT 50::int8, 1225::int8`)
	mustExec(t, c, `INSERT INTO t SELECT generate_series(1, 10)`)

	// Leave 48 MB free: less than the reserve, room for the broker.
	ballast := fillTo(t, dir, 48<<20)
	// The guard trusts a measure of the free space for 100ms, and a tmpfs
	// fills faster than that: wait until the last measure is stale.
	time.Sleep(250 * time.Millisecond)
	_, err := c.Exec(ctx, `INSERT INTO t VALUES (11)`)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "53100" {
		t.Fatalf("INSERT with the disk full: %v, want 53100", err)
	}
	produce(50, 30)
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := queryRows(t, c, `SELECT coalesce(error, '') FROM eddy_catalog.eddy_view_sources WHERE name = 'n'`)
		if len(got) == 1 && strings.Contains(got[0], "SQLSTATE 53100") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the view's feed shows no disk_full error: %q", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	wantRows(t, c, `SELECT * FROM n`, "50|1225")
	wantRows(t, c, `SELECT count(*) FROM t`, "10")

	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	// The guard measures the free space at most every 100ms.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := c.Exec(ctx, `INSERT INTO t VALUES (11)`); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("INSERT once space returned: %v", err)
		}
	}
	wantRows(t, c, `SELECT count(*) FROM t`, "11")
	eventually(t, c, `SELECT * FROM n`, `SELECT 80::int8, 3160::int8`)
	eventually(t, c, `SELECT count(*) FROM eddy_catalog.eddy_view_sources WHERE error IS NOT NULL`, `SELECT 0::int8`)
}

// mountTmpfs mounts a tmpfs of size bytes on a new directory until the
// test ends, or ends the test saying that it did not run.
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		t.Skip("DID NOT RUN: mounting a tmpfs of a known size needs root")
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("DID NOT RUN: cannot mount a tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fillTo writes a file in dir until the file system has about free bytes
// left, and returns its path.
func fillTo(t *testing.T, dir string, free uint64) string {
	t.Helper()
	path := filepath.Join(dir, "ballast")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for {
		var st syscall.Statfs_t
		if err := syscall.Statfs(dir, &st); err != nil {
			t.Fatal(err)
		}
		if st.Bavail*uint64(st.Bsize) <= free {
			return path
		}
		if _, err := f.Write(chunk); err != nil {
			t.Fatalf("fill %s: %v", dir, err)
		}
	}
}
