package identity_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/vouchkiosk/vouch/agent/identity"
	"github.com/vouchkiosk/vouch/agent/seal"
)

func Example() {
	dir, _ := os.MkdirTemp("", "keys")
	defer os.RemoveAll(dir)
	kb, _ := seal.NewFileBackend(filepath.Join(dir, "keys"))

	// The agent with --dev: creates a development identity on first start.
	id, created, err := identity.LoadOrCreateDev(kb)
	if err != nil {
		panic(err)
	}
	fmt.Println(created, id.Dev(), len(id.DeviceID()))

	// An enrolment station seals a template to the device's envelope key;
	// only this device can open it.
	info := []byte("vouch template v1 subject-7")
	env, _ := identity.SealEnvelope(id.EnvelopePublicKey(), info, []byte("template"))
	pt, err := id.OpenEnvelope(info, env)
	fmt.Println(string(pt), err)
	// Output:
	// true true 19
	// template <nil>
}
