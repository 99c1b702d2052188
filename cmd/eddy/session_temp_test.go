package main

import (
	"context"
	"testing"
	"time"
)

// TestSessionTempTables: two sessions create a temporary table of the same
// name and each sees only its own; another session sees neither, and a
// session's temporary tables go when it ends.
func TestSessionTempTables(t *testing.T) {
	ctx := context.Background()
	url := startEddy(t)
	c1, c2, c3 := connectURL(t, url), connectURL(t, url), connectURL(t, url)
	mustExec(t, c1, `CREATE TEMP TABLE tt (a int PRIMARY KEY, s serial)`)
	mustExec(t, c2, `CREATE TEMP TABLE tt (a int PRIMARY KEY, s serial)`)
	mustExec(t, c1, `INSERT INTO tt (a) VALUES (1)`)
	mustExec(t, c2, `INSERT INTO tt (a) VALUES (2), (3)`)
	var n1, n2 int64
	if err := c1.QueryRow(ctx, `SELECT sum(a) FROM tt`).Scan(&n1); err != nil || n1 != 1 {
		t.Fatalf("session 1 reads %d, %v; want its own row 1", n1, err)
	}
	if err := c2.QueryRow(ctx, `SELECT sum(a) FROM pg_temp.tt`).Scan(&n2); err != nil || n2 != 5 {
		t.Fatalf("session 2 reads %d, %v; want its own rows 2+3", n2, err)
	}
	if _, err := c3.Exec(ctx, `SELECT * FROM tt`); sqlState(err) != "42P01" {
		t.Fatalf("a third session reads another's temporary table: %v", err)
	}
	var schemas int64
	if err := c3.QueryRow(ctx, `SELECT count(DISTINCT n.nspname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'tt' AND c.relpersistence = 't' AND n.nspname LIKE 'pg_temp_%'`).Scan(&schemas); err != nil || schemas != 2 {
		t.Fatalf("pg_class shows tt in %d temporary schemas, %v; want 2", schemas, err)
	}
	if err := c1.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// The server ends the session after the client has gone.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var left int64
		if err := c3.QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relname IN ('tt', 'tt_s_seq')`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == 2 { // session 2's table and sequence
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d relations named tt or tt_s_seq remain after session 1 ended; want session 2's 2", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := c2.QueryRow(ctx, `SELECT sum(a) FROM tt`).Scan(&n2); err != nil || n2 != 5 {
		t.Fatalf("session 2 reads %d, %v after session 1 ended", n2, err)
	}
}
