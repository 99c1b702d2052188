package slt

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Format names accepted by Options.Format.
const (
	FormatSQLite = "sqlite"
	FormatRS     = "rs"
)

type recordKind int

const (
	kindStatement recordKind = iota
	kindQuery
	kindHashThreshold
	kindHalt
	kindSleep
	kindSortMode
	kindResultMode
	kindIgnored // subtest and other records with no effect on a run
	// kindUnsupported records are reported as failures when they run, so that
	// a script relying on them cannot pass without them.
	kindUnsupported
)

type sortMode int

const (
	sortUnset sortMode = iota // the record did not say: the file default applies
	sortNone
	sortRows
	sortValues
)

func parseSortMode(s string) (sortMode, bool) {
	switch strings.ToLower(s) {
	case "nosort":
		return sortNone, true
	case "rowsort":
		return sortRows, true
	case "valuesort":
		return sortValues, true
	}
	return sortUnset, false
}

type condition struct {
	only   bool // onlyif; otherwise skipif
	engine string
}

// record is one parsed unit of a script. It is plain data: the runner
// interprets it, so the parser can be tested without a server.
type record struct {
	line       int // 1-based line of the record's directive (after skipif/onlyif)
	kind       recordKind
	conds      []condition
	connection string // "" is the default connection
	sql        string

	// Statements and queries that must fail. errRegex is the inline form;
	// errMessage is the multi-line form after "----".
	expectError   bool
	errRegex      string
	errMessage    string
	hasErrMessage bool

	count    int64 // statement count N
	hasCount bool

	types    string
	sort     sortMode
	label    string
	expected []string // raw lines after "----"

	retries int
	backoff time.Duration

	threshold int           // hash-threshold
	sleep     time.Duration // sleep
	valuewise bool          // control resultmode
	unsupport string        // why a kindUnsupported record cannot run
	directive string        // the directive line, for messages
}

// parseScript splits a script into records. It never fails: a record it
// cannot understand becomes a kindUnsupported record, because one unknown
// directive should cost one failure, not the whole file.
func parseScript(src string, format string) []record {
	recs, _, _ := parseScriptSpans(src, format)
	return recs
}

// span locates a record in its script, as 0-based line indexes, so that
// complete mode can rewrite it: lines [start, end) hold the record (its
// conditions, directive, SQL and results, without trailing blank lines);
// directive is the directive's line and sep the "----" line, or -1.
type span struct {
	start, directive, sep, end int
}

// parseScriptSpans is parseScript that also returns each record's span and
// the script's lines.
func parseScriptSpans(src string, format string) ([]record, []span, []string) {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	p := &parser{lines: lines, format: format}
	recs := p.parse()
	return recs, p.spans, lines
}

type parser struct {
	lines  []string
	format string
	pos    int
	spans  []span
	sep    int // the last "----" line readSQL saw
}

func isComment(l string) bool { return strings.HasPrefix(l, "#") }
func isBlank(l string) bool   { return strings.TrimSpace(l) == "" }

// stripComment drops a trailing "# ..." from a directive line, as both
// harnesses do (the SQLite index/ files write "onlyif mysql # DIV ...").
func stripComment(l string) string {
	if i := strings.Index(l, "#"); i >= 0 {
		return l[:i]
	}
	return l
}

func (p *parser) parse() []record {
	var recs []record
	for {
		// Skip to the first line of the next record.
		for p.pos < len(p.lines) && (isBlank(p.lines[p.pos]) || isComment(p.lines[p.pos]) || p.sqlComment(p.lines[p.pos])) {
			p.pos++
		}
		if p.pos >= len(p.lines) {
			return recs
		}
		start := p.pos
		p.sep = -1
		rec := p.parseRecord()
		end := p.pos
		for end > start && isBlank(p.lines[end-1]) {
			end--
		}
		p.spans = append(p.spans, span{start: start, directive: rec.line - 1, sep: p.sep, end: end})
		recs = append(recs, rec)
	}
}

// sqlComment reports whether l, where a record would start, is an SQL
// "--" comment, which some of RisingWave's scripts put between records
// (count_distinct_row_id_bug.slt); sqllogictest-rs would reject the file,
// and skipping the line runs the records as their author meant.
func (p *parser) sqlComment(l string) bool {
	return p.format == FormatRS && strings.HasPrefix(l, "--") && !strings.HasPrefix(l, "----")
}

// next returns the next non-comment line, and false at the end of input.
// Comments are dropped before parsing and never count as blank lines.
func (p *parser) next() (string, bool) {
	for p.pos < len(p.lines) {
		l := p.lines[p.pos]
		p.pos++
		if !isComment(l) {
			return l, true
		}
	}
	return "", false
}

// peek is next without consuming.
func (p *parser) peek() (string, bool) {
	save := p.pos
	l, ok := p.next()
	p.pos = save
	return l, ok
}

func (p *parser) parseRecord() record {
	var r record
	for {
		l, ok := p.next()
		if !ok || isBlank(l) {
			// Conditions or a connection with no record after them.
			r.kind = kindUnsupported
			r.unsupport = "skipif/onlyif/connection is not followed by a record"
			return r
		}
		r.line = p.pos
		r.directive = strings.TrimSpace(l)
		f := strings.Fields(stripComment(l))
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "skipif", "onlyif":
			if len(f) < 2 {
				return p.unsupported(r, "%s needs an engine name", f[0])
			}
			r.conds = append(r.conds, condition{only: f[0] == "onlyif", engine: f[1]})
			continue
		case "connection":
			if len(f) < 2 {
				return p.unsupported(r, "connection needs a name")
			}
			r.connection = f[1]
			continue
		}
		p.parseDirective(&r, l, f)
		return r
	}
}

func (p *parser) parseDirective(r *record, raw string, f []string) {
	switch f[0] {
	case "statement":
		p.parseStatement(r, raw, f)
	case "query":
		p.parseQuery(r, raw, f)
	case "hash-threshold":
		r.kind = kindHashThreshold
		if len(f) < 2 {
			*r = p.unsupported(*r, "hash-threshold needs a number")
			return
		}
		n, err := strconv.Atoi(f[1])
		if err != nil || n < 0 {
			*r = p.unsupported(*r, "bad hash-threshold %q", f[1])
			return
		}
		r.threshold = n
	case "halt":
		r.kind = kindHalt
	case "sleep":
		r.kind = kindSleep
		if len(f) < 2 {
			*r = p.unsupported(*r, "sleep needs a duration")
			return
		}
		d, err := time.ParseDuration(f[1])
		if err != nil {
			*r = p.unsupported(*r, "bad sleep duration %q", f[1])
			return
		}
		r.sleep = d
	case "subtest":
		r.kind = kindIgnored
	case "control":
		p.parseControl(r, f)
	case "include":
		*r = p.unsupported(*r, "include is not supported: run the included files directly")
	case "system":
		p.skipBody()
		*r = p.unsupported(*r, "system (shell commands) is not supported")
	case "let":
		p.skipBody()
		*r = p.unsupported(*r, "let (variables) is not supported")
	default:
		p.skipBody()
		*r = p.unsupported(*r, "unknown record type %q", f[0])
	}
}

func (p *parser) unsupported(r record, format string, args ...any) record {
	r.kind = kindUnsupported
	r.unsupport = fmt.Sprintf(format, args...)
	return r
}

func (p *parser) parseControl(r *record, f []string) {
	if len(f) < 3 {
		*r = p.unsupported(*r, "control needs a setting and a value")
		return
	}
	switch f[1] {
	case "sortmode":
		m, ok := parseSortMode(f[2])
		if !ok {
			*r = p.unsupported(*r, "bad sort mode %q", f[2])
			return
		}
		r.kind = kindSortMode
		r.sort = m
	case "resultmode":
		switch f[2] {
		case "valuewise":
			r.valuewise = true
		case "rowwise":
		default:
			*r = p.unsupported(*r, "bad result mode %q", f[2])
			return
		}
		r.kind = kindResultMode
	case "substitution":
		if f[2] == "off" {
			r.kind = kindIgnored
			return
		}
		*r = p.unsupported(*r, "control substitution on is not supported")
	default:
		*r = p.unsupported(*r, "unknown control %q", f[1])
	}
}

// parseRetry removes a trailing "retry N backoff D" from f.
func parseRetry(r *record, f []string) ([]string, error) {
	n := len(f)
	if n < 4 || f[n-4] != "retry" || f[n-2] != "backoff" {
		return f, nil
	}
	tries, err := strconv.Atoi(f[n-3])
	if err != nil || tries < 0 {
		return f, fmt.Errorf("bad retry count %q", f[n-3])
	}
	d, err := time.ParseDuration(f[n-1])
	if err != nil {
		return f, fmt.Errorf("bad backoff %q", f[n-1])
	}
	r.retries, r.backoff = tries, d
	return f[:n-4], nil
}

// restAfter returns raw with its first n whitespace-separated fields removed,
// trimmed. Error regexes keep their own spacing and '#' characters.
func restAfter(raw string, n int) string {
	s := strings.TrimSpace(raw)
	for i := 0; i < n; i++ {
		s = strings.TrimLeft(s, " \t")
		j := strings.IndexAny(s, " \t")
		if j < 0 {
			return ""
		}
		s = s[j:]
	}
	return strings.TrimSpace(s)
}

func (p *parser) parseStatement(r *record, raw string, f []string) {
	r.kind = kindStatement
	if len(f) < 2 {
		p.skipBody()
		*r = p.unsupported(*r, "statement needs ok, error or count")
		return
	}
	switch f[1] {
	case "ok":
		if _, err := parseRetry(r, f); err != nil {
			p.skipBody()
			*r = p.unsupported(*r, "%v", err)
			return
		}
	case "error", "err":
		// "statement err" is a misspelling that some of RisingWave's
		// scripts carry (time_window.slt); their intent is plain.
		r.expectError = true
		r.errRegex = restAfter(raw, 2)
	case "count":
		g, err := parseRetry(r, f)
		if err == nil && len(g) < 3 {
			err = fmt.Errorf("statement count needs a number")
		}
		var n int64
		if err == nil {
			n, err = strconv.ParseInt(g[2], 10, 64)
		}
		if err != nil {
			p.skipBody()
			*r = p.unsupported(*r, "statement count: %v", err)
			return
		}
		r.count, r.hasCount = n, true
	default:
		p.skipBody()
		*r = p.unsupported(*r, "unknown statement kind %q", f[1])
		return
	}
	sawSep := p.readSQL(r)
	if !sawSep {
		return
	}
	if r.expectError {
		r.errMessage, r.hasErrMessage = p.readErrorMessage(), true
		return
	}
	// Results after a statement mean nothing to either harness.
	p.readResults()
}

func (p *parser) parseQuery(r *record, raw string, f []string) {
	r.kind = kindQuery
	if len(f) >= 2 && f[1] == "error" {
		r.expectError = true
		r.errRegex = restAfter(raw, 2)
		if p.readSQL(r) {
			r.errMessage, r.hasErrMessage = p.readErrorMessage(), true
		}
		return
	}
	f, err := parseRetry(r, f)
	if err != nil {
		p.skipBody()
		*r = p.unsupported(*r, "%v", err)
		return
	}
	if len(f) < 2 {
		if p.format == FormatSQLite {
			p.skipBody()
			*r = p.unsupported(*r, "query needs a type string")
			return
		}
	} else {
		r.types = f[1]
	}
	rest := f[min(2, len(f)):]
	if len(rest) > 0 {
		if m, ok := parseSortMode(rest[0]); ok {
			r.sort = m
			rest = rest[1:]
		}
	}
	if len(rest) > 0 {
		r.label = rest[0]
	}
	if p.readSQL(r) {
		r.expected = p.readResults()
	}
}

// readSQL reads SQL lines up to a blank line or "----", and reports whether
// it stopped at "----".
func (p *parser) readSQL(r *record) bool {
	var sql []string
	defer func() { r.sql = strings.Join(sql, "\n") }()
	for {
		l, ok := p.next()
		if !ok || isBlank(l) {
			return false
		}
		if strings.TrimRight(l, " \t") == "----" {
			p.sep = p.pos - 1
			return true
		}
		sql = append(sql, l)
	}
}

// readResults reads expected lines up to the first blank line. In
// sqllogictest-rs a result line may begin with '#' (a value such as a
// hashtag): only the SQLite harness drops comments there.
func (p *parser) readResults() []string {
	var out []string
	for {
		l, ok := "", false
		if p.format == FormatRS {
			if ok = p.pos < len(p.lines); ok {
				l = p.lines[p.pos]
				p.pos++
			}
		} else {
			l, ok = p.next()
		}
		if !ok || isBlank(l) {
			return out
		}
		out = append(out, l)
	}
}

// readErrorMessage reads a multi-line error message, which sqllogictest-rs
// ends at two consecutive blank lines so that the message may contain one.
// Comment lines are kept: '#' can begin a line of an error message.
func (p *parser) readErrorMessage() string {
	var out []string
	for p.pos < len(p.lines) {
		l := p.lines[p.pos]
		p.pos++
		if isBlank(l) && (p.pos >= len(p.lines) || isBlank(p.lines[p.pos])) {
			break
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// skipBody consumes the rest of a record that will not run, including any
// results after "----".
func (p *parser) skipBody() {
	for {
		l, ok := p.peek()
		if !ok || isBlank(l) {
			return
		}
		p.next()
		if strings.TrimSpace(l) == "----" {
			p.readResults()
			return
		}
	}
}
