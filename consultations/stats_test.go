package consultations

import (
	"math"
	"testing"
)

// near reports whether got is within tol of want.
func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestWilson(t *testing.T) {
	tests := []struct {
		name      string
		k, n      int
		low, high float64
	}{
		{"3 of 5", 3, 5, 0.2307242812760128, 0.882379225767352},
		{"none of 10", 0, 10, 0, 0.2775327998628892},
		{"all of 10", 10, 10, 0.7224672001371108, 1},
		{"no answers", 0, 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wilson(tt.k, tt.n)
			if !near(got.low, tt.low, 1e-12) || !near(got.high, tt.high, 1e-12) {
				t.Errorf("wilson(%d, %d) = [%v, %v], want [%v, %v]", tt.k, tt.n, got.low, got.high, tt.low, tt.high)
			}
		})
	}
}

func TestRegIncBeta(t *testing.T) {
	tests := []struct {
		x, a, b, want float64
	}{
		{0.5, 2, 3, 11.0 / 16}, // a binomial tail: (6+4+1)/16
		{0.3, 1, 1, 0.3},       // uniform
		{0.5, 3, 1, 0.125},     // x^a
		{0.9, 1, 4, 1 - math.Pow(0.1, 4)},
		{0, 2, 2, 0},
		{1, 2, 2, 1},
	}
	for _, tt := range tests {
		if got := regIncBeta(tt.x, tt.a, tt.b); !near(got, tt.want, 1e-13) {
			t.Errorf("I_%v(%v, %v) = %v, want %v", tt.x, tt.a, tt.b, got, tt.want)
		}
	}
	// The symmetry I_x(a, b) = 1 - I_{1-x}(b, a) holds on both branches.
	for _, x := range []float64{0.05, 0.2, 0.5, 0.8, 0.95} {
		a, b := 5.0, 0.5
		if got, want := regIncBeta(x, a, b), 1-regIncBeta(1-x, b, a); !near(got, want, 1e-13) {
			t.Errorf("I_%v(%v, %v) = %v, but 1 - I_%v(%v, %v) = %v", x, a, b, got, 1-x, b, a, want)
		}
	}
}

// The expected p-values come from integrating Student's density
// numerically (Simpson's rule), independently of the incomplete beta.
func TestStudentTwoSidedP(t *testing.T) {
	tests := []struct {
		t, df, want float64
	}{
		{2, 10, 0.07338803477074551},
		{-2, 10, 0.07338803477074551},
		{1, 1, 0.5}, // Cauchy
		{2.5, 3.7, 0.07182202291181206},
		{0, 5, 1},
		{1.959963984540054, 1e9, 0.05}, // the normal limit
	}
	for _, tt := range tests {
		if got := studentTwoSidedP(tt.t, tt.df); !near(got, tt.want, 1e-9) {
			t.Errorf("studentTwoSidedP(%v, %v) = %v, want %v", tt.t, tt.df, got, tt.want)
		}
	}
	// The large-sample shortcut and the fraction agree where they meet.
	if a, b := studentTwoSidedP(2, 1e7), studentTwoSidedP(2, 1e7+1); !near(a, b, 1e-6) {
		t.Errorf("p at df 1e7 = %v and at 1e7+1 = %v; want them close", a, b)
	}
}

func TestStudentQuantile(t *testing.T) {
	tests := []struct {
		df, want float64
	}{
		{1, 12.706204736174698},
		{4, 2.7764451051977934},
		{10, 2.2281388519862744},
		{1e6, 1.959966},
	}
	for _, tt := range tests {
		if got := studentQuantile(0.975, tt.df); !near(got, tt.want, 1e-6) {
			t.Errorf("studentQuantile(0.975, %v) = %v, want %v", tt.df, got, tt.want)
		}
	}
}

func TestTwoProportionTest(t *testing.T) {
	z, p := twoProportionTest(40, 100, 55, 100)
	if !near(z, 2.1239769762143665, 1e-12) || !near(p, 0.0336720688563458, 1e-12) {
		t.Errorf("40/100 vs 55/100: z, p = %v, %v, want 2.12398, 0.03367", z, p)
	}
	if z, p := twoProportionTest(55, 100, 40, 100); z >= 0 || !near(p, 0.0336720688563458, 1e-12) {
		t.Errorf("55/100 vs 40/100: z, p = %v, %v, want a negative z and the same p", z, p)
	}
	if z, p := twoProportionTest(0, 10, 0, 20); z != 0 || p != 1 {
		t.Errorf("0/10 vs 0/20: z, p = %v, %v, want 0, 1", z, p)
	}
	if _, p := twoProportionTest(1, 0, 1, 2); p != 1 {
		t.Errorf("with an empty wave p = %v, want 1", p)
	}
}

// The samples are Welch's test's first example on Wikipedia; t, df and p
// were computed by hand from the formulas (p by numerical integration).
func TestWelchTest(t *testing.T) {
	a := sampleMoments(27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4)
	b := sampleMoments(27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4)
	tv, df, p := welchTest(a, b)
	if !near(tv, 2.45535639828601, 1e-9) || !near(df, 24.98852929023142, 1e-9) || !near(p, 0.02137800146286184, 1e-9) {
		t.Errorf("welchTest = t %v, df %v, p %v; want 2.45536, 24.9885, 0.021378", tv, df, p)
	}
	same := moments{n: 3, mean: 2}
	if _, _, p := welchTest(same, same); p != 1 {
		t.Errorf("no variance, same means: p = %v, want 1", p)
	}
	if _, _, p := welchTest(same, moments{n: 3, mean: 3}); p != 0 {
		t.Errorf("no variance, different means: p = %v, want 0", p)
	}
	if _, _, p := welchTest(moments{n: 1, mean: 2}, b); p != 1 {
		t.Errorf("one score on a side: p = %v, want 1", p)
	}
}

func sampleMoments(xs ...float64) moments {
	m := moments{n: len(xs)}
	for _, x := range xs {
		m.mean += x
	}
	m.mean /= float64(len(xs))
	for _, x := range xs {
		m.variance += (x - m.mean) * (x - m.mean)
	}
	m.variance /= float64(len(xs) - 1)
	return m
}

func TestHistogramMoments(t *testing.T) {
	// Satisfaction answers 5, 4, 4, 3, 1.
	m := histogramMoments([]int{0, 1, 0, 1, 2, 1})
	if m.n != 5 || !near(m.mean, 3.4, 1e-12) || !near(m.variance, 2.3, 1e-12) {
		t.Errorf("moments = %+v, want n 5, mean 3.4, variance 2.3", m)
	}
	if m := histogramMoments(make([]int, 11)); m != (moments{}) {
		t.Errorf("moments of nothing = %+v, want zero", m)
	}
}

func TestMeanIntervalKeepsToTheScale(t *testing.T) {
	// 3.4 ± 2.776445 * sqrt(2.3/5) = [1.51692, 5.28308], cut at 5.
	iv := meanInterval(moments{n: 5, mean: 3.4, variance: 2.3}, 1, 5)
	if !near(iv.low, 3.4-2.7764451051977934*math.Sqrt(2.3/5), 1e-9) || iv.high != 5 {
		t.Errorf("interval = [%v, %v], want [1.51692, 5]", iv.low, iv.high)
	}
	if iv := meanInterval(moments{n: 1, mean: 4}, 1, 5); iv != (interval{1, 5}) {
		t.Errorf("interval of one answer = %+v, want the whole scale", iv)
	}
}

func TestNPSInterval(t *testing.T) {
	// 10, 9, 8, 7, 6, 0: 2 promoters, 2 detractors of 6; variance (4/6)/6.
	iv := npsInterval(2.0/6, 2.0/6, 0, 6)
	half := z95 * math.Sqrt(4.0/36)
	if !near(iv.low, -half, 1e-12) || !near(iv.high, half, 1e-12) {
		t.Errorf("interval = [%v, %v], want ±%v", iv.low, iv.high, half)
	}
}
