package sql

import (
	"reflect"
	"testing"
)

func TestParseRoles(t *testing.T) {
	pw := "s3cr'et"
	cases := []struct {
		in   string
		want Stmt
	}{
		{"CREATE ROLE r", &CreateRole{Name: "r"}},
		{"create user \"Bob\" with login superuser password 's3cr''et'", &CreateRole{Name: "Bob", User: true,
			Options: RoleOptions{Login: ptr(true), Superuser: ptr(true), SetPassword: true, Password: &pw}}},
		{"CREATE ROLE r NOLOGIN NOSUPERUSER CREATEDB NOCREATEROLE ENCRYPTED PASSWORD NULL", &CreateRole{Name: "r",
			Options: RoleOptions{Login: ptr(false), Superuser: ptr(false), CreateDB: ptr(true), CreateRole: ptr(false), SetPassword: true}}},
		{"ALTER USER bob WITH PASSWORD 's3cr''et'", &AlterRole{Name: "bob", Options: RoleOptions{SetPassword: true, Password: &pw}}},
		{"ALTER ROLE bob LOGIN", &AlterRole{Name: "bob", Options: RoleOptions{Login: ptr(true)}}},
		{"ALTER USER bob RENAME TO alice", &AlterRole{Name: "bob", RenameTo: "alice"}},
		{"DROP ROLE IF EXISTS a, b", &DropRole{IfExists: true, Names: []string{"a", "b"}}},
		{"DROP USER a", &DropRole{Names: []string{"a"}}},
	}
	for _, c := range cases {
		sts, err := Parse(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if len(sts) != 1 || !reflect.DeepEqual(sts[0].Own, c.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", c.in, sts[0].Own, c.want)
		}
	}
	for _, bad := range []string{"CREATE ROLE r VALID UNTIL 'infinity'", "CREATE ROLE r PASSWORD x", "ALTER TABLE t ADD", "CREATE ROLE"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%s: parsed, want a syntax error", bad)
		}
	}
}
