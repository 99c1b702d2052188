package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestDiskFullEveryWrite fills the data directory's file system (a tmpfs,
// as TestDiskFullTmpfs) below the reserve and runs every kind of statement
// that writes: each must fail with 53100 (disk_full) rather than eat into
// the room Badger keeps for itself (past which a write through its memory
// maps is a SIGBUS that kills eddy), leave what committed intact, and work
// again once space returns. Reads go on meanwhile.
func TestDiskFullEveryWrite(t *testing.T) {
	dir := mountTmpfs(t, 256<<20)
	c, _, _ := startEddyConfig(t, config{dataDir: filepath.Join(dir, "data"), diskReserve: 96 << 20})
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)`,
		`INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 100) g`,
		`CREATE SEQUENCE sq`,
		`CREATE TABLE ser (id BIGSERIAL PRIMARY KEY, w INT)`,
		`INSERT INTO ser (w) VALUES (1)`,
		`CREATE MATERIALIZED VIEW tv AS SELECT count(*) AS n FROM t`,
	} {
		mustExec(t, c, q)
	}
	var before int64
	if err := c.QueryRow(ctx, `SELECT nextval('sq')`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	ballast := fillTo(t, dir, 48<<20)
	time.Sleep(250 * time.Millisecond) // the guard's last measure goes stale
	writes := []string{
		`INSERT INTO t VALUES (1000, 'x')`,
		`UPDATE t SET v = 'y' WHERE id = 1`,
		`COPY t FROM STDIN`,
		`INSERT INTO ser (w) VALUES (2)`,
		`CREATE TABLE t2 (id INT PRIMARY KEY)`,
		`CREATE SEQUENCE sq2`,
		`CREATE INDEX t_v ON t (v)`,
		`CREATE MATERIALIZED VIEW tv2 AS SELECT max(id) FROM t`,
		`CREATE INDEX tv_n ON tv (n)`,
	}
	var failed []string
	for _, q := range writes {
		var err error
		if strings.HasPrefix(q, "COPY") {
			_, err = c.PgConn().CopyFrom(ctx, strings.NewReader("2000\tc\n2001\td\n"), q)
		} else {
			var rows [][]any
			rs, qerr := c.Query(ctx, q)
			if qerr == nil {
				for rs.Next() {
					v, _ := rs.Values()
					rows = append(rows, v)
				}
				rs.Close()
				qerr = rs.Err()
			}
			err = qerr
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "53100" {
			failed = append(failed, q+": "+errString(err))
		}
	}
	// nextval hands out values of the block it leased while there was
	// room; the next lease is a write.
	for i := 0; ; i++ {
		var v int64
		err := c.QueryRow(ctx, `SELECT nextval('sq')`).Scan(&v)
		if err == nil && i < 10000 {
			before = v
			continue
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "53100" {
			failed = append(failed, fmt.Sprintf("nextval, %d calls into a full disk: %s", i+1, errString(err)))
		}
		break
	}
	if len(failed) > 0 {
		t.Errorf("with the disk full, statements that write did not fail with 53100:\n%s", strings.Join(failed, "\n"))
	}
	// Reads go on, and what committed is there.
	wantRows(t, c, `SELECT count(*), min(v) FROM t`, "100|v1")
	wantRows(t, c, `SELECT * FROM tv`, "100")
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	time.Sleep(250 * time.Millisecond)
	var after int64
	if err := c.QueryRow(ctx, `SELECT nextval('sq')`).Scan(&after); err != nil {
		t.Fatalf("nextval once space returned: %v", err)
	}
	if after <= before {
		t.Errorf("nextval returned %d after %d", after, before)
	}
	mustExec(t, c, `INSERT INTO t VALUES (1000, 'x')`)
	mustExec(t, c, `CREATE INDEX t_v ON t (v)`)
	wantRows(t, c, `SELECT count(*) FROM t WHERE v = 'x'`, "1")
	eventually(t, c, `SELECT * FROM tv`, `SELECT 101::int8`)
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}
