package sql

import "strings"

// TemporalAlias starts the alias of a table read FOR SYSTEM_TIME AS OF
// PROCTIME() (a process-time temporal join, as RisingWave and Flink have
// it). The TiDB grammar has no such clause, so
//
//	JOIN t FOR SYSTEM_TIME AS OF PROCTIME() [AS] a
//
// becomes JOIN t AS "eddy_temporal\x1fa" (the table's name when there is
// no alias), and the planner, which takes the alias apart, marks the join.
const TemporalAlias = "eddy_temporal"

// temporalClause reports whether FOR SYSTEM_TIME AS OF PROCTIME() starts
// at out[i]; it is five nodes long.
func temporalClause(out []*node, i int) bool {
	for k, w := range []string{"for", "system_time", "as", "of"} {
		n := at(out, i+k)
		// OF arrives as an identifier already quoted (TiDB reserves it).
		if n == nil || !(n.isWord(w) || (n.ident && n.name == w)) {
			return false
		}
	}
	c := at(out, i+4)
	return c != nil && c.call && strings.EqualFold(strings.Trim(c.name, `"`), "proctime") && len(callArgs(c)) == 0
}
