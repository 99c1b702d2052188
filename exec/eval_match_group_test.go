package exec

import (
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/sql"
)

// TestMatchGroup: (regexp_match(s, p))[k] with a constant k, compiled
// without the array, agrees with the same subscript by a column (the
// plain evaluation), on patterns with and without groups, flags, groups
// that do not take part and subscripts out of range.
func TestMatchGroup(t *testing.T) {
	e, s := openSession(t, t.TempDir())
	defer e.Close()
	texts := []string{"", "channel_id=7", "a=1&channel_id=42&b=2", "xchannel_id=9", "CHANNEL_ID=5", "é&channel_id=é&", "ab", "abc", "b"}
	var vals []string
	for _, x := range texts {
		for k := -1; k <= 4; k++ {
			vals = append(vals, fmt.Sprintf("('%s', %d)", x, k))
		}
	}
	vals = append(vals, "(NULL, 1)")
	for _, c := range []struct{ pat, flags string }{
		{`(&|^)channel_id=([^&]*)`, ""},
		{`(&|^)channel_id=([^&]*)`, "i"},
		{`channel_id=[0-9]+`, ""},
		{`a(b)?(c)?`, ""},
		{`(x)|(b)`, ""},
	} {
		call := fmt.Sprintf("regexp_match(s, '%s')", c.pat)
		if c.flags != "" {
			call = fmt.Sprintf("regexp_match(s, '%s', '%s')", c.pat, c.flags)
		}
		var sel []string
		for k := -1; k <= 4; k++ {
			sel = append(sel, fmt.Sprintf("CASE WHEN k = %d THEN (%s)[%d] END", k, call, k))
		}
		q := fmt.Sprintf("SELECT coalesce(%s), (%s)[k] FROM (VALUES %s) v(s, k)", strings.Join(sel, ", "), call, strings.Join(vals, ", "))
		for _, r := range query(t, s, q) {
			if r[0].IsNull() != r[1].IsNull() || !r[0].IsNull() && r[0].Text() != r[1].Text() {
				t.Errorf("%s: constant subscript gives %v, plain %v", c.pat, r[0], r[1])
			}
		}
	}
	// PostgreSQL 15's answers.
	for _, c := range []struct{ q, want string }{
		{`SELECT (regexp_match('a=1&channel_id=42&b=2', '(&|^)channel_id=([^&]*)'))[2]`, "42"},
		{`SELECT (regexp_match('channel_id=7', '(&|^)channel_id=([^&]*)'))[1]`, ""},
		{`SELECT (regexp_match('x', '(&|^)channel_id=([^&]*)'))[2] IS NULL`, "t"},
		{`SELECT (regexp_match('abc', 'b'))[1]`, "b"},
		{`SELECT (regexp_match('abc', 'b'))[2] IS NULL`, "t"},
		{`SELECT (regexp_match('ab', 'a(x)?'))[1] IS NULL`, "t"},
	} {
		r := query(t, s, c.q)
		got := r[0][0].String()
		if r[0][0].Kind() == sql.KindBool {
			got = got[:1]
		}
		if got = strings.Trim(got, "'"); got != c.want {
			t.Errorf("%s = %s, want %s", c.q, got, c.want)
		}
	}
}
