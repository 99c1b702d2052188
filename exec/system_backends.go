package exec

import (
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// backend is a session as pg_cancel_backend finds it by process ID, with
// the role it logged in as.
type backend struct {
	s    *Session
	user string
}

// pg_cancel_backend(pid) cancels the statement another session runs, as
// BI tools do when a user stops a query (Superset, DBeaver's session
// manager); the session gets 57014 as from a cancel request.
// pg_terminate_backend does the same: eddy cannot close another session's
// connection from SQL, so the connection stays open.
func init() {
	signal := func(terminate bool) func(*builtin.Context, []sql.Value) (sql.Value, error) {
		return func(ctx *builtin.Context, a []sql.Value) (sql.Value, error) {
			if ctx == nil || ctx.Signal == nil {
				return sql.NewBool(false), nil
			}
			ok, err := ctx.Signal(a[0].Int(), terminate)
			if err != nil {
				return sql.Null, err
			}
			return sql.NewBool(ok), nil
		}
	}
	builtin.Register(
		&builtin.Func{Name: "pg_cancel_backend", Args: []sql.Type{sql.Int4}, Ret: sql.Bool, Volatile: true, Eval: signal(false)},
		&builtin.Func{Name: "pg_terminate_backend", Args: []sql.Type{sql.Int4}, Ret: sql.Bool, Volatile: true, Eval: signal(true)},
		&builtin.Func{Name: "pg_terminate_backend", Args: []sql.Type{sql.Int4, sql.Int8}, Ret: sql.Bool, Volatile: true, Eval: signal(true)},
	)
}

// signalBackend cancels the running statement of the session with process
// ID pid. As in PostgreSQL, a role may signal its own sessions and a
// superuser any; only a superuser may signal a superuser's.
func (s *Session) signalBackend(pid int64, terminate bool) (bool, error) {
	if pid <= 0 || pid > 1<<31-1 {
		return false, nil
	}
	v, ok := s.e.backends.Load(uint32(pid))
	if !ok {
		return false, nil
	}
	target := v.(backend)
	what := "cancel query"
	if terminate {
		what = "terminate process"
	}
	super := func(user string) bool {
		if len(s.e.cat.Roles()) == 0 {
			return true // no roles yet: everyone is the bootstrap superuser
		}
		r := s.e.cat.Role(user)
		return r != nil && r.Superuser
	}
	switch {
	case super(s.user):
	case super(target.user):
		return false, sql.Errorf(sql.CodeInsufficientPrivilege, "must be a superuser to %s of superuser", what)
	case target.user != s.user:
		return false, sql.Errorf(sql.CodeInsufficientPrivilege, "permission denied to %s", what)
	}
	target.s.Cancel()
	return true, nil
}
