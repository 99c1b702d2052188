package main

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	osexec "os/exec"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// wantDenied expects q to fail with PostgreSQL's 42501 and message msg.
func wantDenied(t *testing.T, c *pgx.Conn, q, msg string) {
	t.Helper()
	_, err := c.Exec(context.Background(), q)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42501" || pe.Message != msg {
		t.Fatalf("%s: %v, want 42501 %q", q, err, msg)
	}
}

func execAll(t *testing.T, c *pgx.Conn, qs ...string) {
	t.Helper()
	for _, q := range qs {
		if _, err := c.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func queryStrings(t *testing.T, c *pgx.Conn, q string) []string {
	t.Helper()
	rows, err := c.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, v := range vals {
			parts = append(parts, fmt.Sprint(v))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func TestPrivileges(t *testing.T) {
	addr := startEddyWith(t, config{password: "su"})
	url := func(user, pw string) string {
		return fmt.Sprintf("postgres://%s:%s@%s/eddy?sslmode=disable", user, pw, addr)
	}
	ctx := context.Background()
	su := connectURL(t, url("eddy", "su"))
	execAll(t, su,
		"CREATE ROLE alice LOGIN PASSWORD 'a'",
		"CREATE ROLE bob LOGIN PASSWORD 'b'",
		"CREATE TABLE t (id int PRIMARY KEY, v text)",
		"CREATE TABLE u (id int PRIMARY KEY, w text)",
		"INSERT INTO t VALUES (1, 'one'), (2, 'two')",
		"INSERT INTO u VALUES (1, 'uno')",
		"CREATE VIEW tv AS SELECT id, v FROM t",
	)
	alice := connectURL(t, url("alice", "a"))
	bob := connectURL(t, url("bob", "b"))

	t.Run("select", func(t *testing.T) {
		wantDenied(t, alice, "SELECT * FROM t", "permission denied for table t")
		wantDenied(t, alice, "SELECT * FROM tv", "permission denied for view tv")
		wantDenied(t, alice, "SELECT 1 FROM (SELECT 1) x JOIN t ON true", "permission denied for table t")
		wantDenied(t, alice, "SELECT 1 WHERE EXISTS (SELECT 1 FROM t)", "permission denied for table t")
		wantDenied(t, alice, "WITH c AS (SELECT * FROM t) SELECT * FROM c", "permission denied for table t")
		// Prepared before the GRANT, refused at execution, then allowed.
		if _, err := alice.Prepare(ctx, "sel", "SELECT v FROM t WHERE id = $1"); err != nil {
			t.Fatal(err)
		}
		_, err := alice.Exec(ctx, "sel", 1)
		if pe := (*pgconn.PgError)(nil); !errors.As(err, &pe) || pe.Code != "42501" {
			t.Fatalf("prepared before GRANT: %v, want 42501", err)
		}
		execAll(t, su, "GRANT SELECT ON t TO alice")
		if got := queryString(t, alice, "SELECT v FROM t WHERE id = 1"); got != "one" {
			t.Fatalf("got %q", got)
		}
		var v string
		if err := alice.QueryRow(ctx, "sel", 2).Scan(&v); err != nil || v != "two" {
			t.Fatalf("prepared after GRANT: %q %v", v, err)
		}
		// A join needs every table.
		wantDenied(t, alice, "SELECT * FROM t JOIN u USING (id)", "permission denied for table u")
		wantDenied(t, alice, "SELECT * FROM t WHERE id IN (SELECT id FROM u)", "permission denied for table u")
		// The prepared statement is refused again after the REVOKE.
		execAll(t, su, "REVOKE SELECT ON t FROM alice")
		err = alice.QueryRow(ctx, "sel", 2).Scan(&v)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" {
			t.Fatalf("prepared after REVOKE: %v, want 42501", err)
		}
		// Bob sees nothing either way; PUBLIC grants reach everyone.
		wantDenied(t, bob, "SELECT * FROM u", "permission denied for table u")
		execAll(t, su, "GRANT SELECT ON u TO PUBLIC")
		queryString(t, bob, "SELECT w FROM u")
		execAll(t, su, "REVOKE ALL ON u FROM PUBLIC")
		wantDenied(t, bob, "SELECT * FROM u", "permission denied for table u")
	})

	t.Run("view", func(t *testing.T) {
		// SELECT on the view suffices: its owner (the superuser) reads t.
		execAll(t, su, "GRANT SELECT ON tv TO alice")
		if got := queryString(t, alice, "SELECT v FROM tv WHERE id = 2"); got != "two" {
			t.Fatalf("got %q", got)
		}
		wantDenied(t, alice, "SELECT * FROM t", "permission denied for table t")
		// A view alice owns reads t with alice's privileges.
		execAll(t, su, "GRANT CREATE ON SCHEMA public TO alice")
		execAll(t, alice, "CREATE VIEW av AS SELECT v FROM t")
		// A sink reads what its query reads with its creator's privileges.
		wantDenied(t, alice, "CREATE SINK as1 FROM t WITH (topic = 'as1')", "permission denied for table t")
		wantDenied(t, alice, "CREATE SINK as2 FROM (SELECT id FROM tv JOIN t USING (id)) WITH (topic = 'as2')", "permission denied for table t")
		execAll(t, alice, "GRANT SELECT ON av TO bob")
		wantDenied(t, bob, "SELECT * FROM av", "permission denied for table t")
		wantDenied(t, alice, "SELECT * FROM av", "permission denied for table t")
		execAll(t, su, "GRANT SELECT ON t TO alice")
		queryStrings(t, bob, "SELECT * FROM av")
		execAll(t, su, "REVOKE SELECT ON t FROM alice")
		wantDenied(t, bob, "SELECT * FROM av", "permission denied for table t")
		execAll(t, alice, "DROP VIEW av")
		execAll(t, su, "REVOKE CREATE ON SCHEMA public FROM alice")
	})

	t.Run("dml", func(t *testing.T) {
		wantDenied(t, alice, "INSERT INTO t VALUES (3, 'three')", "permission denied for table t")
		execAll(t, su, "GRANT INSERT ON t TO alice")
		execAll(t, alice, "INSERT INTO t VALUES (3, 'three')")
		// RETURNING reads the table back.
		wantDenied(t, alice, "INSERT INTO t VALUES (4, 'four') RETURNING v", "permission denied for table t")
		wantDenied(t, alice, "UPDATE t SET v = 'x'", "permission denied for table t")
		execAll(t, su, "GRANT UPDATE ON t TO alice")
		execAll(t, alice, "UPDATE t SET v = 'x'")
		// A WHERE reads the table: SELECT too.
		wantDenied(t, alice, "UPDATE t SET v = 'y' WHERE id = 1", "permission denied for table t")
		wantDenied(t, alice, "DELETE FROM t", "permission denied for table t")
		execAll(t, su, "GRANT DELETE, SELECT ON t TO alice")
		execAll(t, alice, "UPDATE t SET v = 'y' WHERE id = 1", "DELETE FROM t WHERE id = 3")
		wantDenied(t, alice, "TRUNCATE t", "permission denied for table t")
		wantDenied(t, bob, "COPY t TO STDOUT", "permission denied for table t")
		execAll(t, su, "REVOKE ALL ON t FROM alice")
		wantDenied(t, alice, "DELETE FROM t", "permission denied for table t")
	})

	t.Run("ddl", func(t *testing.T) {
		wantDenied(t, alice, "CREATE TABLE a1 (x int)", "permission denied for schema public")
		wantDenied(t, alice, "CREATE VIEW a2 AS SELECT 1", "permission denied for schema public")
		wantDenied(t, alice, "CREATE SEQUENCE a3", "permission denied for schema public")
		wantDenied(t, alice, "DROP TABLE t", "must be owner of table t")
		wantDenied(t, alice, "DROP VIEW tv", "must be owner of view tv")
		wantDenied(t, alice, "COMMENT ON TABLE t IS 'x'", "must be owner of table t")
		wantDenied(t, alice, "CREATE INDEX ON t (v)", "must be owner of table t")
		wantDenied(t, alice, "GRANT SELECT ON t TO alice", "permission denied for table t")
		execAll(t, su, "GRANT CREATE ON SCHEMA public TO alice")
		execAll(t, alice, "CREATE TABLE a1 (x int)", "INSERT INTO a1 VALUES (1)", "GRANT SELECT ON a1 TO bob")
		queryStrings(t, bob, "SELECT * FROM a1")
		wantDenied(t, bob, "DROP TABLE a1", "must be owner of table a1")
		execErr(t, su, "DROP ROLE bob", "2BP01")
		execAll(t, alice, "DROP TABLE a1")
		execAll(t, su, "REVOKE CREATE ON SCHEMA public FROM alice")
		wantDenied(t, alice, "CREATE TABLE a1 (x int)", "permission denied for schema public")
	})

	t.Run("functions", func(t *testing.T) {
		execAll(t, su, "GRANT SELECT, INSERT ON t TO alice WITH GRANT OPTION", "GRANT UPDATE ON t TO bob")
		got := queryStrings(t, su, `SELECT has_table_privilege('alice', 't', 'SELECT'),
			has_table_privilege('alice', 't', 'insert with grant option'),
			has_table_privilege('alice', 't', 'DELETE'),
			has_table_privilege('bob', 't', 'select, update'),
			has_table_privilege('t', 'DELETE'),
			has_schema_privilege('alice', 'public', 'CREATE'),
			has_schema_privilege('alice', 'public', 'USAGE'),
			has_database_privilege('alice', current_database(), 'CONNECT'),
			has_database_privilege('alice', current_database(), 'CREATE')`)
		if want := []string{"true|true|false|true|true|false|true|true|false"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		if got := queryString(t, alice, "SELECT has_table_privilege('t', 'SELECT')::text"); got != "true" {
			t.Fatalf("alice: %s", got)
		}
		execErr(t, su, "SELECT has_table_privilege('alice', 't', 'FOO')", "22023")
		execErr(t, su, "SELECT has_table_privilege('nobody', 't', 'SELECT')", "42704")
		// alice may pass on what she holds with grant option.
		execAll(t, alice, "GRANT SELECT ON t TO bob")
		got = queryStrings(t, su, "SELECT relacl::text FROM pg_class WHERE relname = 't'")
		if want := []string{"{eddy=arwdDxt/eddy,alice=a*r*/eddy,bob=w/eddy,bob=r/alice}"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("relacl: got %v, want %v", got, want)
		}
		got = queryStrings(t, bob, `SELECT grantor, grantee, privilege_type, is_grantable FROM information_schema.role_table_grants
			WHERE table_name = 't' ORDER BY 1, 2, 3`)
		if want := []string{"alice|bob|SELECT|NO", "eddy|bob|UPDATE|NO"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("role_table_grants: got %v, want %v", got, want)
		}
	})

	t.Run("sequences", func(t *testing.T) {
		execAll(t, su, "CREATE TABLE s (id serial PRIMARY KEY, x int)", "GRANT INSERT ON s TO alice")
		// The serial default calls nextval, which needs USAGE, as in PostgreSQL.
		wantDenied(t, alice, "INSERT INTO s (x) VALUES (1)", "permission denied for sequence s_id_seq")
		execAll(t, su, "GRANT USAGE ON SEQUENCE s_id_seq TO alice")
		execAll(t, alice, "INSERT INTO s (x) VALUES (1)")
		wantDenied(t, bob, "SELECT nextval('s_id_seq')", "permission denied for sequence s_id_seq")
		execErr(t, su, "GRANT INSERT ON SEQUENCE s_id_seq TO bob", "0LP01")
		// ON ALL TABLES IN SCHEMA covers tables and views, not sequences.
		execAll(t, su, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO bob")
		queryStrings(t, bob, "SELECT * FROM s JOIN u USING (id)")
		wantDenied(t, bob, "SELECT nextval('s_id_seq')", "permission denied for sequence s_id_seq")
		execAll(t, su, "REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM bob")
		wantDenied(t, bob, "SELECT * FROM s", "permission denied for table s")
		execErr(t, su, "GRANT SELECT ON nosuch TO bob", "42P01")
		execErr(t, su, "GRANT SELECT ON t TO nobody", "42704")
		execErr(t, su, "GRANT FOO ON t TO bob", "42601")
	})

	t.Run("psql", func(t *testing.T) {
		psql, err := osexec.LookPath("psql")
		if err != nil {
			t.Skip("psql is not installed")
		}
		out, err := runPsql(t, psql, url("eddy", "su"), `\dp t`)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		want := `                            Access privileges
 Schema | Name | Type  | Access privileges | Column privileges | Policies 
--------+------+-------+-------------------+-------------------+----------
 public | t    | table | eddy=arwdDxt/eddy+|                   | 
        |      |       | alice=a*r*/eddy  +|                   | 
        |      |       | bob=w/eddy       +|                   | 
        |      |       | bob=r/alice       |                   | 
(1 row)

`
		if out != want {
			t.Fatalf("\\dp t:\n%s\nwant:\n%s", out, want)
		}
	})
}
