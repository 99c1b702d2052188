package exec

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/eddysql/eddy/sql"
)

// TestDiskFullRefusesWrites: while the data directory's file system has
// less free space than the reserve, statements that write fail with
// 53100 and write nothing, reads and DROP go on, and once space returns
// writes go on with nothing lost. The free space is the guard's input,
// replaced here; TestDiskFullTmpfs (cmd/eddy) fills a real file system.
func TestDiskFullRefusesWrites(t *testing.T) {
	e, s := openSession(t, t.TempDir())
	defer e.Close()
	var free atomic.Uint64
	free.Store(1 << 40)
	e.disk.free = func() (uint64, error) { return free.Load(), nil }
	e.SetDiskReserve(64 << 20)
	full := func() { free.Store(10 << 20); e.disk.setReserve(64 << 20) }
	room := func() { free.Store(1 << 40); e.disk.setReserve(64 << 20) }

	query(t, s, `CREATE TABLE t (id INT PRIMARY KEY, g INT)`)
	query(t, s, `INSERT INTO t SELECT i, i % 7 FROM generate_series(1, 100) i`)
	query(t, s, `CREATE MATERIALIZED VIEW mv AS SELECT g, count(*) FROM t GROUP BY g`)
	query(t, s, `CREATE TABLE scratch (id INT)`)

	full()
	diskFull := func(q string) {
		t.Helper()
		_, err := execErr(s, q)
		var se *sql.Error
		if !errors.As(err, &se) || se.Code != sql.CodeDiskFull {
			t.Errorf("%s with the disk full: %v, want 53100", q, err)
		}
	}
	diskFull(`INSERT INTO t VALUES (101, 1)`)
	diskFull(`UPDATE t SET g = g + 1 WHERE id <= 10`)
	diskFull(`CREATE MATERIALIZED VIEW mv2 AS SELECT count(*) FROM t`)
	query(t, s, `BEGIN`)
	query(t, s, `INSERT INTO t VALUES (102, 1)`)
	diskFull(`COMMIT`)
	// Reads, and DROP, which is how space comes back, go on.
	if got := query(t, s, `SELECT count(*) FROM t`); got[0][0].Int() != 100 {
		t.Errorf("after refused writes, t has %v rows", got[0][0])
	}
	if got := query(t, s, `SELECT sum(count)::int8 FROM mv`); got[0][0].Int() != 100 {
		t.Errorf("after refused writes, mv counts %v rows", got[0][0])
	}
	query(t, s, `DROP TABLE scratch`)
	if e.cat.Lookup("", "mv2") != nil {
		t.Error("the view refused for want of space exists")
	}

	room()
	query(t, s, `INSERT INTO t VALUES (101, 1)`)
	query(t, s, `CREATE MATERIALIZED VIEW mv2 AS SELECT count(*) FROM t`)
	if got := query(t, s, `SELECT * FROM mv2`); got[0][0].Int() != 101 {
		t.Errorf("after space returned, mv2 = %v, want 101", got[0][0])
	}
	if got := query(t, s, `SELECT sum(count)::int8 FROM mv`); got[0][0].Int() != 101 {
		t.Errorf("after space returned, mv counts %v rows, want 101", got[0][0])
	}
	if orphans, _ := e.cat.Orphans(); len(orphans) != 0 {
		t.Errorf("the refused load left data under %x", orphans)
	}
}
