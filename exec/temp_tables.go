package exec

import (
	"context"
	"fmt"
	"sync"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// tempSlots hands each session that creates a temporary table its own
// temporary schema, pg_temp_N, N the lowest number free (PostgreSQL's
// backend ID). A slot is freed only after the session's relations are
// dropped, so a new session never inherits another's.
type tempSlots struct {
	mu   sync.Mutex
	used map[int]bool
}

func (t *tempSlots) take() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.used == nil {
		t.used = map[int]bool{}
	}
	n := 1
	for t.used[n] {
		n++
	}
	t.used[n] = true
	return n
}

func (t *tempSlots) free(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.used, n)
}

// tempState is a session's temporary schema and the ON COMMIT actions of
// its temporary tables.
type tempState struct {
	slot int // 0: no temporary schema yet
	// onCommit maps a temporary table's OID to its ON COMMIT action,
	// "delete" or "drop".
	onCommit map[uint32]string
	running  bool // the actions are running (they commit themselves)
}

// tempSchema is the session's temporary schema, created on first use.
func (s *Session) tempSchema() string {
	if s.temp.slot == 0 {
		s.temp.slot = s.e.temps.take()
	}
	return catalog.TempSchema(s.temp.slot)
}

// isTempName reports whether schema names the session's temporary schema:
// pg_temp, or its own pg_temp_N.
func (s *Session) isTempName(schema string) bool {
	return schema == "pg_temp" || (s.temp.slot != 0 && schema == catalog.TempSchema(s.temp.slot))
}

// checkRelSchema is checkSchema that also admits the session's
// temporary schema.
func (s *Session) checkRelSchema(o sql.ObjectName) error {
	if s.isTempName(o.Schema) {
		return nil
	}
	return s.checkSchema(o)
}

// refuseTemp refuses a materialized view (or sink) that reads a temporary
// relation: it would outlive the session that owns its input.
func (s *Session) refuseTemp(access []planner.Access, what string) error {
	for _, a := range access {
		if r := s.e.cat.ByOID(a.Rel); r != nil && r.IsTemp() {
			return sql.Errorf(sql.CodeFeatureNotSupported, "%s must not use temporary tables or views", what)
		}
	}
	return nil
}

// afterCommit runs the ON COMMIT actions of the session's temporary
// tables once a transaction (or an autocommit statement) has committed.
func (s *Session) afterCommit(ctx context.Context) error {
	if len(s.temp.onCommit) == 0 || s.temp.running || s.txn != nil {
		return nil
	}
	s.temp.running = true
	defer func() { s.temp.running = false }()
	var drop []uint32
	var empty []sql.ObjectName
	for oid, action := range s.temp.onCommit {
		r := s.e.cat.ByOID(oid)
		if r == nil {
			delete(s.temp.onCommit, oid)
			continue
		}
		if action == "drop" {
			drop = append(drop, oid)
			delete(s.temp.onCommit, oid)
		} else {
			empty = append(empty, sql.ObjectName{Schema: r.Schema, Name: r.Name})
		}
	}
	if len(empty) > 0 {
		if _, err := s.truncate(ctx, &sql.Truncate{Tables: empty}); err != nil {
			return fmt.Errorf("on commit delete rows: %w", err)
		}
	}
	if len(drop) > 0 {
		if err := s.dropTempClosure(drop); err != nil {
			return fmt.Errorf("on commit drop: %w", err)
		}
	}
	return nil
}

// dropTempClosure drops temporary relations with everything that depends
// on them (their indexes, sequences and views).
func (s *Session) dropTempClosure(oids []uint32) error {
	var all []uint32
	seen := map[uint32]bool{}
	for _, oid := range oids {
		for _, d := range s.dependentsClosure(oid) {
			if !seen[d] {
				seen[d] = true
				all = append(all, d)
			}
		}
		if r := s.e.cat.ByOID(oid); r != nil {
			for _, c := range r.Constraints {
				if c.IndexOID != 0 && !seen[c.IndexOID] {
					seen[c.IndexOID] = true
					all = append(all, c.IndexOID)
				}
			}
		}
	}
	for _, r := range s.e.cat.Relations() {
		if r.Kind == catalog.KindSeq && seen[r.OwnedBy] && !seen[r.OID] {
			seen[r.OID] = true
			all = append(all, r.OID)
		}
	}
	// Only temporary relations go: a permanent one never depends on them
	// but through a foreign key, which PostgreSQL does not allow either.
	var live []uint32
	for _, oid := range all {
		if r := s.e.cat.ByOID(oid); r != nil && r.IsTemp() {
			live = append(live, oid)
		}
	}
	if len(live) == 0 {
		return nil
	}
	return s.e.cat.Delete(live...)
}

// dropTempSchema drops the session's temporary relations when it ends,
// then frees its slot.
func (s *Session) dropTempSchema() error {
	if s.temp.slot == 0 {
		return nil
	}
	err := s.dropTempClosure(s.e.cat.TempRelations(catalog.TempSchema(s.temp.slot)))
	if err == nil {
		s.e.temps.free(s.temp.slot)
	}
	s.temp = tempState{}
	return err
}

// newTableSchema is the schema CREATE TABLE puts the table in: the
// session's temporary schema for TEMPORARY or a pg_temp name, else public.
func (s *Session) newTableSchema(n *sql.CreateTable) (string, error) {
	temp := s.isTempName(n.Name.Schema) || (n.Temporary && n.Name.Schema == "")
	if n.OnCommit != "" && !n.Temporary && !temp {
		return "", sql.Errorf(sql.CodeInvalidTableDefinition, "ON COMMIT can only be used on temporary tables")
	}
	if temp {
		return s.tempSchema(), nil
	}
	if n.Temporary {
		return "", sql.Errorf(sql.CodeInvalidTableDefinition, "cannot create temporary relation in non-temporary schema")
	}
	if err := s.checkSchema(n.Name); err != nil {
		return "", err
	}
	return schemaOf(n.Name), nil
}

// registerOnCommit records a temporary table's ON COMMIT action; outside
// a transaction block the CREATE itself commits, so it runs at once.
func (s *Session) registerOnCommit(rel *catalog.Relation, n *sql.CreateTable) {
	if (n.OnCommit != "delete" && n.OnCommit != "drop") || !rel.IsTemp() {
		return
	}
	if s.temp.onCommit == nil {
		s.temp.onCommit = map[uint32]string{}
	}
	s.temp.onCommit[rel.OID] = n.OnCommit
}

// checkTempReference refuses a foreign key between a permanent and a
// temporary table, either way, as PostgreSQL does: the temporary one
// goes when its session ends, and another session cannot see it.
func checkTempReference(rel, parent *catalog.Relation) error {
	switch {
	case !rel.IsTemp() && parent.IsTemp():
		return sql.Errorf(sql.CodeInvalidTableDefinition, "constraints on permanent tables may reference only permanent tables")
	case rel.IsTemp() && !parent.IsTemp():
		return sql.Errorf(sql.CodeInvalidTableDefinition, "constraints on temporary tables may reference only temporary tables")
	}
	return nil
}
