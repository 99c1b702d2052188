package pgcatalog

import (
	"sort"
	"strings"

	"github.com/eddysql/eddy/catalog"
)

// pg_depend lists what PostgreSQL records for the same objects, so that
// tools that follow dependencies find them: DBD::Pg's foreign_key_info
// finds a foreign key's unique index through it, psql's \d on a sequence
// its owning column, DBeaver a view's tables and pg_dump-like tools the
// order to create things in. Each view and materialized view gets the
// _RETURN rule in pg_rewrite that PostgreSQL implements it with, since
// the dependencies of a view are the rule's.
//
// One difference: a view depends on each relation it reads as a whole
// (refobjsubid 0), where PostgreSQL lists every column the query names,
// because eddy keeps which relations a view reads, not which columns.

// synthRuleBase | v is the OID of view v's _RETURN rule (a range no other
// synthesized OID uses, see objects.go).
const synthRuleBase uint32 = 0x70000000

const oidPgRewrite, oidPgAttrdef uint32 = 2618, 2604

func init() {
	def("pg_catalog", "pg_rewrite", func(ctx *Context) ([]rec, error) {
		var out []rec
		for _, r := range load(ctx.Cat).rels {
			if r.Kind == catalog.KindView || r.Kind == catalog.KindMatView {
				out = append(out, rec{"oid": synthRuleBase | r.OID, "rulename": "_RETURN", "ev_class": r.OID,
					"ev_type": "1", "ev_enabled": "O", "is_instead": true})
			}
		}
		return out, nil
	})
	def("pg_catalog", "pg_depend", func(ctx *Context) ([]rec, error) {
		return load(ctx.Cat).depends(), nil
	})
}

func dep(classid, objid uint32, refclassid, refobjid uint32, refsub int, deptype string) rec {
	return rec{"classid": classid, "objid": objid, "objsubid": 0, "refclassid": refclassid,
		"refobjid": refobjid, "refobjsubid": refsub, "deptype": deptype}
}

// depends is pg_depend's rows for every object clients see.
func (o *objects) depends() []rec {
	var out []rec
	for _, r := range o.rels {
		switch r.Kind {
		case catalog.KindIndex:
			continue // below, with the indexes implied by constraints
		case catalog.KindView, catalog.KindMatView:
			out = append(out, dep(oidPgClass, r.OID, oidPgNamespace, nsOID(o.cat, r.Schema), 0, "n"))
			rule := synthRuleBase | r.OID
			out = append(out, dep(oidPgRewrite, rule, oidPgClass, r.OID, 0, "i"),
				dep(oidPgRewrite, rule, oidPgClass, r.OID, 0, "n"))
			for _, x := range o.directDependencies(r) {
				out = append(out, dep(oidPgRewrite, rule, oidPgClass, x, 0, "n"))
			}
			for _, f := range r.DependsOnFunctions {
				out = append(out, dep(oidPgRewrite, rule, oidPgProc, f, 0, "n"))
			}
		default:
			out = append(out, dep(oidPgClass, r.OID, oidPgNamespace, nsOID(o.cat, r.Schema), 0, "n"))
		}
		if r.Kind == catalog.KindSeq && r.OwnedBy != 0 && o.rel(r.OwnedBy) != nil {
			out = append(out, dep(oidPgClass, r.OID, oidPgClass, r.OwnedBy, int(r.OwnedByColumn), "a"))
		}
		for i, c := range r.Columns {
			if c.Default == "" {
				continue
			}
			ad := attrdefOID(r.OID, i+1)
			out = append(out, dep(oidPgAttrdef, ad, oidPgClass, r.OID, i+1, "a"))
			// A serial column's default calls its sequence.
			for _, s := range o.rels {
				if s.Kind == catalog.KindSeq && s.OwnedBy == r.OID && int(s.OwnedByColumn) == i+1 &&
					strings.Contains(c.Default, s.Name) {
					out = append(out, dep(oidPgAttrdef, ad, oidPgClass, s.OID, 0, "n"))
				}
			}
		}
	}
	if o.cat != nil {
		for _, f := range o.cat.Functions() {
			out = append(out, dep(oidPgProc, f.OID, oidPgNamespace, nsOID(o.cat, f.Schema), 0, "n"))
		}
	}
	for _, c := range o.constraints {
		cols := c.Columns
		if c.Type == 'c' {
			cols = checkColumns(c.Table, c.Check)
		}
		switch c.Type {
		case 'f':
			for _, rc := range c.RefColumns {
				out = append(out, dep(oidPgConstraint, c.OID, oidPgClass, c.RefTable, rc+1, "n"))
			}
			if ix := o.referencedIndex(c.RefTable, c.RefColumns); ix != 0 {
				out = append(out, dep(oidPgConstraint, c.OID, oidPgClass, ix, 0, "n"))
			}
		case 'c':
			for _, col := range cols {
				out = append(out, dep(oidPgConstraint, c.OID, oidPgClass, c.Table.OID, col+1, "n"))
			}
		}
		for _, col := range cols {
			out = append(out, dep(oidPgConstraint, c.OID, oidPgClass, c.Table.OID, col+1, "a"))
		}
	}
	for _, ix := range o.indexes {
		if con := o.indexConstraint(ix.OID); con != 0 {
			out = append(out, dep(oidPgClass, ix.OID, oidPgConstraint, con, 0, "i"))
			continue
		}
		for _, col := range ix.Columns {
			out = append(out, dep(oidPgClass, ix.OID, oidPgClass, ix.Table.OID, col+1, "a"))
		}
	}
	return out
}

// indexConstraint is the primary key or unique constraint an index
// enforces, or 0.
func (o *objects) indexConstraint(index uint32) uint32 {
	for _, c := range o.constraints {
		if (c.Type == 'p' || c.Type == 'u') && c.IndexOID == index {
			return c.OID
		}
	}
	return 0
}

// directDependencies are the relations a view's query names itself.
// DependsOn also holds the relations read through the plain views it
// names (they are expanded into the query), which PostgreSQL records on
// those views instead; they are left out here. A relation that the query
// names both itself and through such a view is left out too, which is
// the price of not keeping the two apart.
func (o *objects) directDependencies(v *catalog.Relation) []uint32 {
	through := map[uint32]bool{}
	var walk func(r *catalog.Relation, depth int)
	walk = func(r *catalog.Relation, depth int) {
		if depth > 64 {
			return
		}
		for _, d := range r.DependsOn {
			if w := o.rel(d); w != nil && w.Kind == catalog.KindView {
				for _, x := range w.DependsOn {
					through[x] = true
				}
				walk(w, depth+1)
			}
		}
	}
	walk(v, 0)
	var out []uint32
	seen := map[uint32]bool{}
	for _, d := range v.DependsOn {
		if !through[d] && !seen[d] && o.rel(d) != nil {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// checkColumns are the columns of r that a CHECK expression names
// (pg_constraint.conkey), in column order: its identifiers that are no
// function names, type names after ::, or string literals.
func checkColumns(r *catalog.Relation, expr string) []int {
	used := map[int]bool{}
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '\'':
			j := i + 1
			for j < len(expr) && (expr[j] != '\'' || j+1 < len(expr) && expr[j+1] == '\'') {
				if expr[j] == '\'' {
					j++
				}
				j++
			}
			i = j + 1
		case c == '"' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			var name string
			j := i
			if c == '"' {
				k := strings.IndexByte(expr[i+1:], '"')
				if k < 0 {
					return sortedKeys(used)
				}
				name, j = expr[i+1:i+1+k], i+k+2
			} else {
				for j < len(expr) && (expr[j] == '_' || expr[j] == '$' || expr[j] >= 'a' && expr[j] <= 'z' ||
					expr[j] >= 'A' && expr[j] <= 'Z' || expr[j] >= '0' && expr[j] <= '9') {
					j++
				}
				name = strings.ToLower(expr[i:j])
			}
			cast := strings.HasSuffix(strings.TrimRight(expr[:i], " "), "::")
			call := strings.HasPrefix(strings.TrimLeft(expr[j:], " "), "(")
			if !cast && !call {
				if k := r.ColumnIndex(name); k >= 0 {
					used[k] = true
				}
			}
			i = j
		default:
			i++
		}
	}
	return sortedKeys(used)
}

func sortedKeys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// ImpliedIndex finds an index that a primary key or unique constraint
// implies and no stored relation is (pg_class lists it), by OID, so that
// regclass prints its name.
func ImpliedIndex(cat *catalog.Catalog, oid uint32) (schema, name string, ok bool) {
	o := load(cat)
	if ix := o.indexByOID(oid); ix != nil && ix.Synth {
		return ix.Table.Schema, ix.Name, true
	}
	return "", "", false
}

// ImpliedIndexOID is ImpliedIndex by name, for 'name'::regclass.
func ImpliedIndexOID(cat *catalog.Catalog, schema, name string) (uint32, bool) {
	for _, ix := range load(cat).indexes {
		if ix.Synth && ix.Name == name && (schema == "" || schema == ix.Table.Schema) {
			return ix.OID, true
		}
	}
	return 0, false
}
