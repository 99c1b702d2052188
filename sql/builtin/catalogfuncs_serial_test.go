package builtin

import "testing"

func TestCutQualified(t *testing.T) {
	for _, c := range []struct {
		in, schema, rel string
		ok              bool
	}{
		{"t", "", "t", false},
		{"Foo", "", "foo", false},
		{`"Foo"`, "", "Foo", false},
		{"public.T", "public", "t", true},
		{`"My Schema"."a.b"`, "My Schema", "a.b", true},
		{`s."x""y"`, "s", `x"y`, true},
	} {
		s, r, ok := cutQualified(c.in)
		if s != c.schema || r != c.rel || ok != c.ok {
			t.Errorf("cutQualified(%q) = %q, %q, %v; want %q, %q, %v", c.in, s, r, ok, c.schema, c.rel, c.ok)
		}
	}
}
