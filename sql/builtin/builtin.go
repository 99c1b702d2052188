// Package builtin holds PostgreSQL's scalar functions as eddy evaluates them:
// each overload with its argument and result types (used by the planner to
// resolve calls) and its implementation over sql.Values (called by exec).
// The registry is filled at init and never changes afterwards.
package builtin

import (
	"strings"
	"time"

	"github.com/eddysql/eddy/sql"
)

// Pseudo-type OIDs for polymorphic signatures.
const (
	OIDAny        uint32 = 2276
	OIDAnyArray   uint32 = 2277
	OIDAnyElement uint32 = 2283
)

var (
	Any        = sql.Type{OID: OIDAny, Mod: -1}
	AnyElement = sql.Type{OID: OIDAnyElement, Mod: -1}
	AnyArray   = sql.Type{OID: OIDAnyArray, Mod: -1}
)

// Context is what a function may read of the session and statement.
type Context struct {
	Loc *time.Location
	// Now is the statement's transaction timestamp (now(), current_timestamp).
	Now      time.Time
	User     string
	Database string
	// Setting returns a session setting (current_setting).
	Setting func(name string) (string, bool)
	// SetSetting changes one (set_config) and returns its new value; nil
	// where settings cannot change.
	SetSetting func(name, value string, local bool) (string, error)
	// Signal cancels the statement another session runs
	// (pg_cancel_backend); found is false when no session has that pid.
	Signal func(pid int64, terminate bool) (found bool, err error)
	// Catalog answers catalog lookups for functions like pg_table_is_visible
	// and regclass casts; nil where there is no catalog.
	Catalog CatalogReader
	// Sequences serves nextval, currval, setval and lastval; nil where
	// there are no sequences.
	Sequences SequenceService
	// Done ends when the statement is cancelled; functions that wait
	// (pg_sleep) stop then. Nil never ends.
	Done <-chan struct{}
	// BackendPID is the process ID the client got in BackendKeyData
	// (pg_backend_pid()); 0 without a server.
	BackendPID uint32
	// Notify queues a notification for the transaction's commit
	// (pg_notify); nil where there is no session.
	Notify func(channel, payload string) error
	// Advisory serves the advisory lock functions; nil where there is no
	// session.
	Advisory AdvisoryLocker
}

// AdvisoryLocker is a session's view of the advisory locks
// (pg_advisory_lock and the rest). A key is the bigint form's value, or
// the (int, int) form's two halves with pair set, which PostgreSQL keeps
// apart from the bigint keys.
type AdvisoryLocker interface {
	// Lock takes the lock for the session, or for its transaction when
	// xact is set; it waits for a conflicting holder until done ends,
	// unless try is set, when it reports false instead of waiting.
	Lock(done <-chan struct{}, key int64, pair, shared, xact, try bool) (bool, error)
	// Unlock releases one session-level hold; false when there was none.
	Unlock(key int64, pair, shared bool) (bool, error)
	// UnlockAll releases every session-level hold.
	UnlockAll()
	// Blockers are the process IDs of the sessions that the session with
	// process ID pid waits for (pg_blocking_pids).
	Blockers(pid int64) []int64
}

// SequenceService is the session's view of sequences. Sequences are
// identified by relation OID (the regclass argument).
type SequenceService interface {
	Nextval(oid uint32) (int64, error)
	Currval(oid uint32) (int64, error)
	Setval(oid uint32, v int64, isCalled bool) (int64, error)
	Lastval() (int64, error)
}

// CatalogReader is the part of the catalog that functions consult.
type CatalogReader interface {
	RelationName(oid uint32) (schema, name string, ok bool)
	RelationOID(schema, name string) (uint32, bool)
	// IndexDef is pg_get_indexdef: the CREATE INDEX statement for col 0,
	// else the name of the col'th key column.
	IndexDef(oid uint32, col int, pretty bool) (string, bool)
	ConstraintDef(oid uint32, pretty bool) (string, bool)
	ViewDef(oid uint32) (string, bool)
	// Description is the comment on a relation (subid 0) or its column.
	Description(oid uint32, subid int) (string, bool)
	// FunctionSignature describes a pg_proc row for pg_get_function_*.
	FunctionSignature(oid uint32) (args, result string, ok bool)
	// FunctionSQLBody is pg_get_function_sqlbody: the RETURN or BEGIN
	// ATOMIC body of a user-defined function.
	FunctionSQLBody(oid uint32) (string, bool)
	// RelationSize is the bytes stored for a relation: its rows (and
	// state) when indexes is false, its indexes' entries when true.
	RelationSize(oid uint32, indexes bool) (int64, bool)
	// DatabaseSize is the bytes the whole store takes on disk.
	DatabaseSize() int64
}

// Func is one overload of a scalar function.
type Func struct {
	Name string
	Args []sql.Type
	// Variadic: the last Args entry may repeat (zero or more times).
	Variadic bool
	Ret      sql.Type
	// RetFunc computes the result type from the argument types, for
	// polymorphic functions; it overrides Ret.
	RetFunc func(args []sql.Type) sql.Type
	// NonStrict functions are called with NULL arguments; strict ones (the
	// default, as in PostgreSQL) return NULL when any argument is NULL.
	NonStrict bool
	// Volatile functions are evaluated every time (random, nextval, now()
	// is stable and is not).
	Volatile bool
	Eval     func(ctx *Context, args []sql.Value) (sql.Value, error)
	// EvalTyped, when set, replaces Eval for the few functions that need the
	// arguments' resolved types and not only their values (pg_typeof, and
	// formatting of float4 or json vs jsonb behind Any). Callers use Call.
	EvalTyped func(ctx *Context, args []sql.Value, types []sql.Type) (sql.Value, error)
	// Prepare, when set, specializes one call site to the arguments that
	// are constant there (consts[i] where isConst[i]), once per plan
	// instead of once per row: a pattern compiled, a format parsed. It
	// returns the call site's evaluation, or nil to keep Eval, as it must
	// for a constant that is NULL or invalid: the error is for a row that
	// reaches the call to raise, as without Prepare. The result behaves
	// exactly as Eval on the same arguments and keeps no reference to args
	// after it returns, so callers may reuse that slice.
	Prepare func(consts []sql.Value, isConst []bool) EvalFunc
}

// EvalFunc evaluates a function on its arguments.
type EvalFunc func(ctx *Context, args []sql.Value) (sql.Value, error)

// Call evaluates f on args whose resolved types are types (which may be nil
// when f.EvalTyped is nil).
func (f *Func) Call(ctx *Context, args []sql.Value, types []sql.Type) (sql.Value, error) {
	if f.EvalTyped != nil {
		return f.EvalTyped(ctx, args, types)
	}
	return f.Eval(ctx, args)
}

// ResultType is the type of a call with the given argument types.
func (f *Func) ResultType(args []sql.Type) sql.Type {
	if f.RetFunc != nil {
		return f.RetFunc(args)
	}
	return f.Ret
}

var registry = map[string][]*Func{}

// Register adds overloads; only init functions call it.
func Register(fs ...*Func) {
	for _, f := range fs {
		registry[f.Name] = append(registry[f.Name], f)
	}
}

// Lookup returns the overloads of a function name (lower case, without a
// pg_catalog. prefix).
func Lookup(name string) []*Func {
	return registry[strings.TrimPrefix(name, "pg_catalog.")]
}

// Names lists every registered function name (for pg_proc).
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	return out
}
