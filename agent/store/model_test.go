package store

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/seal"
)

// model is the reference the randomised test compares the store with.
type model struct {
	last, acked, pruned uint64 // pruned: results below this seq are gone
	subjects            map[string]time.Time
	templates           map[TemplateKey][]byte
	consents            map[string]string // consent id -> subject
}

// TestRandomOperations applies a random sequence of operations to the store
// and to a simple model, reopening and compacting along the way, and checks
// after every step that both agree and that the store passes Check. The
// seed is logged; set VOUCH_TEST_SEED to replay it.
func TestRandomOperations(t *testing.T) {
	rng := seededRand(t)
	path := filepath.Join(t.TempDir(), "vouch.db")
	db, err := Open(path, &Options{Now: fixedClock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	s := testSealer(t)
	m := &model{subjects: map[string]time.Time{}, templates: map[TemplateKey][]byte{}, consents: map[string]string{}}
	subject := func() string { return fmt.Sprintf("s%d", rng.IntN(12)) }
	steps := 400
	if testing.Short() {
		steps = 100
	}
	for step := range steps {
		var op string
		var err error
		switch r := rng.IntN(100); {
		case r < 30:
			op = "append"
			n := 1 + rng.IntN(3)
			err = db.Update(func(tx *Tx) error {
				for i := range n {
					if err := tx.AppendResult(m.last+uint64(i)+1, rec(m.last+uint64(i)+1)); err != nil {
						return err
					}
				}
				return nil
			})
			if err == nil {
				m.last += uint64(n)
			}
		case r < 40:
			op = "ack"
			upto := rng.Uint64N(m.last + 2)
			err = db.Update(func(tx *Tx) error { return tx.DeleteOutbox(upto) })
			switch {
			case upto > m.last:
				err = expect(err, ErrAckAhead)
			case err == nil && upto > m.acked:
				m.acked = upto
			}
		case r < 48:
			op = "prune"
			below := rng.Uint64N(m.last + 2)
			err = db.Update(func(tx *Tx) error { return tx.PruneResults(below) })
			switch {
			case below <= 1:
			case below-1 > m.acked || below > m.last:
				err = expect(err, ErrUnacknowledged)
			case err == nil:
				m.pruned = max(m.pruned, below)
			}
		case r < 62:
			op = "enrol"
			id := subject()
			exp := t0.Add(time.Duration(rng.IntN(5)) * time.Hour)
			tpl := bytes.Repeat([]byte{byte(rng.IntN(256))}, 768)
			mod := Modality(1 + rng.IntN(2))
			err = db.Update(func(tx *Tx) error {
				if err := tx.PutSubject(Subject{ID: id, Expires: exp}); err != nil {
					return err
				}
				if err := tx.SealTemplate(s, TemplateKey{id, mod}, "m", tpl); err != nil {
					return err
				}
				return tx.PutConsent(Consent{ID: "c-" + id, Subject: id, Purpose: "roster", Granted: t0})
			})
			if err == nil {
				m.subjects[id] = exp
				m.templates[TemplateKey{id, mod}] = tpl
				m.consents["c-"+id] = id
			}
		case r < 70:
			op = "delete template"
			k := TemplateKey{subject(), Modality(1 + rng.IntN(2))}
			err = db.Update(func(tx *Tx) error { return tx.DeleteTemplate(k) })
			if _, ok := m.templates[k]; !ok {
				err = expect(err, ErrNotFound)
			} else if err == nil {
				delete(m.templates, k)
			}
		case r < 80:
			op = "erase"
			id := subject()
			err = db.Update(func(tx *Tx) error { _, err := tx.EraseSubject(id); return err })
			if err == nil {
				delete(m.subjects, id)
				maps.DeleteFunc(m.templates, func(k TemplateKey, _ []byte) bool { return k.Subject == id })
				maps.DeleteFunc(m.consents, func(_ string, s string) bool { return s == id })
			}
		case r < 85:
			op = "failed update"
			err = db.Update(func(tx *Tx) error {
				tx.AppendResult(m.last+1, rec(m.last+1))
				tx.EraseSubject(subject())
				return errRollback
			})
			err = expect(err, errRollback)
		case r < 92:
			op = "compact"
			err = db.Compact()
		default:
			op = "reopen"
			if err = db.Close(); err == nil {
				db, err = Open(path, &Options{Now: fixedClock(t0)})
			}
		}
		if err != nil {
			t.Fatalf("step %d (%s): %v", step, op, err)
		}
		if err := compareModel(db, s, m); err != nil {
			t.Fatalf("step %d (%s): store differs from model: %v", step, op, err)
		}
		if err := db.Check(); err != nil {
			t.Fatalf("step %d (%s): %v", step, op, err)
		}
	}
}

// seededRand returns a generator seeded from VOUCH_TEST_SEED, or from the
// clock, and logs the seed.
func seededRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("VOUCH_TEST_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("VOUCH_TEST_SEED=%q: %v", v, err)
		}
		seed = n
	}
	t.Logf("seed %d (replay with VOUCH_TEST_SEED=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, 1))
}

var errRollback = errors.New("deliberate rollback")

// expect turns an expected error into nil and anything else into an error.
func expect(err, want error) error {
	if errors.Is(err, want) {
		return nil
	}
	return fmt.Errorf("got %v, want %v", err, want)
}

func compareModel(db *DB, s *seal.Sealer, m *model) error {
	return db.View(func(tx *Tx) error {
		last, r, err := tx.LastResult()
		if err != nil || last != m.last || (last > 0 && !bytes.Equal(r, rec(last))) {
			return fmt.Errorf("LastResult = %d, %v; want %d", last, err, m.last)
		}
		first := max(m.pruned, 1)
		var seqs []uint64
		if err := tx.ForEachResult(0, func(seq uint64, r []byte) error {
			if !bytes.Equal(r, rec(seq)) {
				return fmt.Errorf("result %d holds %q", seq, r)
			}
			seqs = append(seqs, seq)
			return nil
		}); err != nil {
			return err
		}
		if m.last > 0 && (len(seqs) == 0 || seqs[0] != first || seqs[len(seqs)-1] != m.last) {
			return fmt.Errorf("results %v, want %d..%d", seqs, first, m.last)
		}
		if n, err := tx.OutboxLen(); err != nil || n != int(m.last-m.acked) {
			return fmt.Errorf("OutboxLen = %d, %v; want %d", n, err, m.last-m.acked)
		}
		if a, _ := tx.Acked(); a != m.acked {
			return fmt.Errorf("Acked = %d, want %d", a, m.acked)
		}
		var ids []string
		if err := tx.ForEachSubject(func(sub Subject) error {
			if !sub.Expires.Equal(m.subjects[sub.ID]) {
				return fmt.Errorf("subject %s expires %v, want %v", sub.ID, sub.Expires, m.subjects[sub.ID])
			}
			ids = append(ids, sub.ID)
			return nil
		}); err != nil {
			return err
		}
		if want := slices.Sorted(maps.Keys(m.subjects)); !slices.Equal(ids, want) {
			return fmt.Errorf("subjects %v, want %v", ids, want)
		}
		n := 0
		if err := tx.ForEachTemplate(func(tpl Template) error {
			want, ok := m.templates[tpl.Key]
			if !ok {
				return fmt.Errorf("unexpected template %v", tpl.Key)
			}
			_, pt, err := tx.OpenTemplate(s, tpl.Key)
			if err != nil || !bytes.Equal(pt, want) {
				return fmt.Errorf("template %v: %v", tpl.Key, err)
			}
			n++
			return nil
		}); err != nil {
			return err
		}
		if n != len(m.templates) {
			return fmt.Errorf("%d templates, want %d", n, len(m.templates))
		}
		n = 0
		if err := tx.ForEachConsent(func(c Consent) error {
			if m.consents[c.ID] != c.Subject {
				return fmt.Errorf("unexpected consent %s of %s", c.ID, c.Subject)
			}
			n++
			return nil
		}); err != nil {
			return err
		}
		if n != len(m.consents) {
			return fmt.Errorf("%d consents, want %d", n, len(m.consents))
		}
		return nil
	})
}
