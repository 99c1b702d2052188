package exec

import (
	"fmt"
	"unsafe"

	"github.com/eddysql/eddy/sql"
)

// DefaultQueryMemory is how much a statement's operators may hold in rows
// they keep (sort buffers, hash tables, join build sides, windows) before
// the statement fails with 53200 instead of taking the process down.
const DefaultQueryMemory = 1 << 30

// memBudget accounts what one statement's operators keep. It is an
// estimate, rows times the size of their values, which is what grows.
type memBudget struct {
	limit int64
	used  int64
}

// grow charges n bytes, failing once the statement is over its limit.
func (m *memBudget) grow(n int64) error {
	if m == nil || m.limit <= 0 {
		return nil
	}
	m.used += n
	if m.used > m.limit {
		return &sql.Error{Code: sql.CodeOutOfMemory, Message: "out of memory",
			Detail: fmt.Sprintf("The statement holds more than %d MB of rows (the engine's query memory limit).", m.limit>>20),
			Hint:   "Filter earlier, add a LIMIT, or raise the limit with --query-memory."}
	}
	return nil
}

// valueSize is a sql.Value's footprint: the struct plus what it points to.
const valueSize = 48

// The build fails if valueSize is not sql.Value's size.
var _ = [1]struct{}{}[unsafe.Sizeof(sql.Value{})-valueSize]

func rowSize(r sql.Row) int64 {
	n := int64(24 + len(r)*valueSize)
	for i := range r {
		v := &r[i] // not a copy of each value
		switch v.Kind() {
		case sql.KindText, sql.KindBytes, sql.KindJSON:
			n += int64(len(v.Text()))
		case sql.KindNumeric:
			n += 64
		case sql.KindArray:
			n += int64(len(v.Array()) * valueSize)
		}
	}
	return n
}

// keep charges for a row an operator holds on to.
func (rt *runtime) keep(r sql.Row) error { return rt.mem.grow(rowSize(r)) }
