package planner

import "github.com/eddysql/eddy/catalog"

// Access is a privilege that running a plan needs on a relation. Plans
// carry them as data so that the executor checks them at every execution
// against whoever runs it then: a prepared statement must fail once its
// privilege is revoked.
type Access struct {
	Rel  uint32
	Priv catalog.Privilege
	// View, when set, is the view through which the relation is read: the
	// view's owner, not the session's role, needs the privilege, as in
	// PostgreSQL.
	View uint32
}

// need records that the statement needs priv on rel.
func (b *binder) need(rel *catalog.Relation, priv catalog.Privilege) {
	for i, a := range b.access {
		if a.Rel == rel.OID && a.View == b.view {
			b.access[i].Priv |= priv
			return
		}
	}
	b.access = append(b.access, Access{Rel: rel.OID, Priv: priv, View: b.view})
}

// dmlAccess completes what a DML statement on rel needs: PostgreSQL asks
// for SELECT too when the statement reads the table's rows back
// (RETURNING, a DO UPDATE condition), and UPDATE for ON CONFLICT DO UPDATE.
func dmlAccess(b *binder, rel *catalog.Relation, oc *OnConflict, ret Returning) []Access {
	if oc != nil && oc.Set != nil {
		b.need(rel, catalog.PrivUpdate)
		if oc.Where != nil {
			b.need(rel, catalog.PrivSelect)
		}
	}
	if len(ret.Returning) > 0 {
		b.need(rel, catalog.PrivSelect)
	}
	return b.access
}

// readsColumns reports whether any of es reads a column of the row, which
// UPDATE needs SELECT for (SET a = a + 1, but not SET a = 1).
func readsColumns(es ...Expr) bool {
	found := false
	for _, e := range es {
		if e == nil {
			continue
		}
		Walk(e, func(x Expr) {
			if _, ok := x.(*ColRef); ok {
				found = true
			}
		})
	}
	return found
}
