package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// crashCopyRows is the size of the loads of TestKill9BigCopy: several
// times what one Badger transaction holds, so that they commit in steps.
const crashCopyRows = 250000

// TestKill9BigCopy kills eddy in the middle of statements too large for
// one Badger transaction, which commit in steps: a COPY into a table with
// an index, and an UPDATE of all its rows. As in PostgreSQL, after the
// restart each is wholly there or wholly absent: the steps it committed
// before the kill are taken back. A statement that fails after some steps
// (a bad row at the end of a COPY, an INSERT ... SELECT that divides by
// zero at its last row) leaves nothing either.
func TestKill9BigCopy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildEddy(t)
	seed, kills := crashSeedKills(t, 4)
	r := newCrashRig(t, bin, false, seed)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r.start()
	c, err := r.connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, `CREATE TABLE big (id INT PRIMARY KEY, g INT, v TEXT)`)
	mustExec(t, c, `CREATE INDEX big_g ON big (g)`)
	var data strings.Builder
	for i := range crashCopyRows {
		fmt.Fprintf(&data, "%d\t%d\tvalue %d\n", i, i%100, i)
	}
	// Failures after steps leave nothing.
	_, err = c.PgConn().CopyFrom(ctx, strings.NewReader(data.String()+"x\t1\tbad\n"), `COPY big FROM STDIN`)
	if pe := (*pgconn.PgError)(nil); !errors.As(err, &pe) || pe.Code != "22P02" {
		t.Fatalf("COPY with a bad last row: %v, want 22P02", err)
	}
	wantRows(t, c, `SELECT count(*) FROM big`, "0")
	_, err = c.Exec(ctx, fmt.Sprintf(`INSERT INTO big SELECT g, g %% 100, 'v' || (1 / (%d - 1 - g)) FROM generate_series(0, %d - 1) g`, crashCopyRows, crashCopyRows))
	if pe := (*pgconn.PgError)(nil); !errors.As(err, &pe) || pe.Code != "22012" {
		t.Fatalf("INSERT ... SELECT dividing by zero at its last row: %v, want 22012", err)
	}
	wantRows(t, c, `SELECT count(*) FROM big`, "0")
	wantRows(t, c, `SELECT count(*) FROM big WHERE g = 7`, "0")
	c.Close(ctx)

	var loaded, updated bool
	var cutCopy, cutUpdate int
	for i := range kills {
		r.setStep("cycle %d", i)
		c, err := r.connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		q, n := `UPDATE big SET v = v || '+', g = g + 1`, crashCopyRows
		if !loaded {
			q = `COPY big FROM STDIN`
		}
		done := make(chan error, 1)
		go func() {
			var err error
			if !loaded {
				_, err = c.PgConn().CopyFrom(ctx, strings.NewReader(data.String()), q)
			} else {
				_, err = c.Exec(ctx, q)
			}
			done <- err
		}()
		// Every third cycle lets the statement return, then kills at once:
		// it must all be there after the restart.
		wait := time.After(time.Duration(300+r.rng.IntN(6000)) * time.Millisecond)
		if i%3 == 1 {
			wait = nil
		}
		select {
		case <-wait:
		case err := <-done:
			done <- err
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if loaded {
				updated = true
			}
			loaded = true
		default:
			if loaded {
				cutUpdate++
			} else {
				cutCopy++
			}
		}
		r.kill()
		c.Close(context.Background())
		r.start()
		if c, err = r.connect(ctx); err != nil {
			t.Fatal(err)
		}
		var count, plus, low int
		if err := c.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE v LIKE '%+'), count(*) FILTER (WHERE g = 7) FROM big`).Scan(&count, &plus, &low); err != nil {
			t.Fatal(err)
		}
		switch {
		case count != 0 && count != n:
			t.Fatalf("after a kill in %s: %d rows, want 0 or %d", q, count, n)
		case !loaded && count == n:
			loaded = true // the COPY committed as the kill came
		case loaded && count == 0:
			t.Fatalf("after a kill in %s: the table is empty, its COPY had returned", q)
		}
		if plus != 0 && plus != count {
			t.Fatalf("after a kill in %s: %d rows of %d updated", q, plus, count)
		}
		if updated && plus == 0 {
			t.Fatalf("the UPDATE returned, and after a kill no row is updated")
		}
		if plus > 0 {
			// Each UPDATE is undone or kept whole; later cycles update again.
			updated = true
		}
		checkIndexAgrees(t, c, low)
		c.Close(ctx)
	}
	r.stop()
	log, _ := os.ReadFile(r.logPath)
	t.Logf("%d COPYs and %d UPDATEs cut off by a kill, loaded %v, updated %v; restarts that took back steps: %d", cutCopy, cutUpdate, loaded, updated,
		strings.Count(string(log), "took back the committed steps"))
}

// checkIndexAgrees checks that the index on g finds as many rows with
// g = 7 as a scan (low).
func checkIndexAgrees(t *testing.T, c *pgx.Conn, low int) {
	t.Helper()
	var byScan int
	if err := c.QueryRow(context.Background(), `SELECT count(*) FROM big WHERE g + 0 = 7`).Scan(&byScan); err != nil {
		t.Fatal(err)
	}
	if byScan != low {
		t.Fatalf("big WHERE g = 7: %d rows, a scan finds %d", low, byScan)
	}
}
