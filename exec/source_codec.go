package exec

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// recordDecoder fills a row's declared columns from a record value. The row
// comes in all NULL; a decoder sets only what it finds.
type recordDecoder interface {
	decode(value []byte, row sql.Row) error
}

func newRecordDecoder(format string, cols []catalog.Column, loc *time.Location) recordDecoder {
	switch format {
	case "csv":
		return &csvDecoder{cols: cols, loc: loc}
	case "text":
		return textDecoder{t: cols[0].Type, loc: loc}
	case "bytes":
		return bytesDecoder{}
	}
	d := &jsonDecoder{cols: cols, loc: loc, index: make(map[string]int, len(cols)), plainText: make([]bool, len(cols))}
	for i, c := range cols {
		d.index[c.Name] = i
		d.plainText[i] = c.Type.OID == sql.OIDText && c.Type.Elem == nil
	}
	return d
}

type textDecoder struct {
	t   sql.Type
	loc *time.Location
}

func (d textDecoder) decode(v []byte, row sql.Row) error {
	if v == nil {
		return nil
	}
	x, err := sql.ParseText(string(v), d.t, d.loc)
	row[0] = x
	return err
}

type bytesDecoder struct{}

func (bytesDecoder) decode(v []byte, row sql.Row) error {
	if v != nil {
		row[0] = sql.NewBytes(v)
	}
	return nil
}

// csvDecoder maps fields to columns by position; an empty field is NULL, as
// in COPY ... CSV.
type csvDecoder struct {
	cols []catalog.Column
	loc  *time.Location
}

func (d *csvDecoder) decode(v []byte, row sql.Row) error {
	if v == nil {
		return nil
	}
	r := csv.NewReader(bytes.NewReader(v))
	r.FieldsPerRecord = -1
	fields, err := r.Read()
	if err != nil {
		return sql.Errorf(sql.CodeInvalidTextRepresentation, "invalid CSV: %v", err)
	}
	if len(fields) != len(d.cols) {
		return sql.Errorf(sql.CodeInvalidTextRepresentation, "%d fields, want %d", len(fields), len(d.cols))
	}
	for i, f := range fields {
		if f == "" {
			continue
		}
		if row[i], err = sql.ParseText(f, d.cols[i].Type, d.loc); err != nil {
			return fmt.Errorf("column %s: %w", d.cols[i].Name, err)
		}
	}
	return nil
}

// jsonDecoder reads one JSON object per record with a single pass over the
// bytes: values of undeclared keys are skipped without being built, and
// declared ones are converted straight into the column's type (numbers keep
// every digit; nested objects and arrays become json/jsonb; strings go
// through the type's text input, so timestamps parse as PostgreSQL does).
type jsonDecoder struct {
	cols  []catalog.Column
	index map[string]int
	loc   *time.Location
	// unused, when set, flags the text columns that no reader needs
	// (dataflow.sourceColumns): their strings are checked as ParseText
	// would, so the same records decode, but not built.
	unused []bool

	buf   []byte // unescaped strings
	s     []byte
	i     int
	ascii bool // the last string read was all ASCII (str)
	// order is the keys of the last records by position (column).
	order []keyColumn
	// plainText flags the columns of type text, whose strings are
	// gathered in texts (pending) and built at the record's end.
	plainText []bool
	texts     []byte
	pending   []pendingText
}

var errJSONSyntax = errors.New("invalid JSON")

func (d *jsonDecoder) decode(v []byte, row sql.Row) error {
	if v == nil {
		return nil
	}
	d.texts, d.pending = d.texts[:0], d.pending[:0]
	if err := d.object(v, row); err != nil {
		return err
	}
	if len(d.pending) > 0 {
		// One string holds the record's text values: one allocation
		// rather than one per value, and a value kept for long holds no
		// more than its own record's texts.
		all := string(d.texts)
		for _, p := range d.pending {
			row[p.col] = sql.NewText(all[p.off:p.end])
		}
	}
	return nil
}

// pendingText is a text value of the record being decoded, at
// texts[off:end] until the record is done.
type pendingText struct {
	col, off, end int
}

func (d *jsonDecoder) object(v []byte, row sql.Row) error {
	d.s, d.i = v, 0
	d.ws()
	if d.i < len(d.s) && d.s[d.i] == 'n' {
		// A JSON null value (a tombstone) has no columns.
		if err := d.literal("null"); err != nil {
			return err
		}
		return d.end()
	}
	if !d.eat('{') {
		return errors.New("not a JSON object")
	}
	d.ws()
	if d.eat('}') {
		return d.end()
	}
	for k := 0; ; k++ {
		d.ws()
		key, err := d.str()
		if err != nil {
			return err
		}
		col, ok := d.column(k, key)
		d.ws()
		if !d.eat(':') {
			return errJSONSyntax
		}
		d.ws()
		if ok && d.unused != nil && d.unused[col] {
			if err := d.checkText(d.cols[col].Type); err != nil {
				return fmt.Errorf("column %s: %w", d.cols[col].Name, err)
			}
		} else if ok && d.plainText[col] && d.i < len(d.s) && d.s[d.i] == '"' {
			start := d.i
			t, err := d.str()
			if err == nil && (d.ascii || utf8.Valid(t) && bytes.IndexByte(t, 0) < 0) {
				d.pending = append(d.pending, pendingText{col, len(d.texts), len(d.texts) + len(t)})
				d.texts = append(d.texts, t...)
			} else {
				d.i = start // value says what is wrong
				if _, err := d.value(d.cols[col].Type); err != nil {
					return fmt.Errorf("column %s: %w", d.cols[col].Name, err)
				}
				return fmt.Errorf("column %s: %w", d.cols[col].Name, errJSONSyntax)
			}
		} else if ok {
			if row[col], err = d.value(d.cols[col].Type); err != nil {
				return fmt.Errorf("column %s: %w", d.cols[col].Name, err)
			}
			// A later key overrides an earlier one of the same name.
			for i := 0; i < len(d.pending); i++ {
				if d.pending[i].col == col {
					d.pending = append(d.pending[:i], d.pending[i+1:]...)
					i--
				}
			}
		} else if err := d.skip(0); err != nil {
			return err
		}
		d.ws()
		if d.eat(',') {
			continue
		}
		if d.eat('}') {
			return d.end()
		}
		return errJSONSyntax
	}
}

// column finds the declared column of the k-th key of an object. A topic's
// records mostly list the same keys in the same order, so the key the
// last record had at k is tried before the map.
func (d *jsonDecoder) column(k int, key []byte) (int, bool) {
	if k < len(d.order) && d.order[k].name == string(key) {
		c := d.order[k].col
		return c, c >= 0
	}
	col, ok := d.index[string(key)]
	if !ok {
		col = -1
	}
	switch {
	case k < len(d.order):
		d.order[k] = keyColumn{string(key), col}
	case k == len(d.order) && k < maxKeyOrder:
		d.order = append(d.order, keyColumn{string(key), col})
	}
	return col, ok
}

// maxKeyOrder bounds the keys whose order jsonDecoder.column remembers.
const maxKeyOrder = 64

// keyColumn is a key and its declared column (-1: none).
type keyColumn struct {
	name string
	col  int
}

func (d *jsonDecoder) end() error {
	d.ws()
	if d.i != len(d.s) {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func (d *jsonDecoder) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonDecoder) eat(c byte) bool {
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *jsonDecoder) literal(lit string) error {
	if !bytes.HasPrefix(d.s[d.i:], []byte(lit)) {
		return errJSONSyntax
	}
	d.i += len(lit)
	return nil
}

// str reads a string; the result is valid until the next call. d.ascii
// tells whether its bytes were all ASCII (so valid UTF-8 without a NUL:
// a raw control character is a syntax error, and an escaped one sets it
// false).
func (d *jsonDecoder) str() ([]byte, error) {
	if !d.eat('"') {
		return nil, errJSONSyntax
	}
	start := d.i
	// Eight bytes at a time while none is a quote, a backslash, a control
	// character or past ASCII: most strings are plain, and the byte loop
	// below takes over at the first word that is not.
	s := d.s
	for d.i+8 <= len(s) {
		w := binary.LittleEndian.Uint64(s[d.i:])
		if swarSpecial(w) != 0 {
			break
		}
		d.i += 8
	}
	ascii := true
	for d.i < len(s) {
		c := s[d.i]
		if c == '"' {
			d.i++
			d.ascii = ascii
			return s[start : d.i-1], nil
		}
		if c == '\\' {
			d.ascii = false
			return d.strEscaped(start)
		}
		if c < 0x20 {
			return nil, errJSONSyntax
		}
		if c >= 0x80 {
			ascii = false
		}
		d.i++
	}
	return nil, errJSONSyntax
}

const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// swarSpecial is nonzero when one of w's bytes is '"', '\\', below 0x20 or
// above 0x7f (and may be, after such a byte, for one that is not).
func swarSpecial(w uint64) uint64 {
	q := w ^ (swarOnes * '"')
	b := w ^ (swarOnes * '\\')
	return ((q-swarOnes)&^q | (b-swarOnes)&^b | (w-swarOnes*0x20)&^w | w) & swarHigh
}

func (d *jsonDecoder) strEscaped(start int) ([]byte, error) {
	d.buf = append(d.buf[:0], d.s[start:d.i]...)
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return d.buf, nil
		case c < 0x20:
			return nil, errJSONSyntax
		case c != '\\':
			d.buf = append(d.buf, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.s) {
			return nil, errJSONSyntax
		}
		e := d.s[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			d.buf = append(d.buf, e)
		case 'b':
			d.buf = append(d.buf, '\b')
		case 'f':
			d.buf = append(d.buf, '\f')
		case 'n':
			d.buf = append(d.buf, '\n')
		case 'r':
			d.buf = append(d.buf, '\r')
		case 't':
			d.buf = append(d.buf, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return nil, errJSONSyntax
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if d.i+1 < len(d.s) && d.s[d.i] == '\\' && d.s[d.i+1] == 'u' {
					d.i += 2
					if r2, ok = d.hex4(); !ok {
						return nil, errJSONSyntax
					}
				}
				r = utf16.DecodeRune(r, r2)
			}
			if r == 0 {
				return nil, errors.New(`\u0000 cannot be converted to text`)
			}
			d.buf = utf8.AppendRune(d.buf, r)
		default:
			return nil, errJSONSyntax
		}
	}
	return nil, errJSONSyntax
}

func (d *jsonDecoder) hex4() (rune, bool) {
	if d.i+4 > len(d.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(d.s[d.i:d.i+4]), 16, 32)
	d.i += 4
	return rune(n), err == nil
}

// skip passes over one value, checking its syntax.
func (d *jsonDecoder) skip(depth int) error {
	if depth > 1000 {
		return errors.New("JSON nested too deeply")
	}
	if d.i >= len(d.s) {
		return errJSONSyntax
	}
	switch c := d.s[d.i]; c {
	case '"':
		_, err := d.str()
		return err
	case '{', '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		d.i++
		d.ws()
		if d.eat(closer) {
			return nil
		}
		for {
			d.ws()
			if c == '{' {
				if _, err := d.str(); err != nil {
					return err
				}
				d.ws()
				if !d.eat(':') {
					return errJSONSyntax
				}
				d.ws()
			}
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			d.ws()
			if d.eat(',') {
				continue
			}
			if d.eat(closer) {
				return nil
			}
			return errJSONSyntax
		}
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	_, err := d.number()
	return err
}

func (d *jsonDecoder) number() ([]byte, error) {
	start := d.i
	d.eat('-')
	digits := d.i
	for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
		d.i++
	}
	if d.i == digits || (d.s[digits] == '0' && d.i-digits > 1) {
		return nil, errJSONSyntax
	}
	if d.eat('.') {
		frac := d.i
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
		}
		if d.i == frac {
			return nil, errJSONSyntax
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if !d.eat('+') {
			d.eat('-')
		}
		exp := d.i
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
		}
		if d.i == exp {
			return nil, errJSONSyntax
		}
	}
	return d.s[start:d.i], nil
}

// value reads one value into type t.
func (d *jsonDecoder) value(t sql.Type) (sql.Value, error) {
	if d.i >= len(d.s) {
		return sql.Null, errJSONSyntax
	}
	if v, ok := d.fastInt(t); ok {
		return v, nil
	}
	isJSON := t.OID == sql.OIDJSON || t.OID == sql.OIDJSONB
	start := d.i
	switch c := d.s[d.i]; {
	case c == 'n':
		return sql.Null, d.literal("null")
	case c == '"':
		s, err := d.str()
		if err != nil {
			return sql.Null, err
		}
		if isJSON {
			return sql.ParseText(string(d.s[start:d.i]), t, d.loc)
		}
		if v, ok := d.fastString(s, t); ok {
			return v, nil
		}
		return sql.ParseText(string(s), t, d.loc)
	case c == 't' || c == 'f':
		lit := "true"
		if c == 'f' {
			lit = "false"
		}
		if err := d.literal(lit); err != nil {
			return sql.Null, err
		}
		if t.OID == sql.OIDBool {
			return sql.NewBool(c == 't'), nil
		}
		return sql.ParseText(lit, t, d.loc)
	case c == '{' || c == '[':
		if err := d.skip(0); err != nil {
			return sql.Null, err
		}
		if !isJSON && t.Kind() != sql.KindText {
			return sql.Null, fmt.Errorf("a JSON %s cannot be read as %s", map[byte]string{'{': "object", '[': "array"}[c], t)
		}
		return sql.ParseText(string(d.s[start:d.i]), t, d.loc)
	}
	num, err := d.number()
	if err != nil {
		return sql.Null, err
	}
	if t.Kind() == sql.KindInt && !isJSON {
		if v, ok := parseJSONInt(num, t); ok {
			return v, nil
		}
	}
	return sql.ParseText(string(num), t, d.loc)
}

// checkText reads a value of an unused text column: a string is only
// checked, anything else (or a string that fails the check) goes through
// value, for the same error.
func (d *jsonDecoder) checkText(t sql.Type) error {
	start := d.i
	if d.i < len(d.s) && d.s[d.i] == '"' {
		s, err := d.str()
		if err == nil && (d.ascii || utf8.Valid(s) && bytes.IndexByte(s, 0) < 0) {
			return nil
		}
		d.i = start
	}
	_, err := d.value(t)
	return err
}

// newSourceDecoder is newRecordDecoder for a reader that needs only the
// columns flagged in read (nil: all of them).
func newSourceDecoder(format string, cols []catalog.Column, loc *time.Location, read []bool) recordDecoder {
	dec := newRecordDecoder(format, cols, loc)
	if jd, ok := dec.(*jsonDecoder); ok && read != nil {
		for i, c := range cols {
			if i < len(read) && !read[i] && c.Type.OID == sql.OIDText && c.Type.Elem == nil {
				if jd.unused == nil {
					jd.unused = make([]bool, len(cols))
				}
				jd.unused[i] = true
			}
		}
	}
	return dec
}

// fastString converts the strings of the commonest types without the text
// input's generality: text needs only the checks ParseText makes, and a
// timestamp in ISO form parses without allocation.
func (d *jsonDecoder) fastString(s []byte, t sql.Type) (sql.Value, bool) {
	if t.Elem != nil {
		return sql.Null, false
	}
	switch t.OID {
	case sql.OIDText:
		if !d.ascii && (!utf8.Valid(s) || bytes.IndexByte(s, 0) >= 0) {
			return sql.Null, false // ParseText says why
		}
		return sql.NewText(string(s)), true
	case sql.OIDTimestamp, sql.OIDTimestampTZ:
		if t.Mod >= 0 {
			return sql.Null, false
		}
		us, ok := sql.ParseTimestampISO(s)
		if !ok {
			return sql.Null, false
		}
		if t.OID == sql.OIDTimestamp {
			return sql.NewTimestamp(us), true
		}
		return sql.NewTimestampTZ(sql.LocalToUTC(us, d.loc)), true
	}
	return sql.Null, false
}

// fastInt reads a plain integer into an integer column in one pass over
// its digits; it reads nothing (false) for any other value or type, or a
// number with a fraction or exponent, or one that may not fit, which
// value's general path reads or refuses.
func (d *jsonDecoder) fastInt(t sql.Type) (sql.Value, bool) {
	var lo, hi int64
	switch t.OID {
	case sql.OIDInt8:
		lo, hi = math.MinInt64, math.MaxInt64
	case sql.OIDInt4:
		lo, hi = math.MinInt32, math.MaxInt32
	case sql.OIDInt2:
		lo, hi = math.MinInt16, math.MaxInt16
	default:
		return sql.Null, false
	}
	if t.Elem != nil {
		return sql.Null, false
	}
	s, i := d.s, d.i
	neg := i < len(s) && s[i] == '-'
	if neg {
		i++
	}
	digits := i
	var n int64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' && i-digits < 18 {
		n = n*10 + int64(s[i]-'0')
		i++
	}
	if i == digits || (s[digits] == '0' && i-digits > 1) {
		return sql.Null, false
	}
	if i < len(s) {
		switch s[i] {
		case '.', 'e', 'E', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			return sql.Null, false
		}
	}
	if neg {
		n = -n
	}
	if n < lo || n > hi {
		return sql.Null, false
	}
	d.i = i
	return sql.NewInt(n), true
}

// parseJSONInt is the allocation-free path for plain integers; anything
// else (fractions, exponents, overflow) goes through the type's text input,
// which reports the error.
func parseJSONInt(b []byte, t sql.Type) (sql.Value, bool) {
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) > 18 {
		return sql.Null, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return sql.Null, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	switch t.OID {
	case sql.OIDInt2:
		if n < math.MinInt16 || n > math.MaxInt16 {
			return sql.Null, false
		}
	case sql.OIDInt4:
		if n < math.MinInt32 || n > math.MaxInt32 {
			return sql.Null, false
		}
	case sql.OIDInt8:
	default:
		return sql.Null, false
	}
	return sql.NewInt(n), true
}

// recordEncoder turns a row of declared columns into a record value.
type recordEncoder struct {
	format string
	cols   []catalog.Column
	loc    *time.Location
}

func newRecordEncoder(format string, cols []catalog.Column, loc *time.Location) *recordEncoder {
	return &recordEncoder{format: format, cols: cols, loc: loc}
}

func (e *recordEncoder) encode(row sql.Row) ([]byte, error) {
	switch e.format {
	case "text":
		if row[0].IsNull() {
			return nil, nil
		}
		return []byte(sql.FormatText(row[0], e.cols[0].Type, e.loc)), nil
	case "bytes":
		if row[0].IsNull() {
			return nil, nil
		}
		return row[0].Bytes(), nil
	case "csv":
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		fields := make([]string, len(e.cols))
		for i, c := range e.cols {
			if !row[i].IsNull() {
				fields[i] = sql.FormatText(row[i], c.Type, e.loc)
			}
		}
		if err := w.Write(fields); err != nil {
			return nil, err
		}
		w.Flush()
		return bytes.TrimRight(b.Bytes(), "\n"), w.Error()
	}
	out := []byte{'{'}
	for i, c := range e.cols {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendJSONString(out, c.Name)
		out = append(out, ':')
		out = appendJSONValue(out, row[i], c.Type, e.loc)
	}
	return append(out, '}'), nil
}

// appendJSONValue writes numbers and booleans as JSON scalars (NaN and
// infinities, which JSON lacks, as strings), json as itself, and everything
// else as a string of its PostgreSQL text form, which the decoder reads back.
func appendJSONValue(out []byte, v sql.Value, t sql.Type, loc *time.Location) []byte {
	if v.IsNull() {
		return append(out, "null"...)
	}
	switch v.Kind() {
	case sql.KindBool:
		return strconv.AppendBool(out, v.Bool())
	case sql.KindJSON:
		return append(out, v.Text()...)
	case sql.KindInt, sql.KindFloat, sql.KindNumeric:
		if t.IsArray() {
			break
		}
		s := sql.FormatText(v, t, loc)
		if isJSONNumber(s) {
			return append(out, s...)
		}
		return appendJSONString(out, s)
	}
	return appendJSONString(out, sql.FormatText(v, t, loc))
}

func appendJSONString(out []byte, s string) []byte {
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			out = append(out, '\\', c)
		case c == '\n':
			out = append(out, '\\', 'n')
		case c == '\r':
			out = append(out, '\\', 'r')
		case c == '\t':
			out = append(out, '\\', 't')
		case c < 0x20:
			out = append(out, fmt.Sprintf(`\u%04x`, c)...)
		default:
			out = append(out, c)
		}
	}
	return append(out, '"')
}

// isJSONNumber tells numbers from NaN and the infinities, which JSON lacks.
func isJSONNumber(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	return s != "" && s[0] >= '0' && s[0] <= '9'
}
