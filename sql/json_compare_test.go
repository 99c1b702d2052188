package sql

import "testing"

func TestCompareJSON(t *testing.T) {
	// Each list is in PostgreSQL's jsonb btree order (checked against PG 15).
	order := []string{`[]`, `null`, `"a"`, `"b"`, `1`, `2.5`, `true`, `[[1]]`, `[1, "a", "b"]`, `{}`, `{"aa": 1}`, `{"b": 1}`, `{"a": 1, "b": 2}`}
	for i := range order {
		for j := range order {
			want := cmp64(int64(i), int64(j))
			if got := compareJSON(order[i], order[j]); got != want {
				t.Errorf("compare(%s, %s) = %d, want %d", order[i], order[j], got, want)
			}
		}
	}
	for _, eq := range [][2]string{{`1`, `1.0`}, {`{"a": 1.0, "b": [1, 2.00]}`, `{"b":[1,2],"a":1}`}, {`0`, `-0.0`}} {
		if compareJSON(eq[0], eq[1]) != 0 {
			t.Errorf("%s and %s should be equal", eq[0], eq[1])
		}
		a, _ := ParseText(eq[0], JSONB, nil)
		b, _ := ParseText(eq[1], JSONB, nil)
		if string(AppendKey(nil, a)) != string(AppendKey(nil, b)) || HashRow(HashSeed, Row{a}, nil) != HashRow(HashSeed, Row{b}, nil) {
			t.Errorf("%s and %s must share keys and hashes", eq[0], eq[1])
		}
	}
}

func TestCastJSONBScalar(t *testing.T) {
	for _, c := range []struct {
		in   string
		to   Type
		want string
	}{
		{`1.5`, Numeric, "1.5"}, {`2.5`, Int4, "3"}, {`true`, Bool, "t"}, {`"1"`, Int4, "ERROR"}, {`null`, Numeric, "ERROR"}, {`[1]`, Float8, "ERROR"},
	} {
		v, _ := ParseText(c.in, JSONB, nil)
		r, err := Cast(v, JSONB, c.to, true, nil)
		got := "ERROR"
		if err == nil {
			got = FormatText(r, c.to, nil)
		}
		if got != c.want {
			t.Errorf("%s::%s = %s (%v), want %s", c.in, c.to, got, err, c.want)
		}
	}
}
