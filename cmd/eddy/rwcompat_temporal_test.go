package main

import (
	"fmt"
	"testing"
)

// TestTemporalJoinRestart checks that a view with a process-time temporal
// join keeps its records across a restart, which plans it again from its
// stored query: a left row shown before the restart is retracted as it was
// shown, though the right side changed since.
func TestTemporalJoinRestart(t *testing.T) {
	dir := t.TempDir()
	session := restartSession(t, dir)
	got := session(
		"CREATE TABLE tr_s (id int, a int)",
		"CREATE TABLE tr_v (id int PRIMARY KEY, name varchar)",
		"CREATE MATERIALIZED VIEW tr_j AS SELECT s.id, s.a, v.name FROM tr_s s LEFT JOIN tr_v FOR SYSTEM_TIME AS OF PROCTIME() v ON s.id = v.id",
		"INSERT INTO tr_v VALUES (1, 'one')",
		"INSERT INTO tr_s VALUES (1, 10), (2, 20)",
		"SELECT id || ':' || a || ':' || coalesce(name, '-') FROM tr_j ORDER BY id")
	if want := "[1:10:one 2:20:-]"; fmt.Sprint(got) != want {
		t.Fatalf("before the restart got %v, want %v", got, want)
	}
	got = session(
		"UPDATE tr_v SET name = 'uno' WHERE id = 1",
		"INSERT INTO tr_v VALUES (2, 'two')",
		"UPDATE tr_s SET a = 11 WHERE id = 1",
		"DELETE FROM tr_s WHERE id = 2",
		"INSERT INTO tr_s VALUES (2, 21)",
		"SELECT id || ':' || a || ':' || coalesce(name, '-') FROM tr_j ORDER BY id")
	if want := "[1:11:uno 2:21:two]"; fmt.Sprint(got) != want {
		t.Fatalf("after the restart got %v, want %v", got, want)
	}
}
