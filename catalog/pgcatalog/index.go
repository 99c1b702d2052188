package pgcatalog

import (
	"strings"

	"github.com/eddysql/eddy/catalog"
)

func init() {
	def("pg_catalog", "pg_index", func(ctx *Context) ([]rec, error) {
		o := load(ctx.Cat)
		var out []rec
		for _, ix := range o.indexes {
			n := len(ix.Columns)
			out = append(out, rec{
				"indexrelid": ix.OID, "indrelid": ix.Table.OID, "indnatts": n, "indnkeyatts": n,
				"indisunique": ix.Unique, "indisprimary": ix.Primary, "indimmediate": true,
				"indisvalid": true, "indisready": true, "indislive": true,
				"indkey": attnums(ix.Columns), "indcollation": make([]uint32, n),
				"indclass": make([]uint32, n), "indoption": make([]int16, n),
			})
		}
		return out, nil
	})
	def("pg_catalog", "pg_am", func(*Context) ([]rec, error) {
		return []rec{
			{"oid": oidHeap, "amname": "heap", "amhandler": "heap_tableam_handler", "amtype": "t"},
			{"oid": oidBtree, "amname": "btree", "amhandler": "bthandler", "amtype": "i"},
		}, nil
	})
}

// indexDef is pg_get_indexdef: the whole CREATE INDEX for col 0, else the
// col'th key column. Pretty printing leaves out the schema of a table that
// the search path finds, as PostgreSQL's does.
func indexDef(ix *index, col int, pretty bool) string {
	if col > 0 {
		if col > len(ix.Columns) {
			return ""
		}
		return quoteIdent(colName(ix.Table, ix.Columns[col-1]))
	}
	var b strings.Builder
	b.WriteString("CREATE ")
	if ix.Unique {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("INDEX " + quoteIdent(ix.Name) + " ON ")
	if !pretty || ix.Table.Schema != "public" {
		b.WriteString(quoteIdent(ix.Table.Schema) + ".")
	}
	b.WriteString(quoteIdent(ix.Table.Name) + " USING btree (")
	b.WriteString(columnList(ix.Table, ix.Columns))
	b.WriteString(")")
	return b.String()
}

func columnList(r *catalog.Relation, cols []int) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quoteIdent(colName(r, c))
	}
	return strings.Join(names, ", ")
}

// IndexDef answers pg_get_indexdef(oid, col, pretty).
func IndexDef(cat *catalog.Catalog, oid uint32, col int, pretty bool) (string, bool) {
	o := load(cat)
	ix := o.indexByOID(oid)
	if ix == nil {
		return "", false
	}
	return indexDef(ix, col, pretty), true
}

// ViewDef is pg_get_viewdef: the defining query as eddy stored it, in the
// shape PostgreSQL prints (a leading space and a closing semicolon), since
// eddy does not re-deparse the query.
func ViewDef(r *catalog.Relation) string {
	q := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(r.SQL), ";"))
	return " " + q + ";"
}

// ViewDefByOID answers pg_get_viewdef(oid).
func ViewDefByOID(cat *catalog.Catalog, oid uint32) (string, bool) {
	if cat == nil {
		return "", false
	}
	r := cat.ByOID(oid)
	if r == nil || (r.Kind != catalog.KindView && r.Kind != catalog.KindMatView) {
		return "", false
	}
	return ViewDef(r), true
}
