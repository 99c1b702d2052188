package server

import (
	"time"

	"github.com/eddysql/eddy/sql"
)

// sqlCodec is the default valueCodec: package sql's PostgreSQL encodings.
type sqlCodec struct{}

var _ valueCodec = sqlCodec{}

func (sqlCodec) AppendText(buf []byte, v sql.Value, t sql.Type, loc *time.Location) []byte {
	return sql.AppendText(buf, v, t, loc)
}

func (sqlCodec) ParseText(s string, t sql.Type, loc *time.Location) (sql.Value, error) {
	if t.OID == sql.OIDUnknown || t.OID == 0 {
		return sql.NewText(s), nil
	}
	return sql.ParseText(s, t, loc)
}

func (sqlCodec) AppendBinary(buf []byte, v sql.Value, t sql.Type) ([]byte, error) {
	return sql.AppendBinary(buf, v, t)
}

func (sqlCodec) ParseBinary(b []byte, t sql.Type) (sql.Value, error) {
	return sql.ParseBinary(b, t)
}
