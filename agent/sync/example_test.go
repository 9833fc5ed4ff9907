package sync_test

import (
	"context"
	"crypto/ed25519"
	"log"
	"time"

	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/store"
	vsync "github.com/vouchkiosk/vouch/agent/sync"
)

// The agent wires one Syncer to its store and kicks it after each result.
func Example() {
	var (
		db          *store.DB          // the agent's store
		rlog        *result.Log        // appends results and outbox entries
		key         ed25519.PrivateKey // the device key (identity.Signer() in the agent)
		platformKey ed25519.PublicKey  // pinned at provisioning
	)
	if db == nil {
		return // the example only shows the wiring
	}
	s, err := vsync.New(db, vsync.Config{
		URL: "https://platform.example:8443", Device: rlog.Device(), Signer: key, PlatformKey: platformKey,
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go s.Run(ctx)
	if _, err := rlog.Append(ctx, &result.Record{Mode: result.ModeTicket, Decision: result.DecisionAccept, Liveness: result.LivenessPass}); err == nil {
		s.Kick()
	}
	st := s.Status()
	log.Printf("sync %s, %d pending, alarm %v", st.State, st.Pending, st.Alarm())
}
