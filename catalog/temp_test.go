package catalog

import (
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/sql"
)

// TestOpenDropsTempRelations: temporary relations that a crash left in the
// database (their sessions never ended cleanly) are gone, rows and all,
// when the catalog opens again; permanent ones stay.
func TestOpenDropsTempRelations(t *testing.T) {
	dir := t.TempDir()
	open := func() (*badger.DB, *Catalog) {
		t.Helper()
		db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
		if err != nil {
			t.Fatal(err)
		}
		c, err := Open(db)
		if err != nil {
			t.Fatal(err)
		}
		return db, c
	}
	db, c := open()
	cols := []Column{{Name: "a", Type: sql.Int4}}
	for i, schema := range []string{"public", TempSchema(1), TempSchema(2)} {
		r := &Relation{OID: FirstUserOID + uint32(i), Schema: schema, Name: "t", Kind: KindTable, Columns: cols}
		if err := c.Put(r); err != nil {
			t.Fatal(err)
		}
		if err := db.Update(func(txn *badger.Txn) error { return txn.Set(ObjectPrefix(PrefixRows, r.OID), []byte("row")) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, c = open()
	defer db.Close()
	if r := c.Lookup("public", "t"); r == nil {
		t.Fatal("the permanent table is gone")
	}
	for i, schema := range []string{TempSchema(1), TempSchema(2)} {
		if r := c.Lookup(schema, "t"); r != nil {
			t.Fatalf("%s.t survived a restart", schema)
		}
		err := db.View(func(txn *badger.Txn) error {
			_, err := txn.Get(ObjectPrefix(PrefixRows, FirstUserOID+uint32(i+1)))
			return err
		})
		if err != badger.ErrKeyNotFound {
			t.Fatalf("%s.t's rows survived a restart: %v", schema, err)
		}
	}
	if !IsTempSchema("pg_temp_12") || IsTempSchema("pg_temp_") || IsTempSchema("pg_temp") || IsTempSchema("public") {
		t.Fatal("IsTempSchema")
	}
}
