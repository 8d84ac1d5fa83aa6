package stats

// Band is where a rate falls in the guide's "Interpreting Results": a
// label in the guide's words and a mark (the guide's own ✅/⚠️/❌ where it
// gives one; for the cache bands without one, ❌ below 50 %, ⚠️ up to
// 70 % and ✅ above 85 %).
type Band struct {
	Label string
	Mark  string
}

// SuccessBand places a success rate (0–1) in the guide's "Success Rate
// Analysis": 100 % stable, 95–99 % acceptable, below 95 % critical.
func SuccessBand(rate float64) Band {
	switch {
	case rate >= 1:
		return Band{"System is stable", "✅"}
	case rate >= 0.95:
		return Band{"Acceptable, investigate failures", "⚠️"}
	default:
		return Band{"Critical issues, system not production-ready", "❌"}
	}
}

// CacheHitBand places a cache hit rate (0–1) in the guide's "Cache Hit
// Rate Analysis": below 50 % configuration issues, 50 % up to 70 % good,
// 70–85 % excellent, above 85 % outstanding. The guide's ranges meet at
// 70 %; 70 % itself counts as excellent.
func CacheHitBand(rate float64) Band {
	switch {
	case rate < 0.5:
		return Band{"Cache configuration issues", "❌"}
	case rate < 0.7:
		return Band{"Good, but can be improved", "⚠️"}
	case rate <= 0.85:
		return Band{"Excellent", "✅"}
	default:
		return Band{"Outstanding (may indicate limited query diversity)", "✅"}
	}
}
