package syncwire_test

import (
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
)

// A device signs a request; the platform verifies it with the pinned key
// and answers with a signed acknowledgement the device checks.
func Example() {
	devPub, devKey, _ := ed25519.GenerateKey(nil)
	platPub, platKey, _ := ed25519.GenerateKey(nil)
	body, _ := syncwire.EncodeBatch(syncwire.Batch{Records: [][]byte{{0xd2}}})

	// Device side.
	now := time.Now()
	hdr, _ := syncwire.SignRequest(devKey, "VK-EXAMPLE", "POST", syncwire.PathResults, now, [syncwire.NonceSize]byte{1}, body)

	// Platform side.
	a, _ := syncwire.ParseAuth(hdr)
	fmt.Println("request:", a.Verify(devPub, "POST", syncwire.PathResults, body, now))
	signed, _ := syncwire.SignAck(syncwire.Ack{Device: a.Device, Seq: 1, Hash: make([]byte, 32)}, platKey)

	// Device side again.
	ack, err := syncwire.OpenAck(platPub, signed)
	fmt.Println("ack:", ack.Device, ack.Seq, err)
	// Output:
	// request: <nil>
	// ack: VK-EXAMPLE 1 <nil>
}
