package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestPreparedMix mixes protocol-level named statements (Parse) with SQL
// PREPARE, EXECUTE and DEALLOCATE over the wire: they share one namespace,
// pg_prepared_statements lists both, EXECUTE runs either through the simple
// and the extended protocol, and DEALLOCATE ALL and DISCARD ALL drop both
// kinds, as pgbouncer and asyncpg rely on.
func TestPreparedMix(t *testing.T) {
	preparedMix(t, startEddy(t))
}

// TestPreparedMixPostgres runs the same exchange against PostgreSQL, which
// is where its expectations come from: set EDDY_PREPARE_PG to a connection
// string (postgres://root:x@127.0.0.1:5432/slt).
func TestPreparedMixPostgres(t *testing.T) {
	url := os.Getenv("EDDY_PREPARE_PG")
	if url == "" {
		t.Skip("EDDY_PREPARE_PG is not set: the PostgreSQL run did not happen")
	}
	preparedMix(t, url)
}

func preparedMix(t *testing.T, url string) {
	ctx := context.Background()
	pc, err := pgconn.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close(ctx)

	// outcome renders a result's rows as "a|b,c|d", or its error as
	// "SQLSTATE message".
	outcome := func(res *pgconn.Result) string {
		if res.Err != nil {
			var pe *pgconn.PgError
			if errors.As(res.Err, &pe) {
				return pe.Code + " " + pe.Message
			}
			t.Fatalf("%v", res.Err)
		}
		var rows []string
		for _, r := range res.Rows {
			var f []string
			for _, v := range r {
				f = append(f, string(v))
			}
			rows = append(rows, strings.Join(f, "|"))
		}
		return strings.Join(rows, ",")
	}
	simple := func(q string) string {
		t.Helper()
		rs, err := pc.Exec(ctx, q).ReadAll()
		if err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) {
				return pe.Code + " " + pe.Message
			}
			t.Fatalf("%s: %v", q, err)
		}
		return outcome(rs[len(rs)-1])
	}
	parse := func(name, q string) string {
		t.Helper()
		_, err := pc.Prepare(ctx, name, q, nil)
		if err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) {
				return pe.Code + " " + pe.Message
			}
			t.Fatalf("prepare %s: %v", q, err)
		}
		return ""
	}
	run := func(name string, params ...string) string {
		t.Helper()
		var args [][]byte
		for _, p := range params {
			args = append(args, []byte(p))
		}
		return outcome(pc.ExecPrepared(ctx, name, args, nil, nil).Read())
	}
	want := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	list := `SELECT name, statement, parameter_types::text, from_sql FROM pg_prepared_statements ORDER BY name`

	want(simple("DEALLOCATE ALL"), "")
	want(parse("proto1", "SELECT $1::int + 1"), "")
	want(simple("PREPARE sqlp(int) AS SELECT $1 * 2"), "")
	want(simple(list), "proto1|SELECT $1::int + 1|{integer}|f,sqlp|PREPARE sqlp(int) AS SELECT $1 * 2|{integer}|t")

	// one namespace: either kind's name is taken for the other
	want(parse("sqlp", "SELECT 1"), `42P05 prepared statement "sqlp" already exists`)
	want(simple("PREPARE proto1 AS SELECT 1"), `42P05 prepared statement "proto1" already exists`)

	// EXECUTE reaches a protocol-level statement, Bind a SQL-level one
	want(simple("EXECUTE proto1(5)"), "6")
	want(run("sqlp", "4"), "8")

	// EXECUTE through the simple protocol describes its rows
	rs, err := pc.Exec(ctx, "EXECUTE sqlp(21)").ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if fd := rs[0].FieldDescriptions; len(fd) != 1 || fd[0].Name != "?column?" || fd[0].DataTypeOID != 23 {
		t.Errorf("EXECUTE's row description: %+v", fd)
	}
	want(outcome(rs[0]), "42")
	if tag := rs[0].CommandTag.String(); tag != "SELECT 1" {
		t.Errorf("EXECUTE's tag: %q", tag)
	}

	// and through the extended one, with Describe before it runs
	sd, err := pc.Prepare(ctx, "ex", "EXECUTE sqlp(3)", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.Fields) != 1 || sd.Fields[0].DataTypeOID != 23 {
		t.Errorf("EXECUTE's statement description: %+v", sd.Fields)
	}
	want(run("ex"), "6")
	// EXECUTE is a utility statement, which takes no parameters
	want(outcome(pc.ExecParams(ctx, "EXECUTE sqlp(7)", nil, nil, nil, nil).Read()), "14")
	want(simple("EXECUTE sqlp($1)"), "42P02 there is no parameter $1")

	// DEALLOCATE names either kind; DEALLOCATE ALL drops both
	want(simple("DEALLOCATE proto1"), "")
	want(run("proto1", "1"), `26000 prepared statement "proto1" does not exist`)
	want(parse("proto2", "SELECT 2"), "")
	want(simple("DEALLOCATE ALL"), "")
	want(run("proto2"), `26000 prepared statement "proto2" does not exist`)
	want(run("sqlp", "1"), `26000 prepared statement "sqlp" does not exist`)
	want(run("ex"), `26000 prepared statement "ex" does not exist`)
	want(simple("SELECT count(*) FROM pg_prepared_statements"), "0")

	// a name freed by DEALLOCATE ALL can be used again
	want(parse("proto2", "SELECT 3"), "")
	want(run("proto2"), "3")

	// a Parse of EXECUTE runs the statement of that name when it runs
	want(simple("PREPARE sq AS SELECT 1"), "")
	want(parse("ex2", "EXECUTE sq"), "")
	want(run("ex2"), "1")
	want(simple("DEALLOCATE sq"), "")
	want(run("ex2"), `26000 prepared statement "sq" does not exist`)
	want(simple("PREPARE sq AS SELECT 99"), "")
	want(run("ex2"), "99")

	// DEALLOCATE through the extended protocol
	want(outcome(pc.ExecParams(ctx, "DEALLOCATE ALL", nil, nil, nil, nil).Read()), "")
	want(run("ex2"), `26000 prepared statement "ex2" does not exist`)
	want(parse("proto2", "SELECT 3"), "")

	// DISCARD ALL deallocates too
	want(simple("PREPARE d AS SELECT 1"), "")
	want(simple("DISCARD ALL"), "")
	want(run("proto2"), `26000 prepared statement "proto2" does not exist`)
	want(simple("EXECUTE d"), `26000 prepared statement "d" does not exist`)
}
