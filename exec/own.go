package exec

import (
	"github.com/eddysql/eddy/sql"
)

// prepareOwn prepares eddy's own statements (those sql parses itself).
func (s *Session) prepareOwn(st sql.Statement, paramTypes []sql.Type) (*statement, error) {
	return nil, sql.Errorf(sql.CodeFeatureNotSupported, "statement %s is not supported yet", firstWord(st.Text))
}
