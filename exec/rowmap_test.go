package exec

import (
	"testing"

	"github.com/eddysql/eddy/sql"
)

func TestKeyMapDistinguishes(t *testing.T) {
	m := newKeyMap[int64]()
	for _, v := range []sql.Value{sql.NewInt(1), sql.NewInt(2), sql.Null, sql.NewInt(1), sql.NewText("x")} {
		m.upsert(sql.Row{v}, func() int64 { return 0 })
	}
	if m.len() != 4 {
		t.Fatalf("got %d keys %v, want 4", m.len(), m.keys)
	}
}
