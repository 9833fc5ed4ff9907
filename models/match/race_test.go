//go:build race

package match

// raceEnabled shrinks the exhaustive kernel and search sweeps: the race
// detector slows their inner loops ~20× and they run single-threaded.
const raceEnabled = true
