package stats

import "math"

// Exact (Clopper–Pearson) one-sided confidence bounds for a binomial
// proportion: with x of n requests failed, the true failure ratio is at
// least BinomialLower(x, n, alpha) with confidence 1 − alpha, whatever the
// sample size. Alert rules compare these bounds with their limits, so that
// a small sample only pages on a fault it can prove: one failure in 60
// requests (1.7 %) does not prove an error ratio above 1 %; 30 in 1000 do.
//
// Exact bounds, not the normal approximation or Wilson's: at the tails
// (a few failures, confidence 99.9 %) those claim far more than the data
// shows — Wilson puts the lower 99.9 % bound of 1 failure in 60 at 0.14 %,
// the exact bound is 0.0017 %.

// BinomialLower is the exact lower confidence bound, at confidence
// 1 − alpha, of the success probability of a binomial with x successes in
// n trials: the p for which P(X ≥ x) = alpha. It is 0 when x ≤ 0, and NaN
// when n ≤ 0, x > n or alpha is not in (0, 1).
func BinomialLower(x, n int64, alpha float64) float64 {
	if !validBinomial(x, n, alpha) {
		return math.NaN()
	}
	if x == 0 {
		return 0
	}
	// P(X ≥ x; n, p) = I_p(x, n−x+1), increasing in p.
	a, b := float64(x), float64(n-x+1)
	return solveIncreasing(func(p float64) float64 { return regIncBeta(a, b, p) }, alpha)
}

// BinomialUpper is the exact upper confidence bound, at confidence
// 1 − alpha: the p for which P(X ≤ x) = alpha. It is 1 when x ≥ n, and NaN
// for the inputs BinomialLower rejects.
func BinomialUpper(x, n int64, alpha float64) float64 {
	if !validBinomial(x, n, alpha) {
		return math.NaN()
	}
	if x == n {
		return 1
	}
	// P(X ≤ x; n, p) = 1 − I_p(x+1, n−x), so P(X ≤ x) = alpha where
	// I_p(x+1, n−x) = 1 − alpha.
	a, b := float64(x+1), float64(n-x)
	return solveIncreasing(func(p float64) float64 { return regIncBeta(a, b, p) }, 1-alpha)
}

func validBinomial(x, n int64, alpha float64) bool {
	return n > 0 && x >= 0 && x <= n && alpha > 0 && alpha < 1
}

// solveIncreasing returns the p in [0, 1] where the increasing function f
// reaches target, by bisection to about 1e-12.
func solveIncreasing(f func(float64) float64, target float64) float64 {
	lo, hi := 0.0, 1.0
	for range 60 {
		mid := (lo + hi) / 2
		if f(mid) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// regIncBeta is the regularized incomplete beta function I_x(a, b), by
// the continued fraction of Numerical Recipes (betai/betacf), using the
// symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges
// faster.
func regIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(a*math.Log(x) + b*math.Log1p(-x) + lab - la - lb)
	if x < (a+1)/(a+b+2) {
		return front * betaContinuedFraction(a, b, x) / a
	}
	return 1 - front*betaContinuedFraction(b, a, 1-x)/b
}

// betaContinuedFraction evaluates the continued fraction of I_x(a, b) by
// the modified Lentz method. It converges in O(sqrt(max(a, b))) steps.
func betaContinuedFraction(a, b, x float64) float64 {
	const (
		eps   = 1e-15
		tiny  = 1e-300
		steps = 100000
	)
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	// step applies one coefficient aa of the fraction to the Lentz
	// state and returns the factor it contributes to h.
	step := func(aa float64) float64 {
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		return d * c
	}
	for m := 1; m <= steps; m++ {
		fm := float64(m)
		m2 := 2 * fm
		// Each m contributes an even and an odd coefficient.
		h *= step(fm * (b - fm) * x / ((qam + m2) * (a + m2)))
		del := step(-(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2)))
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}
