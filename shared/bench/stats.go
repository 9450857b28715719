package bench

import (
	"math"
	"slices"
	"time"
)

// Samples are latencies of one measurement.
type Samples []time.Duration

// Sorted returns a sorted copy.
func (s Samples) Sorted() Samples {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// Percentile is the nearest-rank p-th percentile (0 < p <= 100) of sorted
// samples: the smallest sample with at least p% of the samples at or below
// it. Zero for no samples.
func Percentile(sorted Samples, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Summary is the usual view of samples, in milliseconds.
type Summary struct {
	N             int
	P50, P99, Max float64
}

// Summarise sorts and summarises samples.
func Summarise(s Samples) Summary {
	sorted := s.Sorted()
	if len(sorted) == 0 {
		return Summary{}
	}
	return Summary{N: len(sorted), P50: Ms(Percentile(sorted, 50)), P99: Ms(Percentile(sorted, 99)),
		Max: Ms(sorted[len(sorted)-1])}
}

// Ms is d in milliseconds, rounded to the microsecond.
func Ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// Median is the 50th percentile of unsorted samples.
func Median(s Samples) time.Duration { return Percentile(s.Sorted(), 50) }
