package model

// Decompose splits the change of one indicator's weighted value between two
// runs, w1·n1 − w0·n0, into three parts that add up to it:
//
//	input      = w0·(n' − n0)   the customer's own raw value changed
//	population = w0·(n1 − n')   the other customers moved around it
//	config     = (w1 − w0)·n1   the weight changed
//
// with w0, n0 = oldW, oldN (last run's weight and normalized value), w1, n1
// = newW, newN (this run's), and n' = newNSameOldPop, this run's raw value
// normalized within last run's population (see ReplaceValue) under last
// run's method. The path is: change the input first, then the population,
// then the config; the three always sum to w1·n1 − w0·n0 (up to float
// rounding). A change of normalization method moves n1 away from n' and so
// lands in population, not config; only weight changes are config here.
// Values are in the units of w·n; multiply by 100 for points.
func Decompose(oldW, newW, oldN, newNSameOldPop, newN float64) (input, population, config float64) {
	input = oldW * (newNSameOldPop - oldN)
	population = oldW * (newN - newNSameOldPop)
	config = (newW - oldW) * newN
	return input, population, config
}
