// Command slt runs sqllogictest scripts against a PostgreSQL-wire server.
//
//	go run ./cmd/slt -conn postgres://user:pw@127.0.0.1:5432/db [-engine postgresql] file...
//
// With -complete it rewrites each file's failing records from the server's
// answers (see slt.Options.Complete): run it against PostgreSQL to fill in
// expected results, then review the diff.
//
// It prints one summary line per file and the first few failures, and exits 1
// when any record failed (2 when a file could not be run at all).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/eddysql/eddy/cmd/internal/slt"
	"github.com/jackc/pgx/v5/pgconn"
)

func main() {
	os.Exit(run())
}

func run() int {
	conn := flag.String("conn", "postgres://eddy@127.0.0.1:6875/eddy", "connection string of the server under test")
	engine := flag.String("engine", "postgresql", "engine name matched by skipif/onlyif")
	labels := flag.String("labels", "", "comma-separated extra names matched by skipif/onlyif")
	format := flag.String("format", "", `script format: "sqlite", "rs", or "" to choose by extension (.test is sqlite)`)
	show := flag.Int("show", 5, "failures to print per file")
	maxFail := flag.Int("max-failures", 0, "stop a file after this many failures (0: no limit)")
	timeout := flag.Duration("timeout", time.Minute, "time limit per record (0: none)")
	freshDB := flag.Bool("fresh-db", false, "run each file in a newly created database (PostgreSQL only: uses DROP/CREATE DATABASE), since the corpora reuse table names")
	dbPrefix := flag.String("fresh-db-prefix", "slt_", "name prefix of the databases -fresh-db creates (a run's files use prefix0, prefix1, ...)")
	trimNumeric := flag.Bool("trim-numeric", false, "rs format: compare numeric columns without the zeros ending their fraction (1.00 as 1), as RisingWave prints them")
	fullOffset := flag.Bool("full-offset", false, "rs format: print a timestamptz's UTC offset with its minutes (+00 as +00:00), as RisingWave prints it")
	verbose := flag.Bool("v", false, "log every failure as it happens")
	complete := flag.Bool("complete", false, "rewrite each file's failing records from what the server answers (expected results, error regexes, counts), like sqllogictest-rs --override; review the diff")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: slt [flags] file...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	opts := slt.Options{Engine: *engine, Format: *format, MaxFailures: *maxFail, Timeout: *timeout, Complete: *complete, TrimNumeric: *trimNumeric, FullOffset: *fullOffset}
	if *labels != "" {
		opts.Labels = strings.Split(*labels, ",")
	}
	if *verbose {
		opts.Logf = func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }
	}
	code := 0
	for i, file := range flag.Args() {
		if *freshDB {
			opts.Database = fmt.Sprintf("%s%d", *dbPrefix, i)
			if err := recreateDB(ctx, *conn, opts.Database); err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
				return 2
			}
		}
		res, err := slt.RunFile(ctx, *conn, file, opts)
		fmt.Printf("%s: %d passed, %d failed, %d skipped\n", file, res.Passed, res.Failed, res.Skipped)
		for j, f := range res.Failures {
			if j == *show {
				fmt.Printf("  ... and %d more failures\n", len(res.Failures)-j)
				break
			}
			fmt.Printf("  %s\n", strings.ReplaceAll(f.String(), "\n", "\n  "))
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			code = 2
		} else if *complete {
			if res.Failed > 0 {
				if werr := writeFile(file, res.Completed); werr != nil {
					fmt.Fprintf(os.Stderr, "%s: %v\n", file, werr)
					return 2
				}
				fmt.Printf("%s: rewritten\n", file)
			}
		} else if res.Failed > 0 && code == 0 {
			code = 1
		}
	}
	return code
}

// writeFile replaces a script, keeping its permissions.
func writeFile(path, content string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), fi.Mode().Perm())
}

func recreateDB(ctx context.Context, connString, name string) error {
	c, err := pgconn.Connect(ctx, connString)
	if err != nil {
		return fmt.Errorf("fresh-db: connect: %w", err)
	}
	defer c.Close(ctx)
	for _, q := range []string{"DROP DATABASE IF EXISTS " + name, "CREATE DATABASE " + name} {
		if _, err := c.Exec(ctx, q).ReadAll(); err != nil {
			return fmt.Errorf("fresh-db: %s: %w", q, err)
		}
	}
	return nil
}
