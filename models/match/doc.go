// Package match compares face templates: cosine similarity, thresholds from a
// calibration file, 1:1 verification, 1:N identification over a roster, and
// keyed template renewal.
//
// # Concepts
//
// A template is an L2-normalised float32 vector ([Normalize]); the score of
// two templates is their cosine similarity ([Cosine]), in [−1, 1]. A
// [Calibration] holds the thresholds chosen on held-out identities by
// `vouchctl eval faces` together with the roster cap derived from the
// impostor score distribution.
//
// The [Index] keeps a roster's templates twice: int8-quantised in one
// contiguous slice, scanned with a SIMD kernel (AVX2 on amd64; a portable Go
// loop elsewhere or with -tags purego), and as float32 for exact re-ranking.
// The quantisation error of every entry is bounded and the scan keeps every
// template whose approximate score could still reach the top k, so the
// re-ranked result equals an exact float32 search — this is a guarantee, not
// a heuristic.
//
// [Renewal] is an optional keyed random orthogonal transform per deployment:
// scores are unchanged, re-keying renews every template, and two deployments'
// templates are not directly comparable.
//
// # Caveats
//
// An orthogonal transform keeps all pairwise distances, so someone holding
// two whole galleries of the same people under different keys can still link
// them from their distance structure alone. Two attacks are measured:
//   - TestLinkageAttack: when both sites hold the same enrolment, comparing
//     each template's sorted similarity profile links 300 of 300 subjects;
//     with independent re-captures (genuine cosine ≈ 0.7) this simple
//     attack links almost none.
//   - TestProcrustesLinkage: an attacker who knows the pairing of 1.5×Dim
//     subjects (288 for 192-d) fits the map between the two keys
//     (orthogonal Procrustes) and then links 200 of 200 further subjects
//     from independent re-captures, most above the verification threshold.
//     With fewer known pairs than Dim this fit is underdetermined and fails;
//     cleverer attacks (graph matching) were not tried.
//
// Renewal protects single templates and makes revocation possible; it is no
// defence against gallery-level linkage.
package match
