package exec

import "github.com/eddysql/eddy/server"

// A subscription's rows come an epoch at a time: the server writes them to
// the client when the epoch's last is out, not one write each
// (server.Readier).

var (
	_ server.Readier = (*subscribeResult)(nil)
	_ server.Readier = (*copyOutResult)(nil)
)

// ready reports whether Next has a row at hand: the current batch has a
// row left to return (a zero diff is skipped; a negative one fails at
// once). Past them Next asks the operators, which may wait.
func (r *rowsResult) ready() bool {
	if r.done || r.b == nil {
		return false
	}
	if r.rep > 0 {
		return true
	}
	for _, d := range r.b.Diffs[r.i:] {
		if d != 0 {
			return true
		}
	}
	return false
}

// Ready implements server.Readier.
func (r *subscribeResult) Ready() bool { return r.ready() }

// Ready implements server.Readier: the header, or a row at hand. The
// binary trailer is not counted: it follows the last row, which a
// streaming COPY does not reach before the client ends it.
func (r *copyOutResult) Ready() bool { return r.header != nil || r.rows.ready() }
