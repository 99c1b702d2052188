package exec

import (
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/sql"
)

// TestInlineSetIndex: an inline set finds its members by search while
// small and by index once an epoch grows it past aggInlineMax.
func TestInlineSetIndex(t *testing.T) {
	var set inlineSet
	for i := range 3 * aggInlineMax {
		k := []byte(fmt.Sprint("k", i))
		if set.find(k) >= 0 {
			t.Fatalf("%s found before it was added", k)
		}
		if j := set.add(inlineMember{key: string(k), mask: uint64(i)}); j != i {
			t.Fatalf("%s added at %d, want %d", k, j, i)
		}
		if (set.index != nil) != (i >= aggInlineMax) {
			t.Fatalf("%d members: index %v", i+1, set.index != nil)
		}
		for j := 0; j <= i; j++ {
			if got := set.find([]byte(fmt.Sprint("k", j))); got != j {
				t.Fatalf("%d members: k%d found at %d", i+1, j, got)
			}
		}
	}
}

// TestViewDistinctInlineLargeEpoch: an epoch that brings a group many
// distinct values, and each more than once, grows its inline set past
// what a record keeps before the set spills; the view equals its query
// through it and after.
func TestViewDistinctInlineLargeEpoch(t *testing.T) {
	e, s := openSession(t, "")
	defer e.Close()
	execAll(t, s, "CREATE TABLE t (g INT, x INT, p INT) APPEND ONLY")
	q := "SELECT g, count(DISTINCT x) AS a, count(DISTINCT x) FILTER (WHERE p < 5) AS b, sum(DISTINCT x) FILTER (WHERE p >= 5) AS c FROM t GROUP BY g"
	execAll(t, s, "CREATE MATERIALIZED VIEW v AS "+q)
	if !findAgg(t, e, "v").inline() {
		t.Fatal("v keeps no inline sets")
	}
	insert := func(g, from, to int) {
		var vals []string
		for x := from; x < to; x++ {
			vals = append(vals, fmt.Sprintf("(%d, %d, %d)", g, x, x%10), fmt.Sprintf("(%d, %d, %d)", g, x, (x+3)%10))
		}
		execAll(t, s, "INSERT INTO t VALUES "+strings.Join(vals, ", "))
	}
	insert(1, 0, 10)
	checkView(t, s, "v", q)
	insert(1, 5, 100) // past aggInlineMax in one epoch
	insert(2, 0, 20)
	checkView(t, s, "v", q)
	insert(1, 90, 120)
	insert(2, 10, 30)
	checkView(t, s, "v", q)
	a := findAgg(t, e, "v")
	g := a.cache.groups[string(sql.AppendKey(nil, sql.NewInt(1)))]
	if g == nil || !g.inline[0].spilled || !g.inline[0].complete || g.inline[0].known.len() != 120 {
		t.Fatalf("group 1 of a new view lost track of its members: %+v", g)
	}
}
