package runner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/loadcron/loadcron/internal/config"
)

// Segment is this replica's part of the load when several loadcron
// processes share it: replica Index of Count (0-based). Every replica runs
// the same suites on the same schedule, each sending its exact share, so
// the shares add up to the configured totals. The zero Segment is the
// whole load.
type Segment struct {
	Index, Count int
}

// ParseSegment parses "i/n" with 0 ≤ i < n.
func ParseSegment(s string) (Segment, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Segment{}, fmt.Errorf("segment %q: want INDEX/COUNT, e.g. 0/3", s)
	}
	return NewSegment(i, n)
}

// NewSegment builds a segment from an index and a count given as text.
// The index may also be a name ending in "-N" (a StatefulSet pod name
// such as "loadcron-2"), so Kubernetes' metadata.name can set it.
func NewSegment(index, count string) (Segment, error) {
	if k := strings.LastIndexByte(index, '-'); k > 0 {
		index = index[k+1:]
	}
	i, err := strconv.Atoi(strings.TrimSpace(index))
	if err != nil {
		return Segment{}, fmt.Errorf("segment index %q: not a number", index)
	}
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if err != nil {
		return Segment{}, fmt.Errorf("segment count %q: not a number", count)
	}
	if n < 1 || i < 0 || i >= n {
		return Segment{}, fmt.Errorf("segment %d/%d: want 0 ≤ index < count", i, n)
	}
	return Segment{Index: i, Count: n}, nil
}

// String is "i/n", or "" for the whole load.
func (s Segment) String() string {
	if s.Count <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// share is this replica's part of total: total/Count, with the remainder
// going one each to the first replicas, so the parts add up to total.
func (s Segment) share(total int64) int64 {
	if s.Count <= 1 {
		return total
	}
	n := int64(s.Count)
	part := total / n
	if int64(s.Index) < total%n {
		part++
	}
	return part
}

// offset is the number of units of total that replicas before this one
// take: this replica's first user index.
func (s Segment) offset(total int64) int64 {
	var off int64
	for i := 0; i < s.Index; i++ {
		off += Segment{Index: i, Count: s.Count}.share(total)
	}
	return off
}

// apply returns this replica's share of sc and the global index of its
// first virtual user, or ok false when its share is nothing. Closed model:
// users are split (requests_per_user stays), so requests add up exactly.
// Open model: the planned requests are split and the rate set to send
// exactly this replica's part over the same duration.
func (s Segment) apply(sc *config.Scenario) (part *config.Scenario, userOffset int, ok bool) {
	if s.Count <= 1 {
		return sc, 0, true
	}
	c := *sc
	if len(sc.Stages) > 0 {
		return s.applyStages(sc)
	}
	if sc.IsOpen() {
		total := int64(sc.Rate*sc.Duration.Seconds() + 0.5)
		mine := s.share(total)
		if mine == 0 {
			return nil, 0, false
		}
		c.Rate = float64(mine) / sc.Duration.Seconds()
		if sc.MaxInFlight > 0 {
			c.MaxInFlight = (sc.MaxInFlight + s.Count - 1) / s.Count
		}
		return &c, 0, true
	}
	users := s.share(int64(sc.Users))
	if users == 0 {
		return nil, 0, false
	}
	c.Users = int(users)
	return &c, int(s.offset(int64(sc.Users))), true
}

// applyStages splits a ramping profile: each stage's users are shared out
// as users are (the replica runs users offset … offset+share of the peak),
// and each stage's rate is divided by the number of replicas.
func (s Segment) applyStages(sc *config.Scenario) (*config.Scenario, int, bool) {
	c := *sc
	c.Stages = make([]config.Stage, len(sc.Stages))
	any := false
	for i, st := range sc.Stages {
		c.Stages[i].Duration = st.Duration
		switch {
		case st.Users != nil:
			n := int(s.share(int64(*st.Users)))
			c.Stages[i].Users = &n
			any = any || n > 0
		case st.Rate != nil:
			r := *st.Rate / float64(s.Count)
			c.Stages[i].Rate = &r
			any = any || r > 0
		}
	}
	if !any {
		return nil, 0, false
	}
	if sc.IsOpen() {
		if sc.MaxInFlight > 0 {
			c.MaxInFlight = (sc.MaxInFlight + s.Count - 1) / s.Count
		}
		return &c, 0, true
	}
	return &c, int(s.offset(int64(sc.PeakUsers()))), true
}
