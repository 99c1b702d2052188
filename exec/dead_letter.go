package exec

import (
	"context"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"
)

// A source or topic table with on_error = 'dead_letter' sends the records
// it cannot decode to its dead_letter_topic: the original key, value and
// headers, plus headers that say what went wrong and where the record came
// from. Only continuous readers do this — the feeds of materialized views
// and the ingest of topic tables — because they read each record once and
// commit past it; a batch SELECT reads the topic anew every time and would
// send the same records again with each query, so it skips them (and
// counts them as skipped) as with on_error = 'skip'.
//
// The records are produced, and acknowledged, before the reader commits
// the offsets past them: a crash in between sends them again after the
// restart (at least once). Each reader sends what it cannot decode, so a
// source read by two views sends a bad record twice; the eddy-reader header
// tells them apart.

// badRecord is a record a continuous reader could not decode.
type badRecord struct {
	rec *kgo.Record
	msg string
}

// Headers of a dead-lettered record.
const (
	dlHeaderError     = "eddy-error"
	dlHeaderTopic     = "eddy-source-topic"
	dlHeaderPartition = "eddy-source-partition"
	dlHeaderOffset    = "eddy-source-offset"
	dlHeaderRelation  = "eddy-relation"
	dlHeaderReader    = "eddy-reader"
)

// deadLetter produces bad to the dead-letter topic of cfg and waits for
// Kafka's acknowledgement. rel names the source or table, reader the view
// or table reading it.
func (e *Engine) deadLetter(ctx context.Context, cfg sourceConfig, stats *sourceStats, rel, reader string, bad []badRecord) error {
	if len(bad) == 0 {
		return nil
	}
	cl, err := e.kafkaClient()
	if err != nil {
		return err
	}
	recs := make([]*kgo.Record, len(bad))
	for i, b := range bad {
		h := append([]kgo.RecordHeader(nil), b.rec.Headers...)
		h = append(h,
			kgo.RecordHeader{Key: dlHeaderError, Value: []byte(b.msg)},
			kgo.RecordHeader{Key: dlHeaderTopic, Value: []byte(b.rec.Topic)},
			kgo.RecordHeader{Key: dlHeaderPartition, Value: strconv.AppendInt(nil, int64(b.rec.Partition), 10)},
			kgo.RecordHeader{Key: dlHeaderOffset, Value: strconv.AppendInt(nil, b.rec.Offset, 10)},
			kgo.RecordHeader{Key: dlHeaderRelation, Value: []byte(rel)},
			kgo.RecordHeader{Key: dlHeaderReader, Value: []byte(reader)})
		recs[i] = &kgo.Record{Topic: cfg.deadLetterTopic, Key: b.rec.Key, Value: b.rec.Value, Headers: h}
	}
	pctx, cancel := context.WithTimeout(ctx, kafkaRequestTimeout)
	defer cancel()
	if err := cl.ProduceSync(pctx, recs...).FirstErr(); err != nil {
		return kafkaErr("produce to dead-letter topic "+cfg.deadLetterTopic, err)
	}
	stats.deadLettered.Add(int64(len(bad)))
	return nil
}
