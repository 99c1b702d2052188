package pgcatalog

import (
	"strings"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// seqColumns are the columns every PostgreSQL sequence relation has.
var seqColumns = []catalog.Column{
	{Name: "last_value", Type: sql.Int8, NotNull: true},
	{Name: "log_cnt", Type: sql.Int8, NotNull: true},
	{Name: "is_called", Type: sql.Bool, NotNull: true},
}

// relColumns are the columns pg_attribute lists for a relation: an index
// has its key columns, named as in its table.
func (o *objects) relColumns(r *catalog.Relation) []catalog.Column {
	switch r.Kind {
	case catalog.KindIndex:
		t := o.rel(r.IndexOn)
		cols := make([]catalog.Column, 0, len(r.IndexColumns))
		for _, i := range r.IndexColumns {
			if t != nil && i >= 0 && i < len(t.Columns) {
				c := t.Columns[i]
				cols = append(cols, catalog.Column{Name: c.Name, Type: c.Type})
			}
		}
		return cols
	case catalog.KindSeq:
		return seqColumns
	}
	return r.Columns
}

func attRec(relid uint32, attnum int, c catalog.Column) rec {
	ti := typeOf(typeOID(c.Type))
	coll := uint32(0)
	if ti.Collation != 0 || (c.Type.Elem != nil && typeOf(typeOID(*c.Type.Elem)).Collation != 0) {
		coll = oidDefaultCollate
		if ti.Collation == oidCCollate {
			coll = oidCCollate
		}
	}
	ndims := 0
	if c.Type.Elem != nil {
		ndims = 1
	}
	return rec{
		"attrelid": relid, "attname": c.Name, "atttypid": typeOID(c.Type), "attstattarget": -1,
		"attlen": ti.Len, "attnum": attnum, "attndims": ndims, "attcacheoff": -1, "atttypmod": typeMod(c.Type),
		"attbyval": ti.ByVal, "attalign": ti.Align, "attstorage": ti.Storage, "attcompression": "",
		"attnotnull": c.NotNull, "atthasdef": c.Default != "", "atthasmissing": false,
		"attidentity": "", "attgenerated": "", "attisdropped": false, "attislocal": true,
		"attinhcount": 0, "attcollation": coll,
	}
}

func init() {
	def("pg_catalog", "pg_attribute", func(ctx *Context) ([]rec, error) {
		o := load(ctx.Cat)
		var out []rec
		for _, r := range o.rels {
			for i, c := range o.relColumns(r) {
				out = append(out, attRec(r.OID, i+1, c))
			}
		}
		for _, ix := range o.indexes {
			if !ix.Synth {
				continue
			}
			for i, ci := range ix.Columns {
				if ci >= 0 && ci < len(ix.Table.Columns) {
					c := ix.Table.Columns[ci]
					out = append(out, attRec(ix.OID, i+1, catalog.Column{Name: c.Name, Type: c.Type}))
				}
			}
		}
		return out, nil
	})

	def("pg_catalog", "pg_attrdef", func(ctx *Context) ([]rec, error) {
		var out []rec
		for _, r := range load(ctx.Cat).rels {
			for i, c := range r.Columns {
				if c.Default != "" {
					out = append(out, rec{"oid": attrdefOID(r.OID, i+1), "adrelid": r.OID, "adnum": i + 1,
						"adbin": DefaultExpr(c)})
				}
			}
		}
		return out, nil
	})

	def("pg_catalog", "pg_description", func(ctx *Context) ([]rec, error) {
		o := load(ctx.Cat)
		// PostgreSQL's own comment on the public schema (\dn+, DBeaver).
		out := []rec{{"objoid": OIDPublic, "classoid": oidPgNamespace, "objsubid": 0, "description": "standard public schema"}}
		for _, r := range o.rels {
			if r.Comment != "" {
				out = append(out, rec{"objoid": r.OID, "classoid": oidPgClass, "objsubid": 0, "description": r.Comment})
			}
			for i, c := range r.Columns {
				if c.Comment != "" {
					out = append(out, rec{"objoid": r.OID, "classoid": oidPgClass, "objsubid": i + 1, "description": c.Comment})
				}
			}
		}
		return out, nil
	})
	def("pg_catalog", "pg_shdescription", nil)
}

func attrdefOID(rel uint32, attnum int) uint32 {
	return synthAttrdefBase | rel<<11 | uint32(attnum)
}

// DefaultExpr is a column default as pg_get_expr prints it. eddy keeps the
// expression as written; a bare string literal gets the cast to the
// column's type that PostgreSQL's deparser adds ('x'::text), since that is
// the most common default and clients display it verbatim.
func DefaultExpr(c catalog.Column) string {
	d := strings.TrimSpace(c.Default)
	if len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\'' && !strings.Contains(d[1:len(d)-1], "'") {
		t := c.Type
		if t.Elem == nil {
			t.Mod = -1
		}
		name := sql.FormatType(t)
		if t.OID == sql.OIDBpchar {
			name = "bpchar"
		}
		return d + "::" + name
	}
	return d
}
