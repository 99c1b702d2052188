package exec

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// eddy_catalog.eddy_views lists the materialized views (and the sinks that
// run a dataflow of their own, sink_flow.go), one row per view
// and watermarked input it reads (one row with input NULL for a view that
// reads none): the input's watermark in the view, as text in the type of
// its WATERMARK column (NULL until a row has arrived), and how many late
// rows of it the view has dropped. The figures are those of the last
// committed epoch.
var eddyViewsColumns = []planner.Column{
	{Name: "name", Type: sql.Text}, {Name: "emit_on_window_close", Type: sql.Bool},
	{Name: "input", Type: sql.Text}, {Name: "watermark", Type: sql.Text}, {Name: "late_rows", Type: sql.Int8},
}

func (s *Session) eddyViewsRows() ([]sql.Row, error) {
	var views []*catalog.Relation
	for _, r := range s.e.cat.Relations() {
		if r.Kind == catalog.KindMatView || isFlowSink(r) {
			views = append(views, r)
		}
	}
	sort.Slice(views, func(i, j int) bool { return views[i].Name < views[j].Name })
	var rows []sql.Row
	err := s.e.db.View(func(txn *badger.Txn) error {
		for _, v := range views {
			n := len(rows)
			for _, oid := range v.DependsOn {
				in := s.e.cat.ByOID(oid)
				if in == nil || in.WatermarkColumn == "" {
					continue
				}
				wm, late := sql.Null, int64(0)
				item, err := txn.Get(watermarkKey(v.OID, oid))
				switch {
				case errors.Is(err, badger.ErrKeyNotFound):
				case err != nil:
					return err
				default:
					err := item.Value(func(b []byte) error {
						r, err := sql.DecodeRow(b, nil)
						if err == nil && len(r) == 2 {
							wm, late = r[0], r[1].Int()
						}
						return err
					})
					if err != nil {
						return err
					}
				}
				text := sql.Null
				if !wm.IsNull() {
					if i := in.ColumnIndex(in.WatermarkColumn); i >= 0 {
						text = sql.NewText(sql.FormatText(wm, in.Columns[i].Type, s.loc))
					}
				}
				rows = append(rows, sql.Row{sql.NewText(v.Name), sql.NewBool(v.EmitOnWindowClose), sql.NewText(in.Name), text, sql.NewInt(late)})
			}
			if len(rows) == n {
				rows = append(rows, sql.Row{sql.NewText(v.Name), sql.NewBool(v.EmitOnWindowClose), sql.Null, sql.Null, sql.NewInt(0)})
			}
		}
		return nil
	})
	return rows, err
}

// eddy_catalog.eddy_view_sources shows how far each materialized view (or
// sink with a dataflow of its own) has read each source it reads directly:
// one row per view, source and partition, with the next offset the view
// has committed, the partition's
// end (its high watermark, asked of Kafka now) and the difference, lag. A
// view whose lag is 0 everywhere reflects every record in the topics as
// of the query. A view over views has no rows of its own: its inputs' lag
// is its lag. end_offset and lag are NULL when Kafka does not answer.
// error says why the view is not reading the source, while it is not (its
// topic recreated, the broker down), with the SQLSTATE; the view then
// keeps serving its last state.
var eddyViewSourcesColumns = []planner.Column{
	{Name: "name", Type: sql.Text}, {Name: "source", Type: sql.Text}, {Name: "partition", Type: sql.Int4},
	{Name: "offset", Type: sql.Int8}, {Name: "end_offset", Type: sql.Int8}, {Name: "lag", Type: sql.Int8},
	{Name: "error", Type: sql.Text},
}

// feedError is the error column of eddy_view_sources.
func (s *Session) feedError(view, source uint32) sql.Value {
	v, ok := s.e.feedErrs.Load(feedKey{view, source})
	if !ok {
		return sql.Null
	}
	err := v.(error)
	code := sql.CodeInternal
	var se *sql.Error
	if errors.As(err, &se) {
		code = se.Code
	}
	return sql.NewText(fmt.Sprintf("%s (SQLSTATE %s)", err, code))
}

func (s *Session) eddyViewSourcesRows(ctx context.Context) ([]sql.Row, error) {
	var views []*catalog.Relation
	for _, r := range s.e.cat.Relations() {
		if r.Kind == catalog.KindMatView || isFlowSink(r) {
			views = append(views, r)
		}
	}
	sort.Slice(views, func(i, j int) bool { return views[i].Name < views[j].Name })
	// Each source's partitions and ends, asked once.
	type topicEnds struct {
		parts []int32
		ends  map[int32]int64
	}
	ends := map[uint32]*topicEnds{}
	endsOf := func(src *catalog.Relation) *topicEnds {
		if te, ok := ends[src.OID]; ok {
			return te
		}
		te := &topicEnds{}
		ends[src.OID] = te
		cfg, err := parseSourceOptions(src.Name, src.Options)
		if err != nil {
			return te
		}
		cl, err := s.e.kafkaClient()
		if err != nil {
			return te
		}
		lctx, cancel := context.WithTimeout(ctx, kafkaRequestTimeout)
		defer cancel()
		if te.parts, err = topicPartitions(lctx, cl, cfg.topic); err != nil || te.parts == nil {
			return te
		}
		te.ends, _ = listOffsets(lctx, cl, cfg.topic, te.parts, -1)
		return te
	}
	var rows []sql.Row
	err := s.e.db.View(func(txn *badger.Txn) error {
		for _, v := range views {
			for _, oid := range v.DependsOn {
				src := s.e.cat.ByOID(oid)
				if src == nil || src.Kind != catalog.KindSource {
					continue
				}
				offs, err := committedOffsets(txn, v.OID, oid)
				if err != nil {
					return err
				}
				te := endsOf(src)
				parts := map[int32]bool{}
				for p := range offs {
					parts[p] = true
				}
				for _, p := range te.parts {
					parts[p] = true
				}
				ps := make([]int32, 0, len(parts))
				for p := range parts {
					ps = append(ps, p)
				}
				sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
				ferr := s.feedError(v.OID, oid)
				for _, p := range ps {
					off, end, lag := sql.Null, sql.Null, sql.Null
					o, read := offs[p]
					if read {
						off = sql.NewInt(o)
					}
					if e, ok := te.ends[p]; ok {
						end = sql.NewInt(e)
						// A partition the view has not read yet lags by
						// all of it.
						lag = sql.NewInt(max(e-o, 0))
					}
					rows = append(rows, sql.Row{sql.NewText(v.Name), sql.NewText(src.Name), sql.NewInt(int64(p)), off, end, lag, ferr})
				}
			}
		}
		return nil
	})
	return rows, err
}
