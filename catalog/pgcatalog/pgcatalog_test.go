package pgcatalog

import (
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

func testCatalog(t *testing.T) *catalog.Catalog {
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
	put := func(r *catalog.Relation) {
		if err := cat.Put(r); err != nil {
			t.Fatal(err)
		}
	}
	put(&catalog.Relation{OID: 16384, Schema: "public", Name: "persons", Kind: catalog.KindTable, Comment: "people",
		Columns:    []catalog.Column{{Name: "id", Type: sql.Int8, NotNull: true}, {Name: "name", Type: sql.Varchar, Default: "'x'", Comment: "full name"}},
		PrimaryKey: []int{0}})
	put(&catalog.Relation{OID: 16385, Schema: "public", Name: "bids", Kind: catalog.KindSource,
		Columns: []catalog.Column{{Name: "person", Type: sql.Int8}, {Name: "tags", Type: sql.ArrayOf(sql.Date)}},
		Constraints: []catalog.Constraint{{OID: 16386, Name: "bids_person_fkey", Type: 'f', Columns: []int{0}, RefTable: 16384, RefColumns: []int{0}, OnDelete: "CASCADE"},
			{OID: 16387, Name: "bids_person_check", Type: 'c', Check: "person > 0"}}})
	put(&catalog.Relation{OID: 16388, Schema: "public", Name: "v", Kind: catalog.KindView, SQL: "SELECT id FROM persons",
		Columns: []catalog.Column{{Name: "id", Type: sql.Int8}}})
	return cat
}

// Every relation's rows must have its columns' count and value kinds, or
// exec would hand clients rows that do not fit their RowDescription.
func TestRowsFitColumns(t *testing.T) {
	ctx := &Context{Cat: testCatalog(t), User: "root", Database: "db", Settings: map[string]string{"timezone": "UTC"}}
	for _, tb := range Tables() {
		rows, err := tb.Rows(ctx)
		if err != nil {
			t.Fatalf("%s.%s: %v", tb.Schema, tb.Name, err)
		}
		for _, r := range rows {
			if len(r) != len(tb.Columns) {
				t.Fatalf("%s.%s: row has %d values for %d columns", tb.Schema, tb.Name, len(r), len(tb.Columns))
			}
			for i, v := range r {
				if !v.IsNull() && v.Kind() != tb.Columns[i].Type.Kind() {
					t.Errorf("%s.%s.%s: value kind %d, column kind %d", tb.Schema, tb.Name, tb.Columns[i].Name, v.Kind(), tb.Columns[i].Type.Kind())
				}
			}
		}
	}
}

func TestSynthesizedObjects(t *testing.T) {
	cat := testCatalog(t)
	o := load(cat)
	if len(o.indexes) != 1 || o.indexes[0].Name != "persons_pkey" || o.indexes[0].OID != synthIndexBase|16384 || !o.indexes[0].Primary {
		t.Fatalf("indexes: %+v", o.indexes)
	}
	if got, _ := IndexDef(cat, synthIndexBase|16384, 0, false); got != "CREATE UNIQUE INDEX persons_pkey ON public.persons USING btree (id)" {
		t.Errorf("indexdef: %q", got)
	}
	for oid, want := range map[uint32]string{
		synthPKConBase | 16384: "PRIMARY KEY (id)",
		16386:                  "FOREIGN KEY (person) REFERENCES persons(id) ON DELETE CASCADE",
		16387:                  "CHECK (person > 0)",
	} {
		if got, _ := ConstraintDef(cat, oid, true); got != want {
			t.Errorf("constraintdef %d: %q, want %q", oid, got, want)
		}
	}
	if got := o.referencedIndex(16384, []int{0}); got != synthIndexBase|16384 {
		t.Errorf("fk index: %d", got)
	}
	if d, _ := Description(cat, 16384, 2); d != "full name" {
		t.Errorf("col description: %q", d)
	}
	if got := DefaultExpr(cat.ByOID(16384).Columns[1]); got != "'x'::character varying" {
		t.Errorf("default: %q", got)
	}
	if got := typeOID(sql.ArrayOf(sql.Date)); got != 1182 {
		t.Errorf("date[] oid: %d", got)
	}
}
