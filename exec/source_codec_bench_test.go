package exec

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// nexmarkBidColumns are the Nexmark bid source's columns
// (testdata/nexmark/sources.sql).
var nexmarkBidColumns = []catalog.Column{
	{Name: "auction", Type: sql.Int8}, {Name: "bidder", Type: sql.Int8}, {Name: "price", Type: sql.Int8},
	{Name: "channel", Type: sql.Text}, {Name: "url", Type: sql.Text}, {Name: "date_time", Type: sql.Timestamp},
	{Name: "extra", Type: sql.Text},
}

// nexmarkBidRecords are n records shaped as the generator writes bids.
func nexmarkBidRecords(n int) []*kgo.Record {
	recs := make([]*kgo.Record, n)
	base := time.Date(2015, 7, 15, 0, 0, 0, 0, time.UTC)
	for i := range recs {
		ts := base.Add(time.Duration(i) * time.Millisecond)
		v := `{"auction":` + strconv.Itoa(1000+i%997) + `,"bidder":` + strconv.Itoa(2000+i%313) +
			`,"price":` + strconv.Itoa(100+i*7%100000) + `,"channel":"channel-` + strconv.Itoa(i%50) +
			`","url":"https://www.nexmark.com/abc/de_f/gh/item.htm?query=1&channel_id=` + strconv.Itoa(i%50) +
			`","date_time":"` + ts.Format("2006-01-02 15:04:05.000") + `","extra":"` + strings.Repeat("q", 60+i%10) + `"}`
		recs[i] = &kgo.Record{Value: []byte(v), Partition: 0, Offset: int64(i), Timestamp: ts}
	}
	return recs
}

// BenchmarkDecodeBids decodes Nexmark bids as q2's feed does (auction,
// price and the watermark's date_time read) and with every column read.
func BenchmarkDecodeBids(b *testing.B) {
	recs := nexmarkBidRecords(batchSize)
	rel := &catalog.Relation{Name: "bid", Columns: nexmarkBidColumns}
	for _, c := range []struct {
		name string
		read []bool
	}{
		{"q2", []bool{true, false, true, false, false, true, false}},
		{"all", nil},
	} {
		b.Run(c.name, func(b *testing.B) {
			scan := &sourceScanOp{rel: rel, cfg: sourceConfig{}, stats: &sourceStats{}}
			dec := newSourceDecoder("json", rel.Columns, time.UTC, c.read)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := scan.decodeRecords(dec, 0, recs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(recs))/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkJSONDecodeBid is the JSON decoder alone on q2's columns, into
// one reused row.
func BenchmarkJSONDecodeBid(b *testing.B) {
	recs := nexmarkBidRecords(batchSize)
	dec := newSourceDecoder("json", nexmarkBidColumns, time.UTC, []bool{true, false, true, false, false, true, false})
	row := make(sql.Row, len(nexmarkBidColumns))
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range recs {
			if err := dec.decode(r.Value, row); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}
