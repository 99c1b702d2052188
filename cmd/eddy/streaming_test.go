package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddysql/eddy/cmd/internal/slt"
)

// TestStreamingCorpus runs RisingWave's streaming scripts from ../shared
// (see its README.md), each against a fresh eddy, and every record must
// pass. A clone without ../shared (or $EDDY_SHARED) skips, saying so.
//
// The scripts run unmodified. Two things are adapted in how results
// compare, both ways of printing the same value: RisingWave prints a
// numeric without the zeros that end its fraction (round(1, 2) as 1),
// where PostgreSQL, and so eddy, prints the scale the value has (1.00), so
// numeric columns are compared with those zeros trimmed
// (slt.Options.TrimNumeric); and it prints a timestamptz's offset with its
// minutes (+00:00) where PostgreSQL prints +00 (slt.Options.FullOffset). A
// different value still fails.
func TestStreamingCorpus(t *testing.T) {
	dir := filepath.Join(sharedDir(), "slt", "streaming")
	files, err := filepath.Glob(filepath.Join(dir, "*.slt"))
	if err != nil || len(files) == 0 {
		t.Skipf("did not run: no scripts in %s (../shared lives beside the repository in CI; set EDDY_SHARED to point elsewhere)", dir)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".slt"), func(t *testing.T) {
			res, err := slt.RunFile(context.Background(), startEddy(t), f, slt.Options{Engine: "eddy", Format: slt.FormatRS, TrimNumeric: true, FullOffset: true})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			t.Logf("%s: %d passed, %d failed, %d skipped", name, res.Passed, res.Failed, res.Skipped)
			for _, fl := range res.Failures {
				t.Errorf("%s", fl.String())
			}
			if res.Passed == 0 {
				t.Errorf("%s: no record ran", name)
			}
		})
	}
}

// sharedDir is ../shared beside the repository, where CI keeps the external
// corpora, or $EDDY_SHARED (for a git worktree that lives elsewhere).
func sharedDir() string {
	if d := os.Getenv("EDDY_SHARED"); d != "" {
		return d
	}
	return "../../../shared"
}
