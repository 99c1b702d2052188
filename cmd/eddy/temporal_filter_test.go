package main

import (
	"fmt"
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
