package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/vouchkiosk/vouch/agent/daemon"
	"github.com/vouchkiosk/vouch/agent/identity"
	"github.com/vouchkiosk/vouch/agent/seal"
)

func identityCmd() Command {
	return Command{
		Name:    "identity",
		Summary: "print a device's id and public keys (signing Ed25519, envelope X25519)",
		Run:     runIdentity,
	}
}

// loadIdentity loads the identity of the data directory dir without
// creating anything there.
func loadIdentity(dir string) (*identity.Identity, error) {
	lay := daemon.Layout{Dir: dir}
	if _, err := os.Stat(lay.Keys()); err != nil {
		return nil, fmt.Errorf("%w: key directory %s: %v", identity.ErrNoIdentity, lay.Keys(), err)
	}
	kb, err := seal.NewFileBackend(lay.Keys())
	if err != nil {
		return nil, err
	}
	return identity.Load(kb)
}

func runIdentity(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "identity", "--data DIR [--json]")
	data := fs.String("data", "", "the agent's data directory (required)")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	if err := fs.Parse(args); err != nil {
		return usageError("%v", err)
	}
	if *data == "" || fs.NArg() != 0 {
		fs.Usage()
		return usageError("identity needs --data DIR and no other arguments")
	}
	id, err := loadIdentity(*data)
	if err != nil {
		return err
	}
	pub := id.Public()
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			DeviceID    string `json:"device_id"`
			Dev         bool   `json:"dev"`
			SigningKey  string `json:"signing_key_ed25519_hex"`
			EnvelopeKey string `json:"envelope_key_x25519_hex"`
		}{pub.DeviceID, pub.Dev, hex.EncodeToString(pub.SigningKey), hex.EncodeToString(pub.EnvelopeKey)})
	}
	kind := "provisioned"
	if pub.Dev {
		kind = "development (records marked dev)"
	}
	fmt.Fprintf(env.Stdout, "device    %s\nkind      %s\nsigning   ed25519 %x\nenvelope  x25519  %x\n",
		pub.DeviceID, kind, pub.SigningKey, pub.EnvelopeKey)
	return nil
}
