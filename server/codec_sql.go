package server

// TEMPORARY: this file stands in for package sql's encoders, which are being
// written concurrently. The integrator replaces the four method bodies with
// calls to sql.AppendText, sql.ParseText, sql.AppendBinary and sql.ParseBinary
// and deletes everything else in this file. Only int2/int4/int8, bool and the
// text types are handled, which is what the server's tests use.

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"github.com/eddysql/eddy/sql"
)

// sqlCodec is the default valueCodec: package sql's PostgreSQL encodings.
type sqlCodec struct{}

var _ valueCodec = sqlCodec{}

func (sqlCodec) AppendText(buf []byte, v sql.Value, t sql.Type, loc *time.Location) []byte {
	switch v.Kind() {
	case sql.KindBool:
		if v.Bool() {
			return append(buf, 't')
		}
		return append(buf, 'f')
	case sql.KindInt:
		return strconv.AppendInt(buf, v.Int(), 10)
	case sql.KindFloat:
		return strconv.AppendFloat(buf, v.Float(), 'g', -1, 64)
	case sql.KindTimestampTZ:
		return time.UnixMicro(v.Int()).In(loc).AppendFormat(buf, "2006-01-02 15:04:05.999999-07")
	}
	return append(buf, v.Text()...)
}

func (sqlCodec) ParseText(s string, t sql.Type, loc *time.Location) (sql.Value, error) {
	switch t.Kind() {
	case sql.KindBool:
		switch s {
		case "t", "true", "on", "yes", "1":
			return sql.NewBool(true), nil
		case "f", "false", "off", "no", "0":
			return sql.NewBool(false), nil
		}
		return sql.Null, sql.Errorf(sql.CodeInvalidTextRepresentation, "invalid input syntax for type boolean: %q", s)
	case sql.KindInt:
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return sql.Null, sql.Errorf(sql.CodeInvalidTextRepresentation, "invalid input syntax for type %s: %q", t, s)
		}
		return sql.NewInt(i), nil
	case sql.KindText, sql.KindNull: // KindNull: a parameter of unknown type is text
		return sql.NewText(s), nil
	}
	return sql.Null, sql.Errorf(sql.CodeFeatureNotSupported, "text input for type %s is not supported", t)
}

func (sqlCodec) AppendBinary(buf []byte, v sql.Value, t sql.Type) ([]byte, error) {
	switch t.OID {
	case sql.OIDBool:
		if v.Bool() {
			return append(buf, 1), nil
		}
		return append(buf, 0), nil
	case sql.OIDInt2:
		return binary.BigEndian.AppendUint16(buf, uint16(v.Int())), nil
	case sql.OIDInt4:
		return binary.BigEndian.AppendUint32(buf, uint32(v.Int())), nil
	case sql.OIDInt8:
		return binary.BigEndian.AppendUint64(buf, uint64(v.Int())), nil
	case sql.OIDText, sql.OIDVarchar, sql.OIDBpchar, sql.OIDName, sql.OIDUnknown:
		return append(buf, v.Text()...), nil
	}
	return buf, sql.Errorf(sql.CodeFeatureNotSupported, "binary output for type %s is not supported", t)
}

func (sqlCodec) ParseBinary(b []byte, t sql.Type) (sql.Value, error) {
	size := func(n int) error {
		if len(b) != n {
			return sql.Errorf(sql.CodeInvalidBinaryRepresentation, "invalid binary %s: %d bytes, want %d", t, len(b), n)
		}
		return nil
	}
	switch t.OID {
	case sql.OIDBool:
		if err := size(1); err != nil {
			return sql.Null, err
		}
		return sql.NewBool(b[0] != 0), nil
	case sql.OIDInt2:
		if err := size(2); err != nil {
			return sql.Null, err
		}
		return sql.NewInt(int64(int16(binary.BigEndian.Uint16(b)))), nil
	case sql.OIDInt4:
		if err := size(4); err != nil {
			return sql.Null, err
		}
		return sql.NewInt(int64(int32(binary.BigEndian.Uint32(b)))), nil
	case sql.OIDInt8:
		if err := size(8); err != nil {
			return sql.Null, err
		}
		return sql.NewInt(int64(binary.BigEndian.Uint64(b))), nil
	case sql.OIDText, sql.OIDVarchar, sql.OIDBpchar, sql.OIDName:
		return sql.NewText(string(b)), nil
	}
	return sql.Null, fmt.Errorf("binary input for type %s is not supported", t)
}
