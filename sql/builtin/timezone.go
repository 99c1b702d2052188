package builtin

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/sql"
)

// ZoneLocation resolves a time zone as PostgreSQL reads one in SET TIME
// ZONE and AT TIME ZONE: an IANA name ('Europe/Paris'), UTC/GMT/Z, or a
// POSIX-style offset ('+02:00', 'UTC+3'), whose sign is POSIX's: positive
// means west of Greenwich, so '+02:00' is two hours behind UTC.
func ZoneLocation(name string) (*time.Location, error) {
	n := strings.TrimSpace(name)
	switch strings.ToUpper(n) {
	case "UTC", "GMT", "Z", "ZULU", "UCT":
		return time.UTC, nil
	}
	rest := n
	if strings.HasPrefix(rest, "<") {
		// POSIX '<abbrev>offset', which SET TIME ZONE INTERVAL produces.
		if j := strings.IndexByte(rest, '>'); j > 0 && j+1 < len(rest) {
			rest = rest[j+1:]
		}
	}
	for _, p := range []string{"UTC", "GMT", "utc", "gmt"} {
		if strings.HasPrefix(rest, p) && len(rest) > len(p) && (rest[len(p)] == '+' || rest[len(p)] == '-') {
			rest = rest[len(p):]
			break
		}
	}
	if rest != "" && (rest[0] == '+' || rest[0] == '-' || rest[0] >= '0' && rest[0] <= '9') {
		secs, ok := parseOffset(rest)
		if !ok {
			return nil, fmt.Errorf("invalid time zone %q", name)
		}
		// POSIX: "+2" is UTC-2.
		return time.FixedZone(posixAbbrev(-secs), -secs), nil
	}
	loc, err := time.LoadLocation(n)
	if err != nil {
		return nil, fmt.Errorf("time zone %q not recognized", name)
	}
	return loc, nil
}

// posixAbbrev names a fixed zone as PostgreSQL prints its offset (+02, -03:30).
func posixAbbrev(east int) string {
	sign := '+'
	if east < 0 {
		sign, east = '-', -east
	}
	h, m := east/3600, east%3600/60
	if m != 0 {
		return fmt.Sprintf("%c%02d:%02d", sign, h, m)
	}
	return fmt.Sprintf("%c%02d", sign, h)
}

// parseOffset reads [+-]HH[:MM[:SS]] or [+-]HHMM into seconds.
func parseOffset(s string) (int, bool) {
	sign := 1
	switch s[0] {
	case '-':
		sign, s = -1, s[1:]
	case '+':
		s = s[1:]
	}
	parts := strings.Split(s, ":")
	if len(parts) == 1 && len(s) == 4 {
		parts = []string{s[:2], s[2:]}
	}
	mult := []int{3600, 60, 1}
	total := 0
	for i, p := range parts {
		if i >= 3 || p == "" {
			return 0, false
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return 0, false
		}
		total += v * mult[i]
	}
	if total > 15*3600 {
		return 0, false
	}
	return sign * total, true
}

func zoneArg(ctx *Context, v sql.Value, t sql.Type) (*time.Location, error) {
	if t.OID == sql.OIDInterval {
		iv := v.Interval()
		if iv.Months != 0 || iv.Days != 0 {
			return nil, sql.Errorf(sql.CodeInvalidParameterValue, "interval time zone \"%s\" must not include months or days", sql.FormatText(v, t, ctx.Loc))
		}
		secs := int(iv.Micros / 1e6)
		return time.FixedZone(posixAbbrev(secs), secs), nil
	}
	loc, err := ZoneLocation(v.Text())
	if err != nil {
		return nil, sql.Errorf(sql.CodeInvalidParameterValue, "time zone \"%s\" not recognized", v.Text())
	}
	return loc, nil
}

// atTimeZone converts timestamptz -> local timestamp in the zone, or reads a
// timestamp as local time in the zone -> timestamptz.
func atTimeZone(ctx *Context, ts sql.Value, tsType sql.Type, zone sql.Value, zoneType sql.Type) (sql.Value, error) {
	loc, err := zoneArg(ctx, zone, zoneType)
	if err != nil {
		return sql.Null, err
	}
	if tsType.OID == sql.OIDTimestampTZ {
		t := time.UnixMicro(ts.Int()).In(loc)
		_, off := t.Zone()
		return sql.NewTimestamp(ts.Int() + int64(off)*1e6), nil
	}
	return sql.NewTimestampTZ(sql.LocalToUTC(ts.Int(), loc)), nil
}

func init() {
	for _, tt := range []sql.Type{sql.TimestampTZ, sql.Timestamp} {
		for _, zt := range []sql.Type{sql.Text, sql.Interval} {
			tsT, zT := tt, zt
			ret := sql.Timestamp
			if tsT.OID == sql.OIDTimestamp {
				ret = sql.TimestampTZ
			}
			Register(&Func{Name: "eddy_at_time_zone", Args: []sql.Type{tsT, zT}, Ret: ret,
				Eval: func(ctx *Context, a []sql.Value) (sql.Value, error) { return atTimeZone(ctx, a[0], tsT, a[1], zT) }})
			Register(&Func{Name: "timezone", Args: []sql.Type{zT, tsT}, Ret: ret,
				Eval: func(ctx *Context, a []sql.Value) (sql.Value, error) { return atTimeZone(ctx, a[1], tsT, a[0], zT) }})
		}
	}
}
