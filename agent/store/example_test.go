package store_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/vouchkiosk/vouch/agent/seal"
	"github.com/vouchkiosk/vouch/agent/store"
)

func Example() {
	dir, _ := os.MkdirTemp("", "vouch-example")
	defer os.RemoveAll(dir)

	db, err := store.Open(filepath.Join(dir, "vouch.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	// A signed result and its outbox entry, in one durable transaction.
	err = db.Update(func(tx *store.Tx) error {
		last, _, err := tx.LastResult()
		if err != nil {
			return err
		}
		return tx.AppendResult(last+1, []byte("signed COSE_Sign1 record"))
	})
	if err != nil {
		log.Fatal(err)
	}

	// The platform acknowledged seq 1.
	db.Update(func(tx *store.Tx) error { return tx.DeleteOutbox(1) })
	db.View(func(tx *store.Tx) error {
		n, _ := tx.OutboxLen()
		seq, _, _ := tx.LastResult()
		fmt.Println("last:", seq, "unsent:", n)
		return nil
	})
	// Output: last: 1 unsent: 0
}

func ExampleTx_SealTemplate() {
	dir, _ := os.MkdirTemp("", "vouch-example")
	defer os.RemoveAll(dir)
	keys, _ := seal.NewFileBackend(filepath.Join(dir, "keys"))
	kek, err := seal.CreateKEK(keys, seal.KEKName) // once, at provisioning
	if err != nil {
		log.Fatal(err)
	}
	sealer := seal.NewSealer(kek)
	db, err := store.Open(filepath.Join(dir, "vouch.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	key := store.TemplateKey{Subject: "p-7f3a", Modality: store.Face}
	// Enrolment: subject and sealed template in one transaction.
	err = db.Update(func(tx *store.Tx) error {
		if err := tx.PutSubject(store.Subject{ID: "p-7f3a", Rosters: []string{"expo-2026"}}); err != nil {
			return err
		}
		return tx.SealTemplate(sealer, key, "mobilefacenet-v1", []byte("192 float32s"))
	})
	if err != nil {
		log.Fatal(err)
	}
	db.View(func(tx *store.Tx) error {
		_, plain, err := tx.OpenTemplate(sealer, key)
		fmt.Printf("%s %v\n", plain, err)
		clear(plain)
		return nil
	})

	// Erasure request: gone from the store and scrubbed from the file.
	e, err := db.EraseSubjects("p-7f3a")
	fmt.Printf("%+v %v\n", e, err)
	// Output:
	// 192 float32s <nil>
	// {Subjects:1 Templates:1 Consents:0} <nil>
}
