package exec

import (
	"strconv"

	"github.com/eddysql/eddy/sql"
)

// sequenceRows is a sequence read as a relation (SELECT ... FROM seq): one
// row of last_value, log_cnt and is_called. log_cnt counts the values
// already made durable ahead of last_value, as PostgreSQL's counts those
// it has WAL-logged ahead.
func (e *Engine) sequenceRows(oidText string) ([]sql.Row, error) {
	oid, err := strconv.ParseUint(oidText, 10, 32)
	if err != nil {
		return nil, sql.Errorf(sql.CodeUndefinedTable, "relation with OID %s does not exist", oidText)
	}
	rel, err := e.sequence(uint32(oid))
	if err != nil {
		return nil, err
	}
	st := e.seqState(rel.OID)
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.load(e, rel); err != nil {
		return nil, err
	}
	var logCnt int64
	if st.called && st.stored && rel.Sequence.Increment != 0 {
		logCnt = max((st.leased-st.last)/rel.Sequence.Increment, 0)
	}
	return []sql.Row{{sql.NewInt(st.last), sql.NewInt(logCnt), sql.NewBool(st.called)}}, nil
}
