package chatsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Faults are the degradations the admin can switch on at run time. On the
// wire (GET/PUT /admin/faults) they are a JSON object with the keys named in
// the json tags; ExtraLatency is a Go duration string such as "250ms".
type Faults struct {
	// ErrorRatio is the fraction (0–1) of /api/chat requests answered 500.
	ErrorRatio float64 `json:"error_ratio"`
	// ExtraLatency is added to every /api/chat request that got a slot.
	ExtraLatency time.Duration `json:"extra_latency"`
	// CacheOff bypasses the cache: every lookup misses, nothing is stored.
	CacheOff bool `json:"cache_off"`
	// Unhealthy makes GET /health answer 503. /api/chat is unaffected.
	Unhealthy bool `json:"unhealthy"`
}

// Validate reports out-of-range faults.
func (f Faults) Validate() error {
	var errs []error
	if !(f.ErrorRatio >= 0 && f.ErrorRatio <= 1) {
		errs = append(errs, fmt.Errorf("error_ratio: must be in [0, 1], got %g", f.ErrorRatio))
	}
	if f.ExtraLatency < 0 {
		errs = append(errs, fmt.Errorf("extra_latency: must be ≥ 0, got %s", f.ExtraLatency))
	}
	return errors.Join(errs...)
}

// sanitized returns f with its values clamped into range.
func (f Faults) sanitized() Faults {
	f.ErrorRatio = clamp(f.ErrorRatio, 0, 1)
	f.ExtraLatency = max(f.ExtraLatency, 0)
	return f
}

// faultsWire is the JSON form of Faults.
type faultsWire struct {
	ErrorRatio   float64 `json:"error_ratio"`
	ExtraLatency string  `json:"extra_latency"`
	CacheOff     bool    `json:"cache_off"`
	Unhealthy    bool    `json:"unhealthy"`
}

// MarshalJSON writes ExtraLatency as a duration string.
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsWire{
		ErrorRatio:   f.ErrorRatio,
		ExtraLatency: f.ExtraLatency.String(),
		CacheOff:     f.CacheOff,
		Unhealthy:    f.Unhealthy,
	})
}

// UnmarshalJSON reads the form MarshalJSON writes. Keys that are absent keep
// their current value, so decoding into a copy of the current faults is a
// partial update.
func (f *Faults) UnmarshalJSON(b []byte) error {
	p, err := decodeFaultsPatch(b, false)
	if err != nil {
		return err
	}
	*f = p.apply(*f)
	return nil
}

// faultsPatch is a partial update of Faults: nil fields are left alone. It
// is the body of PUT/POST /admin/faults.
type faultsPatch struct {
	// ErrorRatio replaces Faults.ErrorRatio when set.
	ErrorRatio *float64 `json:"error_ratio,omitempty"`
	// ExtraLatency replaces Faults.ExtraLatency when set ("250ms").
	ExtraLatency *string `json:"extra_latency,omitempty"`
	// CacheOff replaces Faults.CacheOff when set.
	CacheOff *bool `json:"cache_off,omitempty"`
	// Unhealthy replaces Faults.Unhealthy when set.
	Unhealthy *bool `json:"unhealthy,omitempty"`

	extra time.Duration // parsed ExtraLatency
}

// decodeFaultsPatch parses a JSON patch; strict rejects unknown keys, so a
// typo in an admin call fails loudly instead of silently changing nothing.
func decodeFaultsPatch(b []byte, strict bool) (faultsPatch, error) {
	var p faultsPatch
	if err := decodeJSON(b, &p, strict); err != nil {
		return p, err
	}
	if p.ExtraLatency != nil {
		d, err := time.ParseDuration(*p.ExtraLatency)
		if err != nil {
			return p, fmt.Errorf("extra_latency: %w", err)
		}
		p.extra = d
	}
	return p, nil
}

// apply returns f with the patch's set fields replaced.
func (p faultsPatch) apply(f Faults) Faults {
	if p.ErrorRatio != nil {
		f.ErrorRatio = *p.ErrorRatio
	}
	if p.ExtraLatency != nil {
		f.ExtraLatency = p.extra
	}
	if p.CacheOff != nil {
		f.CacheOff = *p.CacheOff
	}
	if p.Unhealthy != nil {
		f.Unhealthy = *p.Unhealthy
	}
	return f
}
