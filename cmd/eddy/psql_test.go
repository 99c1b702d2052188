package main

import (
	"bytes"
	"context"
	"flag"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// The psql test runs psql's meta-commands against eddy and compares their
// output with what PostgreSQL 15 prints for the same schema
// (testdata/psql/schema.sql). The goldens testdata/psql/<name>.out come
// from a real PostgreSQL 15; regenerate them with
//
//	go test ./cmd/eddy -run TestPsql -update-from-pg 'postgres://root:x@127.0.0.1:5432/postgres?sslmode=disable'
//
// which drops and recreates the database eddy_psql on that server. Connect
// as a superuser named root: the goldens name the owner, and the test
// connects to eddy as root too.
var updateFromPG = flag.String("update-from-pg", "", "regenerate testdata/psql goldens from this PostgreSQL 15 connection string")

const (
	psqlUser     = "root"
	psqlDatabase = "eddy_psql"
)

// How a meta-command's output relates to PostgreSQL's.
type psqlExpect int

const (
	// psqlMatch: byte for byte.
	psqlMatch psqlExpect = iota
	// psqlDiffers: eddy deliberately prints something else; the command
	// must still succeed.
	psqlDiffers
)

var psqlCommands = []struct {
	name, cmd string
	expect    psqlExpect
	reason    string
}{
	{"dn", `\dn`, psqlMatch, ""},
	{"dn_plus", `\dn+`, psqlMatch, ""},
	{"dt", `\dt`, psqlMatch, ""},
	{"dt_plus", `\dt+`, psqlDiffers, "Size is the bytes eddy stores for the table; PostgreSQL counts 8 kB pages, and a table with a toastable column takes 8192 bytes even when empty"},
	{"dv", `\dv`, psqlMatch, ""},
	{"dv_plus", `\dv+`, psqlMatch, ""},
	{"dm", `\dm`, psqlMatch, ""},
	{"dm_plus", `\dm+`, psqlDiffers, "Size is the bytes eddy stores for the view; PostgreSQL counts 8 kB pages"},
	{"d_mv_bid_counts", `\d mv_bid_counts`, psqlMatch, ""},
	{"d_plus_mv_bid_counts", `\d+ mv_bid_counts`, psqlDiffers, `the view definition is the query as the user wrote it; PostgreSQL prints its own deparsed form`},
	{"di", `\di`, psqlMatch, ""},
	{"di_plus", `\di+`, psqlDiffers, "index Size: eddy's primary key is the table's row key and takes no bytes of its own"},
	{"ds", `\ds`, psqlMatch, ""},
	{"df", `\df`, psqlMatch, ""},
	{"df_plus", `\df+`, psqlMatch, ""},
	{"dT", `\dT`, psqlMatch, ""},
	{"da", `\da`, psqlMatch, ""},
	{"d", `\d`, psqlMatch, ""},
	{"d_persons", `\d persons`, psqlMatch, ""},
	{"d_auctions", `\d auctions`, psqlMatch, ""},
	{"d_bids", `\d bids`, psqlMatch, ""},
	{"d_notes", `\d notes`, psqlMatch, ""},
	{"d_plus_persons", `\d+ persons`, psqlMatch, ""},
	{"d_v_high_bids", `\d v_high_bids`, psqlMatch, ""},
	{"d_plus_v_high_bids", `\d+ v_high_bids`, psqlDiffers, `the view definition is the query as the user wrote it; PostgreSQL prints its own deparsed form`},
	{"d_persons_pkey", `\d persons_pkey`, psqlMatch, ""},
	{"d_mv_bid_counts_top", `\d mv_bid_counts_top`, psqlMatch, ""},
	{"dp", `\dp`, psqlMatch, ""},
	{"dx", `\dx`, psqlDiffers, "eddy has no extensions; PostgreSQL lists plpgsql"},
	{"du", `\du`, psqlDiffers, "eddy lists its own roles (its superuser eddy beside root) and has no replication or row-security attributes; a PostgreSQL cluster has its own roles"},
	{"l", `\l`, psqlDiffers, "eddy serves one database; a PostgreSQL cluster lists all of its own (postgres, template0, ...)"},
	{"conninfo", `\conninfo`, psqlMatch, ""},
}

// normalizePsql removes what differs between any two servers: the port.
var portRE = regexp.MustCompile(`port "\d+"`)

func normalizePsql(s string) string { return portRE.ReplaceAllString(s, `port "PORT"`) }

func runPsql(t *testing.T, psql, conn, cmd string) (string, error) {
	t.Helper()
	c := exec.Command(psql, "-X", "-d", conn, "-c", cmd)
	c.Env = append(os.Environ(), "PGPASSWORD="+os.Getenv("PGPASSWORD"), "PGTZ=UTC", "LC_ALL=C.UTF-8", "PAGER=")
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	err := c.Run()
	return normalizePsql(out.String()), err
}

// withUserDB points a connection string at the test's user and database.
func withUserDB(t *testing.T, conn, db string) string {
	t.Helper()
	u, err := url.Parse(conn)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	if pw != "" {
		u.User = url.UserPassword(psqlUser, pw)
	} else {
		u.User = url.User(psqlUser)
	}
	u.Path = "/" + db
	q := u.Query()
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	return u.String()
}

func TestPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		if _, err2 := os.Stat("/usr/bin/psql"); err2 != nil {
			t.Skip("did not run: psql is not installed (CI installs postgresql-client 15)")
		}
		psql = "/usr/bin/psql"
	}
	dir := filepath.Join("testdata", "psql")
	schema, err := os.ReadFile(filepath.Join(dir, "schema.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if *updateFromPG != "" {
		updatePsqlGoldens(t, psql, dir, string(schema))
		return
	}
	eddyURL := startEddy(t)
	// psql connects as root, the goldens' owner, and eddy (as PostgreSQL)
	// lets in only roles it has.
	if c, err := pgx.Connect(context.Background(), eddyURL); err != nil {
		t.Fatal(err)
	} else {
		_, err := c.Exec(context.Background(), "CREATE ROLE "+psqlUser+" SUPERUSER LOGIN")
		c.Close(context.Background())
		if err != nil {
			t.Fatal(err)
		}
	}
	conn := withUserDB(t, eddyURL, psqlDatabase)
	for _, stmt := range strings.Split(string(schema), ";\n") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if out, err := runPsql(t, psql, conn, stmt); err != nil || strings.Contains(out, "ERROR") {
			t.Fatalf("schema: %s: %v\n%s", stmt, err, out)
		}
	}
	for _, c := range psqlCommands {
		t.Run(c.name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(dir, c.name+".out"))
			if err != nil {
				t.Fatalf("no golden (run with -update-from-pg): %v", err)
			}
			got, runErr := runPsql(t, psql, conn, c.cmd)
			failed := runErr != nil || strings.Contains(got, "ERROR:")
			switch c.expect {
			case psqlMatch:
				if got != string(want) {
					t.Errorf("%s differs from PostgreSQL 15:\n--- postgres\n%s\n--- eddy\n%s", c.cmd, want, got)
				}
			case psqlDiffers:
				if failed {
					t.Errorf("%s failed: %v\n%s", c.cmd, runErr, got)
				}
				t.Logf("%s differs as expected (%s)", c.cmd, c.reason)
			}
		})
	}
}

// updatePsqlGoldens recreates the schema in a fresh database on a real
// PostgreSQL and records each meta-command's output.
func updatePsqlGoldens(t *testing.T, psql, dir, schema string) {
	admin := *updateFromPG
	for _, stmt := range []string{"DROP DATABASE IF EXISTS " + psqlDatabase, "CREATE DATABASE " + psqlDatabase} {
		if out, err := runPsql(t, psql, admin, stmt); err != nil {
			t.Fatalf("%s: %v\n%s", stmt, err, out)
		}
	}
	conn := withUserDB(t, admin, psqlDatabase)
	if out, err := runPsql(t, psql, conn, schema); err != nil || strings.Contains(out, "ERROR") {
		t.Fatalf("schema: %v\n%s", err, out)
	}
	for _, c := range psqlCommands {
		out, err := runPsql(t, psql, conn, c.cmd)
		if err != nil {
			t.Fatalf("%s on PostgreSQL: %v\n%s", c.cmd, err, out)
		}
		if err := os.WriteFile(filepath.Join(dir, c.name+".out"), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %d goldens from PostgreSQL", len(psqlCommands))
}
