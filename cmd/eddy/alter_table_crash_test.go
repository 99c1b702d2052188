package main

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestKill9DuringAlterTable kills eddy with SIGKILL while ALTER TABLE
// rewrites a table's rows and checks, after a restart, that the table is
// wholly the old one or wholly the new one, its index agreeing with it.
func TestKill9DuringAlterTable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildEddy(t)
	ctx := context.Background()
	type run struct {
		rows  int
		delay time.Duration
	}
	// 60000 rows are too many for one Badger transaction: the table is
	// copied (alter_table_copy.go).
	var runs []run
	for _, d := range []time.Duration{0, 30 * time.Millisecond, 120 * time.Millisecond, 2 * time.Second} {
		runs = append(runs, run{10000, d})
	}
	for _, d := range []time.Duration{200 * time.Millisecond, 700 * time.Millisecond, 1500 * time.Millisecond, 6 * time.Second} {
		runs = append(runs, run{60000, d})
	}
	for _, r := range runs {
		delay, n := r.delay, r.rows
		dataDir := t.TempDir()
		cmd, url := startBinary(t, bin, dataDir)
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			"CREATE TABLE ak (id INT PRIMARY KEY, a TEXT, v INT)",
			fmt.Sprintf("INSERT INTO ak SELECT g, 'a' || g, g %% 10 FROM generate_series(1, %d) g", n),
			"CREATE INDEX ak_v ON ak (v)",
		} {
			if _, err := conn.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		done := make(chan error, 1)
		go func() {
			_, err := conn.Exec(ctx, "ALTER TABLE ak DROP COLUMN a, ALTER COLUMN v TYPE BIGINT, ADD COLUMN w INT DEFAULT random()::int")
			done <- err
		}()
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		<-done
		conn.Close(ctx)

		cmd, url = startBinary(t, bin, dataDir)
		conn, err = pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		var cols, rows, indexed, typed, hasW, filled int
		if err := conn.QueryRow(ctx, "SELECT count(*), count(*) FILTER (WHERE column_name = 'w') FROM information_schema.columns WHERE table_name = 'ak'").Scan(&cols, &hasW); err != nil {
			t.Fatal(err)
		}
		if hasW == 1 {
			if err := conn.QueryRow(ctx, "SELECT count(w) FROM ak").Scan(&filled); err != nil {
				t.Fatal(err)
			}
		}
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM ak").Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM ak WHERE v = 3").Scan(&indexed); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'ak' AND data_type = 'bigint'").Scan(&typed); err != nil {
			t.Fatal(err)
		}
		conn.Close(ctx)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		t.Logf("%d rows, killed after %s: new table %v", n, delay, hasW == 1)
		if rows != n || indexed != n/10 {
			t.Fatalf("killed after %s: %d rows, %d with v = 3; want %d and %d", delay, rows, indexed, n, n/10)
		}
		if cols != 3 || typed != hasW || (hasW == 1 && filled != n) {
			t.Fatalf("killed after %s: %d columns, %d bigint: neither the old table nor the new", delay, cols, typed)
		}
	}
}
