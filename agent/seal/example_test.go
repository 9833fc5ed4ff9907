package seal_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/vouchkiosk/vouch/agent/seal"
)

func Example() {
	dir, _ := os.MkdirTemp("", "vouch-seal")
	defer os.RemoveAll(dir)
	keys, err := seal.NewFileBackend(filepath.Join(dir, "keys"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := seal.CreateKEK(keys, seal.KEKName); err != nil {
		log.Fatal(err)
	}

	// At every start: load the KEK; a missing one is a provisioning fault.
	kek, err := seal.LoadKEK(keys, seal.KEKName)
	if err != nil {
		log.Fatal(err)
	}
	s := seal.NewSealer(kek)
	r, err := s.Seal([]byte("subject-1/face"), []byte("template"))
	if err != nil {
		log.Fatal(err)
	}
	pt, err := s.Open([]byte("subject-1/face"), r)
	fmt.Printf("%s %v\n", pt, err)
	_, err = s.Open([]byte("subject-2/face"), r)
	fmt.Println(err)
	// Output:
	// template <nil>
	// seal: authentication failed: wrapped data key rejected (record "subject-2/face")
}
