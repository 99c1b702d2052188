package sql

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
)

// TestParseConcurrent: statements parsed at once on many goroutines each
// get their own AST. The TiDB parser returns its own result slice, which
// its next Parse overwrites; a parser back in the pool before that slice
// was read could hand one goroutine another's statement (materialized view
// feeds parse their sources' WATERMARK expressions as they start, while
// sessions parse their queries). Run it with -race to catch the read itself.
func TestParseConcurrent(t *testing.T) {
	const workers, each = 8, 500
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				want := fmt.Sprintf("c_%d_%d", w, i)
				stmts, err := Parse(fmt.Sprintf("SELECT %d + x AS %s FROM t WHERE y = 'w%d' ORDER BY 1", i, want, w))
				if err != nil {
					errs <- err
					return
				}
				sel, ok := stmts[0].AST.(*ast.SelectStmt)
				if !ok || len(sel.Fields.Fields) != 1 {
					errs <- fmt.Errorf("%s: parsed as %T", want, stmts[0].AST)
					return
				}
				if got := sel.Fields.Fields[0].AsName.O; got != want {
					errs <- fmt.Errorf("parsed SELECT ... AS %s, got the statement of %s", want, got)
					return
				}
				// The whole tree, so that -race sees any part shared.
				var b strings.Builder
				if err := sel.Restore(format.NewRestoreCtx(format.DefaultRestoreFlags, &b)); err != nil {
					errs <- err
					return
				}
				if !strings.Contains(b.String(), fmt.Sprintf("'w%d'", w)) {
					errs <- fmt.Errorf("%s: restored as %s", want, b.String())
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
