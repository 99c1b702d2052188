package planner

import "github.com/eddysql/eddy/catalog"

// tableOnConflict is the ON CONFLICT an INSERT into rel runs when rel was
// created with RisingWave's clause ON CONFLICT (catalog.Relation.OnConflict)
// and the INSERT names none: on the primary key, IGNORE does nothing,
// OVERWRITE replaces the other columns with the proposed row's, and DO
// UPDATE IF NOT NULL takes the proposed values that are not NULL.
func tableOnConflict(rel *catalog.Relation) *OnConflict {
	oc := &OnConflict{Columns: rel.PrimaryKey, Repeat: true}
	if rel.OnConflict == "ignore" {
		return oc
	}
	n := len(rel.Columns)
	oc.Set = make([]Expr, n)
	for i, c := range rel.Columns {
		if inKey(rel.PrimaryKey, i) {
			continue
		}
		// Set reads the existing row followed by the proposed one.
		proposed := &ColRef{Idx: n + i, Typ: c.Type}
		if rel.OnConflict == "update_if_not_null" {
			oc.Set[i] = &Coalesce{Args: []Expr{proposed, &ColRef{Idx: i, Typ: c.Type}}, Typ: c.Type}
		} else {
			oc.Set[i] = proposed
		}
	}
	return oc
}

func inKey(key []int, i int) bool {
	for _, k := range key {
		if k == i {
			return true
		}
	}
	return false
}
