package sql

import "testing"

func TestParseAlterTable(t *testing.T) {
	sts, err := Parse("ALTER TABLE IF EXISTS ONLY s.t ADD COLUMN IF NOT EXISTS c int DEFAULT 1 NOT NULL, DROP d CASCADE, ALTER COLUMN e TYPE text USING e::text, ADD CONSTRAINT k CHECK (c > 0), ALTER f SET DEFAULT now()")
	if err != nil {
		t.Fatal(err)
	}
	a, ok := sts[0].Own.(*AlterTable)
	if !ok || a.Name != (ObjectName{Schema: "s", Name: "t"}) || !a.IfExists || len(a.Actions) != 5 {
		t.Fatalf("got %#v", sts[0].Own)
	}
	want := []AlterActionKind{AlterAddColumn, AlterDropColumn, AlterColumnType, AlterAddConstraint, AlterSetDefault}
	for i, k := range want {
		if a.Actions[i].Kind != k {
			t.Errorf("action %d: kind %d, want %d", i, a.Actions[i].Kind, k)
		}
	}
	if d := a.Actions[0].Def; d.Name != "c" || !d.NotNull || d.Default == nil || d.Default.Text != "1" || !a.Actions[0].IfNotExists {
		t.Errorf("add column: %#v", a.Actions[0])
	}
	if !a.Actions[1].Cascade || a.Actions[2].Using == nil || a.Actions[2].Using.Text != "e::text" || a.Actions[3].Constraint.Name != "k" {
		t.Errorf("actions: %#v", a.Actions)
	}
	for _, bad := range []string{"ALTER TABLE t", "ALTER TABLE t ADD", "ALTER TABLE t RENAME TO u, ADD c int", "ALTER VIEW v ADD c int", "ALTER TABLE t ALTER c"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%s: parsed, want a syntax error", bad)
		}
	}
}

func TestRenameColumnRefs(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"w > 0", `w2 > 0`},
		{"(w > 0) AND (t.w < 10) AND x <> 'w'", `(w2 > 0) AND (t.w2 < 10) AND x <> 'w'`},
		{`"w" + w(1) > ww`, `w2 + w(1) > ww`},
	} {
		got, err := RenameColumnRefs(c.in, "w", "w2")
		if err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"w > 0", `"W 2" > 0`},
	} {
		got, err := RenameColumnRefs(c.in, "w", "W 2")
		if err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
