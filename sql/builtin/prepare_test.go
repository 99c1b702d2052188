package builtin

import (
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/eddysql/eddy/sql"
)

// TestPreparedRegex runs the regular expression functions through run,
// which also checks each prepared call site shape against Eval. The
// answers are PostgreSQL 15's.
func TestPreparedRegex(t *testing.T) {
	run(t, []tc{
		{"regexp_match", []arg{txt("https://x.com/a?q=1&channel_id=42"), txt("(&|^)channel_id=([^&]*)")}, "{&,42}"},
		{"regexp_match", []arg{txt("channel_id=7&x"), txt("(&|^)channel_id=([^&]*)")}, `{"",7}`},
		{"regexp_match", []arg{txt("https://x.com/a?q=1"), txt("(&|^)channel_id=([^&]*)")}, "NULL"},
		{"regexp_match", []arg{txt("ABC-channel_ID=3"), txt("channel_id=(.)"), txt("i")}, "{3}"},
		{"regexp_match", []arg{txt("a€b"), txt("€(.)")}, "{b}"},
		{"regexp_replace", []arg{txt("xAbAbx"), txt("ab"), txt("-"), txt("gi")}, "x--x"},
		{"regexp_replace", []arg{txt("xyz"), txt("ab"), txt("-"), txt("g")}, "xyz"},
		{"regexp_count", []arg{txt("abcabcab"), txt("abc")}, "2"},
		{"regexp_count", []arg{txt("xyz"), txt("abc")}, "0"},
		{"substring", []arg{txt("foobar"), txt("o+b")}, "oob"},
		{"eddy_regex_ci", []arg{txt("fooBAR"), txt("bar")}, "t"},
		{"eddy_regex", []arg{txt("fooBAR"), txt("bar")}, "f"},
		{"regexp_like", []arg{txt("héllo wörld"), txt("wö")}, "t"},
	})
}

func TestRequiredLiteral(t *testing.T) {
	for _, c := range []struct{ pat, want string }{
		{"(&|^)channel_id=([^&]*)", "channel_id="},
		{"abc", "abc"},
		{"a(bcd)+e", "bcd"},
		{"a(bcd){2,3}", "bcd"},
		{"x(bcd)?y", "x"},
		{"(bcd)*", ""},
		{"ab|cd", ""},
		{"(?i)abc", ""},
		{"(?i)ab(?-i)cde", "cde"},
		{"a.c", "a"},
		{"\ufffdx", ""},
	} {
		re, err := syntax.Parse(c.pat, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := requiredLiteral(re.Simplify()); got != c.want {
			t.Errorf("requiredLiteral(%q) = %q, want %q", c.pat, got, c.want)
		}
	}
}

// TestLiteralPrefilter checks that the literal test never rejects a text
// the expression matches, on random texts over a small alphabet.
func TestLiteralPrefilter(t *testing.T) {
	pats := []string{"(&|^)ab=([^&]*)", "b+a", "(ab){2}c?", "a.b", "^ba", "ab$", "(a|b)ab", "x*ab\\y", "[ab]ba", "(ab|ba)=", "a?b?="}
	r := rand.New(rand.NewPCG(1, 2))
	for _, pat := range pats {
		p, err := newPGRE(pat, reFlags{dotNL: true})
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile("(?s)" + strings.ReplaceAll(pat, `\y`, `\b`))
		for range 2000 {
			var b strings.Builder
			for range r.IntN(12) {
				b.WriteByte("ab=& \xff"[r.IntN(6)])
			}
			s := b.String()
			if got, want := p.matchString(s), re.MatchString(s); got != want {
				t.Errorf("%q ~ %q: %v, want %v", s, pat, got, want)
			}
			if got, want := p.firstMatch(s), re.FindStringSubmatchIndex(s) != nil; got.IsNull() == want {
				t.Errorf("regexp_match(%q, %q) = %v", s, pat, got)
			}
		}
	}
}

func TestPrepareLeavesBadConstantsToRows(t *testing.T) {
	f := resolve(t, "regexp_match", []sql.Type{sql.Text, sql.Text, sql.Text})
	for _, consts := range [][]sql.Value{
		{sql.Null, sql.NewText("("), sql.NewText("")},
		{sql.Null, sql.NewText("a"), sql.NewText("g")},
		{sql.Null, sql.Null, sql.NewText("")},
	} {
		if ev := f.Prepare(consts, []bool{false, true, true}); ev != nil {
			t.Errorf("Prepare(%v) specialized a call that must fail or be NULL per row", consts)
		}
	}
}

// TestPreparedToChar: to_char of dates and times, through Eval and a
// template parsed once. The answers are PostgreSQL 15's.
func TestPreparedToChar(t *testing.T) {
	run(t, []tc{
		{"to_char", []arg{iv("-25 hours -3 minutes"), txt("HH24:MI:SS FMHH24 HH12")}, "-25:-03:00 -25 -01"},
		{"to_char", []arg{ts("12345-06-07 08:09:10"), txt("YYYY Y,YYY IYYY IYY IY I FMDDth DDTH")}, "12345 12,345 12345 345 45 5 7th 07TH"},
		{"to_char", []arg{ts("infinity"), txt("YYYY")}, "NULL"},
		{"to_char", []arg{tstz("-infinity"), txt("YYYY")}, "NULL"},
		{"to_char", []arg{ts("2024-01-01 00:00:00"), txt("HH12 AM a.m. Day DAY day FMDay Mon MONTH rm SSSS J")},
			"12 AM a.m. Monday    MONDAY    monday    Monday Jan JANUARY   i    0 2460311"},
		{"to_char", []arg{ts("2026-11-27 18:41:37"), txt("YYYY-MM-DD")}, "2026-11-27"},
		{"to_char", []arg{ts("2026-11-27 18:41:37"), txt("HH24:MI")}, "18:41"},
		{"to_char", []arg{iv("-3 years -2 months"), txt("YYYY MM")}, "-0003 -02"},
	})
}
