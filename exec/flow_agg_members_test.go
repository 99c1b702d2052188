package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/eddysql/eddy/sql"
)

// TestMemberTable: the table finds every member at the mask last put,
// and no other, through growth, masks that leave the slots for the map,
// and values of kinds that never enter the slots.
func TestMemberTable(t *testing.T) {
	for _, v0 := range []sql.Value{sql.NewInt(0), sql.NewText("x")} {
		var tab memberTable
		tab.decide(v0, true)
		if tab.fixed != (v0.Kind() == sql.KindInt) {
			t.Fatalf("%v: fixed %v", v0, tab.fixed)
		}
		want := map[string]uint64{}
		rng := rand.New(rand.NewPCG(1, 2))
		key := func() []byte {
			// Small values collide in the slots' home positions; the
			// extremes include the key whose slot bits are all zero.
			n := rng.Int64N(3000) - 1500
			switch rng.IntN(50) {
			case 0:
				n = -1 << 63
			case 1:
				n = 1<<63 - 1
			}
			if v0.Kind() == sql.KindText {
				return sql.AppendKey(nil, sql.NewText(fmt.Sprint(n)))
			}
			return sql.AppendKey(nil, sql.NewInt(n))
		}
		for i := range 20000 {
			k := key()
			m := uint64(1 + rng.IntN(0xff))
			if rng.IntN(40) == 0 {
				m = 0x100 | m // past a byte: the member moves to the map
			}
			tab.put(k, m)
			want[string(k)] = m
			if i%1000 == 0 || i == 19999 {
				for wk, wm := range want {
					if got := tab.get([]byte(wk)); got != wm {
						t.Fatalf("%v: %x holds %x, want %x", v0, wk, got, wm)
					}
				}
				for range 200 {
					if k := key(); tab.get(k) != want[string(k)] {
						t.Fatalf("%v: %x holds %x, want %x", v0, k, tab.get(k), want[string(k)])
					}
				}
				if tab.len() != len(want) {
					t.Fatalf("%v: %d members, want %d", v0, tab.len(), len(want))
				}
			}
		}
	}
}

// TestMemberTableUndecided: a member put before the table saw a value
// decides its form, so that later gets look where it went.
func TestMemberTableUndecided(t *testing.T) {
	var tab memberTable
	k := sql.AppendKey(nil, sql.NewInt(7))
	tab.put(k, 1)
	tab.decide(sql.NewInt(7), true)
	if tab.get(k) != 1 {
		t.Fatal("a member put before the form was decided is lost")
	}
}

// TestViewDistinctSpilledFailures: a view whose groups' DISTINCT sets
// spill, over epochs of which many fail after the aggregate changed what
// it knows of the sets (the projection above it divides by zero), and a
// restart that leaves the sets known only in part, equals its query
// throughout; what it knows never claims a member the store lacks.
func TestViewDistinctSpilledFailures(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	execAll(t, s, "CREATE TABLE t (g INT, x INT, y DATE, p INT) APPEND ONLY")
	q := "SELECT g, count(DISTINCT x) AS a, count(DISTINCT x) FILTER (WHERE p < 5) AS b, " +
		"count(DISTINCT x) FILTER (WHERE p >= 5) AS c, sum(DISTINCT x) FILTER (WHERE p % 3 = 0) AS d, " +
		"count(DISTINCT y) AS e, count(DISTINCT y) FILTER (WHERE p > 2) AS f, " +
		"10 / (count(*) % 7) AS z FROM t GROUP BY g"
	execAll(t, s, "CREATE MATERIALIZED VIEW v AS "+q)
	rng := rand.New(rand.NewPCG(3, 4))
	val := func(n int) string {
		if rng.IntN(9) == 0 {
			return "NULL"
		}
		return fmt.Sprint(rng.IntN(n))
	}
	failed := 0
	for step := range 120 {
		if step == 60 {
			s.Close()
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
		}
		var rows []string
		for range 1 + rng.IntN(12) {
			y := "NULL"
			if rng.IntN(9) > 0 {
				y = fmt.Sprintf("DATE '2024-01-01' + %d", rng.IntN(150))
			}
			rows = append(rows, fmt.Sprintf("(%d, %s, %s, %s)", rng.IntN(3), val(300), y, val(9)))
		}
		sts, err := s.Parse(context.Background(), "INSERT INTO t VALUES "+strings.Join(rows, ", "), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sts[0].Execute(context.Background(), nil); err != nil {
			failed++
		}
		checkView(t, s, "v", q)
	}
	if failed == 0 {
		t.Fatal("no epoch failed")
	}
	spilled := 0
	for _, g := range findAgg(t, e, "v").cache.groups {
		for _, set := range g.inline {
			if set.spilled {
				spilled++
			}
		}
	}
	if spilled == 0 {
		t.Fatal("no set spilled")
	}
	s.Close()
	e.Close()
}

// TestMemberTableForms: a fixed table rebuilds each member's key and
// stored form as sql makes them, for every 8-byte kind.
func TestMemberTableForms(t *testing.T) {
	mk := []func(int64) sql.Value{sql.NewInt, sql.NewDate, sql.NewTime, sql.NewTimestamp, sql.NewTimestampTZ}
	for _, f := range mk {
		var tab memberTable
		tab.decide(f(5), true)
		if !tab.fixed {
			t.Fatalf("%v: not fixed", f(5).Kind())
		}
		want := map[string]string{}
		for _, i := range []int64{0, 1, -1, 300, -300, 1 << 40, -1 << 63, 1<<63 - 1} {
			k := sql.AppendKey(nil, f(i))
			tab.put(k, 3)
			want[string(k)] = string(sql.AppendRow(nil, sql.Row{f(i)}))
		}
		n := 0
		tab.each(func(k []byte, m uint64, payload []byte) {
			n++
			if m != 3 || want[string(k)] != string(payload) {
				t.Fatalf("%v: member %x (mask %d) stored as %x, want %x", f(5).Kind(), k, m, payload, want[string(k)])
			}
		})
		if n != len(want) {
			t.Fatalf("%v: %d members, want %d", f(5).Kind(), n, len(want))
		}
	}
	var tab memberTable
	if tab.decide(sql.NewInt(1), false); tab.fixed {
		t.Fatal("a table of masks past a byte is fixed")
	}
}
