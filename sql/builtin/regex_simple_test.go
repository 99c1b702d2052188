package builtin

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestSimpleREMatchesRegexp compares the simple matcher with the regexp
// package, group by group, on random texts over each pattern's alphabet,
// including multi-byte and invalid UTF-8.
func TestSimpleREMatchesRegexp(t *testing.T) {
	for _, c := range []struct {
		pat    string
		simple bool
	}{
		{`(&|^)channel_id=([^&]*)`, true},
		{`(&|^)ab=([^&]*)`, true},
		{`ab`, true},
		{`^ab`, true},
		{`ab$`, true},
		{`a.b`, true},
		{`(a|ab)(c|bcd)`, false},
		{`(a|ab)(c|bcd)$`, false},
		{`x?ab(c)?`, false},
		{`x??ab(c)??`, false},
		{`x?ab(c)`, true},
		{`x??ab(c|d)`, true},
		{`(ab|cd)(c|bcd)$`, true},
		{`(b|)a=`, true},
		{`(|b)a=`, true},
		{`a(b*)`, true},
		{`a(b+)`, true},
		{`a(b*?)`, true},
		{`a(b+?)`, true},
		{`=[^a]*`, true},
		{`=.+`, true},
		{`=é*`, true},
		{`(é|a)=([^&]*)`, true},
		{`[é-ü]=`, true},
		{`(.)(.)=`, true},
		{`(?:ab|ba)=(.)`, true},
		{`(&|^)a`, true},
		{`\Aa|b\z`, true},
		{`é=(\x{FFFD})`, false}, // U+FFFD in a literal also matches an invalid byte
		{`a(b)*c`, false},
		{`(a(b))`, false},
		{`(?i)ab`, false},
		{`(?m)^ab`, false},
		{`\bab`, false},
		{`a*b`, false},
	} {
		p, err := newPGRE(c.pat, reFlags{dotNL: true})
		if err != nil {
			t.Fatalf("%s: %v", c.pat, err)
		}
		if (p.simple != nil) != c.simple {
			t.Errorf("%s: simple matcher %v, want %v", c.pat, p.simple != nil, c.simple)
		}
		re := regexp.MustCompile("(?s)" + c.pat)
		// The alphabet: the pattern's own characters and a few others.
		alpha := []string{"a", "b", "c", "=", "&", "x", "é", "ü", "\xff", "\xc3", "\n", "channel_id="}
		r := rand.New(rand.NewPCG(7, uint64(len(c.pat))))
		for i := range 5000 {
			var b strings.Builder
			if i%3 == 0 {
				b.WriteString(c.pat[:r.IntN(len(c.pat)+1)])
			}
			for range r.IntN(14) {
				b.WriteString(alpha[r.IntN(len(alpha))])
			}
			s := b.String()
			var buf matchBuf
			got := p.submatchIndex(s, buf[:0])
			want := re.FindStringSubmatchIndex(s)
			if !slices.Equal(got, want) {
				t.Fatalf("%q on %q: %v, want %v", c.pat, s, got, want)
			}
			if got, want := p.matchString(s), want != nil; got != want {
				t.Fatalf("%q ~ %q: %v, want %v", s, c.pat, got, want)
			}
		}
	}
}

// TestSimpleREPostgres: regexp_match answers that PostgreSQL 15 gives
// (checked there), through the simple matcher.
func TestSimpleREPostgres(t *testing.T) {
	for _, c := range []struct{ src, pat, want string }{
		{"https://x.com/a/b/item.htm?query=1&channel_id=123", `(&|^)channel_id=([^&]*)`, "{&,123}"},
		{"channel_id=9&x=1", `(&|^)channel_id=([^&]*)`, `{"",9}`},
		{"xchannel_id=9&channel_id=", `(&|^)channel_id=([^&]*)`, `{&,""}`},
		{"a?xchannel_id=9", `(&|^)channel_id=([^&]*)`, "NULL"},
		{"abcd", `(a|ab)(c|bcd)`, "{a,bcd}"},
		{"xxab=cd", `(b|)=(.*)`, "{b,cd}"},
	} {
		f, err := regexpMatch(c.src, c.pat, "")
		if err != nil {
			t.Fatal(err)
		}
		got := "NULL"
		if !f.IsNull() {
			got = f.String()
			got = got[1 : len(got)-1] // String quotes the array's text
		}
		if got != c.want {
			t.Errorf("regexp_match(%q, %q) = %s, want %s", c.src, c.pat, got, c.want)
		}
	}
}

func BenchmarkRegexpMatchChannel(b *testing.B) {
	p, err := newPGRE(`(&|^)channel_id=([^&]*)`, reFlags{dotNL: true})
	if err != nil {
		b.Fatal(err)
	}
	u := "https://www.nexmark.com/abcde/fghij/klmno/item.htm?query=1&channel_id=123456789"
	b.Run("simple", func(b *testing.B) {
		for b.Loop() {
			p.firstMatch(u)
		}
	})
	p.simple = nil
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			p.firstMatch(u)
		}
	})
}
