package result

import (
	"errors"
	"testing"
)

func TestVerifyChainOK(t *testing.T) {
	k := testKey(0)
	chain := makeChain(t, k, 10)
	head, err := VerifyChain(pubOf(k), ChainState{}, chain)
	if err != nil {
		t.Fatal(err)
	}
	if head.Seq != 10 || head.Hash != Hash(chain[9]) {
		t.Errorf("head = %d %x, want 10 %x", head.Seq, head.Hash[:4], Hash(chain[9]))
	}
	// Verifying in two batches reaches the same head.
	mid, err := VerifyChain(pubOf(k), ChainState{}, chain[:4])
	if err != nil {
		t.Fatal(err)
	}
	if h2, err := VerifyChain(pubOf(k), mid, chain[4:]); err != nil || h2 != head {
		t.Errorf("batched verify = %v, %v; want %v", h2, err, head)
	}
	if h, err := VerifyChain(pubOf(k), head, nil); err != nil || h != head {
		t.Errorf("empty batch = %v, %v", h, err)
	}
}

// TestTamper is the must-show: each manipulation is detected with a specific
// error at a specific place.
func TestTamper(t *testing.T) {
	k := testKey(0)
	chain := makeChain(t, k, 8)
	// A record with the right seq but re-signed with another predecessor.
	spliced, err := Sign(sampleRecord(k, 5, Hash(chain[2])), k)
	if err != nil {
		t.Fatal(err)
	}
	// A different record claiming an existing seq (properly chained).
	forkRec := sampleRecord(k, 3, Hash(chain[1]))
	forkRec.Decision = DecisionReject
	fork, err := Sign(forkRec, k)
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), chain[4]...)
	flipped[len(flipped)-10] ^= 0x20 // inside the signature
	flippedPayload := append([]byte(nil), chain[4]...)
	flippedPayload[len(flippedPayload)-64-20] ^= 0x01 // inside the payload, structure intact
	foreign := makeChain(t, testKey(1), 5)

	cat := func(parts ...[][]byte) [][]byte {
		var out [][]byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	one := func(b []byte) [][]byte { return [][]byte{b} }

	for _, tc := range []struct {
		name      string
		chain     [][]byte
		wantErr   error
		wantIndex int
		wantSeq   uint64
		wantHead  uint64
	}{
		{"flip signature byte", cat(chain[:4], one(flipped), chain[5:]), ErrSignature, 4, 0, 4},
		{"flip payload byte", cat(chain[:4], one(flippedPayload), chain[5:]), ErrSignature, 4, 0, 4},
		{"delete middle", cat(chain[:3], chain[4:]), ErrGap, 3, 5, 3},
		{"delete first", chain[1:], ErrGap, 0, 2, 0},
		{"reorder two", cat(chain[:3], one(chain[4]), one(chain[3]), chain[5:]), ErrReorder, 3, 5, 3},
		{"replay old one", cat(chain, one(chain[2])), ErrReplay, 8, 3, 8},
		{"replay inside", cat(chain[:5], one(chain[1]), chain[5:]), ErrReplay, 5, 2, 5},
		{"fork", cat(chain[:5], one(fork)), ErrFork, 5, 3, 5},
		{"splice", cat(chain[:4], one(spliced), chain[5:]), ErrBrokenLink, 4, 5, 4},
		{"foreign record", cat(chain[:2], one(foreign[2])), ErrWrongDevice, 2, 0, 2},
		{"garbage", cat(chain[:1], one([]byte("not cbor"))), ErrDecode, 1, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head, err := VerifyChain(pubOf(k), ChainState{}, tc.chain)
			var ce *ChainError
			if !errors.As(err, &ce) {
				t.Fatalf("VerifyChain = %v, want *ChainError", err)
			}
			if ce.Err != tc.wantErr || !errors.Is(err, tc.wantErr) || ce.Index != tc.wantIndex || ce.Seq != tc.wantSeq {
				t.Errorf("got %v (index %d seq %d), want %v at index %d seq %d", err, ce.Index, ce.Seq, tc.wantErr, tc.wantIndex, tc.wantSeq)
			}
			if head.Seq != tc.wantHead {
				t.Errorf("head seq = %d, want %d (last good record)", head.Seq, tc.wantHead)
			}
			t.Log(err)
		})
	}
}

func TestVerifyChainReplayBeforeBatch(t *testing.T) {
	k := testKey(0)
	chain := makeChain(t, k, 6)
	head, err := VerifyChain(pubOf(k), ChainState{}, chain[:4])
	if err != nil {
		t.Fatal(err)
	}
	_, err = VerifyChain(pubOf(k), head, [][]byte{chain[1]})
	var ce *ChainError
	if !errors.As(err, &ce) || ce.Err != ErrReplay || ce.Seq != 2 {
		t.Errorf("replaying seq 2 after head 4 = %v, want ErrReplay at seq 2", err)
	}
	// A first record whose PrevHash does not match the given head.
	_, err = VerifyChain(pubOf(k), ChainState{Seq: 4, Hash: [32]byte{9}}, chain[4:])
	if !errors.Is(err, ErrBrokenLink) {
		t.Errorf("wrong head hash = %v, want ErrBrokenLink", err)
	}
	if _, err := VerifyChain(pubOf(k)[:5], ChainState{}, chain); !errors.Is(err, ErrKey) {
		t.Errorf("short key = %v, want ErrKey", err)
	}
}

func BenchmarkOpen(b *testing.B) {
	k := testKey(0)
	signed := makeChain(b, k, 1)[0]
	for b.Loop() {
		if _, err := Open(pubOf(k), signed); err != nil {
			b.Fatal(err)
		}
	}
}
