package cli

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/vouchkiosk/vouch/agent/daemon"
	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/store"
)

// Export layout written by `vouchctl verify --export DIR`.
const (
	exportPubName   = "device.pub" // raw 32-byte Ed25519 public key
	exportRecFormat = "%010d.cose" // one tagged COSE_Sign1 per record, by seq
)

func verifyCmd() Command {
	return Command{
		Name:    "verify",
		Summary: "verify a device's signed result chain; --export writes raw COSE_Sign1 files",
		Run:     runVerify,
	}
}

func runVerify(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "verify", "--data DIR [--pubkey FILE] [--export OUTDIR]")
	data := fs.String("data", "", "the agent's data directory (required; the agent must be stopped)")
	pubFile := fs.String("pubkey", "", "raw 32-byte Ed25519 public key to verify with (default: the identity in --data)")
	export := fs.String("export", "", "also write each record as OUTDIR/"+exportRecFormat+" and the key as OUTDIR/"+exportPubName)
	if err := fs.Parse(args); err != nil {
		return usageError("%v", err)
	}
	if *data == "" || fs.NArg() != 0 {
		fs.Usage()
		return usageError("verify needs --data DIR and no other arguments")
	}
	pub, err := verifyKey(*data, *pubFile)
	if err != nil {
		return err
	}
	lay := daemon.Layout{Dir: *data}
	db, err := store.Open(lay.DB(), &store.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("%s is in use; stop the agent first: %w", lay.DB(), err)
		}
		return err
	}
	defer db.Close()
	if *export != "" {
		n, err := exportChain(db, pub, *export)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "exported %d records and %s to %s\n", n, exportPubName, *export)
	}
	head, err := result.VerifyStored(ctx, db, pub)
	if err != nil {
		return fmt.Errorf("chain of %s in %s does not verify: %w", result.DeviceID(pub), lay.DB(), err)
	}
	if head.Seq == 0 {
		fmt.Fprintf(env.Stdout, "device %s: no result records\n", result.DeviceID(pub))
		return nil
	}
	fmt.Fprintf(env.Stdout, "device %s: chain OK up to seq %d, head %x\n", result.DeviceID(pub), head.Seq, head.Hash)
	return nil
}

func verifyKey(data, file string) (ed25519.PublicKey, error) {
	if file == "" {
		id, err := loadIdentity(data)
		if err != nil {
			return nil, err
		}
		return id.SigningPublicKey(), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key file %s is %d bytes, want a raw %d-byte Ed25519 key", file, len(b), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// exportChain writes every stored record, exactly as stored, and the key.
func exportChain(db *store.DB, pub ed25519.PublicKey, dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, exportPubName), pub, 0o644); err != nil {
		return 0, err
	}
	n := 0
	err := db.View(func(tx *store.Tx) error {
		return tx.ForEachResult(1, func(seq uint64, rec []byte) error {
			n++
			return os.WriteFile(filepath.Join(dir, fmt.Sprintf(exportRecFormat, seq)), rec, 0o644)
		})
	})
	return n, err
}
