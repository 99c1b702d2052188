package exec

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/server"
	"github.com/eddysql/eddy/sql"
)

// copyOptions are COPY's WITH (...) options, with PostgreSQL's defaults.
type copyOptions struct {
	binary bool
	csv    bool
	header bool
	delim  byte
	null   string
	quote  byte
	escape byte
}

func parseCopyOptions(opts []sql.Option) (copyOptions, error) {
	o := copyOptions{}
	var delim, null, quote, escape *string
	for _, opt := range opts {
		v := opt.Value
		switch opt.Key {
		case "format":
			switch strings.ToLower(v) {
			case "text":
			case "csv":
				o.csv = true
			case "binary":
				o.binary = true
			default:
				return o, sql.Errorf(sql.CodeInvalidParameterValue, "COPY format %q not recognized", v)
			}
		case "csv":
			o.csv = true
		case "header":
			switch strings.ToLower(v) {
			case "", "true", "on", "1":
				o.header = true
			case "false", "off", "0":
			case "match":
				o.header = true
			default:
				return o, sql.Errorf(sql.CodeInvalidParameterValue, "header requires a Boolean value or \"match\"")
			}
		case "delimiter":
			delim = &opt.Value
		case "null":
			null = &opt.Value
		case "quote":
			quote = &opt.Value
		case "escape":
			escape = &opt.Value
		case "encoding", "freeze", "force_not_null", "force_null", "force_quote":
			// accepted; eddy speaks UTF-8 only and has no FREEZE
		default:
			return o, sql.Errorf(sql.CodeSyntaxError, "option %q not recognized", opt.Key)
		}
	}
	o.delim, o.null, o.quote, o.escape = '\t', `\N`, '"', '"'
	if o.csv {
		o.delim, o.null = ',', ""
	}
	if delim != nil {
		if len(*delim) != 1 {
			return o, sql.Errorf(sql.CodeFeatureNotSupported, "COPY delimiter must be a single one-byte character")
		}
		o.delim = (*delim)[0]
	}
	if null != nil {
		o.null = *null
	}
	if quote != nil {
		if !o.csv {
			return o, sql.Errorf(sql.CodeFeatureNotSupported, "COPY quote available only in CSV mode")
		}
		if len(*quote) != 1 {
			return o, sql.Errorf(sql.CodeFeatureNotSupported, "COPY quote must be a single one-byte character")
		}
		o.quote, o.escape = (*quote)[0], (*quote)[0]
	}
	if escape != nil {
		if !o.csv {
			return o, sql.Errorf(sql.CodeFeatureNotSupported, "COPY escape available only in CSV mode")
		}
		if len(*escape) != 1 {
			return o, sql.Errorf(sql.CodeFeatureNotSupported, "COPY escape must be a single one-byte character")
		}
		o.escape = (*escape)[0]
	}
	if o.binary && (o.csv || delim != nil || null != nil || o.header) {
		return o, sql.Errorf(sql.CodeSyntaxError, "cannot specify DELIMITER, NULL, HEADER or CSV in BINARY mode")
	}
	if o.header && !o.csv {
		return o, sql.Errorf(sql.CodeFeatureNotSupported, "COPY HEADER available only in CSV mode")
	}
	return o, nil
}

func (s *Session) prepareCopy(n *sql.Copy) (*statement, error) {
	o, err := parseCopyOptions(n.Options)
	if err != nil {
		return nil, err
	}
	if n.Subscribe != nil {
		return s.prepareCopySubscribe(n.Subscribe, o)
	}
	var rel *catalog.Relation
	var cols []int
	if n.Query == nil {
		if err := s.checkSchema(n.Table); err != nil {
			return nil, err
		}
		rel = s.e.cat.Lookup(n.Table.Schema, n.Table.Name)
		if rel == nil {
			return nil, sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", n.Table.Name)
		}
		if n.From && rel.Kind != catalog.KindTable && rel.Kind != catalog.KindSource {
			return nil, sql.Errorf(sql.CodeWrongObjectType, "cannot copy to non-table relation %q", rel.Name)
		}
		if n.From && isTopicTable(rel) {
			return nil, errTopicTableWrite(rel, "copy to")
		}
		if !n.From && rel.Kind != catalog.KindTable {
			return nil, sql.Errorf(sql.CodeWrongObjectType, "cannot copy from non-table relation %q", rel.Name)
		}
		if len(n.Columns) == 0 {
			for i := range rel.Columns {
				cols = append(cols, i)
			}
		} else {
			seen := map[int]bool{}
			for _, c := range n.Columns {
				i := rel.ColumnIndex(c)
				if i < 0 {
					return nil, sql.Errorf(sql.CodeUndefinedColumn, "column %q of relation %q does not exist", c, rel.Name)
				}
				if seen[i] {
					return nil, sql.Errorf(sql.CodeDuplicateColumn, "column %q specified more than once", c)
				}
				seen[i] = true
				cols = append(cols, i)
			}
		}
	}
	if n.From {
		return s.prepareCopyFrom(rel, cols, o)
	}
	var plan planner.Node
	var access []planner.Access
	if n.Query != nil {
		q, err := s.e.planner.PlanQuery(n.Query.AST, nil)
		if err != nil {
			return nil, err
		}
		plan, access = q.Plan, q.Access
	} else {
		scanCols := make([]planner.Column, len(rel.Columns))
		for i, c := range rel.Columns {
			scanCols[i] = planner.Column{Name: c.Name, Type: c.Type, TableOID: rel.OID, Attnum: int16(i + 1)}
		}
		exprs := make([]planner.Expr, len(cols))
		out := make([]planner.Column, len(cols))
		for j, i := range cols {
			exprs[j] = &planner.ColRef{Idx: i, Typ: rel.Columns[i].Type}
			out[j] = scanCols[i]
		}
		plan = &planner.Project{Input: &planner.Scan{Rel: rel, Cols: scanCols}, Exprs: exprs, Cols: out}
	}
	types := []sql.Type{}
	var names []string
	for _, c := range columnsOf(plan.Columns()) {
		types = append(types, c.Type)
		names = append(names, c.Name)
	}
	st := &statement{s: s, access: access}
	st.run = func(ctx context.Context, _ []sql.Value) (server.Result, error) {
		txn, discard := s.readTxn()
		rt := s.newRuntime(ctx, txn, nil)
		op, err := rt.build(plan)
		if err != nil {
			discard()
			return nil, err
		}
		r := &copyOutResult{rows: &rowsResult{op: op, closeFn: discard}, o: o, types: types, s: s}
		if o.header {
			r.header = r.formatRow(names, nil)
		}
		return r, nil
	}
	return st, nil
}

// copyOutResult formats a query's rows for COPY TO STDOUT.
type copyOutResult struct {
	rows   *rowsResult
	o      copyOptions
	types  []sql.Type
	s      *Session
	header []byte
	buf    []byte
	n      int
	ended  bool // binary: the trailer is sent
	// streaming: rows arrive over time (SUBSCRIBE), so each is sent at once.
	streaming bool
}

func (r *copyOutResult) Streaming() bool { return r.streaming }

var _ server.CopyOut = (*copyOutResult)(nil)

func (r *copyOutResult) CopyOutFormat() (bool, int) { return r.o.binary, len(r.types) }

// binaryHeader starts COPY's binary format: signature, flags, extension length.
var binaryHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

func (r *copyOutResult) NextCopyData(ctx context.Context) ([]byte, bool, error) {
	if r.o.binary {
		return r.nextBinary(ctx)
	}
	if r.header != nil {
		h := r.header
		r.header = nil
		return h, true, nil
	}
	row, ok, err := r.rows.Next(ctx)
	if err != nil || !ok {
		return nil, false, err
	}
	r.n++
	texts := make([]string, len(row))
	nulls := make([]bool, len(row))
	for i, v := range row {
		if v.IsNull() {
			nulls[i] = true
			continue
		}
		texts[i] = sql.FormatText(v, r.types[i], r.s.loc)
	}
	return r.formatRow(texts, nulls), true, nil
}

func (r *copyOutResult) nextBinary(ctx context.Context) ([]byte, bool, error) {
	if r.header == nil && r.n == 0 && !r.ended {
		r.header = binaryHeader
	}
	b := r.buf[:0]
	if r.header != nil {
		b = append(b, r.header...)
		r.header = nil
	}
	if r.ended {
		return nil, false, nil
	}
	row, ok, err := r.rows.Next(ctx)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		r.ended = true
		r.buf = append(b, 0xff, 0xff)
		return r.buf, true, nil
	}
	r.n++
	b = binary.BigEndian.AppendUint16(b, uint16(len(row)))
	for i, v := range row {
		if v.IsNull() {
			b = binary.BigEndian.AppendUint32(b, 0xffffffff)
			continue
		}
		at := len(b)
		b = append(b, 0, 0, 0, 0)
		if b, err = sql.AppendBinary(b, v, r.types[i]); err != nil {
			return nil, false, err
		}
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	}
	r.buf = b
	return b, true, nil
}

func (r *copyOutResult) formatRow(texts []string, nulls []bool) []byte {
	b := r.buf[:0]
	o := r.o
	for i, t := range texts {
		if i > 0 {
			b = append(b, o.delim)
		}
		if nulls != nil && nulls[i] {
			b = append(b, o.null...)
			continue
		}
		if o.csv {
			b = appendCSVField(b, t, o)
		} else {
			b = appendTextField(b, t, o.delim)
		}
	}
	b = append(b, '\n')
	r.buf = b
	return b
}

func appendCSVField(b []byte, t string, o copyOptions) []byte {
	need := t == o.null || strings.IndexByte(t, o.delim) >= 0 || strings.IndexByte(t, o.quote) >= 0 ||
		strings.ContainsAny(t, "\r\n") || (o.escape != o.quote && strings.IndexByte(t, o.escape) >= 0) || t == `\.`
	if !need {
		return append(b, t...)
	}
	b = append(b, o.quote)
	for i := 0; i < len(t); i++ {
		if t[i] == o.quote || t[i] == o.escape {
			b = append(b, o.escape)
		}
		b = append(b, t[i])
	}
	return append(b, o.quote)
}

func appendTextField(b []byte, t string, delim byte) []byte {
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\v':
			b = append(b, '\\', 'v')
		default:
			if c == delim {
				b = append(b, '\\')
			}
			b = append(b, c)
		}
	}
	return b
}

func (r *copyOutResult) Next(ctx context.Context) (sql.Row, bool, error) { return nil, false, nil }
func (r *copyOutResult) Tag() string                                     { return fmt.Sprintf("COPY %d", r.n) }
func (r *copyOutResult) Close() error                                    { return r.rows.Close() }

// copyBatch is how many rows COPY FROM parses before writing them.
const copyBatch = 1024

func (s *Session) prepareCopyFrom(rel *catalog.Relation, cols []int, o copyOptions) (*statement, error) {
	defaults := make([]planner.Expr, len(rel.Columns))
	given := map[int]bool{}
	for _, c := range cols {
		given[c] = true
	}
	for i := range rel.Columns {
		if !given[i] {
			x, err := s.e.planner.ColumnDefault(rel, i)
			if err != nil {
				return nil, err
			}
			defaults[i] = x
		}
	}
	st := &statement{s: s}
	st.run = func(ctx context.Context, _ []sql.Value) (server.Result, error) {
		r := &copyInResult{rel: rel, cols: cols, o: o, s: s, skipHeader: o.header}
		var rt *runtime
		if rel.Kind == catalog.KindSource {
			// COPY into a source produces its rows to the topic, a batch at
			// a time, as INSERT does: outside any transaction, so the
			// batches produced before an error stay in the topic.
			cfg, err := parseSourceOptions(rel.Name, rel.Options)
			if err != nil {
				return nil, err
			}
			rt = s.newRuntime(ctx, nil, nil)
			r.end = func(err error) error { return err }
			r.produce = func(rows []sql.Row) (int, error) { return s.produceRows(ctx, rel, cfg, rows) }
		} else {
			r.w, r.end = s.startDML(ctx, nil)
			rt = r.w.rt
		}
		end := r.end
		r.defaults = make([]evalFn, len(defaults))
		for i, x := range defaults {
			if x == nil {
				continue
			}
			f, err := rt.compile(x)
			if err != nil {
				_ = end(err)
				return nil, err
			}
			r.defaults[i] = f
		}
		return r, nil
	}
	return st, nil
}

// copyInResult parses COPY FROM STDIN data as it arrives and writes the
// rows in batches through one writer, so a load of any size streams.
type copyInResult struct {
	w *writer
	// produce, for a source, sends rows to its topic instead of w.
	produce    func([]sql.Row) (int, error)
	end        func(error) error
	rel        *catalog.Relation
	cols       []int
	defaults   []evalFn
	o          copyOptions
	s          *Session
	pending    []byte
	batch      []sql.Row
	line       int
	n          int
	skipHeader bool
	headerDone bool // binary: the file header is read
	sawEnd     bool // the \. marker
	done       bool
	err        error
}

var _ server.CopyIn = (*copyInResult)(nil)

func (r *copyInResult) CopyInFormat() (bool, int) { return r.o.binary, len(r.cols) }

func (r *copyInResult) CopyData(ctx context.Context, data []byte) error {
	if r.err != nil {
		return r.err
	}
	r.pending = append(r.pending, data...)
	if err := r.parse(false); err != nil {
		r.fail(err)
		return err
	}
	return nil
}

func (r *copyInResult) fail(err error) {
	if r.err == nil {
		r.err = err
		r.done = true
		_ = r.end(err)
	}
}

// parse takes every complete record from pending; at the end (final) the
// rest is the last record even without a newline.
func (r *copyInResult) parse(final bool) error {
	if r.o.binary {
		return r.parseBinary(final)
	}
	data := r.pending
	pos := 0
	for pos < len(data) && !r.sawEnd {
		end, next := r.recordEnd(data, pos)
		if end < 0 {
			if !final {
				break
			}
			end, next = len(data), len(data)
		}
		rec := data[pos:end]
		if len(rec) > 0 && rec[len(rec)-1] == '\r' {
			rec = rec[:len(rec)-1]
		}
		pos = next
		r.line++
		if string(rec) == `\.` {
			r.sawEnd = true
			break
		}
		if r.skipHeader {
			r.skipHeader = false
			continue
		}
		if err := r.record(rec); err != nil {
			return err
		}
		if len(r.batch) >= copyBatch {
			if err := r.flush(); err != nil {
				return err
			}
		}
	}
	r.pending = append(r.pending[:0], data[pos:]...)
	return nil
}

// parseBinary takes every complete tuple of the binary format from pending.
func (r *copyInResult) parseBinary(final bool) error {
	data := r.pending
	pos := 0
	bad := func(msg string) error { return &sql.Error{Code: "22P04", Message: msg} }
	for !r.sawEnd {
		if !r.headerDone {
			if len(data) < len(binaryHeader) {
				break
			}
			if !bytes.Equal(data[:11], binaryHeader[:11]) {
				return bad("COPY file signature not recognized")
			}
			ext := int(binary.BigEndian.Uint32(data[15:19]))
			if len(data) < 19+ext {
				break
			}
			pos, r.headerDone = 19+ext, true
			continue
		}
		if len(data)-pos < 2 {
			break
		}
		nf := int(int16(binary.BigEndian.Uint16(data[pos:])))
		if nf == -1 {
			r.sawEnd = true
			pos += 2
			break
		}
		if nf != len(r.cols) {
			return bad(fmt.Sprintf("row field count is %d, expected %d", nf, len(r.cols)))
		}
		// Find the tuple's end before converting anything.
		at := pos + 2
		fields := make([][]byte, nf)
		complete := true
		for i := 0; i < nf; i++ {
			if len(data)-at < 4 {
				complete = false
				break
			}
			n := int(int32(binary.BigEndian.Uint32(data[at:])))
			at += 4
			if n < 0 {
				continue
			}
			if len(data)-at < n {
				complete = false
				break
			}
			fields[i] = data[at : at+n]
			at += n
		}
		if !complete {
			break
		}
		r.line++
		row := make(sql.Row, len(r.rel.Columns))
		for i := range row {
			row[i] = sql.Null
		}
		for j, c := range r.cols {
			if fields[j] == nil {
				continue
			}
			v, err := sql.ParseBinary(fields[j], r.rel.Columns[c].Type)
			if err != nil {
				return err
			}
			row[c] = v
		}
		if err := r.fillDefaults(row); err != nil {
			return err
		}
		r.batch = append(r.batch, row)
		pos = at
		if len(r.batch) >= copyBatch {
			if err := r.flush(); err != nil {
				return err
			}
		}
	}
	if final && !r.sawEnd && len(data) > pos {
		return bad("unexpected EOF in COPY data")
	}
	r.pending = append(r.pending[:0], data[pos:]...)
	return nil
}

// recordEnd finds the newline that ends the record starting at pos (CSV
// quotes may hold newlines), or -1 when the record is not complete yet.
func (r *copyInResult) recordEnd(data []byte, pos int) (end, next int) {
	if !r.o.csv {
		i := bytes.IndexByte(data[pos:], '\n')
		if i < 0 {
			return -1, -1
		}
		return pos + i, pos + i + 1
	}
	inQuote := false
	for i := pos; i < len(data); i++ {
		c := data[i]
		switch {
		case inQuote && c == r.o.escape && r.o.escape != r.o.quote && i+1 < len(data):
			i++
		case c == r.o.quote:
			if inQuote && r.o.escape == r.o.quote && i+1 < len(data) && data[i+1] == r.o.quote {
				i++
			} else {
				inQuote = !inQuote
			}
		case c == '\n' && !inQuote:
			return i, i + 1
		}
	}
	return -1, -1
}

func (r *copyInResult) copyErr(format string, args ...any) error {
	// The error has no CONTEXT field here; the line goes into the detail.
	return &sql.Error{Code: "22P04", Message: fmt.Sprintf(format, args...), Detail: fmt.Sprintf("COPY %s, line %d", r.rel.Name, r.line)}
}

// record converts one record into a table row.
func (r *copyInResult) record(rec []byte) error {
	var fields []string
	var nulls []bool
	if r.o.csv {
		fields, nulls = splitCSV(rec, r.o)
	} else {
		var err error
		if fields, nulls, err = splitText(rec, r.o); err != nil {
			return r.copyErr("%s", err.Error())
		}
	}
	if len(fields) < len(r.cols) {
		return r.copyErr("missing data for column %q", r.rel.Columns[r.cols[len(fields)]].Name)
	}
	if len(fields) > len(r.cols) {
		return r.copyErr("extra data after last expected column")
	}
	row := make(sql.Row, len(r.rel.Columns))
	for i := range row {
		row[i] = sql.Null
	}
	for j, c := range r.cols {
		if nulls[j] {
			continue
		}
		v, err := sql.ParseText(fields[j], r.rel.Columns[c].Type, r.s.loc)
		if err != nil {
			return err
		}
		row[c] = v
	}
	if err := r.fillDefaults(row); err != nil {
		return err
	}
	r.batch = append(r.batch, row)
	return nil
}

// fillDefaults evaluates the defaults of the columns COPY leaves out.
func (r *copyInResult) fillDefaults(row sql.Row) error {
	for i, f := range r.defaults {
		if f == nil {
			continue
		}
		v, err := f(nil)
		if err != nil {
			return err
		}
		row[i] = v
	}
	return nil
}

func (r *copyInResult) flush() error {
	if len(r.batch) == 0 {
		return nil
	}
	var n int
	var err error
	if r.produce != nil {
		n, err = r.produce(r.batch)
	} else {
		n, err = r.w.insertRows(r.rel, r.batch, nil, nil)
	}
	r.n += n
	r.batch = r.batch[:0]
	return err
}

// Next finishes the load at CopyDone: the last record, the foreign key
// checks, and the commit.
func (r *copyInResult) Next(ctx context.Context) (sql.Row, bool, error) {
	if r.err != nil {
		return nil, false, r.err
	}
	if r.done {
		return nil, false, nil
	}
	r.done = true
	err := r.parse(true)
	if err == nil {
		err = r.flush()
	}
	if err := r.end(err); err != nil {
		r.err = err
		return nil, false, err
	}
	return nil, false, nil
}

func (r *copyInResult) Tag() string { return fmt.Sprintf("COPY %d", r.n) }

// Close discards an unfinished load (CopyFail, a lost client).
func (r *copyInResult) Close() error {
	if !r.done {
		r.fail(sql.Errorf(sql.CodeQueryCanceled, "COPY from stdin failed"))
	}
	return nil
}

// splitText splits a text-format line at delimiters and undoes backslash
// escapes; the NULL string is compared before unescaping, as in PostgreSQL.
func splitText(rec []byte, o copyOptions) ([]string, []bool, error) {
	var fields []string
	var nulls []bool
	var cur []byte
	raw := 0 // start of the current field in rec
	for i := 0; i <= len(rec); i++ {
		if i == len(rec) || rec[i] == o.delim {
			rawField := string(rec[raw:i])
			if rawField == o.null {
				fields, nulls = append(fields, ""), append(nulls, true)
			} else {
				fields, nulls = append(fields, string(cur)), append(nulls, false)
			}
			cur, raw = cur[:0], i+1
			continue
		}
		c := rec[i]
		if c != '\\' || i+1 >= len(rec) {
			cur = append(cur, c)
			continue
		}
		i++
		switch e := rec[i]; e {
		case 'b':
			cur = append(cur, '\b')
		case 'f':
			cur = append(cur, '\f')
		case 'n':
			cur = append(cur, '\n')
		case 'r':
			cur = append(cur, '\r')
		case 't':
			cur = append(cur, '\t')
		case 'v':
			cur = append(cur, '\v')
		case 'x':
			j := i + 1
			for j < len(rec) && j < i+3 && isHex(rec[j]) {
				j++
			}
			if j == i+1 {
				cur = append(cur, 'x')
				continue
			}
			v, _ := strconv.ParseUint(string(rec[i+1:j]), 16, 8)
			cur = append(cur, byte(v))
			i = j - 1
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(rec) && j < i+3 && rec[j] >= '0' && rec[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(string(rec[i:j]), 8, 16)
			cur = append(cur, byte(v))
			i = j - 1
		default:
			cur = append(cur, e)
		}
	}
	return fields, nulls, nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// splitCSV splits one CSV record; an unquoted field equal to the NULL
// string is NULL, a quoted one never is.
func splitCSV(rec []byte, o copyOptions) ([]string, []bool) {
	var fields []string
	var nulls []bool
	var cur []byte
	quoted, inQuote := false, false
	for i := 0; i <= len(rec); i++ {
		if i == len(rec) || (!inQuote && rec[i] == o.delim) {
			f := string(cur)
			fields = append(fields, f)
			nulls = append(nulls, !quoted && f == o.null)
			cur, quoted = cur[:0], false
			continue
		}
		c := rec[i]
		switch {
		case inQuote && c == o.escape && i+1 < len(rec) && (rec[i+1] == o.quote || rec[i+1] == o.escape):
			i++
			cur = append(cur, rec[i])
		case c == o.quote:
			inQuote = !inQuote
			quoted = true
		default:
			cur = append(cur, c)
		}
	}
	return fields, nulls
}

// guardCopy keeps a COPY result's CopyIn or CopyOut visible through the
// guardedResult that wraps every result.
func guardCopy(g *guardedResult, res server.Result) server.Result {
	switch r := res.(type) {
	case server.CopyIn:
		return &guardedCopyIn{guardedResult: g, in: r}
	case server.CopyOut:
		return &guardedCopyOut{guardedResult: g, out: r}
	}
	return g
}

type guardedCopyIn struct {
	*guardedResult
	in server.CopyIn
}

func (g *guardedCopyIn) CopyInFormat() (bool, int) { return g.in.CopyInFormat() }

func (g *guardedCopyIn) CopyData(ctx context.Context, data []byte) error {
	err := g.in.CopyData(g.ctx, data)
	if err != nil {
		err = ctxErr(g.ctx, err)
		if g.s.txn != nil {
			g.s.failed = true
		}
	}
	return err
}

type guardedCopyOut struct {
	*guardedResult
	out server.CopyOut
}

func (g *guardedCopyOut) CopyOutFormat() (bool, int) { return g.out.CopyOutFormat() }

func (g *guardedCopyOut) NextCopyData(ctx context.Context) ([]byte, bool, error) {
	data, ok, err := g.out.NextCopyData(g.ctx)
	if err != nil {
		err = ctxErr(g.ctx, err)
		if g.s.txn != nil {
			g.s.failed = true
		}
	}
	return data, ok, err
}
