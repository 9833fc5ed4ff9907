package db_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/tools/platform/db"
)

func TestMigrationsIdempotent(t *testing.T) {
	path := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	for range 2 {
		d := openDB(t, path)
		v, err := d.SchemaVersion(context.Background())
		if err != nil || v < 1 {
			t.Fatalf("SchemaVersion = %d, %v", v, err)
		}
		d.Close()
	}
}

func TestSchemaTooNew(t *testing.T) {
	path := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	d := openDB(t, path)
	ctx := context.Background()
	// Pretend a newer binary migrated the database.
	raw := openDB(t, path)
	if _, err := raw.CreateOrg(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	d.Close()
	raw.Close()
	if err := bumpSchema(path); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Open(ctx, path, nil); !errors.Is(err, db.ErrSchemaTooNew) {
		t.Fatalf("Open on newer schema: %v, want ErrSchemaTooNew", err)
	}
}

func newDevice(t *testing.T, d *db.DB, org, id string) db.Device {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	dv, err := d.CreateDevice(context.Background(), org, db.Device{ID: id, PublicKey: pub, Name: id})
	if err != nil {
		t.Fatalf("CreateDevice: %v", err)
	}
	return dv
}

func TestTenantScoping(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, err := d.CreateOrg(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		b, err := d.CreateOrg(ctx, "b")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.CreateOrg(ctx, "a"); !errors.Is(err, db.ErrExists) {
			t.Errorf("duplicate org: %v, want ErrExists", err)
		}
		ev, err := d.CreateEvent(ctx, a.ID, "gala")
		if err != nil {
			t.Fatal(err)
		}
		newDevice(t, d, a.ID, "dev-a")
		if _, err := d.Device(ctx, b.ID, "dev-a"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("org b reads org a's device: %v", err)
		}
		if err := d.RevokeDevice(ctx, b.ID, "dev-a"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("org b revokes org a's device: %v", err)
		}
		if _, err := d.Event(ctx, b.ID, ev.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("org b reads org a's event: %v", err)
		}
		// b cannot attach its subject or device to a's event.
		if _, err := d.CreateSubject(ctx, b.ID, db.Subject{Ref: "s", Event: ev.ID}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("subject in foreign event: %v", err)
		}
		pub, _, _ := ed25519.GenerateKey(nil)
		if _, err := d.CreateDevice(ctx, b.ID, db.Device{ID: "dev-b", PublicKey: pub, Event: ev.ID}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("device in foreign event: %v", err)
		}
		for _, o := range []db.Org{a, b} {
			devs, _, err := d.ListDevices(ctx, o.ID, db.Page{})
			if err != nil {
				t.Fatal(err)
			}
			for _, dv := range devs {
				if dv.Org != o.ID {
					t.Errorf("ListDevices(%s) returned device of %s", o.ID, dv.Org)
				}
			}
		}
		if devs, _, _ := d.ListDevices(ctx, b.ID, db.Page{}); len(devs) != 0 {
			t.Errorf("org b sees %d devices", len(devs))
		}
	})
}

func TestAdminTokens(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o, _ := d.CreateOrg(ctx, "o")
		h := sha256.Sum256([]byte("secret"))
		if _, err := d.CreateAdmin(ctx, o.ID, "root", "superuser", h[:]); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("unknown role: %v", err)
		}
		a, err := d.CreateAdmin(ctx, o.ID, "root", db.RoleAuditor, h[:])
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.AdminByTokenHash(ctx, h[:])
		if err != nil || got.ID != a.ID || got.Org != o.ID || got.Role != db.RoleAuditor {
			t.Fatalf("AdminByTokenHash = %+v, %v", got, err)
		}
		other := sha256.Sum256([]byte("other"))
		if _, err := d.AdminByTokenHash(ctx, other[:]); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
	})
}

func result(seq uint64, prev [32]byte) db.Result {
	rec := []byte{byte(seq), byte(seq >> 8), 0xAA}
	return db.Result{Seq: seq, Hash: sha256.Sum256(rec), PrevHash: prev, Received: time.Now(), Record: rec}
}

func TestAppendResults(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o, _ := d.CreateOrg(ctx, "o")
		other, _ := d.CreateOrg(ctx, "other")
		newDevice(t, d, o.ID, "dev")

		r1 := result(1, [32]byte{})
		r2 := result(2, r1.Hash)
		head := db.Head{Seq: 2, Hash: r2.Hash}
		if err := d.AppendResults(ctx, other.ID, "dev", db.Append{Head: head, Results: []db.Result{r1, r2}}); !errors.Is(err, db.ErrHeadMoved) {
			t.Fatalf("append into foreign org: %v, want ErrHeadMoved", err)
		}
		if err := d.AppendResults(ctx, o.ID, "dev", db.Append{Head: head, Results: []db.Result{r1, r2}}); err != nil {
			t.Fatal(err)
		}
		// The same expectation again must fail: the head moved.
		if err := d.AppendResults(ctx, o.ID, "dev", db.Append{Head: head, Results: []db.Result{r1, r2}}); !errors.Is(err, db.ErrHeadMoved) {
			t.Fatalf("stale append: %v, want ErrHeadMoved", err)
		}
		r5 := result(5, [32]byte{9})
		gap := &db.Gap{From: 3, To: 4, Detected: time.Now()}
		if err := d.AppendResults(ctx, o.ID, "dev", db.Append{Expect: head, Head: db.Head{Seq: 5, Hash: r5.Hash}, Gap: gap, Results: []db.Result{r5}}); err != nil {
			t.Fatal(err)
		}
		dv, err := d.Device(ctx, o.ID, "dev")
		if err != nil || dv.Chain.Head.Seq != 5 || dv.Chain.Head.Hash != r5.Hash || dv.Chain.Missing != 2 {
			t.Fatalf("chain = %+v, %v", dv.Chain, err)
		}
		rs, err := d.Results(ctx, o.ID, db.ResultQuery{Device: "dev"})
		if err != nil || len(rs) != 3 {
			t.Fatalf("Results = %d, %v", len(rs), err)
		}
		if rs[0].Seq != 1 || rs[2].Seq != 5 || !bytes.Equal(rs[1].Record, r2.Record) || rs[1].PrevHash != r1.Hash {
			t.Errorf("results round trip wrong: %+v", rs)
		}
		if rs, _ := d.Results(ctx, other.ID, db.ResultQuery{}); len(rs) != 0 {
			t.Errorf("other org sees %d results", len(rs))
		}
		hs, err := d.ResultHashes(ctx, o.ID, "dev", 1, 5)
		if err != nil || len(hs) != 3 || hs[2] != r2.Hash {
			t.Errorf("ResultHashes = %v, %v", hs, err)
		}
		gs, err := d.Gaps(ctx, o.ID, "")
		if err != nil || len(gs) != 1 || gs[0].From != 3 || gs[0].To != 4 {
			t.Errorf("Gaps = %+v, %v", gs, err)
		}
		if gs, _ := d.Gaps(ctx, other.ID, ""); len(gs) != 0 {
			t.Errorf("other org sees gaps")
		}
		if err := d.RevokeDevice(ctx, o.ID, "dev"); err != nil {
			t.Fatal(err)
		}
		r6 := result(6, r5.Hash)
		if err := d.AppendResults(ctx, o.ID, "dev", db.Append{Expect: db.Head{Seq: 5, Hash: r5.Hash}, Head: db.Head{Seq: 6, Hash: r6.Hash}, Results: []db.Result{r6}}); !errors.Is(err, db.ErrHeadMoved) {
			t.Errorf("append to revoked device: %v", err)
		}
	})
}

// TestAppendConcurrent races writers on one head: exactly one wins.
func TestAppendConcurrent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o, _ := d.CreateOrg(ctx, "o")
		newDevice(t, d, o.ID, "dev")
		r1 := result(1, [32]byte{})
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				errs <- d.AppendResults(ctx, o.ID, "dev", db.Append{Head: db.Head{Seq: 1, Hash: r1.Hash}, Results: []db.Result{r1}})
			})
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, db.ErrHeadMoved):
				t.Errorf("unexpected error: %v", err)
			}
		}
		if n, _ := d.CountResults(ctx, o.ID, "dev"); ok != 1 || n != 1 {
			t.Errorf("%d appends won, %d rows stored; want 1 and 1", ok, n)
		}
	})
}

func TestNoncesAndAudit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now()
		if err := d.UseNonce(ctx, "dev", []byte("n1"), now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := d.UseNonce(ctx, "dev", []byte("n1"), now.Add(time.Minute)); !errors.Is(err, db.ErrNonceReused) {
			t.Fatalf("reused nonce: %v", err)
		}
		if err := d.UseNonce(ctx, "dev2", []byte("n1"), now.Add(time.Minute)); err != nil {
			t.Fatalf("same nonce, other device: %v", err)
		}
		if n, err := d.PruneNonces(ctx, now.Add(2*time.Minute)); err != nil || n != 2 {
			t.Fatalf("PruneNonces = %d, %v", n, err)
		}
		o, _ := d.CreateOrg(ctx, "o")
		for _, e := range []db.AuditEntry{{Org: o.ID, Action: "a1", Outcome: "ok"}, {Org: "", Action: "anon", Outcome: "rejected", Reason: "unknown-device"}, {Org: o.ID, Action: "a2", Outcome: "ok"}} {
			if err := d.Audit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		log, err := d.AuditLog(ctx, o.ID, 0, 0)
		if err != nil || len(log) != 2 || log[0].Action != "a1" || log[1].Action != "a2" {
			t.Fatalf("AuditLog = %+v, %v", log, err)
		}
		if log, _ := d.AuditLog(ctx, o.ID, log[0].ID, 0); len(log) != 1 {
			t.Errorf("AuditLog after first = %d entries", len(log))
		}
	})
}
