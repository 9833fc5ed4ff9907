package match_test

import (
	"fmt"

	"github.com/vouchkiosk/vouch/models/match"
)

func ExampleIndex() {
	x, _ := match.NewIndex(4, 0)
	_ = x.Add("alice", []float32{1, 0, 0, 0})
	_ = x.Add("bob", []float32{0, 1, 0, 0})
	hits, _ := x.Search([]float32{0.9, 0.1, 0, 0}, 1)
	d, _ := match.Verify([]float32{0.9, 0.1, 0, 0}, []float32{1, 0, 0, 0}, 0.45)
	fmt.Printf("%s %.3f %v\n", hits[0].ID, hits[0].Score, d.Match)
	// Output: alice 0.994 true
}

func ExampleRenewal() {
	key := make([]byte, match.MinKeyBytes) // a per-deployment secret in real use
	r, _ := match.NewRenewal(key, 3)
	a, _ := r.Apply(nil, []float32{1, 0, 0})
	b, _ := r.Apply(nil, []float32{0.6, 0.8, 0})
	s, _ := match.Cosine(a, b)
	fmt.Printf("%.3f\n", s) // the score of the original pair
	// Output: 0.600
}
