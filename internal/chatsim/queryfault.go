package chatsim

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Query faults, after fortio's echo server: ?status=503:20 answers 503 to
// 20 % of requests, ?delay=10ms:20 delays 20 % of them by 10ms. A value is a
// comma-separated list of choice[:percent] (percent defaults to 100); one
// random draw per parameter picks at most one choice, the percents being
// consecutive slices of 0–100. Repeated parameters are joined to the list.

// maxQueryDelay caps a ?delay= choice so a stray URL cannot pin a slot for
// long; the request context bounds it anyway.
const maxQueryDelay = time.Minute

// queryFaults are the parsed per-request faults.
type queryFaults struct {
	status []choice[int]
	delay  []choice[time.Duration]
}

type choice[T any] struct {
	v   T
	pct float64
}

// parseQueryFaults reads the status and delay parameters of q.
func parseQueryFaults(q url.Values) (queryFaults, error) {
	var qf queryFaults
	var err error
	qf.status, err = parseChoices(q["status"], func(s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 400 || n > 599 {
			return 0, fmt.Errorf("status %q: want a code in 400–599", s)
		}
		return n, nil
	})
	if err != nil {
		return qf, err
	}
	qf.delay, err = parseChoices(q["delay"], func(s string) (time.Duration, error) {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || d > maxQueryDelay {
			return 0, fmt.Errorf("delay %q: want a duration in 0–%s", s, maxQueryDelay)
		}
		return d, nil
	})
	return qf, err
}

func parseChoices[T any](vals []string, parse func(string) (T, error)) ([]choice[T], error) {
	var out []choice[T]
	total := 0.0
	for _, val := range vals {
		for item := range strings.SplitSeq(val, ",") {
			v, p, hasPct := strings.Cut(strings.TrimSpace(item), ":")
			c := choice[T]{pct: 100}
			var err error
			if c.v, err = parse(v); err != nil {
				return nil, err
			}
			if hasPct {
				c.pct, err = strconv.ParseFloat(p, 64)
				if err != nil || !(c.pct >= 0 && c.pct <= 100) {
					return nil, fmt.Errorf("percent %q: want a number in 0–100", p)
				}
			}
			total += c.pct
			out = append(out, c)
		}
	}
	if total > 100 {
		return nil, fmt.Errorf("percents add up to %g, over 100", total)
	}
	return out, nil
}

// pick draws once and returns the chosen value, if any.
func pick[T any](cs []choice[T], r *lockedRand) (T, bool) {
	var zero T
	if len(cs) == 0 {
		return zero, false
	}
	x := r.float64() * 100
	for _, c := range cs {
		if x < c.pct {
			return c.v, true
		}
		x -= c.pct
	}
	return zero, false
}
