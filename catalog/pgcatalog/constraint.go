package pgcatalog

import (
	"strings"

	"github.com/eddysql/eddy/catalog"
)

func init() {
	def("pg_catalog", "pg_constraint", func(ctx *Context) ([]rec, error) {
		o := load(ctx.Cat)
		var out []rec
		for _, c := range o.constraints {
			x := rec{
				"oid": c.OID, "conname": c.Name, "connamespace": nsOID(ctx.Cat, c.Table.Schema), "contype": c.Type,
				"condeferrable": false, "condeferred": false, "convalidated": true, "conrelid": c.Table.OID,
				"contypid": uint32(0), "conindid": c.IndexOID, "conparentid": uint32(0), "confrelid": uint32(0),
				"confupdtype": " ", "confdeltype": " ", "confmatchtype": " ",
				"conislocal": true, "coninhcount": 0, "connoinherit": false,
				"conkey": attnums(c.Columns),
			}
			switch c.Type {
			case 'f':
				x["confrelid"] = c.RefTable
				x["confkey"] = attnums(c.RefColumns)
				x["confupdtype"] = "a"
				x["confdeltype"] = string(refAction(c.OnDelete))
				x["confmatchtype"] = "s"
				x["conindid"] = o.referencedIndex(c.RefTable, c.RefColumns)
			case 'c':
				x["conbin"] = c.Check
				x["conkey"] = attnums(checkColumns(c.Table, c.Check))
				x["connoinherit"] = false
			}
			out = append(out, x)
		}
		return out, nil
	})
}

// referencedIndex is the unique index a foreign key relies on: the one
// over exactly the referenced columns.
func (o *objects) referencedIndex(table uint32, cols []int) uint32 {
	for _, ix := range o.indexes {
		if ix.Table.OID == table && ix.Unique && equalInts(ix.Columns, cols) {
			return ix.OID
		}
	}
	return 0
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// refAction is pg_constraint.confdeltype for an ON DELETE action.
func refAction(s string) byte {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "CASCADE":
		return 'c'
	case "SET NULL":
		return 'n'
	case "SET DEFAULT":
		return 'd'
	case "RESTRICT":
		return 'r'
	}
	return 'a'
}

// constraintDef is pg_get_constraintdef. Pretty printing drops the
// parentheses PostgreSQL's deparser puts around a CHECK expression.
func (o *objects) constraintDef(c *constraint, pretty bool) string {
	switch c.Type {
	case 'p':
		return "PRIMARY KEY (" + columnList(c.Table, c.Columns) + ")"
	case 'u':
		return "UNIQUE (" + columnList(c.Table, c.Columns) + ")"
	case 'f':
		ref := o.rel(c.RefTable)
		name := "?"
		if ref != nil {
			name = quoteIdent(ref.Name)
			if ref.Schema != "public" {
				name = quoteIdent(ref.Schema) + "." + name
			}
		}
		s := "FOREIGN KEY (" + columnList(c.Table, c.Columns) + ") REFERENCES " + name + "(" + columnList(ref, c.RefColumns) + ")"
		switch refAction(c.OnDelete) {
		case 'c':
			s += " ON DELETE CASCADE"
		case 'n':
			s += " ON DELETE SET NULL"
		case 'd':
			s += " ON DELETE SET DEFAULT"
		case 'r':
			s += " ON DELETE RESTRICT"
		}
		return s
	case 'c':
		e := strings.TrimSpace(c.Check)
		if pretty {
			return "CHECK (" + e + ")"
		}
		return "CHECK ((" + e + "))"
	}
	return ""
}

// ConstraintDef answers pg_get_constraintdef(oid, pretty).
func ConstraintDef(cat *catalog.Catalog, oid uint32, pretty bool) (string, bool) {
	o := load(cat)
	c := o.constraintByOID(oid)
	if c == nil {
		return "", false
	}
	return o.constraintDef(c, pretty), true
}

// Description answers obj_description and col_description: the comment on
// a relation (subid 0) or on its subid'th column.
func Description(cat *catalog.Catalog, oid uint32, subid int) (string, bool) {
	if cat == nil {
		return "", false
	}
	r := cat.ByOID(oid)
	if r == nil {
		return "", false
	}
	if subid == 0 {
		return r.Comment, r.Comment != ""
	}
	if subid < 0 || subid > len(r.Columns) {
		return "", false
	}
	c := r.Columns[subid-1].Comment
	return c, c != ""
}
