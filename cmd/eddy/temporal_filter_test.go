package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestTemporalFilterRestart checks that the changes a temporal filter keeps
// pending survive a restart, and that those that fell due while eddy was
// down are applied when it starts again, with no new input.
func TestTemporalFilterRestart(t *testing.T) {
	dir := t.TempDir()
	session := restartSession(t, dir)
	got := session(
		"CREATE TABLE tfr (id int, ts timestamptz)",
		"CREATE MATERIALIZED VIEW tfr_due AS SELECT id FROM tfr WHERE ts <= now()",
		"CREATE MATERIALIZED VIEW tfr_recent AS SELECT id FROM tfr WHERE ts > now() - interval '3 seconds'",
		// 1 enters tfr_due and leaves tfr_recent three seconds from now;
		// 2 and 3 are an hour away from either.
		"INSERT INTO tfr VALUES (1, now() + interval '3 seconds'), (2, now() - interval '1 hour'), (3, now() + interval '1 hour')",
		"SELECT 'due ' || string_agg(id::text, ',' ORDER BY id) FROM tfr_due",
		"SELECT 'recent ' || string_agg(id::text, ',' ORDER BY id) FROM tfr_recent")
	if want := "[due 2 recent 1,3]"; fmt.Sprint(got) != want {
		t.Fatalf("before the restart got %v, want %v", got, want)
	}
	time.Sleep(3500 * time.Millisecond)
	want := "[due 1,2 recent 3]"
	for try := 0; ; try++ {
		got = session(
			"SELECT pg_sleep(0.3)",
			"SELECT 'due ' || string_agg(id::text, ',' ORDER BY id) FROM tfr_due",
			"SELECT 'recent ' || string_agg(id::text, ',' ORDER BY id) FROM tfr_recent")
		got = got[1:]
		if fmt.Sprint(got) == want {
			break
		}
		if try == 10 {
			t.Fatalf("after the restart got %v, want %v", got, want)
		}
	}
	// The pending change was applied once: deleting the row retracts it.
	got = session(
		"DELETE FROM tfr WHERE id = 1",
		"SELECT 'due ' || string_agg(id::text, ',' ORDER BY id) FROM tfr_due")
	if want := "[due 2]"; fmt.Sprint(got) != want {
		t.Fatalf("after the deletion got %v, want %v", got, want)
	}
}

// TestTemporalFilterSubscribe: a subscription to a view with a temporal
// filter sees the clock's retraction of a row, with no new input; a
// subscription over a query with one is refused.
func TestTemporalFilterSubscribe(t *testing.T) {
	c, _, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE TABLE tfs (id INT, ts TIMESTAMPTZ)`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW tfs_recent AS SELECT id FROM tfs WHERE ts >= now() - interval '1 second'`)
	mustExec(t, c, `INSERT INTO tfs VALUES (1, now() + interval '1 hour')`)
	ctx := context.Background()
	if _, err := c.Exec(ctx, `SUBSCRIBE (SELECT id FROM tfs WHERE ts > now())`); sqlState(err) != "0A000" {
		t.Fatalf("SUBSCRIBE over a temporal filter: got %v, want 0A000", err)
	}
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `DECLARE cur CURSOR FOR SUBSCRIBE tfs_recent`); err != nil {
		t.Fatal(err)
	}
	fetch := func(n int) []string {
		rows, err := tx.Query(ctx, fmt.Sprintf("FETCH %d cur", n))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var ts, diff, id int64
			if err := rows.Scan(&ts, &diff, &id); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%d %d", diff, id))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := fetch(1); strings.Join(got, ",") != "1 1" {
		t.Fatalf("snapshot: %q", got)
	}
	other := connectAgain(t, c)
	mustExec(t, other, `INSERT INTO tfs VALUES (2, now())`)
	// Row 2 comes in, and leaves a second later by itself.
	var got []string
	for deadline := time.Now().Add(10 * time.Second); len(got) < 2 && time.Now().Before(deadline); {
		got = append(got, fetch(2-len(got))...)
	}
	if strings.Join(got, ",") != "1 2,-1 2" {
		t.Fatalf("changes: %q", got)
	}
}
