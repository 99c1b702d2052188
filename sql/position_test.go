package sql

import "testing"

func TestPositionOf(t *testing.T) {
	for _, tc := range []struct {
		query, msg string
		want       int
	}{
		{`select 'nope', a, nope from t`, `column "nope" does not exist`, 19},
		{`select x.a from t y`, `missing FROM-clause entry for table "x"`, 8},
		{`select * from missing`, `relation "missing" does not exist`, 15},
		{`select foo(1)`, `function foo(integer) does not exist`, 8},
		{`select "Mixed" from t`, `column "Mixed" does not exist`, 8},
		{`select 1 -- nope`, `column "nope" does not exist`, 0},
		{`select t.nope from t`, `column t.nope does not exist`, 8},
	} {
		got := PositionOf(tc.query, 0, len(tc.query), &Error{Message: tc.msg})
		if got != tc.want {
			t.Errorf("%s / %s: got %d, want %d", tc.query, tc.msg, got, tc.want)
		}
	}
}
