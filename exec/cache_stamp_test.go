package exec

import "testing"

// stampEpochs is the harness of the operator caches' stamp tests: a state
// store over a fresh engine; commit writes the epoch's state and ends it,
// begin starts the cache's epoch (its begin method) under one stamp key.
func stampEpochs(t *testing.T, cacheBegin func(*stateStore, []byte) error) (st *stateStore, commit, begin func()) {
	t.Helper()
	e, _ := openSession(t, "")
	t.Cleanup(func() { e.Close() })
	st = newStateStore(e.db)
	commit = func() {
		t.Helper()
		wb := e.db.NewWriteBatch()
		if err := st.flush(wb.Set, wb.Delete); err != nil {
			t.Fatal(err)
		}
		if err := wb.Flush(); err != nil {
			t.Fatal(err)
		}
		st.end()
	}
	begin = func() {
		t.Helper()
		if err := cacheBegin(st, []byte("stamp")); err != nil {
			t.Fatal(err)
		}
	}
	return st, commit, begin
}
