package exec

import "github.com/twmb/franz-go/pkg/kgo"

// What a consumer of a source holds besides the state: franz-go keeps each
// broker's last fetch response until it is polled, and the records polled
// reference its (decompressed) buffers until they are decoded. A fetch is
// bounded by FetchMaxBytes, and each partition's share of it by
// FetchMaxPartitionBytes; franz-go's defaults are 50 MiB and 1 MiB, and a
// batch scan asked for 64 MiB and 8 MiB for throughput. Both follow the
// state cache here, so that a process given a small cache does not fetch
// as if it had a large one: a sixteenth of the cache per fetch, between 4
// and 64 MiB (the scan's former 64 MiB from a 1 GiB cache), and a
// partition at most half of that.
func fetchLimits(cache int64, partition int32) []kgo.Opt {
	total := int32(min(max(cache/16, 4<<20), 64<<20))
	return []kgo.Opt{kgo.FetchMaxBytes(total), kgo.FetchMaxPartitionBytes(min(partition, total/2))}
}

// scanFetchLimits are the fetch bounds of a consumer reading a topic's
// backlog (a batch scan, a new view's load): partitions of up to 8 MiB.
func (e *Engine) scanFetchLimits() []kgo.Opt { return fetchLimits(e.stateCache, 8<<20) }

// tailFetchLimits are those of a consumer following a topic's end, whose
// fetches are mostly small: franz-go's 1 MiB per partition.
func (e *Engine) tailFetchLimits() []kgo.Opt { return fetchLimits(e.stateCache, 1<<20) }
