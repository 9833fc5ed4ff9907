package server_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/store"
	vsync "github.com/vouchkiosk/vouch/agent/sync"
	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/db"
	"github.com/vouchkiosk/vouch/tools/platform/internal/faultproxy"
)

// fleetScale returns devices × results per device: VOUCH_FLEET_DEVICES and
// VOUCH_FLEET_RESULTS override; -short, or the race detector (which slows
// the 2-core CI box several-fold), scale down. The dedicated make stage
// test-platform-fault runs the full 200 devices without -race.
func fleetScale() (devices, results int) {
	devices, results = 200, 20
	if testing.Short() {
		devices, results = 20, 10
	} else if raceEnabled {
		devices = 50
	}
	if n, err := strconv.Atoi(os.Getenv("VOUCH_FLEET_DEVICES")); err == nil && n > 0 {
		devices = n
	}
	if n, err := strconv.Atoi(os.Getenv("VOUCH_FLEET_RESULTS")); err == nil && n > 0 {
		results = n
	}
	return devices, results
}

// kiosk is one simulated device: its own key, bbolt store, result log and
// syncer.
type kiosk struct {
	key  ed25519.PrivateKey
	id   string
	path string
	db   *store.DB
	log  *result.Log
	sync *vsync.Syncer
}

func kioskKey(i int) ed25519.PrivateKey {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	seed := sha256.Sum256(append([]byte("fleet-device"), b[:]...))
	return ed25519.NewKeyFromSeed(seed[:])
}

func TestFleetFaultsSQLite(t *testing.T) {
	fleet(t, "sqlite:"+filepath.Join(t.TempDir(), "platform.db"))
}

func TestFleetFaultsPostgres(t *testing.T) {
	fleet(t, postgresDSN(t))
}

// fleet runs the fault test: devices record results while the platform is
// SIGKILLed and restarted and a proxy cuts, delays and drops traffic. At
// the end every result must be stored exactly once and every chain verify.
func fleet(t *testing.T, dsn string) {
	nDev, nRes := fleetScale()
	ctx := context.Background()
	p := newProc(t, dsn)
	platformKey := p.publicKey()

	// Register the fleet.
	d, err := db.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	org, err := d.CreateOrg(ctx, "fleet")
	if err != nil {
		t.Fatal(err)
	}
	kiosks := make([]*kiosk, nDev)
	dir := t.TempDir()
	for i := range kiosks {
		k := &kiosk{key: kioskKey(i), path: filepath.Join(dir, fmt.Sprintf("kiosk%03d.db", i))}
		k.id = result.DeviceID(k.key.Public().(ed25519.PublicKey))
		if _, err := d.CreateDevice(ctx, org.ID, db.Device{ID: k.id, PublicKey: k.key.Public().(ed25519.PublicKey), Name: fmt.Sprint("kiosk ", i)}); err != nil {
			t.Fatal(err)
		}
		kiosks[i] = k
	}
	d.Close()

	p.start()
	proxy, err := faultproxy.Start(p.addr, faultproxy.Faults{CutRequest: 0.05, CutResponse: 0.05, DropResponse: 0.05, DelayResponse: 0.05, MaxDelay: 1500 * time.Millisecond}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()

	runCtx, stopRun := context.WithCancel(ctx)
	var running gosync.WaitGroup
	open := func(k *kiosk) {
		var err error
		if k.db, err = store.Open(k.path, &store.Options{SkipCheck: true}); err != nil {
			t.Error(err)
			return
		}
		if k.log, err = result.NewLog(k.db, k.key, nil); err != nil {
			t.Error(err)
			return
		}
		k.sync, err = vsync.New(k.db, vsync.Config{
			URL: "http://" + proxy.Addr(), Device: k.id, Signer: k.key, PlatformKey: platformKey,
			BatchRecords: 8, MinBackoff: 20 * time.Millisecond, MaxBackoff: 400 * time.Millisecond,
			Interval: 150 * time.Millisecond, RequestTimeout: time.Second,
			HTTP: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: time.Second},
		})
		if err != nil {
			t.Error(err)
		}
	}

	// Production: each kiosk records nRes results over ~produceFor, and
	// half of them restart (store closed and reopened) midway.
	const produceFor = 6 * time.Second
	var produced atomic.Int64
	var prod gosync.WaitGroup
	for i, k := range kiosks {
		open(k)
		if t.Failed() {
			t.FailNow()
		}
		prod.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			run := func() (stop func()) {
				sctx, cancel := context.WithCancel(runCtx)
				done := make(chan struct{})
				go func() { k.sync.Run(sctx); close(done) }()
				return func() { cancel(); <-done }
			}
			stop := run()
			for n := range nRes {
				time.Sleep(time.Duration(rng.Int64N(int64(2 * produceFor / time.Duration(nRes)))))
				if _, err := k.log.Append(ctx, &result.Record{Mode: result.ModeTicket, Decision: result.DecisionAccept, Liveness: result.LivenessPass, Score: 0.8}); err != nil {
					t.Errorf("kiosk %d append: %v", i, err)
					break
				}
				produced.Add(1)
				k.sync.Kick()
				if i%2 == 0 && n == nRes/2 { // device restart
					stop()
					k.db.Close()
					open(k)
					stop = run()
				}
			}
			running.Add(1)
			go func() { defer running.Done(); <-runCtx.Done(); stop() }()
		})
	}

	// Chaos while producing: SIGKILL and restart the platform, reset every
	// connection through the proxy.
	chaosDone := make(chan struct{})
	go func() {
		defer close(chaosDone)
		rng := rand.New(rand.NewPCG(42, 42))
		for deadline := time.Now().Add(produceFor); time.Now().Before(deadline); {
			time.Sleep(time.Duration(700+rng.IntN(800)) * time.Millisecond)
			if rng.IntN(3) == 0 {
				proxy.ResetAll()
				continue
			}
			p.kill()
			time.Sleep(time.Duration(100+rng.IntN(300)) * time.Millisecond)
			p.start()
		}
	}()
	prod.Wait()
	<-chaosDone
	if t.Failed() {
		stopRun()
		running.Wait()
		t.FailNow()
	}
	proxy.SetFaults(faultproxy.Faults{})

	// Drain: every kiosk's outbox must empty with an ack at its last seq.
	deadline := time.Now().Add(120 * time.Second)
	for {
		left := 0
		for _, k := range kiosks {
			if st := k.sync.Status(); st.AckedSeq != uint64(nRes) {
				left++
				k.sync.Kick()
			}
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			st := kiosks[0].sync.Status()
			t.Fatalf("%d of %d kiosks not fully acknowledged after the drain deadline (kiosk 0: %+v)", left, nDev, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	stopRun()
	running.Wait()
	p.stop()
	t.Logf("%d devices × %d results; platform killed %d times; proxy %+v", nDev, nRes, p.kills, proxy.Stats())
	if p.kills == 0 {
		t.Error("the platform was never killed: the test proved nothing")
	}

	// Verify the platform: every result exactly once, every chain intact,
	// no gaps; and every kiosk: empty outbox, verified ack at its head.
	d, err = db.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if n, err := d.CountResults(ctx, org.ID, ""); err != nil || n != int64(nDev*nRes) || n != produced.Load() {
		t.Fatalf("platform holds %d results (%v), produced %d, want %d", n, err, produced.Load(), nDev*nRes)
	}
	if gs, err := d.Gaps(ctx, org.ID, ""); err != nil || len(gs) != 0 {
		t.Fatalf("gaps recorded: %+v %v", gs, err)
	}
	for i, k := range kiosks {
		rs, err := d.Results(ctx, org.ID, db.ResultQuery{Device: k.id})
		if err != nil {
			t.Fatal(err)
		}
		signed := make([][]byte, len(rs))
		for j, r := range rs {
			signed[j] = r.Record
		}
		head, err := result.VerifyChain(k.key.Public().(ed25519.PublicKey), result.ChainState{}, signed)
		local, lerr := k.log.Head()
		if err != nil || lerr != nil || head != local || head.Seq != uint64(nRes) {
			t.Errorf("kiosk %d: platform chain %v/%v, local head %v (%v)", i, head.Seq, err, local.Seq, lerr)
		}
		var pending int
		var ack []byte
		k.db.View(func(tx *store.Tx) error {
			pending, _ = tx.OutboxLen()
			ack, _ = tx.Meta(vsync.MetaAck)
			return nil
		})
		a, err := syncwire.OpenAck(platformKey, ack)
		if pending != 0 || err != nil || a.Seq != uint64(nRes) || a.HashArray() != local.Hash {
			t.Errorf("kiosk %d: outbox %d, ack %+v %v", i, pending, a, err)
		}
		k.db.Close()
	}
}
