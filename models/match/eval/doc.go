// Package eval measures a face matcher on a labelled set of templates:
// genuine and impostor score distributions, equal error rate, false
// non-match rate at fixed false match rates, 95% bootstrap confidence
// intervals that resample identities (pairs of one person are not
// independent, so resampling pairs would understate the uncertainty),
// thresholds calibrated leaving each identity out, the largest 1:N roster a
// threshold supports, and a DET plot.
//
// Conventions: a comparison matches when score ≥ threshold; FMR is the
// fraction of impostor pairs that match, FNMR the fraction of genuine pairs
// that do not.
package eval
