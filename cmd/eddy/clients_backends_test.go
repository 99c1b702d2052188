package main

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestCancelBackend checks pg_cancel_backend, with which BI tools stop a
// user's query from another connection (Superset, DBeaver's session
// manager): the query fails with 57014 and the session goes on. Run with
// -clients-url against PostgreSQL 15 to check the expectations.
func TestCancelBackend(t *testing.T) {
	ctx := context.Background()
	url := clientURL(t)
	a, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	b, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)

	var none bool
	if err := b.QueryRow(ctx, "SELECT pg_cancel_backend(2147483000)").Scan(&none); err != nil || none {
		t.Errorf("pg_cancel_backend(no such pid) = %v, %v; want false", none, err)
	}

	pid := a.PgConn().PID()
	done := make(chan error, 1)
	go func() {
		_, err := a.Exec(ctx, "SELECT pg_sleep(30)")
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ok bool
		if err := b.QueryRow(ctx, "SELECT pg_cancel_backend($1)", int32(pid)).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		// The first call may come before the sleep started, when there is
		// nothing to cancel yet: call again until the query ends.
		select {
		case err := <-done:
			if got := sqlState(err); got != "57014" {
				t.Fatalf("cancelled query: got %v (%s), want 57014", err, got)
			}
			var one int
			if err := a.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
				t.Fatalf("session after cancel: %v, %v", one, err)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
		if !ok {
			t.Fatalf("pg_cancel_backend(%d) = false for a live session", pid)
		}
		if time.Now().After(deadline) {
			t.Fatal("query not cancelled after 10s")
		}
	}
}
