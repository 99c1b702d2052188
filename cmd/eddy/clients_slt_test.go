package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/eddysql/eddy/cmd/internal/slt"
)

// TestClientsSLT runs testdata/clients/*.slt: the catalog queries BI tools
// and drivers send (Grafana, Metabase, DBeaver, DBD::Pg), with the answers
// PostgreSQL 15 gives. With -clients-url they run against that server
// instead (each script drops what it creates).
func TestClientsSLT(t *testing.T) {
	files, err := filepath.Glob("../../testdata/clients/*.slt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/clients/*.slt found: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			conn := clientURL(t)
			res, err := slt.RunFile(context.Background(), conn, f, slt.Options{Engine: "postgresql", Labels: []string{"eddy"}, MaxFailures: 20})
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			t.Logf("%s: %d passed, %d failed, %d skipped", filepath.Base(f), res.Passed, res.Failed, res.Skipped)
			for _, fl := range res.Failures {
				t.Errorf("%s", fl.String())
			}
		})
	}
}
