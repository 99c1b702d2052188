package planner

import (
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

func testPlanner(t testing.TB) *Planner {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat, err := catalog.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	rel := &catalog.Relation{OID: catalog.FirstUserOID, Schema: "public", Name: "kv", Kind: catalog.KindTable,
		Columns: []catalog.Column{{Name: "id", Type: sql.Int8, NotNull: true}, {Name: "v", Type: sql.Text}}, PrimaryKey: []int{0}}
	if err := cat.Put(rel); err != nil {
		t.Fatal(err)
	}
	bid := &catalog.Relation{OID: catalog.FirstUserOID + 1, Schema: "public", Name: "bid", Kind: catalog.KindTable,
		Columns: []catalog.Column{{Name: "auction", Type: sql.Int8}, {Name: "price", Type: sql.Int8}, {Name: "date_time", Type: sql.Timestamp}}}
	if err := cat.Put(bid); err != nil {
		t.Fatal(err)
	}
	// A materialized view with indexes (index_scan.go).
	mv := &catalog.Relation{OID: catalog.FirstUserOID + 2, Schema: "public", Name: "mv", Kind: catalog.KindMatView,
		Columns:    []catalog.Column{{Name: "k", Type: sql.Int8}, {Name: "a", Type: sql.Int4}, {Name: "b", Type: sql.Text}, {Name: "j", Type: sql.JSONB}},
		PrimaryKey: []int{0}}
	for _, r := range []*catalog.Relation{mv,
		{OID: catalog.FirstUserOID + 3, Schema: "public", Name: "mv_a_b", Kind: catalog.KindIndex, IndexOn: mv.OID, IndexColumns: []int{1, 2}},
		{OID: catalog.FirstUserOID + 4, Schema: "public", Name: "mv_j", Kind: catalog.KindIndex, IndexOn: mv.OID, IndexColumns: []int{3}},
	} {
		if err := cat.Put(r); err != nil {
			t.Fatal(err)
		}
	}
	// An index on a table (keyless, so only the index finds rows by value).
	if err := cat.Put(&catalog.Relation{OID: catalog.FirstUserOID + 5, Schema: "public", Name: "bid_auction_price", Kind: catalog.KindIndex,
		IndexOn: bid.OID, IndexColumns: []int{0, 1}}); err != nil {
		t.Fatal(err)
	}
	return &Planner{Cat: cat}
}

func TestPointLookupRule(t *testing.T) {
	p := testPlanner(t)
	for _, tc := range []struct {
		query string
		fires bool
	}{
		{"SELECT v FROM kv WHERE id = 1", true},
		{"SELECT v FROM kv WHERE 1 = id AND v = 'x'", true},
		{"SELECT v FROM kv WHERE id = $1", true},
		{"SELECT v FROM kv WHERE id = id", false},
		{"SELECT v FROM kv WHERE id > 1", false},
		{"SELECT v FROM kv WHERE id = 1 OR id = 2", false},
		{"SELECT v FROM kv WHERE id = 1.5", false},
	} {
		stmts, err := sql.Parse(tc.query)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		b := p.newBinder(nil)
		n, err := b.bindQuery(stmts[0].AST, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		_, fired := Optimize(n)
		got := len(fired) > 0 && fired[0] == "point_lookup"
		if got != tc.fires {
			t.Errorf("%s: point_lookup fired=%v, want %v (fired %v)", tc.query, got, tc.fires, fired)
		}
	}
}

func TestIndexScanRule(t *testing.T) {
	p := testPlanner(t)
	for _, tc := range []struct {
		query string
		fires bool
	}{
		{"SELECT k FROM mv WHERE a = 1", true},
		{"SELECT k FROM mv WHERE 1 = a AND b = 'x'", true},
		{"SELECT k FROM mv WHERE a = $1", true},
		{"SELECT k FROM mv WHERE a IN (1, 2, 3)", true},
		{"SELECT k FROM mv WHERE a > 1 AND a <= 5", true},
		{"SELECT k FROM mv WHERE a BETWEEN 1 AND 5", true},
		{"SELECT k FROM mv WHERE j = '{}'", true},
		{"SELECT k FROM mv WHERE k = 1 AND a = 1", false}, // the primary key wins
		{"SELECT k FROM mv WHERE b = 'x'", false},         // not a leading column
		{"SELECT k FROM mv WHERE a = k", false},
		{"SELECT k FROM mv WHERE a = 1 OR a = 2", false},
		{"SELECT k FROM mv WHERE a = 1.5", false},
		{"SELECT k FROM mv WHERE a + 0 = 1", false},
		{"SELECT k FROM mv WHERE a NOT IN (1, 2)", false},
		{"SELECT k FROM mv WHERE j > '{}'", false}, // jsonb keys do not order as jsonb
		{"SELECT k FROM mv WHERE a = abs(-1)", false},
		{"SELECT v FROM kv WHERE v = 'x'", false}, // no index on v
		{"SELECT price FROM bid WHERE auction = 1", true},
		{"SELECT price FROM bid WHERE auction = $1 AND price < 10", true},
		{"SELECT price FROM bid WHERE price = 1", false},      // not a leading column
		{"SELECT price FROM bid WHERE auction = NULL", false}, // folds to NULL when bound: no row passes
	} {
		stmts, err := sql.Parse(tc.query)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		b := p.newBinder(nil)
		n, err := b.bindQuery(stmts[0].AST, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		_, fired := Optimize(n)
		got := false
		for _, f := range fired {
			got = got || f == "index_scan"
		}
		if got != tc.fires {
			t.Errorf("%s: index_scan fired=%v, want %v (fired %v)", tc.query, got, tc.fires, fired)
		}
	}
}
