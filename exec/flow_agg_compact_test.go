package exec

import (
	"bytes"
	"fmt"
	"testing"
	"unsafe"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sql"
)

// TestAggAccCompact: a group's cached aggregate state carries no room for
// a decimal sum, so that the group cache holds many groups of counts.
func TestAggAccCompact(t *testing.T) {
	if n := unsafe.Sizeof(aggAcc{}); n > 80 {
		t.Fatalf("aggAcc is %d bytes, want at most 80", n)
	}
}

// TestSumStateWide: a sum that leaves int64 for a decimal, a float or an
// interval keeps its value exactly through retractions, returns to ints
// alone once they leave, and encodes as a sum that never left them.
func TestSumStateWide(t *testing.T) {
	big := sql.NewInt(1 << 62)
	num := sql.NewNumeric(apd.New(12345, -3)) // 12.345
	steps := []struct {
		v sql.Value
		d int64
	}{
		{sql.NewInt(7), 1}, {big, 1}, {big, 1}, {big, 1}, {num, 1}, {sql.NewFloat(0.5), 1},
		{sql.NewInterval(sql.IntervalValue{Days: 2}), 1},
	}
	var s sumState
	for _, st := range steps {
		s.add(st.v, st.d)
	}
	if s.w == nil || !s.w.isDec {
		t.Fatal("a sum past int64 is not a decimal")
	}
	a, err := s.acc(sql.Numeric)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.dec.String(); got != "13835058055282163731.345" {
		t.Fatalf("sum = %s", got)
	}
	// Round trip through the record while wide.
	var r sumState
	rd := &stateReader{b: s.append(nil)}
	r.read(rd)
	if rd.err != nil || len(rd.b) != 0 {
		t.Fatal("wide sum does not decode")
	}
	if !bytes.Equal(r.append(nil), s.append(nil)) {
		t.Fatal("wide sum changes through its record")
	}
	for i := len(steps) - 1; i >= 1; i-- {
		if i == 5 {
			continue // the float stays: a float sum's state is kept as such
		}
		s.add(steps[i].v, -steps[i].d)
	}
	s.normalize()
	if s.w == nil || s.w.isDec || s.i != 7 {
		t.Fatalf("after retractions: i=%d wide=%v", s.i, s.w)
	}
	var ints sumState
	ints.add(sql.NewInt(7), 1)
	ints.add(sql.NewFloat(0.5), 1)
	if !bytes.Equal(ints.append(nil), s.append(nil)) {
		t.Fatal("a sum back to ints encodes unlike one that never left them")
	}
	var p sumState
	p.add(big, 1)
	p.add(big, 1)
	p.add(big, 1)
	p.add(big, -1)
	p.add(big, -1)
	p.add(big, -1)
	p.add(sql.NewInt(-3), 1)
	p.normalize()
	if p.w != nil || p.i != -3 {
		t.Fatalf("ints alone keep a wide part: i=%d wide=%v", p.i, p.w)
	}
}

// TestViewAggregateSumSwitch: groups whose sums leave int64 for numeric
// and come back, beside counts, bools and an append-only-free min/max,
// equal their query after every change (the cache then holds states that
// grew and shrank in place).
func TestViewAggregateSumSwitch(t *testing.T) {
	e, s := openSession(t, "")
	defer e.Close()
	execAll(t, s, "CREATE TABLE t (id INT PRIMARY KEY, g INT, v BIGINT, n NUMERIC, f FLOAT8, b BOOL, iv INTERVAL, s TEXT)")
	q := "SELECT g, count(*) AS c, sum(v) AS sv, avg(v) AS av, sum(n) AS sn, avg(n) AS an, sum(f) AS sf, sum(iv) AS si, " +
		"min(v) AS lo, max(n) AS hi, bool_and(b) AS ba, bool_or(b) AS bo, count(DISTINCT v) AS dv, sum(DISTINCT n) AS dn FROM t GROUP BY g"
	// Aggregates the operator does not keep running (it recomputes them).
	q2 := "SELECT g, string_agg(s, ',' ORDER BY s) AS sa, array_agg(v ORDER BY id) AS av2, sum(v) AS sv FROM t GROUP BY g"
	execAll(t, s, "CREATE MATERIALIZED VIEW sw AS "+q, "CREATE MATERIALIZED VIEW sw2 AS "+q2)
	if ops := viewOps(t, e, "sw"); len(ops) != 1 || ops[0] != "agg" {
		t.Fatalf("sw is maintained by %v, want the aggregate operator", ops)
	}
	const huge = int64(1) << 62
	ins := func(id, g int, v int64, n string) string {
		return fmt.Sprintf("INSERT INTO t VALUES (%d, %d, %d, %s, %d.25, %v, '%d days', 's%d')", id, g, v, n, id, id%2 == 0, id, id)
	}
	stmts := []string{
		ins(1, 1, 5, "1"), ins(2, 1, 6, "2"), ins(3, 2, 7, "NULL"),
		ins(4, 1, huge, "1.5"), ins(5, 1, huge, "99999999999999999999999.125"), ins(6, 1, huge, "NULL"),
		"DELETE FROM t WHERE id = 5", "DELETE FROM t WHERE id = 4",
		"UPDATE t SET g = 2 WHERE id = 6", "DELETE FROM t WHERE id = 6",
		ins(7, 2, -huge, "-0.001"), ins(8, 2, -huge, "'NaN'"), ins(9, 2, -huge, "'Infinity'"),
		"DELETE FROM t WHERE id IN (8, 9)", "UPDATE t SET v = 1, n = 3 WHERE id = 7",
		"DELETE FROM t WHERE g = 1", ins(10, 1, 2, "2"),
	}
	for _, st := range stmts {
		execAll(t, s, st)
		checkView(t, s, "sw", q)
		checkView(t, s, "sw2", q2)
	}
}
