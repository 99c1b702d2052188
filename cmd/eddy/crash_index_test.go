package main

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestKill9CreateIndex kills eddy while CREATE UNIQUE INDEX builds over a
// table large enough that the build commits in steps. As in PostgreSQL, an
// index whose CREATE a kill cut off must not be left half there: after the
// restart it is absent, or (had its build committed) whole, and then it
// refuses duplicates of the rows that were there before it. Half the
// builds run in a transaction block. A half-built
// unique index would let those duplicates in.
func TestKill9CreateIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildEddy(t)
	seed, kills := crashSeedKills(t, 4)
	r := newCrashRig(t, bin, false, seed)
	const rows = 200000
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r.start()
	c, err := r.connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, `CREATE TABLE u (id INT PRIMARY KEY, b INT, pad TEXT)`)
	mustExec(t, c, fmt.Sprintf(`INSERT INTO u SELECT g, g, repeat('p', 40) FROM generate_series(1, %d) g`, rows))
	// A build in a transaction block must fit one Badger transaction
	// (54000 otherwise): a smaller table.
	const txnRows = 20000
	mustExec(t, c, `CREATE TABLE u2 (id INT PRIMARY KEY, b INT, pad TEXT)`)
	mustExec(t, c, fmt.Sprintf(`INSERT INTO u2 SELECT g, g, 'p' FROM generate_series(1, %d) g`, txnRows))
	c.Close(ctx)
	var cut, present int
	created := map[string]bool{}
	for i := range kills {
		name := fmt.Sprintf("u_b_%d", i)
		r.setStep("cycle %d", i)
		c, err := r.connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		// Odd cycles build in a transaction block, whose entries commit
		// with the COMMIT; a kill before it leaves the index registered
		// without them.
		inTxn := i%2 == 1
		table, n := "u", rows
		if inTxn {
			table, n = "u2", txnRows
		}
		pause := time.Duration(r.rng.IntN(400)) * time.Millisecond
		go func() {
			var err error
			if inTxn {
				_, err = c.Exec(ctx, `BEGIN`)
			}
			if err == nil {
				_, err = c.Exec(ctx, `CREATE UNIQUE INDEX `+name+` ON `+table+` (b)`)
			}
			if err == nil && inTxn {
				time.Sleep(pause)
				_, err = c.Exec(ctx, `COMMIT`)
			}
			done <- err
		}()
		// Most kills land in the build: it takes some hundreds of ms.
		time.Sleep(time.Duration(20+r.rng.IntN(1500)) * time.Millisecond)
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("CREATE UNIQUE INDEX: %v", err)
			}
			created[name] = true
		default:
			cut++
		}
		r.kill()
		c.Close(context.Background())
		r.setStep("after kill %d", i)
		r.start()
		c, err = r.connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		exist := map[string]bool{}
		for _, n := range queryRows(t, c, `SELECT indexname FROM pg_indexes WHERE tablename IN ('u', 'u2')`) {
			exist[n] = true
		}
		for n := range created {
			if !exist[n] {
				t.Fatalf("index %s, whose CREATE returned, is gone after a kill", n)
			}
		}
		if exist[name] {
			present++
			checkUniqueHolds(t, c, name, table, n)
			mustExec(t, c, `DROP INDEX `+name)
			delete(created, name)
		}
		c.Close(ctx)
	}
	r.stop()
	t.Logf("%d kills cut a CREATE UNIQUE INDEX off, %d indexes were there after the restart", cut, present)
}

// checkUniqueHolds checks that the unique index name on table (b) refuses a
// duplicate of the first, a middle and the last row, and serves lookups.
func checkUniqueHolds(t *testing.T, c *pgx.Conn, name, table string, rows int) {
	t.Helper()
	ctx := context.Background()
	for _, b := range []int{1, rows / 2, rows} {
		_, err := c.Exec(ctx, `INSERT INTO `+table+` VALUES ($1, $2, 'dup')`, rows+b, b)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23505" {
			t.Fatalf("index %s exists after a kill cut its CREATE off, and a duplicate b = %d got %v, want 23505 (a half-built unique index)", name, b, err)
		}
		var n int
		if err := c.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE b = $1`, b).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("%s WHERE b = %d: %d rows, want 1", table, b, n)
		}
	}
}
