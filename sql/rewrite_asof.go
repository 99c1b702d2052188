package sql

// AsofMarker wraps the ON condition of an ASOF [LEFT] JOIN (RisingWave's
// and DuckDB's), which the TiDB grammar lacks: the join is written as the
// plain join with ON eddy_asof(condition), and the planner marks it.
const AsofMarker = "eddy_asof"

// asofStart reports whether ASOF followed by a join keyword starts at
// out[i].
func asofStart(out []*node, i int) bool {
	return isWordNode(at(out, i), "asof") && isJoinWord(at(out, i+1))
}
