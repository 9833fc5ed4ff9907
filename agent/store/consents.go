package store

import (
	"bytes"
	"fmt"
	"time"
)

// Consent is a consent receipt: the record that a person agreed to a
// purpose, kept so the device can prove it asked first.
type Consent struct {
	// ID identifies the receipt (1..MaxIDLen printable ASCII bytes).
	ID string
	// Subject is the pseudonymous subject id, or empty for a one-off
	// verification that enrols nobody (document 1:1 mode).
	Subject string
	// Purpose names what was consented to (for example "roster-1n").
	Purpose string
	Granted time.Time
	// Expires is when the consent lapses; zero means with the enrolment.
	Expires time.Time
	// Receipt is the signed receipt as shown to or given to the person, at
	// most MaxBlob bytes.
	Receipt []byte
}

type consentWire struct {
	_       struct{} `cbor:",toarray"`
	ID      string
	Subject string
	Purpose string
	Granted int64
	Expires int64
	Receipt []byte
}

func (c *Consent) validate() error {
	if err := checkID("consent id", c.ID); err != nil {
		return err
	}
	if c.Subject != "" {
		if err := checkID("subject id", c.Subject); err != nil {
			return err
		}
	}
	if err := checkID("purpose", c.Purpose); err != nil {
		return err
	}
	if c.Granted.IsZero() {
		return fmt.Errorf("%w: consent %q has no grant time", ErrInvalid, c.ID)
	}
	if err := checkTime("grant time", c.Granted); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := checkTime("expiry", c.Expires); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if len(c.Receipt) > MaxBlob {
		return fmt.Errorf("%w: receipt is %d bytes, max %d", ErrInvalid, len(c.Receipt), MaxBlob)
	}
	return nil
}

func decodeConsent(k, v []byte) (Consent, error) {
	var w consentWire
	if err := unmarshal("consent", k, v, &w); err != nil {
		return Consent{}, err
	}
	if w.Granted < 0 || w.Expires < 0 {
		return Consent{}, fmt.Errorf("%w: consent %q: negative time", ErrCorrupt, k)
	}
	c := Consent{ID: w.ID, Subject: w.Subject, Purpose: w.Purpose, Granted: fromUnixNano(w.Granted), Expires: fromUnixNano(w.Expires), Receipt: w.Receipt}
	if err := c.validate(); err != nil {
		return Consent{}, fmt.Errorf("%w: consent %q: %v", ErrCorrupt, k, err)
	}
	if !bytes.Equal(k, []byte(c.ID)) {
		return Consent{}, fmt.Errorf("%w: consent key %q holds id %q", ErrCorrupt, k, c.ID)
	}
	return c, nil
}

// PutConsent stores a consent receipt, replacing one with the same id.
func (tx *Tx) PutConsent(c Consent) error {
	if err := c.validate(); err != nil {
		return err
	}
	v, err := marshal(consentWire{ID: c.ID, Subject: c.Subject, Purpose: c.Purpose, Granted: unixNano(c.Granted), Expires: unixNano(c.Expires), Receipt: c.Receipt})
	if err != nil {
		return err
	}
	b, err := tx.bucket(bucketConsents)
	if err != nil {
		return err
	}
	return b.Put([]byte(c.ID), v)
}

// Consent returns the receipt with the given id, or ErrNotFound.
func (tx *Tx) Consent(id string) (Consent, error) {
	b, err := tx.bucket(bucketConsents)
	if err != nil {
		return Consent{}, err
	}
	v := b.Get([]byte(id))
	if v == nil {
		return Consent{}, fmt.Errorf("%w: consent %q", ErrNotFound, id)
	}
	return decodeConsent([]byte(id), v)
}

// DeleteConsent removes a receipt, or returns ErrNotFound.
func (tx *Tx) DeleteConsent(id string) error {
	b, err := tx.bucket(bucketConsents)
	if err != nil {
		return err
	}
	if b.Get([]byte(id)) == nil {
		return fmt.Errorf("%w: consent %q", ErrNotFound, id)
	}
	return b.Delete([]byte(id))
}

// ForEachConsent calls fn for every receipt in id order. Returning ErrStop
// ends the iteration without error.
func (tx *Tx) ForEachConsent(fn func(Consent) error) error {
	b, err := tx.bucket(bucketConsents)
	if err != nil {
		return err
	}
	return stopOK(b.ForEach(func(k, v []byte) error {
		c, err := decodeConsent(k, v)
		if err != nil {
			return err
		}
		return fn(c)
	}))
}

func (tx *Tx) deleteConsentsOf(subject string) (int, error) {
	var ids []string
	if err := tx.ForEachConsent(func(c Consent) error {
		if c.Subject == subject {
			ids = append(ids, c.ID)
		}
		return nil
	}); err != nil {
		return 0, err
	}
	b, err := tx.bucket(bucketConsents)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := b.Delete([]byte(id)); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
