package exec

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog/pgcatalog"
	"github.com/eddysql/eddy/server"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// Session is one client's state: settings, the open transaction, and the
// statement running now (for cancel).
type Session struct {
	e        *Engine
	user     string
	database string
	settings map[string]string
	loc      *time.Location

	// txn is the explicit transaction (BEGIN ... COMMIT); nil in autocommit.
	txn    *badger.Txn
	failed bool // an error inside the explicit transaction: only ROLLBACK works
	txTime time.Time

	cursors map[string]*cursor
	// portals are the server's protocol-level portals, which FETCH and
	// MOVE also name; nil without a server (tests).
	portals server.Portals
	// prepared are the named prepared statements (prepare_exec.go).
	prepared server.PreparedStatements
	pid      uint32 // the BackendKeyData process ID, for pg_backend_pid()
	// savepoints of the open transaction, and the undo log they need.
	savepoints []savepoint
	undo       []undoEntry
	// newIndexes are the table indexes created in the open transaction,
	// registered in the catalog at once but built in the transaction: if
	// it does not commit, they go (dropNewIndexes).
	newIndexes []uint32
	// changes and views maintain the views the transaction's writes feed.
	changes changeLog
	views   viewTxn
	// paramStatus caches ParameterStatus until a setting changes.
	paramStatus map[string]string

	mu     sync.Mutex
	cancel context.CancelFunc

	seqs sessionSequences // currval and lastval (sequence.go)

	temp     tempState   // temporary tables (temp_tables.go)
	pathPlan pathPlanner // the planner for the current search_path (searchpath_session.go)

	notify   sessionNotify   // LISTEN and NOTIFY (notify.go)
	advisory sessionAdvisory // advisory locks (advisory.go)
	activity activity        // for pg_stat_activity (stat_activity.go)
}

var _ server.Session = (*Session)(nil)

func newSession(e *Engine, user, database string, params map[string]string) *Session {
	s := &Session{e: e, user: user, database: database, loc: time.UTC}
	s.views.e = e
	s.notify.wake = make(chan struct{}, 1)
	s.activity.backendStart = time.Now()
	s.activity.backendID = int(backendIDs.Add(1))
	s.settings = map[string]string{
		"server_version":                "15.0",
		"server_version_num":            "150000",
		"server_encoding":               "UTF8",
		"client_encoding":               "UTF8",
		"datestyle":                     "ISO, MDY",
		"timezone":                      "UTC",
		"integer_datetimes":             "on",
		"standard_conforming_strings":   "on",
		"intervalstyle":                 "postgres",
		"application_name":              "",
		"is_superuser":                  "on",
		"session_authorization":         user,
		"default_transaction_read_only": "off",
		"in_hot_standby":                "off",
		"search_path":                   `"$user", public`,
		"extra_float_digits":            "1",
		"statement_timeout":             "0",
		"client_min_messages":           "notice",
		"transaction_isolation":         "serializable",
		"max_identifier_length":         "63",
		// Read-only build constants catalog code asks for (DBD::Pg's
		// foreign_key_info: SHOW max_index_keys).
		"max_index_keys":    "32",
		"max_function_args": "100",
		"block_size":        "8192",
		"lc_collate":        "C",
		"lc_ctype":          "C",
	}
	for k, v := range params {
		k = strings.ToLower(k)
		switch k {
		case "application_name", "datestyle", "extra_float_digits", "search_path", "client_min_messages", "statement_timeout":
			s.settings[k] = v
		case "timezone":
			if loc, err := time.LoadLocation(v); err == nil {
				s.settings[k], s.loc = v, loc
			}
		}
	}
	return s
}

// reported are the settings a client is told about (ParameterStatus).
var reported = map[string]string{
	"server_version": "server_version", "server_encoding": "server_encoding",
	"client_encoding": "client_encoding", "datestyle": "DateStyle", "timezone": "TimeZone",
	"integer_datetimes": "integer_datetimes", "standard_conforming_strings": "standard_conforming_strings",
	"intervalstyle": "IntervalStyle", "application_name": "application_name",
	"is_superuser": "is_superuser", "session_authorization": "session_authorization",
	"default_transaction_read_only": "default_transaction_read_only", "in_hot_standby": "in_hot_standby",
}

// ParameterStatus returns the reported settings.
// The map is rebuilt only after a SET: the server asks at every
// ReadyForQuery, which is on the hot path of every statement.
func (s *Session) ParameterStatus() map[string]string {
	if s.paramStatus != nil {
		return s.paramStatus
	}
	out := make(map[string]string, len(reported))
	for k, name := range reported {
		out[name] = s.settings[k]
	}
	s.paramStatus = out
	return out
}

// TxStatus is the ReadyForQuery status.
func (s *Session) TxStatus() byte {
	switch {
	case s.txn == nil:
		return 'I'
	case s.failed:
		return 'E'
	}
	return 'T'
}

// Cancel stops the running statement.
func (s *Session) Cancel() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		s.cancel()
	}
}

// Close rolls back an open transaction, which releases the views it fed.
func (s *Session) Close() error {
	if s.pid != 0 {
		s.e.backends.Delete(s.pid)
	}
	s.closeCursors(true)
	s.rollback()
	s.unlistenAll()
	s.e.advisory.releaseAll(s, false)
	return s.dropTempSchema()
}

func (s *Session) setting(name string) (string, bool) {
	v, ok := s.settings[strings.ToLower(name)]
	return v, ok
}

func (s *Session) builtinContext() *builtin.Context {
	now := s.txTime
	if s.txn == nil || now.IsZero() {
		now = time.Now()
	}
	return &builtin.Context{Loc: s.loc, Now: now, User: s.user, Database: s.database, Setting: s.setting, SetSetting: s.setConfig, Signal: s.signalBackend, Catalog: catalogReader{e: s.e, s: s}, Sequences: sequenceService{s}, BackendPID: s.pid,
		Notify: s.queueNotify, Advisory: advisoryLocker{s}}
}

// catalogReader answers the builtins' catalog questions; s, when set, is
// the session whose temporary schema names resolve in.
type catalogReader struct {
	e *Engine
	s *Session
}

func (c catalogReader) RelationName(oid uint32) (string, string, bool) {
	if r := c.e.cat.ByOID(oid); r != nil {
		return r.Schema, r.Name, true
	}
	return "", "", false
}

// RelationOID resolves a regclass input as PostgreSQL does: a number is
// the OID itself (psql sends '16405'::regclass), and system relations
// resolve too (clients compare classid with 'pg_catalog.pg_class'::regclass).
func (c catalogReader) RelationOID(schema, name string) (uint32, bool) {
	if schema == "" && name != "" && strings.Trim(name, "0123456789") == "" {
		n, err := strconv.ParseUint(name, 10, 32)
		return uint32(n), err == nil
	}
	if schema == "" || schema == "pg_catalog" || schema == "information_schema" {
		if t := pgcatalog.Lookup(schema, name); t != nil && t.OID != 0 {
			return t.OID, true
		}
	}
	if c.s != nil {
		if r := c.s.lookupRel(sql.ObjectName{Schema: schema, Name: name}); r != nil {
			return r.OID, true
		}
		return 0, false
	}
	if r := c.e.cat.Lookup(schema, name); r != nil {
		return r.OID, true
	}
	return 0, false
}

func (c catalogReader) IndexDef(oid uint32, col int, pretty bool) (string, bool) {
	return pgcatalog.IndexDef(c.e.cat, oid, col, pretty)
}

func (c catalogReader) ConstraintDef(oid uint32, pretty bool) (string, bool) {
	return pgcatalog.ConstraintDef(c.e.cat, oid, pretty)
}

func (c catalogReader) ViewDef(oid uint32) (string, bool) {
	return pgcatalog.ViewDefByOID(c.e.cat, oid)
}

func (c catalogReader) Description(oid uint32, subid int) (string, bool) {
	return pgcatalog.Description(c.e.cat, oid, subid)
}

func (c catalogReader) FunctionSignature(oid uint32) (string, string, bool) {
	if a, r, ok := pgcatalog.UserFunctionSignature(c.e.cat, oid); ok {
		return a, r, true
	}
	return pgcatalog.FunctionSignature(oid)
}

func (c catalogReader) FunctionSQLBody(oid uint32) (string, bool) {
	return pgcatalog.FunctionSQLBody(c.e.cat, oid)
}

func (c catalogReader) RelationSize(oid uint32, indexes bool) (int64, bool) {
	return pgcatalog.RelationSize(c.e.cat, oid, indexes)
}

func (c catalogReader) DatabaseSize() int64 {
	lsm, vlog := c.e.cat.DB().Size()
	return lsm + vlog
}

// startStatement gives a statement a cancellable context.
func (s *Session) startStatement(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	if v := s.settings["statement_timeout"]; v != "" && v != "0" {
		if d, ok := parseDurationSetting(v); ok && d > 0 {
			var c2 context.CancelFunc
			ctx, c2 = context.WithTimeout(ctx, d)
			prev := cancel
			cancel = func() { c2(); prev() }
		}
	}
	s.mu.Lock()
	s.cancel = cancel
	s.mu.Unlock()
	return ctx, func() {
		s.mu.Lock()
		s.cancel = nil
		s.mu.Unlock()
		cancel()
	}
}

// parseDurationSetting reads statement_timeout: milliseconds, or with a unit.
func parseDurationSetting(v string) (time.Duration, bool) {
	v = strings.TrimSpace(strings.ToLower(v))
	for _, u := range []struct {
		suffix string
		d      time.Duration
	}{{"ms", time.Millisecond}, {"s", time.Second}, {"min", time.Minute}, {"h", time.Hour}} {
		if strings.HasSuffix(v, u.suffix) {
			n := strings.TrimSpace(strings.TrimSuffix(v, u.suffix))
			var x int64
			for _, c := range n {
				if c < '0' || c > '9' {
					return 0, false
				}
				x = x*10 + int64(c-'0')
			}
			return time.Duration(x) * u.d, true
		}
	}
	var x int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		x = x*10 + int64(c-'0')
	}
	return time.Duration(x) * time.Millisecond, true
}

// ctxErr converts a cancelled context into PostgreSQL's errors.
func ctxErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() == context.DeadlineExceeded {
		return sql.Errorf(sql.CodeQueryCanceled, "canceling statement due to statement timeout")
	}
	if ctx.Err() != nil {
		return sql.Errorf(sql.CodeQueryCanceled, "canceling statement due to user request")
	}
	return err
}

// Location is the session's time zone (server.Locator).
func (s *Session) Location() *time.Location { return s.loc }
