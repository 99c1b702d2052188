package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/sql"
)

// PrefixFunction keys the descriptors of user-defined functions, apart
// from relations because their names may repeat (overloads).
const PrefixFunction byte = 0x08

// Function is a user-defined SQL function (CREATE FUNCTION ... LANGUAGE
// sql). The planner inlines its body where it is called, so a function has
// no runtime of its own; pg_proc lists it.
type Function struct {
	OID      uint32     `json:"oid"`
	Schema   string     `json:"schema"`
	Name     string     `json:"name"`
	Owner    string     `json:"owner"`
	Args     []sql.Type `json:"args,omitempty"`
	ArgNames []string   `json:"arg_names,omitempty"` // "" for an unnamed argument
	Returns  sql.Type   `json:"returns"`
	// SetOf marks RETURNS SETOF / RETURNS TABLE; Table holds the columns of
	// RETURNS TABLE.
	SetOf bool     `json:"set_of,omitempty"`
	Table []Column `json:"table,omitempty"`
	// Volatility is pg_proc.provolatile: 'i', 's' or 'v'.
	Volatility byte `json:"volatility"`
	Strict     bool `json:"strict,omitempty"`
	// Body is the SQL the planner inlines (one SELECT); Src is pg_proc.prosrc,
	// the AS string as written ("" for the RETURN expr form).
	Body string `json:"body"`
	Src  string `json:"src"`
	// SQLBody is the SQL-standard body (RETURN expr, BEGIN ATOMIC ... END)
	// as written, for pg_get_function_sqlbody; "" with Src.
	SQLBody string `json:"sql_body,omitempty"`
	Comment string `json:"comment,omitempty"`
	Version uint64 `json:"version"`
}

// SameArgs reports whether f takes exactly the argument types args.
func (f *Function) SameArgs(args []sql.Type) bool {
	if len(args) != len(f.Args) {
		return false
	}
	for i, a := range args {
		if a.OID != f.Args[i].OID {
			return false
		}
	}
	return true
}

func funcKey(oid uint32) []byte { return ObjectPrefix(PrefixFunction, oid) }

// loadFunctions reads the function descriptors (from Open).
func (c *Catalog) loadFunctions(txn *badger.Txn) error {
	c.funcs = map[uint32]*Function{}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{PrefixFunction}, PrefetchValues: true})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var f Function
		if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &f) }); err != nil {
			return fmt.Errorf("decode function %x: %w", it.Item().Key(), err)
		}
		c.funcs[f.OID] = &f
	}
	return nil
}

// Functions returns every user-defined function, ordered by OID.
func (c *Catalog) Functions() []*Function {
	c.mu.RLock()
	out := make([]*Function, 0, len(c.funcs))
	for _, f := range c.funcs {
		out = append(out, f)
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].OID < out[j].OID })
	return out
}

// FunctionsNamed returns the overloads of schema.name ("" = public).
func (c *Catalog) FunctionsNamed(schema, name string) []*Function {
	if schema == "" {
		schema = "public"
	}
	var out []*Function
	for _, f := range c.Functions() {
		if f.Schema == schema && f.Name == name {
			out = append(out, f)
		}
	}
	return out
}

// FunctionByOID finds a function by OID, or nil.
func (c *Catalog) FunctionByOID(oid uint32) *Function {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.funcs[oid]
}

// PutFunction stores a new or replaced function. A new function's name
// and argument types must not be taken.
func (c *Catalog) PutFunction(f *Function) error {
	for _, g := range c.FunctionsNamed(f.Schema, f.Name) {
		if g.OID != f.OID && g.SameArgs(f.Args) {
			return sql.Errorf(sql.CodeDuplicateFunction, "function %q already exists with same argument types", f.Name)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	f.Version = c.version + 1
	buf, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode function %s: %w", f.Name, err)
	}
	if err := c.db.Update(func(txn *badger.Txn) error { return txn.Set(funcKey(f.OID), buf) }); err != nil {
		return fmt.Errorf("store function %s: %w", f.Name, err)
	}
	c.funcs[f.OID] = f
	c.version++
	return nil
}

// DeleteFunction removes a function's descriptor.
func (c *Catalog) DeleteFunction(oid uint32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.db.Update(func(txn *badger.Txn) error { return txn.Delete(funcKey(oid)) })
	if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
		return fmt.Errorf("delete function: %w", err)
	}
	delete(c.funcs, oid)
	c.version++
	return nil
}

// FunctionDependents returns the views whose queries call function oid.
func (c *Catalog) FunctionDependents(oid uint32) []*Relation {
	var out []*Relation
	for _, r := range c.Relations() {
		for _, d := range r.DependsOnFunctions {
			if d == oid {
				out = append(out, r)
				break
			}
		}
	}
	return out
}
