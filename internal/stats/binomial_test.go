package stats

import (
	"math"
	"testing"
)

// binomTail is P(X ≥ x) for X ~ Binomial(n, p), summed term by term in log
// space: the brute-force reference for the continued fraction.
func binomTail(x, n int64, p float64) float64 {
	if x <= 0 {
		return 1
	}
	sum := 0.0
	ln, _ := math.Lgamma(float64(n + 1))
	for k := x; k <= n; k++ {
		lk, _ := math.Lgamma(float64(k + 1))
		lnk, _ := math.Lgamma(float64(n - k + 1))
		sum += math.Exp(ln - lk - lnk + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p))
	}
	return sum
}

func TestBinomialBoundsClosedForms(t *testing.T) {
	const alpha = 0.001
	tests := []struct {
		name      string
		x, n      int64
		lower     bool
		want      float64
		tolerance float64
	}{
		// No failure: the lower bound is 0.
		{"lower of 0", 0, 60, true, 0, 0},
		// Every trial failed: P(X ≥ n) = p^n = alpha.
		{"lower of n", 5, 5, true, math.Pow(alpha, 1.0/5), 1e-9},
		// No success: P(X ≤ 0) = (1−p)^n = alpha.
		{"upper of 0", 0, 200, false, 1 - math.Pow(alpha, 1.0/200), 1e-9},
		// Every trial succeeded: the upper bound is 1.
		{"upper of n", 7, 7, false, 1, 0},
		// One failure in 60: P(X ≥ 1) = 1 − (1−p)^60 = alpha.
		{"lower of 1 in 60", 1, 60, true, 1 - math.Pow(1-alpha, 1.0/60), 1e-12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BinomialUpper(tt.x, tt.n, alpha)
			if tt.lower {
				got = BinomialLower(tt.x, tt.n, alpha)
			}
			if math.Abs(got-tt.want) > tt.tolerance {
				t.Errorf("got %.15g, want %.15g", got, tt.want)
			}
		})
	}
}

// TestBinomialBoundsDefinition checks the defining equations against the
// brute-force tail: at the lower bound P(X ≥ x) = alpha, at the upper bound
// P(X ≤ x) = alpha.
func TestBinomialBoundsDefinition(t *testing.T) {
	for _, alpha := range []float64{0.05, 0.001, 1.0 / 6000} {
		for _, c := range []struct{ x, n int64 }{
			{1, 10}, {3, 60}, {10, 200}, {25, 1000}, {50, 1000}, {400, 1000}, {999, 1000}, {2, 5000},
		} {
			lo := BinomialLower(c.x, c.n, alpha)
			if got := binomTail(c.x, c.n, lo); math.Abs(got-alpha) > 1e-6*alpha+1e-12 {
				t.Errorf("alpha %g, %d/%d: lower %.6g gives P(X≥x) = %.6g", alpha, c.x, c.n, lo, got)
			}
			hi := BinomialUpper(c.x, c.n, alpha)
			if got := 1 - binomTail(c.x+1, c.n, hi); math.Abs(got-alpha) > 1e-6*alpha+1e-12 {
				t.Errorf("alpha %g, %d/%d: upper %.6g gives P(X≤x) = %.6g", alpha, c.x, c.n, hi, got)
			}
			if p := float64(c.x) / float64(c.n); !(lo < p && p < hi) {
				t.Errorf("alpha %g, %d/%d: %g not inside (%g, %g)", alpha, c.x, c.n, p, lo, hi)
			}
		}
	}
}

// TestBinomialLowerSeparates shows the property the error-ratio alert rests
// on: with 99.9 % confidence, 1000 requests at a 0.5 % error ratio (5
// failures, or even twice that) never prove more than 1 %, while a 5 %
// fault (50) proves more than 3 %.
func TestBinomialLowerSeparates(t *testing.T) {
	const alpha = 0.001
	if lb := BinomialLower(10, 1000, alpha); lb >= 0.01 {
		t.Errorf("10 failures in 1000: lower bound %g, want < 1 %%", lb)
	}
	if lb := BinomialLower(50, 1000, alpha); lb <= 0.03 {
		t.Errorf("50 failures in 1000: lower bound %g, want > 3 %%", lb)
	}
	// One failure in a guide-sized run proves nothing.
	if lb := BinomialLower(1, 60, alpha); lb >= 0.001 {
		t.Errorf("1 failure in 60: lower bound %g, want < 0.1 %%", lb)
	}
}

func TestBinomialBoundsRejectBadInput(t *testing.T) {
	tests := []struct {
		name  string
		x, n  int64
		alpha float64
	}{
		// No trials.
		{"n 0", 0, 0, 0.01},
		// More successes than trials.
		{"x > n", 3, 2, 0.01},
		// Negative count.
		{"x < 0", -1, 2, 0.01},
		// Confidence outside (0, 1).
		{"alpha 0", 1, 2, 0},
		{"alpha 1", 1, 2, 1},
		{"alpha NaN", 1, 2, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v := BinomialLower(tt.x, tt.n, tt.alpha); !math.IsNaN(v) {
				t.Errorf("lower = %g, want NaN", v)
			}
			if v := BinomialUpper(tt.x, tt.n, tt.alpha); !math.IsNaN(v) {
				t.Errorf("upper = %g, want NaN", v)
			}
		})
	}
}

func BenchmarkBinomialLower(b *testing.B) {
	for b.Loop() {
		BinomialLower(50, 100000, 1.0/6000)
	}
}
