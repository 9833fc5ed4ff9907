package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/internal/testenv"
	"github.com/vouchkiosk/vouch/tools/platform/api"
	"github.com/vouchkiosk/vouch/tools/platform/db"
	"github.com/vouchkiosk/vouch/tools/platform/internal/devicetest"
	"github.com/vouchkiosk/vouch/tools/platform/internal/pgtest"
)

const (
	benchDevices = 16  // concurrent kiosks
	benchBatch   = 100 // records per upload
)

// BenchmarkIngest measures sustained ingest over HTTP on loopback: request
// signature, batch decode, per-record COSE signature and chain verification,
// and a durable commit per batch (SQLite synchronous=FULL; PostgreSQL with
// fsync on). One iteration is one batch of benchBatch records; clients are
// benchDevices kiosks uploading concurrently. Reported: results/s, the p99
// latency of a batch, and, as the in-run reference, the results/s of
// result.VerifyChain alone on all cores (verify-bound-results/s): their
// ratio shows what HTTP, request authentication and durable storage cost on
// top of the per-record cryptography, independent of the machine's load.
func BenchmarkIngest(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchIngest(b, "sqlite:"+filepath.Join(b.TempDir(), "bench.db"))
	})
	b.Run("postgres", func(b *testing.B) {
		dsn, err := pg.Database(context.Background())
		if errors.Is(err, pgtest.ErrUnavailable) {
			testenv.Missing(b, "%v", err)
		}
		if err != nil {
			b.Fatal(err)
		}
		benchIngest(b, dsn)
	})
}

type benchDevice struct {
	dev     *devicetest.Device
	batches [][]byte // encoded Batch bodies
	raw     [][][]byte
}

func benchIngest(b *testing.B, dsn string) {
	ctx := context.Background()
	d, err := db.Open(ctx, dsn, &db.Options{MaxConns: 16})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	srv, err := api.New(api.Options{DB: d, Key: key, Limits: api.Limits{DeviceRate: 1e6, DeviceBurst: 1e6, AddrRate: 1e6, AddrBurst: 1e6}})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	org, err := d.CreateOrg(ctx, fmt.Sprint("bench", b.N))
	if err != nil {
		b.Fatal(err)
	}
	// Pre-sign every batch so the clients cost only HTTP.
	devs := make([]*benchDevice, benchDevices)
	per := (b.N + benchDevices - 1) / benchDevices
	for i := range devs {
		bd := &benchDevice{dev: devicetest.New(uint64(b.N*1000 + i))}
		if _, err := d.CreateDevice(ctx, org.ID, db.Device{ID: bd.dev.ID, PublicKey: bd.dev.Pub}); err != nil {
			b.Fatal(err)
		}
		for range per {
			recs := bd.dev.Records(benchBatch)
			body, err := syncwire.EncodeBatch(syncwire.Batch{Records: recs})
			if err != nil {
				b.Fatal(err)
			}
			bd.batches = append(bd.batches, body)
			bd.raw = append(bd.raw, recs)
		}
		devs[i] = bd
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchDevices}}
	var mu sync.Mutex
	var lat []time.Duration
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	remaining := b.N
	for _, bd := range devs {
		n := min(per, remaining)
		remaining -= n
		wg.Go(func() {
			for j := range n {
				var nonce [syncwire.NonceSize]byte
				rand.Read(nonce[:])
				auth, _ := syncwire.SignRequest(bd.dev.Key, bd.dev.ID, "POST", syncwire.PathResults, time.Now(), nonce, bd.batches[j])
				req, _ := http.NewRequest("POST", hs.URL+syncwire.PathResults, bytes.NewReader(bd.batches[j]))
				req.Header.Set("Authorization", auth)
				req.Header.Set("Content-Type", syncwire.ContentTypeCBOR)
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Errorf("status %d", res.StatusCode)
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(t0))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n, err := d.CountResults(ctx, org.ID, ""); err != nil || n != int64(b.N*benchBatch) {
		b.Fatalf("stored %d results, want %d (%v)", n, b.N*benchBatch, err)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N*benchBatch)/elapsed.Seconds(), "results/s")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms/batch")
	// In-run reference: the same records through result.VerifyChain alone,
	// one goroutine per device on all cores — the bound ingest approaches
	// when HTTP, decoding and storage cost nothing.
	t0 := time.Now()
	var nref atomic.Int64
	var vg sync.WaitGroup
	for _, bd := range devs {
		vg.Go(func() {
			var state result.ChainState
			for _, raw := range bd.raw[:min(len(bd.raw), 4)] {
				var err error
				if state, err = result.VerifyChain(bd.dev.Pub, state, raw); err != nil {
					b.Error(err)
					return
				}
				nref.Add(int64(len(raw)))
			}
		})
	}
	vg.Wait()
	bound := float64(nref.Load()) / time.Since(t0).Seconds()
	b.ReportMetric(bound, "verify-bound-results/s")
	b.ReportMetric(float64(b.N*benchBatch)/elapsed.Seconds()/bound, "ingest/verify-bound")
	b.ReportMetric(0, "ns/op")
}
