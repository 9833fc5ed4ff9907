package result_test

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/vouchkiosk/vouch/agent/result"
)

func Example() {
	pub, priv, _ := ed25519.GenerateKey(nil)
	var head result.ChainState
	var chain [][]byte
	for range 3 {
		seq, prev := head.Next()
		signed, err := result.Sign(&result.Record{
			Device: result.DeviceID(pub), Seq: seq, PrevHash: prev,
			Wall: time.Now(), Mode: result.ModeTicket, Decision: result.DecisionAccept,
			Liveness: result.LivenessPass, Score: 0.91,
		}, priv)
		if err != nil {
			panic(err)
		}
		chain = append(chain, signed)
		head = result.ChainState{Seq: seq, Hash: result.Hash(signed)}
	}

	// A verifier holding only the public key checks the whole chain ...
	h, err := result.VerifyChain(pub, result.ChainState{}, chain)
	fmt.Println(h.Seq, err)

	// ... and learns exactly where a tampered one breaks.
	_, err = result.VerifyChain(pub, result.ChainState{}, [][]byte{chain[0], chain[2]})
	var ce *result.ChainError
	fmt.Println(errors.As(err, &ce), ce.Index, ce.Seq, errors.Is(err, result.ErrGap))
	// Output:
	// 3 <nil>
	// true 1 3 true
}
