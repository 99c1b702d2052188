package pgcatalog

import (
	"sort"

	"github.com/eddysql/eddy/catalog"
)

// OIDs of objects that eddy's descriptors imply but do not store: the index
// that enforces a primary key, the pg_constraint row for it, and the
// pg_attrdef row of a column default. They are derived from the owning
// object's OID in ranges far above any OID eddy allocates (user OIDs count
// up from 16384), so they are stable across restarts and never collide:
//
//	0x40000000 | x   index enforcing constraint x (or table x's primary key)
//	0x48000000 | t   primary key constraint of table t
//	0x50000000 | t<<11 | attnum   default of column attnum of table t
//	0x60000000 + n   pg_proc rows of built-in functions (see proc.go)
//
// The attrdef scheme holds while table OIDs stay below 2^17; past that the
// OIDs wrap but remain unique per (table, column) pair in practice only
// within that range, which pg_attrdef's users (joins on adrelid/adnum, never
// on oid) do not rely on.
const (
	synthIndexBase   uint32 = 0x40000000
	synthPKConBase   uint32 = 0x48000000
	synthAttrdefBase uint32 = 0x50000000
	synthProcBase    uint32 = 0x60000000
)

// Catalog OIDs of the system relations that pg_description.classoid and
// pg_depend name.
const (
	oidPgClass      uint32 = 1259
	oidPgNamespace  uint32 = 2615
	oidPgConstraint uint32 = 2606
	oidPgProc       uint32 = 1255
	oidPgType       uint32 = 1247
	oidPgDatabase   uint32 = 1262
)

// OIDs of PostgreSQL's built-in roles, databases and access methods.
const (
	oidSuperuser       uint32 = 10
	oidDatabaseOwner   uint32 = 6171
	oidHeap            uint32 = 2
	oidBtree           uint32 = 403
	oidDefaultTblspc   uint32 = 1663
	oidDatabase        uint32 = 16384 - 1 // the one database; below user OIDs
	oidDefaultCollate  uint32 = 100
	oidCCollate        uint32 = 950
	oidLanguageSQL     uint32 = 14
	oidLanguageIntern  uint32 = 12
	oidLanguagePlpgsql uint32 = 13
)

// nsOID is a schema's pg_namespace OID.
func nsOID(cat *catalog.Catalog, schema string) uint32 {
	switch schema {
	case "pg_catalog":
		return OIDPgCatalog
	case "information_schema":
		return OIDInformationSchema
	case "public", "":
		return OIDPublic
	}
	if cat != nil {
		if s := cat.SchemaNamed(schema); s != nil {
			return s.OID
		}
	}
	if n, ok := tempSlot(schema); ok {
		return tempNamespaceBase + uint32(n)
	}
	return OIDPublic
}

// index is a pg_index row: a stored index relation or one synthesized for
// a primary key or unique constraint.
type index struct {
	OID     uint32
	Name    string
	Table   *catalog.Relation
	Columns []int // column indexes in Table
	Unique  bool
	Primary bool
	Synth   bool // implied by a constraint; pg_class has no stored row for it
}

// constraint is a pg_constraint row.
type constraint struct {
	catalog.Constraint
	Table *catalog.Relation
}

// objects is everything the pg_catalog relations list, derived once per
// statement from one catalog snapshot.
type objects struct {
	cat         *catalog.Catalog
	rels        []*catalog.Relation // as clients see them: no sinks, no stored indexes
	indexes     []index
	constraints []constraint
	byOID       map[uint32]*catalog.Relation
}

func load(cat *catalog.Catalog) *objects {
	o := &objects{cat: cat, byOID: map[uint32]*catalog.Relation{}}
	if cat == nil {
		return o
	}
	all := cat.Relations()
	stored := map[uint32]bool{}
	for _, r := range all {
		o.byOID[r.OID] = r
		if r.Kind == catalog.KindIndex {
			stored[r.OID] = true
		}
	}
	for _, r := range all {
		switch r.Kind {
		case catalog.KindSink:
			continue // a sink holds no rows a client could read
		case catalog.KindIndex:
			if t := o.byOID[r.IndexOn]; t != nil {
				o.indexes = append(o.indexes, index{OID: r.OID, Name: r.Name, Table: t, Columns: r.IndexColumns, Unique: r.Unique})
			}
		}
		o.rels = append(o.rels, r)
		for _, c := range tableConstraints(r) {
			o.constraints = append(o.constraints, constraint{Constraint: c, Table: r})
			if (c.Type == 'p' || c.Type == 'u') && !stored[c.IndexOID] {
				o.indexes = append(o.indexes, index{OID: c.IndexOID, Name: c.Name, Table: r, Columns: c.Columns, Unique: true, Primary: c.Type == 'p', Synth: true})
			} else if c.Type == 'p' {
				for i := range o.indexes {
					if o.indexes[i].OID == c.IndexOID {
						o.indexes[i].Primary = true
					}
				}
			}
		}
	}
	sort.Slice(o.indexes, func(i, j int) bool { return o.indexes[i].OID < o.indexes[j].OID })
	return o
}

// tableConstraints is a relation's constraints as pg_constraint shows them:
// the stored ones, plus a primary key constraint named <table>_pkey where
// the descriptor has a primary key but no 'p' constraint, with an index
// OID filled in for keys that lack one.
func tableConstraints(r *catalog.Relation) []catalog.Constraint {
	var out []catalog.Constraint
	hasPK := false
	for _, c := range r.Constraints {
		if c.Type == 'p' {
			hasPK = true
			if len(c.Columns) == 0 {
				c.Columns = r.PrimaryKey
			}
		}
		if c.OID == 0 {
			continue // not yet given an identity; nothing could refer to it
		}
		if (c.Type == 'p' || c.Type == 'u') && c.IndexOID == 0 {
			c.IndexOID = synthIndexBase | c.OID
		}
		if c.Name == "" && c.Type == 'p' {
			c.Name = r.Name + "_pkey"
		}
		out = append(out, c)
	}
	// A materialized view's unique key orders its stored rows, but
	// PostgreSQL's matviews have no constraints, so clients see none.
	if !hasPK && len(r.PrimaryKey) > 0 && r.Kind != catalog.KindMatView {
		out = append([]catalog.Constraint{{
			OID: synthPKConBase | r.OID, Name: r.Name + "_pkey", Type: 'p',
			Columns: r.PrimaryKey, IndexOID: synthIndexBase | r.OID,
		}}, out...)
	}
	return out
}

// relkind is the pg_class.relkind clients see.
func relkind(r *catalog.Relation) byte {
	if r.Kind == catalog.KindSource {
		return 'r' // BI tools list tables, and a source reads like one
	}
	return byte(r.Kind)
}

// rel finds a relation by OID.
func (o *objects) rel(oid uint32) *catalog.Relation { return o.byOID[oid] }

// indexByOID finds an index, stored or synthesized.
func (o *objects) indexByOID(oid uint32) *index {
	for i := range o.indexes {
		if o.indexes[i].OID == oid {
			return &o.indexes[i]
		}
	}
	return nil
}

func (o *objects) constraintByOID(oid uint32) *constraint {
	for i := range o.constraints {
		if o.constraints[i].OID == oid {
			return &o.constraints[i]
		}
	}
	return nil
}

// colName is the name of a relation's column by index.
func colName(r *catalog.Relation, i int) string {
	if r == nil || i < 0 || i >= len(r.Columns) {
		return "?"
	}
	return r.Columns[i].Name
}

func attnums(cols []int) []int16 {
	out := make([]int16, len(cols))
	for i, c := range cols {
		out[i] = int16(c + 1)
	}
	return out
}
