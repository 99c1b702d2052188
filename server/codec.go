package server

import (
	"time"

	"github.com/eddysql/eddy/sql"
)

// valueCodec converts values between their wire forms and sql.Value. It is an
// indirection so that the server does not depend on how package sql spells its
// encoders; codec_sql.go binds it to them.
//
// The server never passes NULL to a codec: NULL is a length of -1 on the wire
// and is handled before any codec is called.
type valueCodec interface {
	// AppendText appends v's PostgreSQL text output; loc is the session's
	// TimeZone, used by timestamptz.
	AppendText(buf []byte, v sql.Value, t sql.Type, loc *time.Location) []byte
	// ParseText reads v from its PostgreSQL text input.
	ParseText(s string, t sql.Type, loc *time.Location) (sql.Value, error)
	// AppendBinary appends v's PostgreSQL binary send form.
	AppendBinary(buf []byte, v sql.Value, t sql.Type) ([]byte, error)
	// ParseBinary reads v from its PostgreSQL binary recv form.
	ParseBinary(b []byte, t sql.Type) (sql.Value, error)
}

// typeSize is pg_type.typlen for the RowDescription: clients such as JDBC use
// it to size buffers; -1 means variable length.
func typeSize(oid uint32) int16 {
	switch oid {
	case sql.OIDBool, sql.OIDChar:
		return 1
	case sql.OIDInt2:
		return 2
	case sql.OIDInt4, sql.OIDFloat4, sql.OIDDate, sql.OIDOid,
		sql.OIDRegclass, sql.OIDRegtype, sql.OIDRegproc:
		return 4
	case sql.OIDInt8, sql.OIDFloat8, sql.OIDTimestamp, sql.OIDTimestampTZ, sql.OIDTime:
		return 8
	case sql.OIDInterval, sql.OIDUUID:
		return 16
	case sql.OIDName:
		return 64
	}
	return -1
}

// typeForOID is the type of a parameter the client sent by OID only.
func typeForOID(oid uint32) sql.Type { return sql.TypeByOID(oid) }
