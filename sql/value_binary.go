package sql

import (
	"encoding/binary"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
)

// AppendBinary appends v in PostgreSQL's binary (send) format for type t.
func AppendBinary(buf []byte, v Value, t Type) ([]byte, error) {
	if t.Elem != nil {
		return appendBinaryArray(buf, v, t)
	}
	if t.OID == OIDRecord {
		return appendBinaryRecord(buf, v.Array())
	}
	switch t.OID {
	case OIDBool:
		if v.i != 0 {
			return append(buf, 1), nil
		}
		return append(buf, 0), nil
	case OIDInt2:
		return binary.BigEndian.AppendUint16(buf, uint16(v.i)), nil
	case OIDInt4:
		return binary.BigEndian.AppendUint32(buf, uint32(v.i)), nil
	case OIDInt8:
		return binary.BigEndian.AppendUint64(buf, uint64(v.i)), nil
	case OIDOid, OIDRegclass, OIDRegtype, OIDRegnamespace, OIDRegproc:
		return binary.BigEndian.AppendUint32(buf, uint32(v.i)), nil
	case OIDFloat4:
		return binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(v.Float()))), nil
	case OIDFloat8:
		return binary.BigEndian.AppendUint64(buf, math.Float64bits(v.Float())), nil
	case OIDNumeric:
		return appendBinaryNumeric(buf, v.Numeric()), nil
	case OIDDate:
		d := v.i
		switch d {
		case NegInfinity:
			return binary.BigEndian.AppendUint32(buf, 1<<31), nil
		case PosInfinity:
			return binary.BigEndian.AppendUint32(buf, uint32(math.MaxInt32)), nil
		}
		return binary.BigEndian.AppendUint32(buf, uint32(int32(d-pgEpochDays))), nil
	case OIDTime:
		return binary.BigEndian.AppendUint64(buf, uint64(v.i)), nil
	case OIDTimestamp, OIDTimestampTZ:
		us := v.i
		if us != NegInfinity && us != PosInfinity {
			us -= pgEpochMicros
		}
		return binary.BigEndian.AppendUint64(buf, uint64(us)), nil
	case OIDInterval:
		iv := v.Interval()
		buf = binary.BigEndian.AppendUint64(buf, uint64(iv.Micros))
		buf = binary.BigEndian.AppendUint32(buf, uint32(iv.Days))
		return binary.BigEndian.AppendUint32(buf, uint32(iv.Months)), nil
	case OIDJSONB:
		buf = append(buf, 1)
		return append(buf, v.s...), nil
	case OIDUUID:
		raw, ok := uuidBytes(v.s)
		if !ok {
			return buf, Errorf(CodeInvalidTextRepresentation, "invalid input syntax for type uuid: %q", v.s)
		}
		return append(buf, raw[:]...), nil
	case OIDChar:
		if len(v.s) == 0 {
			return append(buf, 0), nil
		}
		return append(buf, v.s[0]), nil
	}
	switch v.k {
	case KindText, KindBytes, KindJSON:
		return append(buf, v.s...), nil
	}
	return buf, Errorf(CodeFeatureNotSupported, "no binary output function available for type %s", FormatType(t))
}

func uuidBytes(s string) ([16]byte, bool) {
	var raw [16]byte
	if len(s) != 36 {
		return raw, false
	}
	n := 0
	for i := 0; i < 36; {
		if s[i] == '-' {
			i++
			continue
		}
		if i+1 >= 36 {
			return raw, false
		}
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 || n >= 16 {
			return raw, false
		}
		raw[n] = hi<<4 | lo
		n++
		i += 2
	}
	return raw, n == 16
}

const (
	numericPos  = 0x0000
	numericNeg  = 0x4000
	numericNaN  = 0xC000
	numericPInf = 0xD000
	numericNInf = 0xF000
)

// appendBinaryNumeric writes PostgreSQL's numeric_send format: ndigits,
// weight, sign, dscale, then base-10000 digits, most significant first.
func appendBinaryNumeric(buf []byte, d *apd.Decimal) []byte {
	head := func(nd, weight int, sign uint16, dscale int) {
		buf = binary.BigEndian.AppendUint16(buf, uint16(nd))
		buf = binary.BigEndian.AppendUint16(buf, uint16(int16(weight)))
		buf = binary.BigEndian.AppendUint16(buf, sign)
		buf = binary.BigEndian.AppendUint16(buf, uint16(dscale))
	}
	if d == nil || d.Form == apd.NaN || d.Form == apd.NaNSignaling {
		head(0, 0, numericNaN, 0)
		return buf
	}
	if d.Form == apd.Infinite {
		if d.Negative {
			head(0, 0, numericNInf, 0)
		} else {
			head(0, 0, numericPInf, 0)
		}
		return buf
	}
	dscale := 0
	if d.Exponent < 0 {
		dscale = int(-d.Exponent)
	}
	var scratch [64]byte
	digits := d.Coeff.Append(scratch[:0], 10)
	if d.Coeff.Sign() == 0 {
		head(0, 0, numericPos, dscale)
		return buf
	}
	exp := int(d.Exponent)
	// Align the exponent down to a multiple of 4 by appending zeros, then pad
	// on the left to whole groups of four.
	pad := ((exp % 4) + 4) % 4
	for k := 0; k < pad; k++ {
		digits = append(digits, '0')
	}
	exp -= pad
	lead := (4 - len(digits)%4) % 4
	ngroups := (len(digits) + lead) / 4
	groups := make([]uint16, 0, ngroups)
	var g uint16
	pos := 0
	for k := 0; k < lead; k++ {
		pos++
	}
	for _, c := range digits {
		g = g*10 + uint16(c-'0')
		pos++
		if pos%4 == 0 {
			groups = append(groups, g)
			g = 0
		}
	}
	weight := exp/4 + len(groups) - 1
	// Trailing zero groups are not sent.
	for len(groups) > 0 && groups[len(groups)-1] == 0 {
		groups = groups[:len(groups)-1]
	}
	sign := uint16(numericPos)
	if d.Negative {
		sign = numericNeg
	}
	head(len(groups), weight, sign, dscale)
	for _, g := range groups {
		buf = binary.BigEndian.AppendUint16(buf, g)
	}
	return buf
}

func badBinary(t Type) error {
	return Errorf(CodeInvalidBinaryRepresentation, "incorrect binary data format for type %s", FormatType(t))
}

func wantLen(b []byte, n int, t Type) error {
	if len(b) != n {
		return badBinary(t)
	}
	return nil
}

// ParseBinary parses PostgreSQL's binary (recv) format for type t.
func ParseBinary(b []byte, t Type) (Value, error) {
	if t.Elem != nil {
		return parseBinaryArray(b, t, 0)
	}
	switch t.OID {
	case OIDBool:
		if err := wantLen(b, 1, t); err != nil {
			return Null, err
		}
		return NewBool(b[0] != 0), nil
	case OIDInt2:
		if err := wantLen(b, 2, t); err != nil {
			return Null, err
		}
		return NewInt(int64(int16(binary.BigEndian.Uint16(b)))), nil
	case OIDInt4:
		if err := wantLen(b, 4, t); err != nil {
			return Null, err
		}
		return NewInt(int64(int32(binary.BigEndian.Uint32(b)))), nil
	case OIDInt8:
		if err := wantLen(b, 8, t); err != nil {
			return Null, err
		}
		return NewInt(int64(binary.BigEndian.Uint64(b))), nil
	case OIDOid, OIDRegclass, OIDRegtype, OIDRegnamespace, OIDRegproc:
		if err := wantLen(b, 4, t); err != nil {
			return Null, err
		}
		return NewInt(int64(binary.BigEndian.Uint32(b))), nil
	case OIDFloat4:
		if err := wantLen(b, 4, t); err != nil {
			return Null, err
		}
		return NewFloat(float64(math.Float32frombits(binary.BigEndian.Uint32(b)))), nil
	case OIDFloat8:
		if err := wantLen(b, 8, t); err != nil {
			return Null, err
		}
		return NewFloat(math.Float64frombits(binary.BigEndian.Uint64(b))), nil
	case OIDNumeric:
		d, err := parseBinaryNumeric(b, t)
		if err != nil {
			return Null, err
		}
		if d, err = applyNumericTypmod(d, t.Mod); err != nil {
			return Null, err
		}
		return NewNumeric(d), nil
	case OIDDate:
		if err := wantLen(b, 4, t); err != nil {
			return Null, err
		}
		d := int64(int32(binary.BigEndian.Uint32(b)))
		switch d {
		case math.MinInt32:
			return NewDate(NegInfinity), nil
		case math.MaxInt32:
			return NewDate(PosInfinity), nil
		}
		d += pgEpochDays
		if d < minDateDays || d >= endDateDays {
			return Null, Errorf(CodeDatetimeFieldOverflow, "date out of range")
		}
		return NewDate(d), nil
	case OIDTime:
		if err := wantLen(b, 8, t); err != nil {
			return Null, err
		}
		us := int64(binary.BigEndian.Uint64(b))
		if us < 0 || us > microsPerDay {
			return Null, Errorf(CodeDatetimeFieldOverflow, "time out of range")
		}
		return NewTime(us), nil
	case OIDTimestamp, OIDTimestampTZ:
		if err := wantLen(b, 8, t); err != nil {
			return Null, err
		}
		us := int64(binary.BigEndian.Uint64(b))
		if us != NegInfinity && us != PosInfinity {
			if us < minTimestampUnix-pgEpochMicros || us >= endTimestampUnix-pgEpochMicros {
				return Null, Errorf(CodeDatetimeFieldOverflow, "timestamp out of range")
			}
			us += pgEpochMicros
		}
		if t.OID == OIDTimestampTZ {
			return NewTimestampTZ(us), nil
		}
		return NewTimestamp(us), nil
	case OIDInterval:
		if err := wantLen(b, 16, t); err != nil {
			return Null, err
		}
		return NewInterval(IntervalValue{
			Micros: int64(binary.BigEndian.Uint64(b)),
			Days:   int32(binary.BigEndian.Uint32(b[8:])),
			Months: int32(binary.BigEndian.Uint32(b[12:])),
		}), nil
	case OIDBytea:
		return NewBytes(b), nil
	case OIDJSON:
		if !utf8.Valid(b) {
			return Null, invalidUTF8()
		}
		return ParseText(string(b), t, nil)
	case OIDJSONB:
		if len(b) < 1 || b[0] != 1 {
			return Null, Errorf(CodeInvalidBinaryRepresentation, "unsupported jsonb version number")
		}
		if !utf8.Valid(b[1:]) {
			return Null, invalidUTF8()
		}
		return ParseText(string(b[1:]), t, nil)
	case OIDUUID:
		if err := wantLen(b, 16, t); err != nil {
			return Null, err
		}
		return NewText(formatUUID(b)), nil
	case OIDChar:
		if len(b) > 1 {
			return Null, badBinary(t)
		}
		return NewText(string(b)), nil
	}
	if !utf8.Valid(b) || strings.IndexByte(string(b), 0) >= 0 {
		return Null, invalidUTF8()
	}
	s, err := coerceString(string(b), t, false)
	if err != nil {
		return Null, err
	}
	return NewText(s), nil
}

func invalidUTF8() error {
	return Errorf("22021", "invalid byte sequence for encoding \"UTF8\"")
}

func parseBinaryNumeric(b []byte, t Type) (*apd.Decimal, error) {
	if len(b) < 8 {
		return nil, badBinary(t)
	}
	nd := int(binary.BigEndian.Uint16(b))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int(binary.BigEndian.Uint16(b[6:]))
	if len(b) != 8+2*nd {
		return nil, badBinary(t)
	}
	switch sign {
	case numericNaN:
		return &apd.Decimal{Form: apd.NaN}, nil
	case numericPInf:
		return &apd.Decimal{Form: apd.Infinite}, nil
	case numericNInf:
		return &apd.Decimal{Form: apd.Infinite, Negative: true}, nil
	case numericPos, numericNeg:
	default:
		return nil, Errorf(CodeInvalidBinaryRepresentation, "invalid sign in external \"numeric\" value")
	}
	if dscale > 0x3fff {
		return nil, Errorf(CodeInvalidBinaryRepresentation, "invalid scale in external \"numeric\" value")
	}
	digits := make([]byte, 0, nd*4)
	for k := 0; k < nd; k++ {
		g := binary.BigEndian.Uint16(b[8+2*k:])
		if g >= 10000 {
			return nil, Errorf(CodeInvalidBinaryRepresentation, "invalid digit in external \"numeric\" value")
		}
		digits = append(digits, byte('0'+g/1000), byte('0'+g/100%10), byte('0'+g/10%10), byte('0'+g%10))
	}
	// Value = digits * 10^exp with exp = (weight - nd + 1) * 4; present it with
	// exactly dscale fractional digits as numeric_recv does.
	exp := (weight - nd + 1) * 4
	if nd == 0 {
		exp = 0
		digits = append(digits, '0')
	}
	if exp > 0 {
		for k := 0; k < exp; k++ {
			digits = append(digits, '0')
		}
		exp = 0
	}
	for exp > -dscale {
		digits = append(digits, '0')
		exp--
	}
	d := new(apd.Decimal)
	if _, ok := d.Coeff.SetString(string(digits), 10); !ok {
		return nil, badBinary(t)
	}
	d.Exponent = int32(exp)
	if exp < -dscale {
		var r apd.Decimal
		c := *DecimalCtx
		c.Traps = 0
		c.Precision = uint32(len(digits) + 1)
		if _, err := c.Quantize(&r, d, int32(-dscale)); err != nil {
			return nil, badBinary(t)
		}
		d.Set(&r)
	}
	d.Negative = sign == numericNeg && d.Coeff.Sign() != 0
	return d, nil
}

// Binary arrays: ndim, has-null flag, element OID, then per dimension its
// length and lower bound (1), then each element as length (-1 for NULL) and
// bytes, in row-major order.
func appendBinaryArray(buf []byte, v Value, t Type) ([]byte, error) {
	elems := v.Array()
	var dims []int32
	for cur := elems; ; {
		dims = append(dims, int32(len(cur)))
		if len(cur) == 0 || cur[0].k != KindArray {
			break
		}
		cur = cur[0].Array()
	}
	if len(elems) == 0 {
		dims = nil
	}
	hasNull := false
	var flat []Value
	var walk func(level int, vs []Value) error
	walk = func(level int, vs []Value) error {
		if int32(len(vs)) != dims[level] {
			return Errorf(CodeInvalidParameterValue, "multidimensional arrays must have array expressions with matching dimensions")
		}
		for _, e := range vs {
			if level+1 < len(dims) {
				if e.k != KindArray {
					return Errorf(CodeInvalidParameterValue, "multidimensional arrays must have array expressions with matching dimensions")
				}
				if err := walk(level+1, e.Array()); err != nil {
					return err
				}
				continue
			}
			if e.k == KindArray {
				return Errorf(CodeInvalidParameterValue, "multidimensional arrays must have array expressions with matching dimensions")
			}
			hasNull = hasNull || e.k == KindNull
			flat = append(flat, e)
		}
		return nil
	}
	if len(dims) > 0 {
		if err := walk(0, elems); err != nil {
			return buf, err
		}
	}
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(dims)))
	if hasNull {
		buf = binary.BigEndian.AppendUint32(buf, 1)
	} else {
		buf = binary.BigEndian.AppendUint32(buf, 0)
	}
	buf = binary.BigEndian.AppendUint32(buf, t.Elem.OID)
	for _, d := range dims {
		buf = binary.BigEndian.AppendUint32(buf, uint32(d))
		buf = binary.BigEndian.AppendUint32(buf, 1)
	}
	for _, e := range flat {
		if e.k == KindNull {
			buf = binary.BigEndian.AppendUint32(buf, 0xffffffff)
			continue
		}
		at := len(buf)
		buf = append(buf, 0, 0, 0, 0)
		var err error
		if buf, err = AppendBinary(buf, e, *t.Elem); err != nil {
			return buf, err
		}
		binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
	}
	return buf, nil
}

func parseBinaryArray(b []byte, t Type, _ int) (Value, error) {
	if len(b) < 12 {
		return Null, badBinary(t)
	}
	ndim := int(int32(binary.BigEndian.Uint32(b)))
	flags := binary.BigEndian.Uint32(b[4:])
	elemOID := binary.BigEndian.Uint32(b[8:])
	if ndim < 0 || ndim > 6 {
		return Null, Errorf(CodeInvalidBinaryRepresentation, "invalid number of dimensions: %d", ndim)
	}
	if flags > 1 {
		return Null, Errorf(CodeInvalidBinaryRepresentation, "invalid array flags")
	}
	if elemOID != t.Elem.OID {
		return Null, Errorf(CodeDatatypeMismatch, "binary data has array element type %d instead of expected %d", elemOID, t.Elem.OID)
	}
	b = b[12:]
	if len(b) < 8*ndim {
		return Null, badBinary(t)
	}
	dims := make([]int, ndim)
	total := 1
	for k := 0; k < ndim; k++ {
		n := int(int32(binary.BigEndian.Uint32(b[8*k:])))
		if n < 0 || n > len(b) {
			return Null, badBinary(t)
		}
		dims[k] = n
		total *= n
		if total > len(b) {
			return Null, badBinary(t)
		}
	}
	b = b[8*ndim:]
	if ndim == 0 {
		total = 0
	}
	flat := make([]Value, total)
	for k := range flat {
		if len(b) < 4 {
			return Null, badBinary(t)
		}
		n := int32(binary.BigEndian.Uint32(b))
		b = b[4:]
		if n == -1 {
			continue
		}
		if n < 0 || int(n) > len(b) {
			return Null, badBinary(t)
		}
		e, err := ParseBinary(b[:n], *t.Elem)
		if err != nil {
			return Null, err
		}
		flat[k] = e
		b = b[n:]
	}
	if len(b) != 0 {
		return Null, badBinary(t)
	}
	if ndim == 0 {
		return NewArray([]Value{}), nil
	}
	return NewArray(nestArray(flat, dims)), nil
}

// nestArray turns row-major elements into nested []Value per dimension.
func nestArray(flat []Value, dims []int) []Value {
	if len(dims) == 1 {
		return flat
	}
	n := dims[0]
	out := make([]Value, n)
	step := len(flat) / max(n, 1)
	for k := 0; k < n; k++ {
		out[k] = NewArray(nestArray(flat[k*step:(k+1)*step], dims[1:]))
	}
	return out
}

// appendBinaryRecord writes record_send's format: the field count, then per
// field its type OID, its length (-1 for NULL) and its bytes. asyncpg asks
// for records (ROW(...), a whole-row reference) in binary. A record's type
// does not carry its fields' types, so each field goes as the type its
// value's kind stands for (an integer as int8), which the client decodes to
// the same value.
func appendBinaryRecord(buf []byte, fields []Value) ([]byte, error) {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(fields)))
	for _, f := range fields {
		ft := recordFieldType(f)
		buf = binary.BigEndian.AppendUint32(buf, ft.OID)
		if f.k == KindNull {
			buf = binary.BigEndian.AppendUint32(buf, 0xffffffff)
			continue
		}
		at := len(buf)
		buf = append(buf, 0, 0, 0, 0)
		var err error
		if buf, err = AppendBinary(buf, f, ft); err != nil {
			return buf, err
		}
		binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
	}
	return buf, nil
}

// recordFieldType is the type a record field's value kind stands for: the
// kind's default type, except that an array takes its first non-NULL
// element's type.
func recordFieldType(v Value) Type {
	if v.k != KindArray {
		return defaultType(v.k)
	}
	for _, e := range v.Array() {
		if e.k != KindNull {
			et := recordFieldType(e)
			if et.IsArray() {
				return et
			}
			return ArrayOf(et)
		}
	}
	return ArrayOf(Text)
}
