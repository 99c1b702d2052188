package exec

import (
	"sort"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// eddy_catalog.eddy_sinks lists the sinks: what each reads (its
// materialized view, or its query), its topic, format and envelope, the
// columns of its records' key (NULL without one), how many epochs of
// changes wait in its queue for Kafka, and the last error of the
// goroutine that produces them (NULL while it works: a sink retries after
// errors, except an append sink that met a retraction, which stops).
var eddySinksColumns = []planner.Column{
	{Name: "name", Type: sql.Text}, {Name: "reads", Type: sql.Text}, {Name: "topic", Type: sql.Text},
	{Name: "format", Type: sql.Text}, {Name: "envelope", Type: sql.Text}, {Name: "key", Type: sql.Text},
	{Name: "queued", Type: sql.Int8}, {Name: "last_error", Type: sql.Text},
}

func (s *Session) eddySinksRows() ([]sql.Row, error) {
	var sinks []*catalog.Relation
	for _, r := range s.e.cat.Relations() {
		if r.Kind == catalog.KindSink {
			sinks = append(sinks, r)
		}
	}
	sort.Slice(sinks, func(i, j int) bool { return sinks[i].Name < sinks[j].Name })
	var rows []sql.Row
	err := s.e.db.View(func(txn *badger.Txn) error {
		for _, r := range sinks {
			cfg, _ := parseSinkOptions(r.Name, sinkOptions(r))
			reads, key := sql.NewText(r.SQL), sql.Null
			cols, pk := r.Columns, r.PrimaryKey
			s.e.sinks.mu.Lock()
			ts := s.e.sinks.byOID[r.OID]
			s.e.sinks.mu.Unlock()
			if !isFlowSink(r) {
				reads = sql.Null
				if len(r.DependsOn) == 1 {
					if v := s.e.cat.ByOID(r.DependsOn[0]); v != nil {
						reads, cols, pk = sql.NewText(v.Name), v.Columns, v.PrimaryKey
					}
				}
			}
			if cfg.envelope != "append" && pk != nil {
				names := make([]string, 0, len(pk))
				for _, c := range pk {
					if c < len(cols) {
						names = append(names, cols[c].Name)
					}
				}
				key = sql.NewText(strings.Join(names, ", "))
			}
			probe := &topicSink{rel: r, flow: isFlowSink(r)}
			it := txn.NewIterator(badger.IteratorOptions{Prefix: probe.queuePrefix()})
			var queued int64
			for it.Rewind(); it.Valid(); it.Next() {
				queued++
			}
			it.Close()
			last := sql.Null
			if ts != nil {
				ts.mu.Lock()
				if ts.err != nil {
					last = sql.NewText(ts.err.Error())
				}
				ts.mu.Unlock()
			}
			rows = append(rows, sql.Row{sql.NewText(r.Name), reads, sql.NewText(cfg.topic), sql.NewText(cfg.format),
				sql.NewText(cfg.envelope), key, sql.NewInt(queued), last})
		}
		return nil
	})
	return rows, err
}
