package slt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Options configure a run. The zero value runs as engine "postgresql" with the
// format chosen by file extension.
type Options struct {
	// Engine is the name skipif/onlyif are matched against, case-insensitively.
	// Empty means "postgresql", the name the SQLite corpus uses.
	Engine string
	// Labels are further names that skipif/onlyif match, as sqllogictest-rs's
	// --label flags.
	Labels []string
	// Format is FormatSQLite, FormatRS, or "" to choose by extension: ".test"
	// is sqlite, anything else (".slt", ".slt.part") is rs.
	Format string
	// Database, if set, overrides the connection string's database.
	Database string
	// Rewrite, if set, may adapt a statement's SQL before it is sent (for
	// syntax that differs in the engine under test). Callers document theirs.
	Rewrite func(sql string) string
	// TrimNumeric, in the rs dialect, prints a value of a numeric column
	// (type OID 1700) without the zeros that end its fraction: 1.00 as 1,
	// 0.50 as 0.5. RisingWave's decimal keeps no scale and prints values
	// so, where PostgreSQL prints the scale a value has; the value compared
	// is the same, and 1.01 still differs from 1. Where RisingWave kept the
	// scale (5727.60), a query whose result has a numeric column also
	// passes when the lines match with the expected side's decimals trimmed.
	TrimNumeric bool
	// FullOffset, in the rs dialect, prints a timestamptz column's (type
	// OID 1184) UTC offset with its minutes, +00 as +00:00, as RisingWave
	// does; PostgreSQL leaves off minutes that are zero. The instant
	// compared is the same.
	FullOffset bool
	// Logf receives progress and failures; nil is silent.
	Logf func(format string, args ...any)
	// MaxFailures stops the file after this many failures; 0 is no limit.
	MaxFailures int
	// Timeout bounds each record's execution; 0 is no limit. A record that
	// times out fails, and its connection is replaced.
	Timeout time.Duration
	// Complete asks for the script rewritten from what the server answered
	// (like sqllogictest-rs's --override), in Result.Completed: see
	// complete.go for what is rewritten and what is left alone.
	Complete bool
}

// Result is the outcome of one file.
type Result struct {
	File                    string
	Passed, Failed, Skipped int
	Failures                []Failure
	// Completed is the script with every failing record rewritten to what
	// the server answered; it is set only when Options.Complete is.
	Completed string
}

// Failure is one record that did not behave as the script expected.
// Expected and Got are rendered the way the script writes results, one line
// per line, so that a report can be compared by eye with the script.
type Failure struct {
	Line          int
	SQL           string
	Expected, Got string
	Err           string
}

func (f Failure) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d: ", f.Line)
	if f.Err != "" {
		b.WriteString(f.Err)
	} else {
		b.WriteString("wrong result")
	}
	if f.SQL != "" {
		fmt.Fprintf(&b, "\n  sql: %s", indent(f.SQL))
	}
	if f.Expected != "" || f.Got != "" {
		fmt.Fprintf(&b, "\n  expected:\n    %s\n  got:\n    %s", orNothing(f.Expected), orNothing(f.Got))
	}
	return b.String()
}

func orNothing(s string) string {
	if s == "" {
		return "(nothing)"
	}
	return indent(s)
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n    ") }

// RunFile runs one script against the server at connString, on one
// connection (plus one per named "connection" record). It returns an error
// only when the file cannot be read, the first connection cannot be made, a
// lost connection cannot be re-made, or ctx ends; failing records are in the
// Result.
func RunFile(ctx context.Context, connString string, path string, opts Options) (Result, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return Result{File: path}, fmt.Errorf("slt: read script: %w", err)
	}
	return RunScript(ctx, connString, path, string(src), opts)
}

// RunScript is RunFile for a script already in memory; name is used for the
// Result and, when Options.Format is empty, to choose the format.
func RunScript(ctx context.Context, connString, name, src string, opts Options) (Result, error) {
	cfg, err := pgconn.ParseConfig(connString)
	if err != nil {
		return Result{File: name}, fmt.Errorf("slt: parse connection string: %w", err)
	}
	if opts.Database != "" {
		cfg.Database = opts.Database
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	dial := func(ctx context.Context) (session, error) {
		c, err := pgconn.ConnectConfig(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return &pgSession{c: c}, nil
	}
	return runScript(ctx, dial, name, src, opts)
}

// FormatFor returns the format Options.Format="" selects for a file name.
func FormatFor(name string) string {
	if filepath.Ext(name) == ".test" {
		return FormatSQLite
	}
	return FormatRS
}

// session is the runner's view of one connection, so that the runner's
// logic can be tested without a server.
type session interface {
	// exec runs sql and returns the last result that has columns (or the last
	// result, when none has).
	exec(ctx context.Context, sql string) (*resultSet, error)
	broken() bool
	close()
}

type pgSession struct{ c *pgconn.PgConn }

func (s *pgSession) exec(ctx context.Context, sql string) (*resultSet, error) {
	// pgconn's ReadAll drops the row description of an empty result, and a
	// query's column count must be checked even when it returns no rows.
	mrr := s.c.Exec(ctx, sql)
	var out *resultSet
	var firstErr error
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		rs := &resultSet{}
		for _, fd := range rr.FieldDescriptions() {
			rs.oids = append(rs.oids, fd.DataTypeOID)
		}
		for rr.NextRow() {
			vals := rr.Values()
			row := make([][]byte, len(vals))
			for i, v := range vals {
				if v != nil {
					row[i] = append([]byte{}, v...)
				}
			}
			rs.rows = append(rs.rows, row)
		}
		tag, err := rr.Close()
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		rs.rowsAffected = tag.RowsAffected()
		if out == nil || len(rs.oids) > 0 || len(out.oids) == 0 {
			out = rs
		}
	}
	if err := mrr.Close(); err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if out == nil {
		out = &resultSet{}
	}
	return out, nil
}

func (s *pgSession) broken() bool { return s.c.IsClosed() }

func (s *pgSession) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s.c.Close(ctx)
}

type runner struct {
	opts      Options
	format    string
	dial      func(context.Context) (session, error)
	conns     map[string]session
	threshold int
	sort      sortMode
	valuewise bool
	labels    map[string]labelSeen
	res       Result
	cur       int         // index of the record being run
	last      outcome     // what the last attempt got, for complete mode
	fixes     map[int]fix // complete mode: record index -> its rewrite
}

type labelSeen struct {
	hash string
	line int
}

func runScript(ctx context.Context, dial func(context.Context) (session, error), name, src string, opts Options) (Result, error) {
	r := &runner{
		opts:   opts,
		format: opts.Format,
		dial:   dial,
		conns:  map[string]session{},
		sort:   sortNone,
		labels: map[string]labelSeen{},
		res:    Result{File: name},
	}
	if r.format == "" {
		r.format = FormatFor(name)
	}
	switch r.format {
	case FormatSQLite:
		r.threshold = 8 // the reference harness's DEFAULT_HASH_THRESHOLD
	case FormatRS:
	default:
		return r.res, fmt.Errorf("slt: unknown format %q", r.format)
	}
	if r.opts.Engine == "" {
		r.opts.Engine = "postgresql"
	}
	defer func() {
		for _, s := range r.conns {
			s.close()
		}
	}()
	if _, err := r.conn(ctx, ""); err != nil {
		return r.res, fmt.Errorf("slt: %s: connect: %w", name, err)
	}
	recs, spans, lines := parseScriptSpans(src, r.format)
	r.logf("%s: %d records (%s format)", name, len(recs), r.format)
	if opts.Complete {
		r.fixes = map[int]fix{}
	}
	for i := range recs {
		r.cur = i
		if err := ctx.Err(); err != nil {
			return r.res, err
		}
		halt, err := r.runRecord(ctx, &recs[i])
		if err != nil {
			return r.res, fmt.Errorf("slt: %s:%d: %w", name, recs[i].line, err)
		}
		if halt {
			break
		}
		if r.opts.MaxFailures > 0 && r.res.Failed >= r.opts.MaxFailures {
			r.logf("%s: stopping after %d failures", name, r.res.Failed)
			break
		}
	}
	if opts.Complete {
		r.res.Completed = r.completed(src, spans, lines)
	}
	r.logf("%s: %d passed, %d failed, %d skipped", name, r.res.Passed, r.res.Failed, r.res.Skipped)
	return r.res, nil
}

func (r *runner) logf(format string, args ...any) {
	if r.opts.Logf != nil {
		r.opts.Logf(format, args...)
	}
}

func (r *runner) conn(ctx context.Context, name string) (session, error) {
	if s, ok := r.conns[name]; ok {
		return s, nil
	}
	s, err := r.dial(ctx)
	if err != nil {
		return nil, err
	}
	r.conns[name] = s
	return s, nil
}

// matches reports whether a skipif/onlyif name names the engine under test.
func (r *runner) matches(name string) bool {
	if strings.EqualFold(name, r.opts.Engine) {
		return true
	}
	return slices.ContainsFunc(r.opts.Labels, func(l string) bool { return strings.EqualFold(l, name) })
}

func (r *runner) skipped(rec *record) bool {
	for _, c := range rec.conds {
		if c.only != r.matches(c.engine) {
			return true
		}
	}
	return false
}

func (r *runner) fail(f Failure) {
	r.res.Failed++
	r.res.Failures = append(r.res.Failures, f)
	r.logf("%s:%s", r.res.File, f)
}

// runRecord runs one record and reports whether the file must stop. An error
// is returned only when the run cannot go on (a lost connection that cannot
// be re-made, or ctx ending).
func (r *runner) runRecord(ctx context.Context, rec *record) (bool, error) {
	if r.skipped(rec) {
		if rec.kind == kindStatement || rec.kind == kindQuery {
			r.res.Skipped++
		}
		return false, nil
	}
	switch rec.kind {
	case kindHalt:
		return true, nil
	case kindHashThreshold:
		r.threshold = rec.threshold
	case kindSortMode:
		r.sort = rec.sort
	case kindResultMode:
		r.valuewise = rec.valuewise
	case kindSleep:
		select {
		case <-time.After(rec.sleep):
		case <-ctx.Done():
			return false, ctx.Err()
		}
	case kindIgnored:
	case kindUnsupported:
		r.fail(Failure{Line: rec.line, SQL: rec.sql, Err: fmt.Sprintf("unsupported record %q: %s", rec.directive, rec.unsupport)})
	case kindStatement, kindQuery:
		return false, r.runCheck(ctx, rec)
	}
	return false, nil
}

// runCheck runs a statement or query, retrying as the record allows.
func (r *runner) runCheck(ctx context.Context, rec *record) error {
	sql := rec.sql
	if r.opts.Rewrite != nil {
		sql = r.opts.Rewrite(sql)
	}
	for attempt := 0; ; attempt++ {
		f, err := r.attempt(ctx, rec, sql)
		if err != nil {
			return err
		}
		if f == nil {
			r.res.Passed++
			return nil
		}
		if attempt >= rec.retries {
			f.Line, f.SQL = rec.line, sql
			r.fail(*f)
			if r.fixes != nil {
				r.noteFix(rec)
			}
			return nil
		}
		select {
		case <-time.After(rec.backoff):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// attempt runs a record once and returns its failure, or nil if it passed.
func (r *runner) attempt(ctx context.Context, rec *record, sql string) (*Failure, error) {
	s, err := r.conn(ctx, rec.connection)
	if err != nil {
		return nil, fmt.Errorf("reconnect: %w", err)
	}
	ectx := ctx
	if r.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ectx, cancel = context.WithTimeout(ctx, r.opts.Timeout)
		defer cancel()
	}
	rs, err := s.exec(ectx, sql)
	r.last = outcome{rs: rs, err: err}
	if err != nil && s.broken() {
		// The next record gets a fresh connection; this one is charged with
		// the breakage, since it is the likeliest cause.
		s.close()
		delete(r.conns, rec.connection)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.last.broken = true
		return &Failure{Err: "connection broken: " + err.Error()}, nil
	}
	if rec.expectError {
		return r.checkError(rec, err), nil
	}
	if err != nil {
		return &Failure{Err: errorText(err)}, nil
	}
	if rec.kind == kindStatement {
		if rec.hasCount && rs.rowsAffected != rec.count {
			return &Failure{Err: "wrong affected row count", Expected: fmt.Sprint(rec.count), Got: fmt.Sprint(rs.rowsAffected)}, nil
		}
		return nil, nil
	}
	return r.checkQuery(rec, rs), nil
}

// errorText is the text an error expectation is matched against. It follows
// the shape of the error sqllogictest-rs's postgres engine reports ("db error:
// ERROR: message" plus detail and hint lines), so upstream regexes match.
func errorText(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "db error: %s: %s", pe.Severity, pe.Message)
	if pe.Detail != "" {
		fmt.Fprintf(&b, "\nDETAIL: %s", pe.Detail)
	}
	if pe.Hint != "" {
		fmt.Fprintf(&b, "\nHINT: %s", pe.Hint)
	}
	return b.String()
}

func (r *runner) checkError(rec *record, err error) *Failure {
	if err == nil {
		want := "an error"
		if rec.errRegex != "" {
			want = "an error matching " + rec.errRegex
		}
		return &Failure{Err: "succeeded, but the script expects " + want}
	}
	text := errorText(err)
	// Besides the full text, try the bare message (for anchored regexes) and
	// the SQLSTATE (for "statement error (42P01)"-style expectations).
	candidates := []string{text}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// pe.Error() is the Go driver's "ERROR: message (SQLSTATE 22012)",
		// so one regex can pin both the message and the SQLSTATE.
		candidates = append(candidates, pe.Message, pe.Code, pe.Error())
	}
	switch {
	case rec.hasErrMessage:
		for _, c := range candidates[:min(2, len(candidates))] {
			if strings.Contains(c, rec.errMessage) {
				return nil
			}
		}
		return &Failure{Err: "wrong error message", Expected: rec.errMessage, Got: text}
	case rec.errRegex != "":
		re, cerr := regexp.Compile(rec.errRegex)
		if cerr != nil {
			return &Failure{Err: fmt.Sprintf("bad error regex %q: %v", rec.errRegex, cerr)}
		}
		for _, c := range candidates {
			if re.MatchString(c) {
				return nil
			}
		}
		return &Failure{Err: "wrong error message", Expected: rec.errRegex, Got: text}
	}
	return nil
}

func (r *runner) checkQuery(rec *record, rs *resultSet) *Failure {
	mode := rec.sort
	if mode == sortUnset {
		mode = r.sort
	}
	var got, want []string
	if r.format == FormatSQLite {
		rows, err := renderSQLite(rs, rec.types)
		if err != nil {
			return &Failure{Err: err.Error()}
		}
		var hash string
		got, hash = sqliteLines(rows, mode, r.threshold)
		r.last.got, r.last.hasGot = got, true
		want = rec.expected
		if rec.label != "" {
			if seen, ok := r.labels[rec.label]; !ok {
				r.labels[rec.label] = labelSeen{hash: hash, line: rec.line}
			} else if seen.hash != hash {
				return &Failure{Err: fmt.Sprintf("result differs from label %s first seen at line %d", rec.label, seen.line),
					Expected: seen.hash, Got: hash}
			}
		}
	} else {
		got = rsLines(renderRS(rs, r.opts), mode, r.threshold, r.valuewise)
		r.last.got, r.last.hasGot = got, true
		want = rsExpected(rec.expected, mode)
		if r.opts.TrimNumeric && !slices.Equal(got, want) && hasOID(rs, numericOID) {
			// RisingWave keeps a numeric's scale in some results (round(x,
			// 2) as 5727.60) and not in others, so the expected side may
			// hold the zeros the actual side lost: compare without them.
			if trimmed := rsExpected(trimDecimals(rec.expected), mode); slices.Equal(got, trimmed) {
				return nil
			}
		}
	}
	if slices.Equal(got, want) {
		return nil
	}
	return &Failure{Expected: strings.Join(want, "\n"), Got: strings.Join(got, "\n")}
}
