package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/export"
)

// testExport builds a JSON export of one device's n-record chain,
// acknowledged by platKey, the way the platform writes it.
func testExport(t *testing.T, n int, platKey ed25519.PrivateKey) *export.File {
	t.Helper()
	pub, key, _ := ed25519.GenerateKey(nil)
	dev := result.DeviceID(pub)
	f := &export.File{Format: export.FormatJSON, Org: "org-1", Exported: time.Now().UTC(),
		PlatformKey: platKey.Public().(ed25519.PublicKey), Gaps: []export.Gap{}}
	var head result.ChainState
	for i := 0; i < n; i++ {
		seq, prev := head.Next()
		rec := &result.Record{Device: dev, Seq: seq, PrevHash: prev, BootID: "boot-1",
			Mono: time.Duration(seq) * time.Second, Wall: time.Unix(1_800_000_000+int64(seq), 0),
			Mode: result.ModeTicket, Decision: result.DecisionAccept, Liveness: result.LivenessPass,
			Score: 0.87, Thresholds: result.Thresholds{Match: 0.6, Liveness: 0.5}, Models: []string{"m"}}
		b, err := result.Sign(rec, key)
		if err != nil {
			t.Fatal(err)
		}
		head = result.ChainState{Seq: seq, Hash: result.Hash(b)}
		f.Results = append(f.Results, export.Result{Device: dev, Seq: seq, Hash: hex.EncodeToString(head.Hash[:]),
			PrevHash: hex.EncodeToString(prev[:]), Received: time.Now().UTC(), Record: b})
	}
	ack, err := syncwire.SignAck(syncwire.Ack{Device: dev, Seq: head.Seq, Hash: head.Hash[:]}, platKey)
	if err != nil {
		t.Fatal(err)
	}
	f.Devices = []export.Device{{ID: dev, PublicKey: pub, HeadSeq: head.Seq, HeadHash: hex.EncodeToString(head.Hash[:]), Ack: ack}}
	return f
}

func writeExport(t *testing.T, f *export.File) string {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "export.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVerifyExport(t *testing.T) {
	platPub, platKey, _ := ed25519.GenerateKey(nil)
	otherPub, _, _ := ed25519.GenerateKey(nil)
	pinned := base64.StdEncoding.EncodeToString(platPub)
	tests := []struct {
		name    string
		edit    func(*export.File)
		key     string
		wantErr error
		wantOut string
	}{
		{name: "valid", key: pinned, wantOut: "OK:"},
		{name: "no pinned key", wantErr: ErrUsage},
		{name: "other platform", key: base64.StdEncoding.EncodeToString(otherPub), wantErr: ErrExportInvalid, wantOut: "not the pinned"},
		{name: "tail cut", key: pinned, edit: func(f *export.File) { f.Results = f.Results[:3] }, wantErr: ErrExportInvalid, wantOut: "acknowledged seq 4"},
		{name: "ack removed", key: pinned, edit: func(f *export.File) { f.Devices[0].Ack = nil }, wantErr: ErrExportInvalid, wantOut: "no platform acknowledgement"},
		{name: "record flipped", key: pinned, edit: func(f *export.File) { f.Results[1].Record[20] ^= 1 }, wantErr: ErrExportInvalid, wantOut: "PROBLEM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testExport(t, 4, platKey)
			if tt.edit != nil {
				tt.edit(f)
			}
			args := []string{"verify-export"}
			if tt.key != "" {
				args = append(args, "--platform-key", tt.key)
			}
			args = append(args, writeExport(t, f))
			var out, errb bytes.Buffer
			err := Run(context.Background(), args, Env{Stdout: &out, Stderr: &errb})
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v\n%s", err, tt.wantErr, out.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Fatalf("output %q lacks %q", out.String(), tt.wantOut)
			}
		})
	}
}
