package server

import (
	"context"
	"time"

	"github.com/eddysql/eddy/sql"
)

// Engine runs SQL on behalf of the server. The server knows the wire protocol and
// nothing of SQL; cmd/eddy wires exec's implementation in.
type Engine interface {
	// Connect opens a session for an authenticated user. params are the startup
	// parameters the client sent (application_name, client_encoding, options...).
	Connect(ctx context.Context, user, database string, params map[string]string) (Session, error)
}

// Session is one client's connection state: settings, prepared plans and the
// transaction. The server calls it from one goroutine at a time, except Cancel.
type Session interface {
	// Parse splits query into statements and prepares each. paramOIDs are the
	// types the client declared for $1..$n (0 = infer). An empty query yields no
	// statements.
	Parse(ctx context.Context, query string, paramOIDs []uint32) ([]Statement, error)
	// TxStatus is the ReadyForQuery status: 'I' idle, 'T' in a transaction, 'E' failed.
	TxStatus() byte
	// ParameterStatus returns the reported settings (server_version, TimeZone, ...);
	// the server sends a ParameterStatus for each one that changed after a statement.
	ParameterStatus() map[string]string
	// Cancel stops the statement running now, if any; it may be called from any
	// goroutine. The statement then fails with SQLSTATE 57014.
	Cancel()
	// Close releases the session; a transaction still open is rolled back.
	Close() error
}

// Statement is one parsed and planned statement.
type Statement interface {
	// ParamTypes are the OIDs of $1..$n, inferred where the client left them 0.
	ParamTypes() []uint32
	// Columns describes the rows the statement returns; nil when it returns none.
	Columns() []Column
	// Execute runs the statement with bound parameters (NULL is sql.Null).
	Execute(ctx context.Context, params []sql.Value) (Result, error)
}

// Column describes one result column, as RowDescription carries it.
type Column struct {
	Name     string
	Type     sql.Type
	TableOID uint32 // 0 when not a table column
	Attnum   int16  // 0 when not a table column
}

// Result is a statement's outcome. Rows are pulled so that large results and
// endless ones (SUBSCRIBE) stream to the client with bounded memory, and a
// portal can stop after n rows and resume later.
type Result interface {
	// Next returns the next row; ok is false when there are no more rows.
	// The returned row is valid until the following call.
	Next(ctx context.Context) (row sql.Row, ok bool, err error)
	// Tag is the CommandComplete tag, e.g. "SELECT 3" or "INSERT 0 1"; valid
	// once Next has returned ok == false.
	Tag() string
	// Close releases the result; it may be called before the rows run out.
	Close() error
}

// Notifier is an optional interface of Result: notices (NOTICE, WARNING) to
// send before the rows.
type Notifier interface {
	Notices() []*sql.Error
}

// Streamer is an optional interface of Result for results whose rows arrive over
// time (SUBSCRIBE, a tail of a topic). When Streaming reports true the server
// flushes rows to the client as they are produced (see Readier); otherwise rows
// are batched until the reply buffer fills or the statement ends, which is much
// cheaper for ordinary results but would hold a slow stream's rows back.
type Streamer interface {
	Streaming() bool
}

// Readier is an optional interface of a streaming Result: Ready reports
// whether the next call to Next (or NextCopyData) returns without waiting,
// because the row is already at hand. The server then flushes a streaming
// result only before it would wait, so that the rows that arrive together
// (one epoch of a SUBSCRIBE) go out in one write rather than one each: a
// write per row costs the server a syscall and the client a wake-up per
// row, which on busy cores delays the rows behind them. A Result that
// cannot tell returns false, which flushes every row.
type Readier interface {
	Ready() bool
}

// CopyOut is an optional interface of Result for COPY ... TO STDOUT. The server
// sends CopyOutResponse, each chunk of NextCopyData as one CopyData, CopyDone,
// and CommandComplete with Tag; Next is not called. The engine formats the data
// (text, csv or binary COPY format) because only it knows the COPY options.
type CopyOut interface {
	// CopyOutFormat is the overall format (binary or text) and the column count.
	CopyOutFormat() (binary bool, columns int)
	// NextCopyData returns the next chunk, typically one row; it is valid until
	// the following call. ok is false at the end.
	NextCopyData(ctx context.Context) (data []byte, ok bool, err error)
}

// CopyIn is an optional interface of Result for COPY ... FROM STDIN. The server
// sends CopyInResponse and hands every CopyData chunk to CopyData in order;
// chunks need not align with rows. At CopyDone it calls Next until the end,
// which is where the engine finishes (a last partial line, committing), then
// sends CommandComplete with Tag. A CopyFail from the client fails the
// statement with 57014 and the Result is closed.
type CopyIn interface {
	// CopyInFormat is the overall format (binary or text) and the column count.
	CopyInFormat() (binary bool, columns int)
	// CopyData receives one chunk of the client's data; data is the caller's
	// only until CopyData returns.
	CopyData(ctx context.Context, data []byte) error
}

// Locator is an optional interface of Session: the time zone that its
// TimeZone setting names, for rendering timestamptz values. Without it the
// server resolves the TimeZone name itself, which covers IANA names only.
type Locator interface {
	Location() *time.Location
}

// Authenticator is an optional interface of Engine: the roles clients log in
// as. An Engine without it trusts every client, as the server did before it
// knew of roles (and as tests with fake engines still want).
type Authenticator interface {
	// LookupRole returns how user logs in; ok is false when there is no such
	// role.
	LookupRole(user string) (role Role, ok bool, err error)
	// PasswordsSet reports whether any role has a password. Until one does,
	// clients of a trusted listener (see WithInsecure) log in without one;
	// from then on every client authenticates.
	PasswordsSet() bool
}

// Role is what the server needs to authenticate one role.
type Role struct {
	CanLogin bool
	Password *SCRAMVerifier // nil when the role has no password: it cannot authenticate
}

// Portals is what the server offers a PortalUser: its protocol-level
// portals by name. In PostgreSQL a portal bound over the extended protocol
// and a DECLAREd cursor are the same thing, so FETCH and MOVE work on both
// (asyncpg's Cursor.forward sends MOVE on the portal it reads with Execute).
type Portals interface {
	// Portal returns the named portal's columns and a function that starts
	// the portal if need be and returns its result, nil once it has run to
	// the end. ok is false when there is no such row-returning portal. The
	// result stays the portal's: the caller reads from it but never closes it.
	Portal(name string) (cols []Column, result func() (Result, error), ok bool)
}

// BackendPIDUser is an optional interface of Session: the server tells it
// the process ID it sent the client in BackendKeyData, which
// pg_backend_pid() returns.
type BackendPIDUser interface {
	SetBackendPID(pid uint32)
}

// PortalUser is an optional interface of Session: the server hands it its
// portals once the session is open.
type PortalUser interface {
	UsePortals(Portals)
}

// PreparedStatements is what the server offers a StatementUser: the
// session's named prepared statements. As in PostgreSQL, those made by
// Parse and those made by SQL PREPARE share one namespace, so that Bind
// and EXECUTE, Close and DEALLOCATE reach either kind, and DEALLOCATE ALL
// (which pgbouncer and asyncpg send) drops both.
type PreparedStatements interface {
	// Prepared returns the named statement; ok is false when there is none.
	Prepared(name string) (st Statement, ok bool)
	// AddPrepared stores a statement made by SQL PREPARE; it fails with
	// 42P05 when the name is taken.
	AddPrepared(p PreparedInfo) error
	// DropPrepared removes the named statement; ok is false when there
	// was none.
	DropPrepared(name string) (ok bool)
	// DropAllPrepared removes every named statement.
	DropAllPrepared()
	// ListPrepared describes the named statements, for
	// pg_prepared_statements.
	ListPrepared() []PreparedInfo
}

// PreparedInfo describes one named prepared statement.
type PreparedInfo struct {
	Name string
	// Query is the query string that made the statement, whole, as
	// PostgreSQL shows it in pg_prepared_statements.
	Query    string
	Stmt     Statement
	Time     time.Time
	FromSQL  bool // made by SQL PREPARE rather than a Parse message
	ParamOID []uint32
}

// StatementUser is an optional interface of Session: the server hands it
// its named prepared statements once the session is open.
type StatementUser interface {
	UseStatements(PreparedStatements)
}
