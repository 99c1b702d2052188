package catalog

import (
	"github.com/eddysql/eddy/sql"
)

// Kind says what a relation is; the values are pg_class.relkind letters so that
// catalog queries from clients need no translation.
type Kind byte

const (
	KindTable   Kind = 'r'
	KindView    Kind = 'v'
	KindMatView Kind = 'm'
	KindIndex   Kind = 'i'
	KindSeq     Kind = 'S'
	// Sources and sinks are eddy's own. Clients see sources as tables
	// (relkind 'r') so that BI tools list them; KindSource keeps them apart here.
	KindSource Kind = 's'
	KindSink   Kind = 'k'
)

// Column is one column of a relation.
type Column struct {
	Name    string   `json:"name"`
	Type    sql.Type `json:"type"`
	NotNull bool     `json:"not_null,omitempty"`
	// Default is the DEFAULT expression as SQL text, evaluated at insert time.
	Default string `json:"default,omitempty"`
	// Serial columns draw their default from the relation's sequence.
	Serial  bool   `json:"serial,omitempty"`
	Comment string `json:"comment,omitempty"`
	// Missing is, for a column ALTER TABLE ADD COLUMN gave a constant
	// default, its value in the rows stored before (pg_attribute's
	// attmissingval), which are not rewritten: sql.AppendRow of the one
	// value. MissingValue is it decoded, filled when the catalog loads.
	Missing      []byte    `json:"missing,omitempty"`
	MissingValue sql.Value `json:"-"`
}

// Constraint is a PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK constraint.
type Constraint struct {
	OID  uint32 `json:"oid"`
	Name string `json:"name"`
	// Type is pg_constraint.contype: 'p', 'u', 'f' or 'c'.
	Type    byte  `json:"type"`
	Columns []int `json:"columns,omitempty"` // column indexes in the relation
	// Check is the CHECK expression as SQL text.
	Check string `json:"check,omitempty"`
	// RefTable and RefColumns name the referenced key of a foreign key.
	RefTable   uint32 `json:"ref_table,omitempty"`
	RefColumns []int  `json:"ref_columns,omitempty"`
	OnDelete   string `json:"on_delete,omitempty"`
	// IndexOID is the index that enforces a primary key or unique constraint.
	IndexOID uint32 `json:"index_oid,omitempty"`
	// OnUpdate is the foreign key's ON UPDATE action ("" = no action).
	OnUpdate string `json:"on_update,omitempty"`
}

// Sequence holds a sequence's parameters (pg_sequence); its current value
// lives apart, under PrefixSequence, because it changes outside transactions.
type Sequence struct {
	Type      sql.Type `json:"type"`
	Start     int64    `json:"start"`
	Increment int64    `json:"increment"`
	Min       int64    `json:"min"`
	Max       int64    `json:"max"`
	Cache     int64    `json:"cache"`
	Cycle     bool     `json:"cycle,omitempty"`
}

// Relation describes a table, view, materialized view, source, sink, index or
// sequence. One struct serves all kinds because pg_class does the same and the
// fields that a kind does not use stay empty.
type Relation struct {
	OID     uint32   `json:"oid"`
	Schema  string   `json:"schema"`
	Name    string   `json:"name"`
	Kind    Kind     `json:"kind"`
	Owner   string   `json:"owner"`
	Columns []Column `json:"columns,omitempty"`
	// PrimaryKey holds column indexes; nil for a table without one, whose
	// rows are then keyed by a hidden row id.
	PrimaryKey  []int        `json:"primary_key,omitempty"`
	Constraints []Constraint `json:"constraints,omitempty"`
	// SQL is the defining query of a view, materialized view or sink.
	SQL string `json:"sql,omitempty"`
	// Options are the WITH (...) options of sources, sinks and topic tables,
	// and the session settings a materialized view was created with.
	Options map[string]string `json:"options,omitempty"`
	// WatermarkColumn and WatermarkExpr keep the WATERMARK FOR col AS expr
	// of a source or an append-only table. A materialized view over the
	// relation tracks the watermark, the greatest expr over the rows it has
	// read; rows that arrive with col below it are late, and views drop
	// them (exec/flow_watermark.go).
	WatermarkColumn string `json:"watermark_column,omitempty"`
	WatermarkExpr   string `json:"watermark_expr,omitempty"`
	// AppendOnly marks a table created APPEND ONLY: it refuses UPDATE,
	// DELETE, TRUNCATE and ON CONFLICT DO UPDATE.
	AppendOnly bool `json:"append_only,omitempty"`
	// OnConflict is a table's ON CONFLICT clause (RisingWave's), what an
	// INSERT that meets a row with its primary key does: "ignore",
	// "overwrite" or "update_if_not_null"; "" raises the unique violation.
	OnConflict string `json:"on_conflict,omitempty"`
	// EmitOnWindowClose marks a materialized view created with EMIT ON
	// WINDOW CLOSE: it shows only the rows of windows the watermark has
	// closed, each once.
	EmitOnWindowClose bool `json:"emit_on_window_close,omitempty"`
	// DependsOn lists the relations that a view's query reads.
	DependsOn []uint32 `json:"depends_on,omitempty"`
	// DependsOnFunctions lists the user-defined functions a view's query
	// calls (inlined into it), which DROP FUNCTION must not remove.
	DependsOnFunctions []uint32 `json:"depends_on_functions,omitempty"`
	// For an index: the indexed relation and its key columns.
	IndexOn      uint32 `json:"index_on,omitempty"`
	IndexColumns []int  `json:"index_columns,omitempty"`
	Unique       bool   `json:"unique,omitempty"`
	Comment      string `json:"comment,omitempty"`
	// Sequence is set for a sequence.
	Sequence *Sequence `json:"sequence,omitempty"`
	// OwnedBy is the table whose column (OwnedByColumn, 1-based) owns a
	// sequence (serial columns, OWNED BY): dropping the table drops it.
	OwnedBy       uint32 `json:"owned_by,omitempty"`
	OwnedByColumn int16  `json:"owned_by_column,omitempty"`
	// ACL holds the privileges granted on the relation; nil is the default,
	// everything to the owner (acl.go).
	ACL ACL `json:"acl,omitempty"`
	// Version changes whenever the descriptor does, so cached plans can tell
	// that they are stale.
	Version uint64 `json:"version"`
}

// ColumnIndex returns the index of the named column, or -1.
func (r *Relation) ColumnIndex(name string) int {
	for i, c := range r.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// QualifiedName is schema.name, quoted where needed for error messages.
func (r *Relation) QualifiedName() string { return r.Schema + "." + r.Name }

// IsQueryable reports whether SELECT can read the relation.
func (r *Relation) IsQueryable() bool {
	switch r.Kind {
	case KindTable, KindView, KindMatView, KindSource:
		return true
	}
	return false
}

// SourceMetadata are the columns every source has after its declared ones,
// filled from the Kafka record rather than its value. They are hidden from
// SELECT * (as ctid is in PostgreSQL) and their names are reserved in
// CREATE SOURCE; the leading underscore follows Materialize and RisingWave.
var SourceMetadata = []Column{
	{Name: "_key", Type: sql.Bytea},
	{Name: "_partition", Type: sql.Int4},
	{Name: "_offset", Type: sql.Int8},
	{Name: "_timestamp", Type: sql.TimestampTZ},
}

// SameColumnSet reports whether a and b name the same columns in any
// order, as an ON CONFLICT target matches a key or unique index.
func SameColumnSet(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			found = found || x == y
		}
		if !found {
			return false
		}
	}
	return true
}
