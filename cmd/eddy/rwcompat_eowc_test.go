package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestEOWCLookaheadRestart checks that a view with EMIT ON WINDOW CLOSE over
// a frame that reads rows ahead (its plan gains a hidden closing column,
// planner.EOWCPlan) keeps working after a restart, which plans it again
// from its stored query: rows held back before the restart are released
// after it, without the hidden column.
func TestEOWCLookaheadRestart(t *testing.T) {
	dir := t.TempDir()
	session := restartSession(t, dir)
	got := session(
		"CREATE TABLE ef (k int, ts int, v int, WATERMARK FOR ts AS ts - 5) APPEND ONLY",
		"CREATE MATERIALIZED VIEW ef_v AS SELECT ts, v, max(v) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS mx FROM ef EMIT ON WINDOW CLOSE",
		"INSERT INTO ef VALUES (1, 0, 1), (1, 1, 2), (1, 3, 3), (1, 20, 4)",
		"SELECT * FROM ef_v ORDER BY ts")
	// Watermark 15: rows 0 and 1 have their next row below it.
	if want := "[0 1 2 1 2 3]"; fmt.Sprint(got) != want {
		t.Fatalf("before the restart got %v, want %v", got, want)
	}
	got = session(
		"INSERT INTO ef VALUES (1, 30, 9)",
		"SELECT * FROM ef_v ORDER BY ts",
		"SELECT count(*) FROM pg_attribute WHERE attrelid = 'ef_v'::regclass AND attnum > 0")
	// Watermark 25: row 3 (next 20) closes; row 20's next, 30, is above.
	if want := "[0 1 2 1 2 3 3 3 4 3]"; fmt.Sprint(got) != want {
		t.Fatalf("after the restart got %v, want %v", strings.Join(got, " "), want)
	}
}
