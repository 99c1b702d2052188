package exec

import (
	"errors"
	"sort"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// eddy_catalog.eddy_views lists the materialized views, one row per view
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
		if r.Kind == catalog.KindMatView {
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
