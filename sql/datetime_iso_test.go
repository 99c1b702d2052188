package sql

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestParseTimestampISO checks the fast path against the full parser: where
// it answers, it answers the same, and it answers for the form it is for.
func TestParseTimestampISO(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var cases []string
	for range 20000 {
		y, m, d := 1+r.IntN(9999), 1+r.IntN(13), 1+r.IntN(32)
		h, mi, s := r.IntN(25), r.IntN(61), r.IntN(61)
		sep := " T"[r.IntN(2)]
		c := fmt.Sprintf("%04d-%02d-%02d%c%02d:%02d:%02d", y, m, d, sep, h, mi, s)
		if n := r.IntN(9); n > 0 {
			c += "."
			for range n {
				c += string(rune('0' + r.IntN(10)))
			}
		}
		cases = append(cases, c)
	}
	cases = append(cases, "2024-02-29 12:00:00", "2023-02-29 12:00:00", "1900-02-29 00:00:00", "2000-02-29 00:00:00",
		"2015-07-15 23:59:60", "2015-07-15 24:00:00", "0000-01-01 00:00:00", "2015-07-15 00:00:00.", "2015-07-15 00:00:00Z",
		"2015-07-15 00:00:00+02", "2015-7-15 00:00:00", "2015-07-15  00:00:00", "+015-07-15 00:00:00", "2015-07-15 00:00:00.000",
		"1970-01-01 00:00:00", "1969-12-31 23:59:59.999999", "9999-12-31 23:59:59.999999")
	answered := 0
	for _, c := range cases {
		got, ok := ParseTimestampISO([]byte(c))
		want, err := parseTimestamp(c, false, time.UTC)
		if !ok {
			continue
		}
		answered++
		if err != nil {
			t.Errorf("%q: fast path gave %d, the parser fails: %v", c, got, err)
		} else if got != want {
			t.Errorf("%q: fast path gave %d, the parser %d", c, got, want)
		}
	}
	if answered < len(cases)/4 {
		t.Errorf("the fast path answered only %d of %d", answered, len(cases))
	}
	for _, c := range []string{"2015-07-15 00:00:00.000", "2015-07-15T10:11:12.5", "2024-02-29 12:00:00"} {
		if _, ok := ParseTimestampISO([]byte(c)); !ok {
			t.Errorf("%q: fast path did not answer", c)
		}
	}
}
