package store

import (
	"bytes"
	"fmt"
	"time"

	"github.com/vouchkiosk/vouch/agent/seal"
)

// Modality is the biometric a template belongs to.
type Modality uint8

// Modalities. Zero is invalid so that a forgotten field is caught.
const (
	Face        Modality = 1
	Fingerprint Modality = 2
)

// String returns the modality's name.
func (m Modality) String() string {
	switch m {
	case Face:
		return "face"
	case Fingerprint:
		return "fingerprint"
	}
	return fmt.Sprintf("modality(%d)", uint8(m))
}

func (m Modality) valid() bool { return m == Face || m == Fingerprint }

// TemplateKey identifies a template: one per subject and modality.
type TemplateKey struct {
	Subject  string
	Modality Modality
}

func (k TemplateKey) validate() error {
	if err := checkID("subject id", k.Subject); err != nil {
		return err
	}
	if !k.Modality.valid() {
		return fmt.Errorf("%w: %v", ErrInvalid, k.Modality)
	}
	return nil
}

// bytes is the bbolt key: subject id, NUL, modality. Subject ids contain no
// NUL, so all templates of a subject share the prefix id+NUL.
func (k TemplateKey) bytes() []byte {
	return append(append([]byte(k.Subject), 0), byte(k.Modality))
}

// RecordID is the record id a template for k made by modelID is sealed
// under. Binding the model id means a template relabelled to another model
// fails to open instead of being matched with the wrong embedder.
func (k TemplateKey) RecordID(modelID string) []byte {
	id := append([]byte("vouch/store/template\x00"), k.bytes()...)
	return append(append(id, 0), modelID...)
}

// Template is a sealed biometric template with its metadata. The store never
// sees the plaintext; see SealTemplate and OpenTemplate.
type Template struct {
	Key TemplateKey
	// ModelID names the embedder or sensor that produced the template.
	ModelID string
	Created time.Time
	Sealed  seal.SealedRecord
}

type templateWire struct {
	_        struct{} `cbor:",toarray"`
	Subject  string
	Modality uint8
	ModelID  string
	Created  int64
	Sealed   []byte
}

// decodeTemplate decodes and validates a templates-bucket entry.
func decodeTemplate(k, v []byte) (Template, error) {
	var w templateWire
	if err := unmarshal("template", k, v, &w); err != nil {
		return Template{}, err
	}
	t := Template{Key: TemplateKey{Subject: w.Subject, Modality: Modality(w.Modality)}, ModelID: w.ModelID, Created: fromUnixNano(w.Created)}
	if err := t.Key.validate(); err != nil {
		return Template{}, fmt.Errorf("%w: template %q: %v", ErrCorrupt, k, err)
	}
	if err := checkID("model id", t.ModelID); err != nil {
		return Template{}, fmt.Errorf("%w: template %q: %v", ErrCorrupt, k, err)
	}
	if w.Created < 0 {
		return Template{}, fmt.Errorf("%w: template %q: negative time", ErrCorrupt, k)
	}
	if !bytes.Equal(k, t.Key.bytes()) {
		return Template{}, fmt.Errorf("%w: template key %q holds %v", ErrCorrupt, k, t.Key)
	}
	if err := t.Sealed.UnmarshalBinary(w.Sealed); err != nil {
		return Template{}, fmt.Errorf("%w: template %q: %v", ErrCorrupt, k, err)
	}
	return t, nil
}

// PutTemplate stores t, replacing any template with the same key. The
// subject must exist.
func (tx *Tx) PutTemplate(t Template) error {
	if err := t.Key.validate(); err != nil {
		return err
	}
	if err := checkID("model id", t.ModelID); err != nil {
		return err
	}
	if err := checkTime("creation time", t.Created); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if _, err := tx.Subject(t.Key.Subject); err != nil {
		return fmt.Errorf("store: template for %v: %w", t.Key, err)
	}
	sealed, err := t.Sealed.MarshalBinary()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	v, err := marshal(templateWire{Subject: t.Key.Subject, Modality: uint8(t.Key.Modality), ModelID: t.ModelID, Created: unixNano(t.Created), Sealed: sealed})
	if err != nil {
		return err
	}
	b, err := tx.bucket(bucketTemplates)
	if err != nil {
		return err
	}
	return b.Put(t.Key.bytes(), v)
}

// GetTemplate returns the template stored under k, or ErrNotFound.
func (tx *Tx) GetTemplate(k TemplateKey) (Template, error) {
	if err := k.validate(); err != nil {
		return Template{}, err
	}
	b, err := tx.bucket(bucketTemplates)
	if err != nil {
		return Template{}, err
	}
	v := b.Get(k.bytes())
	if v == nil {
		return Template{}, fmt.Errorf("%w: template %s/%v", ErrNotFound, k.Subject, k.Modality)
	}
	return decodeTemplate(k.bytes(), v)
}

// DeleteTemplate removes the template under k, and with it the only copy of
// its wrapped data key. Run DB.Compact after the transaction commits to
// scrub the freed pages. Returns ErrNotFound if there is no such template.
func (tx *Tx) DeleteTemplate(k TemplateKey) error {
	if err := k.validate(); err != nil {
		return err
	}
	b, err := tx.bucket(bucketTemplates)
	if err != nil {
		return err
	}
	if b.Get(k.bytes()) == nil {
		return fmt.Errorf("%w: template %s/%v", ErrNotFound, k.Subject, k.Modality)
	}
	return b.Delete(k.bytes())
}

// ForEachTemplate calls fn for every template in key order. Returning
// ErrStop ends the iteration without error.
func (tx *Tx) ForEachTemplate(fn func(Template) error) error {
	b, err := tx.bucket(bucketTemplates)
	if err != nil {
		return err
	}
	return stopOK(b.ForEach(func(k, v []byte) error {
		t, err := decodeTemplate(k, v)
		if err != nil {
			return err
		}
		return fn(t)
	}))
}

func (tx *Tx) deleteTemplatesOf(subject string) (int, error) {
	b, err := tx.bucket(bucketTemplates)
	if err != nil {
		return 0, err
	}
	prefix := append([]byte(subject), 0)
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// SealTemplate seals plaintext with s under k's record id and stores it.
func (tx *Tx) SealTemplate(s *seal.Sealer, k TemplateKey, modelID string, plaintext []byte) error {
	if err := k.validate(); err != nil {
		return err
	}
	sealed, err := s.Seal(k.RecordID(modelID), plaintext)
	if err != nil {
		return fmt.Errorf("store: seal template %s/%v: %w", k.Subject, k.Modality, err)
	}
	return tx.PutTemplate(Template{Key: k, ModelID: modelID, Created: tx.db.now(), Sealed: sealed})
}

// OpenTemplate loads the template under k and unseals it with s. The caller
// owns the plaintext and should clear it after use.
func (tx *Tx) OpenTemplate(s *seal.Sealer, k TemplateKey) (Template, []byte, error) {
	t, err := tx.GetTemplate(k)
	if err != nil {
		return Template{}, nil, err
	}
	pt, err := s.Open(k.RecordID(t.ModelID), t.Sealed)
	if err != nil {
		return Template{}, nil, fmt.Errorf("store: open template %s/%v: %w", k.Subject, k.Modality, err)
	}
	return t, pt, nil
}
