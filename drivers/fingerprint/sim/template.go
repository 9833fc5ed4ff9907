package sim

import "encoding/binary"

// Char buffer contents. The simulator's feature files and templates are its
// own format, sized like the real module's (the real format is
// proprietary):
//
//	'V' 'F' | kind (1) | count (1) | count × (x, y, angle) | zero padding | sum16 (2)
//
// A buffer whose magic or checksum is wrong is "invalid" (LoadChar 0x0C,
// Match 0x08).
const (
	kindFeature  = 1
	kindTemplate = 2
)

func encodeChar(kind byte, ms []minutia, size int) []byte {
	n := min(len(ms), (size-6)/3, 255)
	b := make([]byte, size)
	b[0], b[1], b[2], b[3] = 'V', 'F', kind, byte(n)
	for i, m := range ms[:n] {
		b[4+3*i], b[5+3*i], b[6+3*i] = m.X, m.Y, m.A
	}
	binary.BigEndian.PutUint16(b[size-2:], sum16(b[:size-2]))
	return b
}

func decodeChar(b []byte) (kind byte, ms []minutia, ok bool) {
	if len(b) < 6 || b[0] != 'V' || b[1] != 'F' || binary.BigEndian.Uint16(b[len(b)-2:]) != sum16(b[:len(b)-2]) {
		return 0, nil, false
	}
	n := int(b[3])
	if 4+3*n > len(b)-2 {
		return 0, nil, false
	}
	for i := range n {
		ms = append(ms, minutia{b[4+3*i], b[5+3*i], b[6+3*i]})
	}
	return b[2], ms, true
}

func sum16(b []byte) uint16 {
	var s uint16
	for _, v := range b {
		s += uint16(v)
	}
	return s
}

// pair tolerances: position (sensor pixels) and direction (1/256 turn).
const (
	posTol   = 5
	angleTol = 12
)

func near(a, b minutia) bool {
	da := int(a.A - b.A)
	if da > 128 {
		da = 256 - da
	}
	return absDiff(a.X, b.X) <= posTol && absDiff(a.Y, b.Y) <= posTol && da <= angleTol
}

// pairs greedily pairs minutiae of a and b and returns the pairs (indexes).
func pairs(a, b []minutia) [][2]int {
	used := make([]bool, len(b))
	var out [][2]int
	for i, m := range a {
		for j, o := range b {
			if !used[j] && near(m, o) {
				used[j] = true
				out = append(out, [2]int{i, j})
				break
			}
		}
	}
	return out
}

// score is the similarity of two minutiae sets on a 0…~200 scale (5 per
// paired minutia, as real modules report scores in the tens to hundreds).
func score(a, b []minutia) int { return 5 * len(pairs(a, b)) }

// threshold is the minimum matching score at a security level (1…5).
func threshold(level int) int { return 20 + 10*level }

// merge combines feature sets into a template: paired minutiae are
// averaged, the rest kept. It reports false when the sets are from
// different fingers (RegModel 0x0A).
func merge(level int, sets ...[]minutia) ([]minutia, bool) {
	acc := append([]minutia(nil), sets[0]...)
	for _, s := range sets[1:] {
		if score(acc, s) < threshold(level) {
			return nil, false
		}
		ps := pairs(acc, s)
		paired := make([]bool, len(s))
		for _, p := range ps {
			a, b := acc[p[0]], s[p[1]]
			acc[p[0]] = minutia{uint8((int(a.X) + int(b.X)) / 2), uint8((int(a.Y) + int(b.Y)) / 2), a.A + uint8(int8(b.A-a.A)/2)}
			paired[p[1]] = true
		}
		for j, m := range s {
			if !paired[j] {
				acc = append(acc, m)
			}
		}
	}
	return acc, true
}
