package consultations

import "math"

// The statistics behind the indicators: confidence intervals and the tests
// that say whether a change between waves is more than chance. Every
// interval and test is two-sided at 95%.

// z95 is the standard normal quantile that leaves 2.5% in each tail.
const z95 = 1.959963984540054

// Alpha is the significance level of the tests between waves: a change is
// significant when its p-value is below it.
const Alpha = 0.05

// interval is a 95% confidence interval.
type interval struct{ low, high float64 }

// normalCDF is the standard normal distribution function.
func normalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// normalTwoSidedP is the probability that a standard normal variable is at
// least |z| away from 0.
func normalTwoSidedP(z float64) float64 { return math.Erfc(math.Abs(z) / math.Sqrt2) }

// wilson is the Wilson score interval of the proportion k/n, which stays
// inside [0, 1] and behaves well for small n and proportions near 0 or 1.
// With n = 0 it is the whole of [0, 1].
func wilson(k, n int) interval {
	if n <= 0 {
		return interval{0, 1}
	}
	nf := float64(n)
	p := float64(k) / nf
	z2 := z95 * z95
	den := 1 + z2/nf
	centre := (p + z2/(2*nf)) / den
	half := z95 / den * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return clampInterval(interval{centre - half, centre + half}, 0, 1, p)
}

// clampInterval keeps iv within [lo, hi] and makes sure it contains the
// estimate v, which rounding could otherwise leave a hair outside.
func clampInterval(iv interval, lo, hi, v float64) interval {
	iv.low = max(lo, min(iv.low, v))
	iv.high = min(hi, max(iv.high, v))
	return iv
}

// moments are the count, mean and sample variance (divided by n-1) of a
// set of scores.
type moments struct {
	n        int
	mean     float64
	variance float64 // 0 when n < 2
}

// sd is the sample standard deviation.
func (m moments) sd() float64 { return math.Sqrt(m.variance) }

// histogramMoments returns the moments of the scores v with counts[v].
func histogramMoments(counts []int) moments {
	var m moments
	sum := 0
	for v, c := range counts {
		m.n += c
		sum += v * c
	}
	if m.n <= 0 {
		return moments{}
	}
	m.mean = float64(sum) / float64(m.n)
	if m.n > 1 {
		ss := 0.0
		for v, c := range counts {
			d := float64(v) - m.mean
			ss += float64(c) * d * d
		}
		m.variance = ss / float64(m.n-1)
	}
	return m
}

// meanInterval is the t-based 95% interval of a mean, kept inside the
// scale [lo, hi] the scores come from. With fewer than two scores nothing
// is known of the spread, and the interval is the whole scale.
func meanInterval(m moments, lo, hi float64) interval {
	if m.n < 2 {
		return interval{lo, hi}
	}
	half := studentQuantile(0.975, float64(m.n-1)) * m.sd() / math.Sqrt(float64(m.n))
	return clampInterval(interval{m.mean - half, m.mean + half}, lo, hi, m.mean)
}

// npsInterval is the normal 95% interval of a net promoter score nps
// computed from shares promoters and detractors of n answers, with
// variance (promoters + detractors - nps²) / n, kept inside [-1, 1].
func npsInterval(promoters, detractors, nps float64, n int) interval {
	if n <= 0 {
		return interval{-1, 1}
	}
	v := max(0, promoters+detractors-nps*nps) / float64(n)
	half := z95 * math.Sqrt(v)
	return clampInterval(interval{nps - half, nps + half}, -1, 1, nps)
}

// twoProportionTest is the two-proportion z-test (pooled variance) of
// k1/n1 against k2/n2, returning z (positive when the second is larger) and
// the two-sided p-value. With no variance at all (both proportions 0 or
// both 1) z is 0 and p is 1.
func twoProportionTest(k1, n1, k2, n2 int) (z, p float64) {
	if n1 <= 0 || n2 <= 0 {
		return 0, 1
	}
	p1, p2 := float64(k1)/float64(n1), float64(k2)/float64(n2)
	pool := float64(k1+k2) / float64(n1+n2)
	se := math.Sqrt(pool * (1 - pool) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 || math.IsNaN(se) {
		return 0, 1
	}
	z = (p2 - p1) / se
	return z, normalTwoSidedP(z)
}

// welchTest is Welch's unequal-variances t-test of the mean of a against
// the mean of b, returning t (positive when b's mean is larger), the
// Welch-Satterthwaite degrees of freedom and the two-sided p-value. Each
// side needs two scores; without them p is 1. When neither side varies, p
// is 1 if the means are equal and 0 if they differ.
func welchTest(a, b moments) (t, df, p float64) {
	if a.n < 2 || b.n < 2 {
		return 0, 0, 1
	}
	va, vb := a.variance/float64(a.n), b.variance/float64(b.n)
	se2 := va + vb
	diff := b.mean - a.mean
	if se2 == 0 {
		if diff == 0 {
			return 0, 0, 1
		}
		return math.Copysign(math.Inf(1), diff), 0, 0
	}
	t = diff / math.Sqrt(se2)
	df = se2 * se2 / (va*va/float64(a.n-1) + vb*vb/float64(b.n-1))
	return t, df, studentTwoSidedP(t, df)
}

// studentTwoSidedP is the probability that Student's t with df degrees of
// freedom is at least |t| away from 0: I_{df/(df+t²)}(df/2, 1/2).
func studentTwoSidedP(t, df float64) float64 {
	if math.IsInf(t, 0) {
		return 0
	}
	if df > 1e7 { // indistinguishable from the normal, and the fraction converges slowly
		return normalTwoSidedP(t)
	}
	return regIncBeta(df/(df+t*t), df/2, 0.5)
}

// studentCDF is the distribution function of Student's t with df degrees
// of freedom.
func studentCDF(t, df float64) float64 {
	tail := studentTwoSidedP(t, df) / 2
	if t > 0 {
		return 1 - tail
	}
	return tail
}

// studentQuantile is the value below which Student's t with df degrees of
// freedom falls with probability p (0.5 <= p < 1), found by bisection on
// studentCDF.
func studentQuantile(p, df float64) float64 {
	lo, hi := 0.0, 1.0
	for studentCDF(hi, df) < p && hi < 1e12 {
		lo, hi = hi, hi*2
	}
	for range 100 {
		mid := (lo + hi) / 2
		if studentCDF(mid, df) < p {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo <= 1e-12*hi {
			break
		}
	}
	return (lo + hi) / 2
}

// regIncBeta is the regularized incomplete beta function I_x(a, b),
// evaluated by its continued fraction (Numerical Recipes, betai), using
// the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where the fraction converges
// faster.
func regIncBeta(x, a, b float64) float64 {
	switch {
	case math.IsNaN(x):
		return math.NaN()
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaFraction(x, a, b) / a
	}
	return 1 - front*betaFraction(1-x, b, a)/b
}

// betaFraction evaluates the continued fraction of the incomplete beta
// function by the modified Lentz method.
func betaFraction(x, a, b float64) float64 {
	const (
		maxIterations = 100000
		epsilon       = 1e-15
		tiny          = 1e-300
	)
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= maxIterations; m++ {
		mf := float64(m)
		m2 := 2 * mf
		aa := mf * (b - mf) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + mf) * (qab + mf) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < epsilon {
			break
		}
	}
	return h
}
