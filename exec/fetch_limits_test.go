package exec

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestFetchLimits(t *testing.T) {
	for _, c := range []struct {
		cache          int64
		partition      int32
		total, perPart int32
	}{
		{256 << 20, 8 << 20, 16 << 20, 8 << 20},
		{128 << 20, 8 << 20, 8 << 20, 4 << 20},
		{256 << 20, 1 << 20, 16 << 20, 1 << 20},
		{DefaultStateCache, 8 << 20, 64 << 20, 8 << 20},
		{64 << 30, 1 << 20, 64 << 20, 1 << 20},
		{1 << 20, 8 << 20, 4 << 20, 2 << 20},
	} {
		// The options as franz-go took them (it also checks they agree).
		cl, err := kgo.NewClient(fetchLimits(c.cache, c.partition)...)
		if err != nil {
			t.Fatalf("cache %d: %v", c.cache, err)
		}
		total := cl.OptValue(kgo.FetchMaxBytes).(int32)
		perPart := cl.OptValue(kgo.FetchMaxPartitionBytes).(int32)
		cl.Close()
		if total != c.total || perPart != c.perPart {
			t.Errorf("cache %d MiB, partition %d MiB: fetch %d/%d MiB, want %d/%d", c.cache>>20, c.partition>>20,
				total>>20, perPart>>20, c.total>>20, c.perPart>>20)
		}
	}
}
