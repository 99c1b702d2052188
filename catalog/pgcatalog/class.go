package pgcatalog

import (
	"github.com/eddysql/eddy/catalog"
)

func init() {
	def("pg_catalog", "pg_class", func(ctx *Context) ([]rec, error) {
		o := load(ctx.Cat)
		hasIndex := map[uint32]bool{}
		for _, ix := range o.indexes {
			hasIndex[ix.Table.OID] = true
		}
		// PostgreSQL implements foreign keys with triggers on both tables.
		hasTriggers := map[uint32]bool{}
		checks := map[uint32]int{}
		for _, c := range o.constraints {
			switch c.Type {
			case 'f':
				hasTriggers[c.Table.OID] = true
				hasTriggers[c.RefTable] = true
			case 'c':
				checks[c.Table.OID]++
			}
		}
		var out []rec
		for _, r := range o.rels {
			kind := relkind(r)
			x := classRec(o.cat, r.OID, r.Name, r.Schema, kind, len(r.Columns))
			x["relhasindex"] = hasIndex[r.OID]
			x["relhastriggers"] = hasTriggers[r.OID]
			x["relchecks"] = checks[r.OID]
			x["relowner"], x["relacl"] = relOwner(ctx.Cat, r), relACL(ctx.Cat, r)
			// PostgreSQL sets relhasrules on views for their _RETURN rule;
			// eddy stores a view's query, not a rule, and pg_rewrite is empty.
			x["relhasrules"] = false
			if kind == 'i' {
				x["relnatts"] = len(r.IndexColumns)
			}
			if r.Kind == catalog.KindSeq {
				x["relnatts"] = 3
			}
			out = append(out, x)
		}
		for _, ix := range o.indexes {
			if ix.Synth {
				out = append(out, classRec(o.cat, ix.OID, ix.Name, ix.Table.Schema, 'i', len(ix.Columns)))
			}
		}
		return out, nil
	})

	def("pg_catalog", "pg_tables", func(ctx *Context) ([]rec, error) {
		o := load(ctx.Cat)
		hasIndex := map[uint32]bool{}
		for _, ix := range o.indexes {
			hasIndex[ix.Table.OID] = true
		}
		var out []rec
		for _, r := range o.rels {
			if relkind(r) == 'r' {
				out = append(out, rec{"schemaname": r.Schema, "tablename": r.Name, "tableowner": ctx.User,
					"hasindexes": hasIndex[r.OID], "hasrules": false, "hastriggers": false, "rowsecurity": false})
			}
		}
		return out, nil
	})
	def("pg_catalog", "pg_views", func(ctx *Context) ([]rec, error) {
		var out []rec
		for _, r := range load(ctx.Cat).rels {
			if r.Kind == catalog.KindView {
				out = append(out, rec{"schemaname": r.Schema, "viewname": r.Name, "viewowner": ctx.User, "definition": ViewDef(r)})
			}
		}
		return out, nil
	})
	def("pg_catalog", "pg_matviews", func(ctx *Context) ([]rec, error) {
		o := load(ctx.Cat)
		var out []rec
		for _, r := range o.rels {
			if r.Kind == catalog.KindMatView {
				hasIndex := false
				for _, ix := range o.indexes {
					hasIndex = hasIndex || ix.Table.OID == r.OID
				}
				out = append(out, rec{"schemaname": r.Schema, "matviewname": r.Name, "matviewowner": r.Owner,
					"tablespace": nil, "hasindexes": hasIndex, "ispopulated": true, "definition": ViewDef(r)})
			}
		}
		return out, nil
	})
	def("pg_catalog", "pg_indexes", func(ctx *Context) ([]rec, error) {
		o := load(ctx.Cat)
		var out []rec
		for i := range o.indexes {
			ix := &o.indexes[i]
			out = append(out, rec{"schemaname": ix.Table.Schema, "tablename": ix.Table.Name, "indexname": ix.Name,
				"tablespace": nil, "indexdef": indexDef(ix, 0, false)})
		}
		return out, nil
	})
	def("pg_catalog", "pg_sequence", func(ctx *Context) ([]rec, error) {
		var out []rec
		for _, r := range load(ctx.Cat).rels {
			if r.Kind == catalog.KindSeq {
				out = append(out, rec{"seqrelid": r.OID, "seqtypid": uint32(20), "seqstart": 1, "seqincrement": 1,
					"seqmax": int64(1<<63 - 1), "seqmin": 1, "seqcache": 1, "seqcycle": false})
			}
		}
		return out, nil
	})
	def("pg_catalog", "pg_sequences", func(ctx *Context) ([]rec, error) {
		var out []rec
		for _, r := range load(ctx.Cat).rels {
			if r.Kind == catalog.KindSeq {
				out = append(out, rec{"schemaname": r.Schema, "sequencename": r.Name, "sequenceowner": ctx.User,
					"data_type": uint32(20), "start_value": 1, "min_value": 1, "max_value": int64(1<<63 - 1),
					"increment_by": 1, "cycle": false, "cache_size": 1, "last_value": nil})
			}
		}
		return out, nil
	})
}

// classRec is a pg_class row with PostgreSQL's values for a relation of
// the kind that eddy has no reason to vary.
func classRec(cat *catalog.Catalog, oid uint32, name, schema string, kind byte, natts int) rec {
	am := uint32(0)
	switch kind {
	case 'r', 'm':
		am = oidHeap
	case 'i':
		am = oidBtree
	}
	replident := byte('n')
	if kind == 'r' || kind == 'm' {
		replident = 'd'
	}
	filenode := oid
	if kind == 'v' {
		filenode = 0
	}
	return rec{
		"oid": oid, "relname": name, "relnamespace": nsOID(cat, schema), "reltype": uint32(0), "reloftype": uint32(0),
		"relowner": oidSuperuser, "relam": am, "relfilenode": filenode, "reltablespace": uint32(0),
		"relpages": 0, "reltuples": float64(-1), "relallvisible": 0, "reltoastrelid": uint32(0),
		"relisshared": false, "relpersistence": persistence(schema), "relkind": kind, "relnatts": natts,
		"relispopulated": true, "relreplident": replident, "relfrozenxid": 0, "relminmxid": 0,
	}
}
