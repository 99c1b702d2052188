package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/eddysql/eddy/sql"
)

// fakeEngine understands a handful of fixed statements, enough to drive every
// path of the server:
//
//	select 1                 one int4 row
//	select * from gen(N)     N int8 rows 1..N
//	select pg_sleep          blocks until cancelled (57014) or ctx ends
//	fail                     fails at Execute: 22012 at position 8
//	selec ...                anything unknown fails at Parse: 42601 at position 1
//	echo T1 T2 ...           parameters of types T (int4 int8 text bool) echoed as a row
//	set NAME VALUE           changes a reported parameter
//	begin / commit           transaction status
//	insert                   no rows, tag INSERT 0 1
//	notice                   a NOTICE, then one row
//	panic / panicnext        panics in Execute / Next
//	stream N                 N rows from a Streamer result
//	copy out N               COPY TO STDOUT of N lines
//	copy in                  COPY FROM STDIN; "bad" in the data fails it
type fakeEngine struct {
	sessions atomic.Int64 // open sessions
	results  atomic.Int64 // open results
}

func (e *fakeEngine) Connect(ctx context.Context, user, db string, params map[string]string) (Session, error) {
	if db == "nodb" {
		return nil, sql.Errorf(sql.CodeInvalidCatalogName, "database %q does not exist", db)
	}
	e.sessions.Add(1)
	return &fakeSession{eng: e, tx: 'I', status: map[string]string{
		"server_version":              "15.0 (eddy)",
		"server_encoding":             "UTF8",
		"client_encoding":             "UTF8",
		"DateStyle":                   "ISO, MDY",
		"TimeZone":                    "UTC",
		"integer_datetimes":           "on",
		"standard_conforming_strings": "on",
		"application_name":            params["application_name"],
		"IntervalStyle":               "postgres",
		"is_superuser":                "on",
		"session_authorization":       user,
	}}, nil
}

type fakeSession struct {
	eng    *fakeEngine
	mu     sync.Mutex
	tx     byte
	status map[string]string
	cancel chan struct{} // closed by Cancel; set while pg_sleep runs
	closed bool
}

func (s *fakeSession) TxStatus() byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tx
}

func (s *fakeSession) ParameterStatus() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]string, len(s.status))
	for k, v := range s.status {
		m[k] = v
	}
	return m
}

func (s *fakeSession) Cancel() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		close(s.cancel)
		s.cancel = nil
	}
}

func (s *fakeSession) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		panic("session closed twice")
	}
	s.closed = true
	s.eng.sessions.Add(-1)
	return nil
}

func (s *fakeSession) Parse(ctx context.Context, query string, oids []uint32) ([]Statement, error) {
	var out []Statement
	for _, q := range strings.Split(query, ";") {
		q = strings.TrimSpace(q)
		if q == "" {
			continue
		}
		st, err := s.parseOne(q, oids)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

var typeNames = map[string]sql.Type{"int4": sql.Int4, "int8": sql.Int8, "text": sql.Text, "bool": sql.Bool}

func (s *fakeSession) parseOne(q string, oids []uint32) (*fakeStmt, error) {
	f := strings.Fields(q)
	st := &fakeStmt{s: s, text: q}
	switch {
	case q == "select 1":
		st.cols = []Column{{Name: "?column?", Type: sql.Int4}}
		st.rows = func(i int) sql.Row { return sql.Row{sql.NewInt(1)} }
		st.n = 1
	case strings.HasPrefix(q, "select * from gen("):
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(q, "select * from gen("), ")"))
		if err != nil || n < 0 || n > 1e6 {
			return nil, sql.Errorf(sql.CodeInvalidParameterValue, "bad gen argument").WithPosition(19)
		}
		st.cols = []Column{{Name: "n", Type: sql.Int8, TableOID: 16384, Attnum: 1}}
		st.rows = func(i int) sql.Row { return sql.Row{sql.NewInt(int64(i + 1))} }
		st.n = n
	case q == "select pg_sleep":
		st.cols = []Column{{Name: "pg_sleep", Type: sql.Text}}
		st.sleep = true
	case q == "fail":
		st.cols = []Column{{Name: "x", Type: sql.Int4}}
		st.execErr = &sql.Error{Code: sql.CodeDivisionByZero, Message: "division by zero", Position: 8}
	case f[0] == "echo":
		for i, name := range f[1:] {
			t, ok := typeNames[name]
			if !ok {
				return nil, sql.Errorf(sql.CodeUndefinedObject, "type %q does not exist", name)
			}
			if i < len(oids) && oids[i] != 0 {
				t = sql.Type{OID: oids[i], Mod: -1}
			}
			st.params = append(st.params, t.OID)
			st.cols = append(st.cols, Column{Name: fmt.Sprintf("c%d", i+1), Type: t})
		}
		st.echo = true
		st.n = 1
	case f[0] == "set" && len(f) == 3:
		st.set = f[1:]
		st.tag = "SET"
	case q == "begin", q == "commit", q == "rollback":
		st.tx = q
		st.tag = strings.ToUpper(q)
	case q == "insert":
		st.tag = "INSERT 0 1"
	case q == "notice":
		st.cols = []Column{{Name: "x", Type: sql.Int4}}
		st.rows = func(i int) sql.Row { return sql.Row{sql.NewInt(7)} }
		st.n = 1
		st.notice = true
	case q == "panic", q == "panicnext":
		st.cols = []Column{{Name: "x", Type: sql.Int4}}
		st.panicAt = q
	case f[0] == "stream" && len(f) == 2:
		n, _ := strconv.Atoi(f[1])
		st.cols = []Column{{Name: "n", Type: sql.Int8}}
		st.rows = func(i int) sql.Row { return sql.Row{sql.NewInt(int64(i))} }
		st.n = n
		st.streaming = true
	case len(f) == 3 && f[0] == "copy" && f[1] == "out":
		st.n, _ = strconv.Atoi(f[2])
		st.copy = "out"
	case q == "copy in":
		st.copy = "in"
	default:
		return nil, &sql.Error{Code: sql.CodeSyntaxError, Message: fmt.Sprintf("syntax error at or near %q", f[0]), Position: 1}
	}
	return st, nil
}

type fakeStmt struct {
	s         *fakeSession
	text      string
	cols      []Column
	params    []uint32
	rows      func(i int) sql.Row
	n         int
	tag       string
	sleep     bool
	echo      bool
	notice    bool
	streaming bool
	set       []string
	tx        string
	panicAt   string
	copy      string
	execErr   *sql.Error
}

func (st *fakeStmt) ParamTypes() []uint32 { return st.params }
func (st *fakeStmt) Columns() []Column    { return st.cols }

func (st *fakeStmt) Execute(ctx context.Context, params []sql.Value) (Result, error) {
	if len(params) != len(st.params) {
		return nil, sql.Errorf(sql.CodeInternal, "got %d params, want %d", len(params), len(st.params))
	}
	if st.execErr != nil {
		return nil, st.execErr
	}
	if st.panicAt == "panic" {
		panic("fake engine panic in Execute")
	}
	s := st.s
	s.mu.Lock()
	if st.set != nil {
		s.status[st.set[0]] = st.set[1]
	}
	switch st.tx {
	case "begin":
		s.tx = 'T'
	case "commit", "rollback":
		s.tx = 'I'
	}
	var cancel chan struct{}
	if st.sleep {
		cancel = make(chan struct{})
		s.cancel = cancel
	}
	s.mu.Unlock()
	r := &fakeResult{st: st, params: params, cancel: cancel}
	if st.echo {
		r.row = sql.Row(params)
	}
	s.eng.results.Add(1)
	switch st.copy {
	case "out":
		return &copyOutResult{r}, nil
	case "in":
		return &copyInResult{fakeResult: r}, nil
	}
	return r, nil
}

type fakeResult struct {
	st     *fakeStmt
	params []sql.Value
	i      int
	row    sql.Row
	cancel chan struct{}
	closed bool
}

func (r *fakeResult) Next(ctx context.Context) (sql.Row, bool, error) {
	st := r.st
	switch {
	case st.panicAt == "panicnext":
		panic("fake engine panic in Next")
	case st.sleep:
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-r.cancel:
			return nil, false, sql.Errorf(sql.CodeQueryCanceled, "canceling statement due to user request")
		}
	case r.i >= st.n:
		return nil, false, nil
	}
	r.i++
	if st.echo {
		return r.row, true, nil
	}
	return st.rows(r.i - 1), true, nil
}

func (r *fakeResult) Tag() string {
	if r.st.tag != "" {
		return r.st.tag
	}
	return fmt.Sprintf("SELECT %d", r.i)
}

func (r *fakeResult) Close() error {
	if r.closed {
		panic("result closed twice")
	}
	r.closed = true
	r.st.s.eng.results.Add(-1)
	return nil
}

func (r *fakeResult) Notices() []*sql.Error {
	if !r.st.notice {
		return nil
	}
	return []*sql.Error{{Message: "just so you know"}}
}

func (r *fakeResult) Streaming() bool { return r.st.streaming }

var (
	_ Engine    = (*fakeEngine)(nil)
	_ Session   = (*fakeSession)(nil)
	_ Statement = (*fakeStmt)(nil)
	_ Result    = (*fakeResult)(nil)
	_ Notifier  = (*fakeResult)(nil)
	_ Streamer  = (*fakeResult)(nil)
)

type copyOutResult struct{ *fakeResult }

func (r *copyOutResult) CopyOutFormat() (bool, int) { return false, 1 }

func (r *copyOutResult) NextCopyData(ctx context.Context) ([]byte, bool, error) {
	if r.i >= r.st.n {
		return nil, false, nil
	}
	r.i++
	return fmt.Appendf(nil, "%d\n", r.i), true, nil
}

func (r *copyOutResult) Tag() string { return fmt.Sprintf("COPY %d", r.i) }

type copyInResult struct {
	*fakeResult
	data []byte
}

func (r *copyInResult) CopyInFormat() (bool, int) { return false, 1 }

func (r *copyInResult) CopyData(ctx context.Context, data []byte) error {
	r.data = append(r.data, data...)
	if strings.Contains(string(r.data), "bad") {
		return sql.Errorf(sql.CodeInvalidTextRepresentation, "bad COPY data")
	}
	return nil
}

func (r *copyInResult) Next(ctx context.Context) (sql.Row, bool, error) { return nil, false, nil }

func (r *copyInResult) Tag() string {
	return fmt.Sprintf("COPY %d", strings.Count(string(r.data), "\n"))
}

var (
	_ CopyOut = (*copyOutResult)(nil)
	_ CopyIn  = (*copyInResult)(nil)
)
