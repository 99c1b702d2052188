package exec

import (
	"fmt"
	"slices"
	"testing"
)

// TestViewJoinTopNLargeEpochs: epochs of thousands of append-only rows,
// with duplicates, wide values and NULL keys, under a join and TopNs: more
// rows, keys and output rows than one of the operators' shared buffers
// holds. The views equal their queries after each epoch and a restart.
func TestViewJoinTopNLargeEpochs(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s,
		"CREATE TABLE f (k INT, v INT, pad TEXT) APPEND ONLY",
		"CREATE TABLE d (k INT, name TEXT) APPEND ONLY",
	)
	views := map[string]string{
		"lj_join": "SELECT f.k, f.v, f.pad, d.name FROM f JOIN d ON f.k = d.k",
		"lj_on":   "SELECT f.k, f.v, d.name FROM f JOIN d ON f.k = d.k AND f.v % 3 <> length(d.name) % 3",
		"lj_top":  "SELECT * FROM (SELECT k, v, pad, row_number() OVER (PARTITION BY k ORDER BY v DESC, pad) AS rn FROM f) w WHERE rn <= 3",
		"lj_jtop": "SELECT * FROM (SELECT f.k, f.v, d.name, row_number() OVER (PARTITION BY d.name ORDER BY f.v, f.k) AS rn FROM f JOIN d ON f.k = d.k) w WHERE rn <= 2",
	}
	for name, q := range views {
		execAll(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
		if ops := viewOps(t, e, name); slices.Contains(ops, "keyed") {
			t.Fatalf("%s is maintained by %v, want no keyed operator", name, ops)
		}
	}
	check := func() {
		t.Helper()
		for name, q := range views {
			checkView(t, s, name, q)
		}
	}
	for step := 0; step < 4; step++ {
		if step == 2 {
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
		}
		// Each row twice (equal rows in one epoch), keys NULL now and then.
		execAll(t, s,
			"BEGIN",
			fmt.Sprintf(`INSERT INTO f SELECT CASE WHEN i %% 37 = 0 THEN NULL ELSE (i * 7 + %d) %% 211 END, (i * 13) %% 1009,
				repeat(chr(97 + i %% 26), 40 + i %% 50) FROM generate_series(1, 2500) i, generate_series(1, 2)`, step),
			fmt.Sprintf("INSERT INTO d SELECT (i * 3 + %d) %% 230, 'n' || (i %% 17) FROM generate_series(1, 60) i", step*60),
			"COMMIT")
		check()
	}
	e.Close()
}
