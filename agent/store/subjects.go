package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Subject is an enrolled person, known to the device only by a pseudonymous
// id, with the rosters (events, sites) they belong to.
type Subject struct {
	// ID is the pseudonymous subject id assigned by the platform:
	// 1..MaxIDLen bytes of printable ASCII without spaces.
	ID string
	// Rosters lists the rosters the subject belongs to. PutSubject stores
	// them sorted and without duplicates.
	Rosters []string
	// Expires is when the enrolment lapses and must be erased; zero means
	// no expiry.
	Expires time.Time
	// Created is when the subject was enrolled on this device.
	Created time.Time
}

type subjectWire struct {
	_       struct{} `cbor:",toarray"`
	ID      string
	Rosters []string
	Expires int64 // Unix nanoseconds; 0 means none
	Created int64 // Unix nanoseconds
}

// InRoster reports whether s belongs to roster.
func (s *Subject) InRoster(roster string) bool {
	_, ok := slices.BinarySearch(s.Rosters, roster)
	return ok
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// checkTime checks that t (zero means unset) is stored faithfully as Unix
// nanoseconds: from 1970 up to 2262, where the count overflows int64 and
// a far-future expiry would silently turn into a past one.
func checkTime(what string, t time.Time) error {
	switch {
	case t.IsZero():
		return nil
	case t.Before(time.Unix(0, 0)):
		return fmt.Errorf("%s %v is before 1970", what, t)
	case t.After(time.Unix(0, math.MaxInt64)):
		return fmt.Errorf("%s %v is after %v", what, t, time.Unix(0, math.MaxInt64).UTC())
	}
	return nil
}

func (s *Subject) validate() error {
	if err := checkID("subject id", s.ID); err != nil {
		return err
	}
	if len(s.Rosters) > MaxRosters {
		return fmt.Errorf("%w: %d rosters, max %d", ErrInvalid, len(s.Rosters), MaxRosters)
	}
	for _, r := range s.Rosters {
		if err := checkID("roster", r); err != nil {
			return err
		}
	}
	if err := checkTime("expiry", s.Expires); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := checkTime("creation time", s.Created); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return nil
}

// decodeSubject decodes and validates a subjects-bucket entry.
func decodeSubject(k, v []byte) (Subject, error) {
	var w subjectWire
	if err := unmarshal("subject", k, v, &w); err != nil {
		return Subject{}, err
	}
	s := Subject{ID: w.ID, Rosters: w.Rosters, Expires: fromUnixNano(w.Expires), Created: fromUnixNano(w.Created)}
	if w.Expires < 0 || w.Created < 0 {
		return Subject{}, fmt.Errorf("%w: subject %q: negative time", ErrCorrupt, k)
	}
	if err := s.validate(); err != nil {
		return Subject{}, fmt.Errorf("%w: subject %q: %v", ErrCorrupt, k, err)
	}
	if !bytes.Equal(k, []byte(s.ID)) {
		return Subject{}, fmt.Errorf("%w: subject key %q holds id %q", ErrCorrupt, k, s.ID)
	}
	if !slices.IsSorted(s.Rosters) || len(slices.Compact(slices.Clone(s.Rosters))) != len(s.Rosters) {
		return Subject{}, fmt.Errorf("%w: subject %q: rosters not sorted and unique", ErrCorrupt, k)
	}
	return s, nil
}

func expiryKey(t time.Time, id string) []byte {
	k := binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano()))
	return append(k, id...)
}

// PutSubject inserts or replaces a subject, keeping the expiry index in step.
func (tx *Tx) PutSubject(s Subject) error {
	s.Rosters = slices.Compact(slices.Sorted(slices.Values(s.Rosters)))
	if err := s.validate(); err != nil {
		return err
	}
	b, err := tx.bucket(bucketSubjects)
	if err != nil {
		return err
	}
	idx, err := tx.bucket(bucketExpiry)
	if err != nil {
		return err
	}
	if old := b.Get([]byte(s.ID)); old != nil {
		prev, err := decodeSubject([]byte(s.ID), old)
		if err != nil {
			return err
		}
		if !prev.Expires.IsZero() {
			if err := idx.Delete(expiryKey(prev.Expires, prev.ID)); err != nil {
				return err
			}
		}
	}
	v, err := marshal(subjectWire{ID: s.ID, Rosters: s.Rosters, Expires: unixNano(s.Expires), Created: unixNano(s.Created)})
	if err != nil {
		return err
	}
	if err := b.Put([]byte(s.ID), v); err != nil {
		return err
	}
	if !s.Expires.IsZero() {
		return idx.Put(expiryKey(s.Expires, s.ID), nil)
	}
	return nil
}

// Subject returns the subject with the given id, or ErrNotFound.
func (tx *Tx) Subject(id string) (Subject, error) {
	b, err := tx.bucket(bucketSubjects)
	if err != nil {
		return Subject{}, err
	}
	v := b.Get([]byte(id))
	if v == nil {
		return Subject{}, fmt.Errorf("%w: subject %q", ErrNotFound, id)
	}
	return decodeSubject([]byte(id), v)
}

// ForEachSubject calls fn for every subject in id order. Returning ErrStop
// ends the iteration without error.
func (tx *Tx) ForEachSubject(fn func(Subject) error) error {
	b, err := tx.bucket(bucketSubjects)
	if err != nil {
		return err
	}
	return stopOK(b.ForEach(func(k, v []byte) error {
		s, err := decodeSubject(k, v)
		if err != nil {
			return err
		}
		return fn(s)
	}))
}

// ExpiredSubjects returns the ids of subjects whose expiry is at or before
// now, earliest first.
func (tx *Tx) ExpiredSubjects(now time.Time) ([]string, error) {
	idx, err := tx.bucket(bucketExpiry)
	if err != nil {
		return nil, err
	}
	var ids []string
	c := idx.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) <= 8 {
			return nil, fmt.Errorf("%w: expiry index key is %d bytes", ErrCorrupt, len(k))
		}
		if int64(binary.BigEndian.Uint64(k)) > now.UnixNano() {
			break
		}
		ids = append(ids, string(k[8:]))
	}
	return ids, nil
}

// Erasure counts what an erasure removed.
type Erasure struct {
	Subjects  int
	Templates int
	Consents  int
}

func (e *Erasure) add(o Erasure) {
	e.Subjects += o.Subjects
	e.Templates += o.Templates
	e.Consents += o.Consents
}

// EraseSubject removes a subject with all its templates and consent
// receipts in this transaction. Erasing an unknown subject is not an error
// (erasure requests are idempotent). Follow a committed erasure with
// DB.Compact to scrub the freed pages.
func (tx *Tx) EraseSubject(id string) (Erasure, error) {
	var e Erasure
	if err := checkID("subject id", id); err != nil {
		return e, err
	}
	s, err := tx.Subject(id)
	switch {
	case err == nil:
		e.Subjects = 1
		subjects, _ := tx.bucket(bucketSubjects)
		if err := subjects.Delete([]byte(id)); err != nil {
			return e, err
		}
		if !s.Expires.IsZero() {
			idx, err := tx.bucket(bucketExpiry)
			if err != nil {
				return e, err
			}
			if err := idx.Delete(expiryKey(s.Expires, id)); err != nil {
				return e, err
			}
		}
	case !errors.Is(err, ErrNotFound):
		return e, err
	}
	if e.Templates, err = tx.deleteTemplatesOf(id); err != nil {
		return e, err
	}
	if e.Consents, err = tx.deleteConsentsOf(id); err != nil {
		return e, err
	}
	return e, nil
}

// stopOK maps ErrStop to nil.
func stopOK(err error) error {
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}
