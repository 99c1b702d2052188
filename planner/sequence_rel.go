package planner

import (
	"strconv"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// SequenceRelSchema stands for the schema in the VirtualScan name of a
// sequence read as a relation: SequenceRelSchema + "." + its OID.
const SequenceRelSchema = "\x00sequence"

// bindSequence reads a sequence as PostgreSQL shows one in FROM: a single
// row of last_value, log_cnt and is_called (DBeaver reads sequences so).
func (b *binder) bindSequence(rel *catalog.Relation) Node {
	b.need(rel, catalog.PrivSelect)
	return &VirtualScan{Name: SequenceRelSchema + "." + strconv.FormatUint(uint64(rel.OID), 10), Cols: []Column{
		{Name: "last_value", Type: sql.Int8, TableOID: rel.OID, Attnum: 1},
		{Name: "log_cnt", Type: sql.Int8, TableOID: rel.OID, Attnum: 2},
		{Name: "is_called", Type: sql.Bool, TableOID: rel.OID, Attnum: 3},
	}}
}
