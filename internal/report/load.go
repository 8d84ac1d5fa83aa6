package report

import (
	"time"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/loadgen"
)

// StageInfo is one stage of a ramping profile in the report: over
// DurationS seconds the users (closed model) or the rate (open model) move
// linearly to this target.
type StageInfo struct {
	DurationS float64  `json:"duration_s"`
	Users     *int     `json:"users,omitempty"`
	Rate      *float64 `json:"rate,omitempty"`
}

// LoadPoint is one sample of a ramping scenario's planned against actual
// load: At seconds into the scenario, the plan's users (closed model) or
// rate (open model), the users running, and completed requests per
// second since the previous point.
type LoadPoint struct {
	AtS          float64  `json:"t_s"`
	PlannedUsers *int     `json:"planned_users,omitempty"`
	Users        *int     `json:"users,omitempty"`
	PlannedRate  *float64 `json:"planned_rate,omitempty"`
	Rate         float64  `json:"rate"`
}

// stagesInfo is the report's copy of a scenario's stages.
func stagesInfo(stages []config.Stage) []StageInfo {
	var out []StageInfo
	for _, st := range stages {
		out = append(out, StageInfo{DurationS: round(st.Duration.Seconds(), 3), Users: st.Users, Rate: st.Rate})
	}
	return out
}

// stagesConfig turns report stages back into config stages.
func stagesConfig(stages []StageInfo) []config.Stage {
	var out []config.Stage
	for _, st := range stages {
		out = append(out, config.Stage{Duration: time.Duration(st.DurationS * float64(time.Second)), Users: st.Users, Rate: st.Rate})
	}
	return out
}

// Timeline is the report's form of the engine's load samples (nil for a
// scenario that does not ramp): planned and running users for the closed
// model, the planned rate for the open one.
func Timeline(points []loadgen.LoadPoint, open bool) []LoadPoint {
	if len(points) == 0 {
		return nil
	}
	out := make([]LoadPoint, len(points))
	for i, p := range points {
		lp := LoadPoint{AtS: round(p.At.Seconds(), 3), Rate: round(p.Rate, 3)}
		if open {
			r := round(p.PlannedRate, 3)
			lp.PlannedRate = &r
		} else {
			pu, u := p.PlannedUsers, p.Users
			lp.PlannedUsers, lp.Users = &pu, &u
		}
		out[i] = lp
	}
	return out
}
