package store

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/seal"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func testSealer(tb testing.TB) *seal.Sealer {
	tb.Helper()
	kek, err := seal.NewAESKEK(bytes.Repeat([]byte{0x42}, seal.KeySize))
	if err != nil {
		tb.Fatal(err)
	}
	return seal.NewSealer(kek)
}

func TestSubjects(t *testing.T) {
	db := openTest(t, &Options{Now: fixedClock(t0)})
	mustUpdate(t, db, func(tx *Tx) error {
		if err := tx.PutSubject(Subject{ID: "s1", Rosters: []string{"event-b", "event-a", "event-b"}, Expires: t0.Add(time.Hour), Created: t0}); err != nil {
			return err
		}
		return tx.PutSubject(Subject{ID: "s2", Rosters: []string{"event-a"}})
	})
	mustView(t, db, func(tx *Tx) error {
		s, err := tx.Subject("s1")
		if err != nil {
			return err
		}
		if len(s.Rosters) != 2 || s.Rosters[0] != "event-a" || !s.InRoster("event-b") || s.InRoster("event-c") {
			t.Errorf("rosters = %v, want sorted unique [event-a event-b]", s.Rosters)
		}
		if !s.Expires.Equal(t0.Add(time.Hour)) || !s.Created.Equal(t0) {
			t.Errorf("times = %v, %v", s.Expires, s.Created)
		}
		if _, err := tx.Subject("nobody"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Subject(nobody) = %v, want ErrNotFound", err)
		}
		return nil
	})
	// Moving the expiry moves the index entry.
	mustUpdate(t, db, func(tx *Tx) error {
		return tx.PutSubject(Subject{ID: "s1", Rosters: []string{"event-a"}, Expires: t0.Add(3 * time.Hour)})
	})
	mustView(t, db, func(tx *Tx) error {
		if ids, _ := tx.ExpiredSubjects(t0.Add(2 * time.Hour)); len(ids) != 0 {
			t.Errorf("expired at +2h = %v, want none", ids)
		}
		if ids, _ := tx.ExpiredSubjects(t0.Add(3 * time.Hour)); len(ids) != 1 || ids[0] != "s1" {
			t.Errorf("expired at +3h = %v, want [s1]", ids)
		}
		return nil
	})
}

func TestInvalidArguments(t *testing.T) {
	db := openTest(t, nil)
	long := string(bytes.Repeat([]byte{'a'}, MaxIDLen+1))
	far := time.Date(2600, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		fn   func(tx *Tx) error
	}{
		{"empty subject id", func(tx *Tx) error { return tx.PutSubject(Subject{}) }},
		{"subject id with space", func(tx *Tx) error { return tx.PutSubject(Subject{ID: "a b"}) }},
		{"subject id with NUL", func(tx *Tx) error { return tx.PutSubject(Subject{ID: "a\x00"}) }},
		{"long subject id", func(tx *Tx) error { return tx.PutSubject(Subject{ID: long}) }},
		{"too many rosters", func(tx *Tx) error {
			r := make([]string, MaxRosters+1)
			for i := range r {
				r[i] = string(rune('A'+i%26)) + string(rune('a'+i/26))
			}
			return tx.PutSubject(Subject{ID: "s", Rosters: r})
		}},
		{"expiry before 1970", func(tx *Tx) error { return tx.PutSubject(Subject{ID: "s", Expires: time.Unix(-5, 0)}) }},
		// Beyond 2262 a Unix nanosecond count overflows int64: year 2600 would
		// be stored as 2015 and the subject erased as expired at once.
		{"expiry after 2262", func(tx *Tx) error { return tx.PutSubject(Subject{ID: "s", Expires: far}) }},
		{"creation after 2262", func(tx *Tx) error { return tx.PutSubject(Subject{ID: "s", Created: far}) }},
		{"template creation after 2262", func(tx *Tx) error {
			return tx.PutTemplate(Template{Key: TemplateKey{Subject: "s", Modality: Face}, ModelID: "m", Created: far})
		}},
		{"consent expiry after 2262", func(tx *Tx) error {
			return tx.PutConsent(Consent{ID: "c", Purpose: "p", Granted: t0, Expires: far})
		}},
		{"bad modality", func(tx *Tx) error { return tx.DeleteTemplate(TemplateKey{Subject: "s", Modality: 9}) }},
		{"reserved meta key", func(tx *Tx) error { return tx.SetMeta("store.schema", []byte{0, 0, 0, 9}) }},
		{"empty audit event", func(tx *Tx) error { return tx.AppendAudit(nil) }},
		{"consent without grant time", func(tx *Tx) error { return tx.PutConsent(Consent{ID: "c", Purpose: "p"}) }},
		{"consent receipt too large", func(tx *Tx) error {
			return tx.PutConsent(Consent{ID: "c", Purpose: "p", Granted: t0, Receipt: make([]byte, MaxBlob+1)})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := db.Update(tc.fn); !errors.Is(err, ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
		})
	}
}

func TestTemplates(t *testing.T) {
	db := openTest(t, &Options{Now: fixedClock(t0)})
	s := testSealer(t)
	face := TemplateKey{Subject: "s1", Modality: Face}
	finger := TemplateKey{Subject: "s1", Modality: Fingerprint}
	plain := []byte("face template plaintext")

	err := db.Update(func(tx *Tx) error { return tx.SealTemplate(s, face, "mfn-1", plain) })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("template for unknown subject = %v, want ErrNotFound", err)
	}
	mustUpdate(t, db, func(tx *Tx) error {
		if err := tx.PutSubject(Subject{ID: "s1"}); err != nil {
			return err
		}
		if err := tx.SealTemplate(s, face, "mfn-1", plain); err != nil {
			return err
		}
		return tx.SealTemplate(s, finger, "r503", []byte("minutiae"))
	})
	mustView(t, db, func(tx *Tx) error {
		tpl, pt, err := tx.OpenTemplate(s, face)
		if err != nil || !bytes.Equal(pt, plain) || tpl.ModelID != "mfn-1" || !tpl.Created.Equal(t0) {
			t.Errorf("OpenTemplate = %+v, %q, %v", tpl, pt, err)
		}
		n := 0
		tx.ForEachTemplate(func(Template) error { n++; return nil })
		if n != 2 {
			t.Errorf("ForEachTemplate saw %d, want 2", n)
		}
		return nil
	})

	// A sealed template moved to another key does not open there.
	mustUpdate(t, db, func(tx *Tx) error {
		tpl, err := tx.GetTemplate(face)
		if err != nil {
			return err
		}
		tpl.Key = finger
		return tx.PutTemplate(tpl)
	})
	mustView(t, db, func(tx *Tx) error {
		if _, _, err := tx.OpenTemplate(s, finger); !errors.Is(err, seal.ErrAuth) {
			t.Errorf("moved template opened: %v, want seal.ErrAuth", err)
		}
		return nil
	})

	// So does one relabelled as made by another model.
	mustUpdate(t, db, func(tx *Tx) error {
		tpl, err := tx.GetTemplate(finger)
		if err != nil {
			return err
		}
		tpl.Key, tpl.ModelID = face, "mfn-2"
		return tx.PutTemplate(tpl)
	})
	mustView(t, db, func(tx *Tx) error {
		if _, _, err := tx.OpenTemplate(s, face); !errors.Is(err, seal.ErrAuth) {
			t.Errorf("relabelled template opened: %v, want seal.ErrAuth", err)
		}
		return nil
	})

	mustUpdate(t, db, func(tx *Tx) error { return tx.DeleteTemplate(face) })
	mustView(t, db, func(tx *Tx) error {
		if _, err := tx.GetTemplate(face); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetTemplate after delete = %v, want ErrNotFound", err)
		}
		if err := tx.DeleteTemplate(face); !errors.Is(err, ErrNotFound) {
			t.Errorf("DeleteTemplate twice = %v", err)
		}
		return nil
	})
}

func TestEraseSubject(t *testing.T) {
	db := openTest(t, &Options{Now: fixedClock(t0)})
	s := testSealer(t)
	mustUpdate(t, db, func(tx *Tx) error {
		for _, id := range []string{"s1", "s10", "s2"} {
			if err := tx.PutSubject(Subject{ID: id, Expires: t0.Add(time.Hour)}); err != nil {
				return err
			}
			if err := tx.SealTemplate(s, TemplateKey{id, Face}, "m", []byte(id)); err != nil {
				return err
			}
			if err := tx.PutConsent(Consent{ID: "c-" + id, Subject: id, Purpose: "roster", Granted: t0}); err != nil {
				return err
			}
		}
		tx.SealTemplate(s, TemplateKey{"s1", Fingerprint}, "m", []byte("fp"))
		return tx.PutConsent(Consent{ID: "c-anon", Purpose: "document", Granted: t0})
	})
	var e Erasure
	mustUpdate(t, db, func(tx *Tx) (err error) { e, err = tx.EraseSubject("s1"); return })
	if e.Subjects != 1 || e.Templates != 2 || e.Consents != 1 {
		t.Errorf("Erasure = %+v, want subject, 2 templates, 1 consent", e)
	}
	mustView(t, db, func(tx *Tx) error {
		// "s10" shares the prefix "s1" and must survive.
		for _, id := range []string{"s10", "s2"} {
			if _, _, err := tx.OpenTemplate(s, TemplateKey{id, Face}); err != nil {
				t.Errorf("template of %s lost: %v", id, err)
			}
			if _, err := tx.Consent("c-" + id); err != nil {
				t.Errorf("consent of %s lost: %v", id, err)
			}
		}
		if _, err := tx.Consent("c-anon"); err != nil {
			t.Errorf("anonymous consent lost: %v", err)
		}
		if _, err := tx.Subject("s1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("erased subject still present: %v", err)
		}
		ids, _ := tx.ExpiredSubjects(t0.Add(2 * time.Hour))
		if len(ids) != 2 {
			t.Errorf("expiry index after erasure = %v, want 2 entries", ids)
		}
		return nil
	})
	// Erasure is idempotent.
	mustUpdate(t, db, func(tx *Tx) (err error) { e, err = tx.EraseSubject("s1"); return })
	if e != (Erasure{}) {
		t.Errorf("second erasure = %+v, want nothing", e)
	}
}

func TestMetaAndAudit(t *testing.T) {
	db := openTest(t, &Options{Now: fixedClock(t0)})
	mustUpdate(t, db, func(tx *Tx) error {
		if _, err := tx.Meta("k"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Meta(absent) = %v, want ErrNotFound", err)
		}
		for _, ev := range []string{"boot", "enrol", "erase"} {
			if err := tx.AppendAudit([]byte(ev)); err != nil {
				return err
			}
		}
		return tx.SetMeta("k", []byte("v"))
	})
	mustUpdate(t, db, func(tx *Tx) error { return tx.PruneAudit(2) })
	mustView(t, db, func(tx *Tx) error {
		var got []string
		tx.ForEachAudit(0, func(e AuditEvent) error {
			if !e.Time.Equal(t0) {
				t.Errorf("audit %d time %v, want %v", e.Seq, e.Time, t0)
			}
			got = append(got, string(e.Event))
			return nil
		})
		if len(got) != 2 || got[0] != "enrol" {
			t.Errorf("audit after prune = %v, want [enrol erase]", got)
		}
		return nil
	})
}

// TestCompactScrubsErasedTemplate is the privacy test: after a template is
// deleted and the store compacted, neither its plaintext nor its ciphertext
// nor its wrapped key appears anywhere in the file.
func TestCompactScrubsErasedTemplate(t *testing.T) {
	db := openTest(t, &Options{Now: fixedClock(t0)})
	s := testSealer(t)
	plain := bytes.Repeat([]byte("KNOWN-TEMPLATE-PLAINTEXT-"), 30)
	key := TemplateKey{Subject: "erase-me", Modality: Face}
	keep := TemplateKey{Subject: "keep-me", Modality: Face}
	mustUpdate(t, db, func(tx *Tx) error {
		tx.PutSubject(Subject{ID: "keep-me"})
		tx.SealTemplate(s, keep, "m", []byte("other template"))
		if err := tx.PutSubject(Subject{ID: "erase-me"}); err != nil {
			return err
		}
		// Only sealed bytes reach the store; the plaintext is searched
		// for below all the same.
		return tx.SealTemplate(s, key, "m", plain)
	})
	var sealed seal.SealedRecord
	mustView(t, db, func(tx *Tx) error {
		tpl, err := tx.GetTemplate(key)
		sealed = tpl.Sealed
		return err
	})
	ct := sealed.Ciphertext[:64]
	wrapped := sealed.WrappedKey
	raw, _ := os.ReadFile(db.Path())
	if !bytes.Contains(raw, ct) || !bytes.Contains(raw, wrapped) {
		t.Fatal("precondition: ciphertext or wrapped key not found in the file before erasure")
	}

	mustUpdate(t, db, func(tx *Tx) error { _, err := tx.EraseSubject("erase-me"); return err })
	// bbolt frees the pages but does not zero them: the ciphertext is still
	// in the file. This is what Compact is for.
	raw, _ = os.ReadFile(db.Path())
	if !bytes.Contains(raw, ct) {
		t.Fatal("precondition: erased ciphertext already gone before Compact; the test no longer shows anything")
	}

	if err := db.Compact(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"plaintext": plain[:32], "ciphertext": ct, "ciphertext tail": sealed.Ciphertext[len(sealed.Ciphertext)-32:], "wrapped key": wrapped, "subject id": []byte("erase-me")} {
		if bytes.Contains(raw, b) {
			t.Errorf("%s of the erased template is still in the file after Compact", name)
		}
	}
	if _, err := os.Stat(db.Path() + compactSuffix); !os.IsNotExist(err) {
		t.Errorf("temporary compaction file left behind: %v", err)
	}
	// Live data survived, and the store still works.
	mustView(t, db, func(tx *Tx) error {
		if _, pt, err := tx.OpenTemplate(s, keep); err != nil || string(pt) != "other template" {
			t.Errorf("kept template after Compact = %q, %v", pt, err)
		}
		return nil
	})
	appendN(t, db, 1, 1)
}

func TestInterruptedCompactionIgnored(t *testing.T) {
	path := newClosedStore(t, nil)
	// A crash mid-compaction or mid-creation leaves a partial file beside
	// the store.
	for _, suffix := range []string{compactSuffix, initSuffix} {
		if err := os.WriteFile(path+suffix, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	db := openAt(t, path, nil)
	for _, suffix := range []string{compactSuffix, initSuffix} {
		if _, err := os.Stat(path + suffix); !os.IsNotExist(err) {
			t.Errorf("stale %s file not removed: %v", suffix, err)
		}
	}
	mustView(t, db, func(tx *Tx) error {
		if seq, _, _ := tx.LastResult(); seq != 2 {
			t.Errorf("LastResult = %d, want 2", seq)
		}
		return nil
	})
}

func TestEraseSubjectsCompacts(t *testing.T) {
	db := openTest(t, nil)
	s := testSealer(t)
	mustUpdate(t, db, func(tx *Tx) error {
		for _, id := range []string{"a", "b", "c"} {
			tx.PutSubject(Subject{ID: id})
			if err := tx.SealTemplate(s, TemplateKey{id, Face}, "m", bytes.Repeat([]byte(id), 768)); err != nil {
				return err
			}
		}
		return nil
	})
	var ct []byte
	mustView(t, db, func(tx *Tx) error {
		tpl, err := tx.GetTemplate(TemplateKey{"b", Face})
		ct = tpl.Sealed.Ciphertext[:48]
		return err
	})
	e, err := db.EraseSubjects("a", "b", "nobody")
	if err != nil || e != (Erasure{Subjects: 2, Templates: 2}) {
		t.Fatalf("EraseSubjects = %+v, %v", e, err)
	}
	raw, _ := os.ReadFile(db.Path())
	if bytes.Contains(raw, ct) {
		t.Error("erased ciphertext still in the file: EraseSubjects did not compact")
	}
	if _, err := db.EraseSubjects("bad id"); !errors.Is(err, ErrInvalid) {
		t.Errorf("EraseSubjects(bad id) = %v, want ErrInvalid", err)
	}
}

func TestEraseExpired(t *testing.T) {
	db := openTest(t, nil)
	s := testSealer(t)
	mustUpdate(t, db, func(tx *Tx) error {
		for i, id := range []string{"late", "early", "never"} {
			sub := Subject{ID: id}
			if id != "never" {
				sub.Expires = t0.Add(time.Duration(2-i) * time.Hour)
			}
			if err := tx.PutSubject(sub); err != nil {
				return err
			}
			if err := tx.SealTemplate(s, TemplateKey{id, Face}, "m", []byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
	ids, e, err := db.EraseExpired(t0.Add(90 * time.Minute))
	if err != nil || !slices.Equal(ids, []string{"early"}) || e.Templates != 1 {
		t.Fatalf("EraseExpired(+90m) = %v, %+v, %v; want [early]", ids, e, err)
	}
	ids, _, err = db.EraseExpired(t0.Add(90 * time.Minute))
	if err != nil || len(ids) != 0 {
		t.Errorf("second EraseExpired = %v, %v; want nothing", ids, err)
	}
	ids, _, _ = db.EraseExpired(t0.Add(100 * time.Hour))
	if !slices.Equal(ids, []string{"late"}) {
		t.Errorf("EraseExpired(+100h) = %v, want [late]", ids)
	}
	mustView(t, db, func(tx *Tx) error {
		if _, err := tx.Subject("never"); err != nil {
			t.Errorf("subject without expiry erased: %v", err)
		}
		return nil
	})
}
