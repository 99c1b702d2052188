package slt

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Complete mode (Options.Complete) rewrites a script from what the server
// answered, so that expected results come from a reference server rather than
// from someone's head. Only records that fail are rewritten; passing records,
// comments, conditions and blank lines are kept byte for byte. A failing
//
//   - query whose results differ gets the server's results after "----",
//     laid out as the runner compares them (sorted for rowsort/valuesort);
//   - statement or query that errs, but should not, becomes
//     "statement error <regex>" or "query error <regex>";
//   - statement or query error whose regex does not match gets a new regex;
//   - statement error that succeeds becomes "statement ok", and a query error
//     that succeeds becomes a query with the results it returned;
//   - statement count whose count differs gets the server's count.
//
// A written regex matches the driver's error text, "message (SQLSTATE
// 22012)", so that it pins both the message and the SQLSTATE.
// Records that break the connection, and unsupported, label and column-count
// failures, are left as they are: a person must look at them.

// outcome is what one attempt got from the server.
type outcome struct {
	rs     *resultSet
	err    error
	broken bool
	got    []string // the result lines as compared, when the query was checked
	hasGot bool
}

// fix is the rewrite of one record: its directive line, and the lines that
// follow the SQL (nil: no "----" section).
type fix struct {
	directive string
	results   []string
	sep       bool // write "----" even with no results
}

// ErrorRegex returns the regex complete mode writes for a server error: the
// quoted message and SQLSTATE, matching the driver's error text.
func ErrorRegex(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return ""
	}
	msg := regexp.QuoteMeta(pe.Message)
	msg = strings.ReplaceAll(msg, "\n", `\n`)
	msg = strings.ReplaceAll(msg, "#", `\x23`) // '#' would start a comment in some readers
	return fmt.Sprintf(`%s \(SQLSTATE %s\)`, msg, pe.Code)
}

// noteFix records the rewrite of the record that just failed, if complete
// mode knows one.
func (r *runner) noteFix(rec *record) {
	o := r.last
	if o.broken {
		return
	}
	var pe *pgconn.PgError
	isPG := o.err != nil && errors.As(o.err, &pe)
	keyword := "statement"
	if rec.kind == kindQuery {
		keyword = "query"
	}
	switch {
	case o.err != nil && !isPG:
		return // a timeout or a driver error: nothing to learn
	case o.err != nil:
		r.fixes[r.cur] = fix{directive: keyword + " error " + ErrorRegex(o.err)}
	case rec.expectError && rec.kind == kindStatement:
		r.fixes[r.cur] = fix{directive: "statement ok"}
	case rec.expectError:
		types := columnTypes(o.rs)
		got := r.resultLines(o.rs, types)
		if got == nil && len(o.rs.rows) > 0 {
			return
		}
		r.fixes[r.cur] = fix{directive: "query " + types, results: got, sep: true}
	case rec.kind == kindStatement && rec.hasCount:
		r.fixes[r.cur] = fix{directive: fmt.Sprintf("statement count %d", o.rs.rowsAffected)}
	case rec.kind == kindQuery && o.hasGot:
		r.fixes[r.cur] = fix{results: o.got, sep: true}
	}
}

// resultLines renders a result the way a query record with these types and
// the file's current modes compares it.
func (r *runner) resultLines(rs *resultSet, types string) []string {
	if r.format == FormatSQLite {
		rows, err := renderSQLite(rs, types)
		if err != nil {
			return nil
		}
		lines, _ := sqliteLines(rows, r.sort, r.threshold)
		return lines
	}
	return rsLines(renderRS(rs, r.opts), r.sort, r.threshold, r.valuewise)
}

// columnTypes guesses a type string from column type OIDs: I for integers, R
// for floats and numerics, T for everything else.
func columnTypes(rs *resultSet) string {
	var b strings.Builder
	for _, oid := range rs.oids {
		switch oid {
		case 20, 21, 23, 26: // int8, int2, int4, oid
			b.WriteByte('I')
		case 700, 701, 1700: // float4, float8, numeric
			b.WriteByte('R')
		default:
			b.WriteByte('T')
		}
	}
	if b.Len() == 0 {
		return "T"
	}
	return b.String()
}

// completed applies the fixes to the script's lines.
func (r *runner) completed(src string, spans []span, lines []string) string {
	if len(r.fixes) == 0 {
		return src
	}
	var out []string
	next := 0 // first line not yet copied
	for i, sp := range spans {
		f, ok := r.fixes[i]
		if !ok || sp.directive < sp.start {
			continue
		}
		out = append(out, lines[next:sp.directive]...)
		if f.directive != "" {
			out = append(out, f.directive)
		} else {
			out = append(out, lines[sp.directive])
		}
		sqlEnd := sp.end
		if sp.sep >= 0 {
			sqlEnd = sp.sep
		}
		out = append(out, lines[sp.directive+1:sqlEnd]...)
		if f.sep {
			out = append(out, "----")
			out = append(out, f.results...)
		}
		next = sp.end
	}
	out = append(out, lines[next:]...)
	return strings.Join(out, "\n")
}
