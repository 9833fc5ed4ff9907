package server_test

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/tools/platform/server"
)

// TestServeTLSWithDevCA serves with a generated dev CA and checks that a
// client pinning that CA connects, and one without it does not.
func TestServeTLSWithDevCA(t *testing.T) {
	dir := t.TempDir()
	if err := server.WriteDevCA(dir, []string{"localhost", "127.0.0.1"}, 24*time.Hour, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := server.WriteDevCA(dir, []string{"localhost"}, time.Hour, time.Now()); err == nil {
		t.Fatal("WriteDevCA overwrote an existing CA")
	}
	if fi, err := os.Stat(filepath.Join(dir, server.DevCAKey)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("CA key mode: %v %v", fi.Mode(), err)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	keyFile := filepath.Join(dir, "platform.key")
	if err := server.WriteKey(keyFile, key); err != nil {
		t.Fatal(err)
	}
	if got, err := server.ReadKey(keyFile); err != nil || !got.Equal(key) {
		t.Fatalf("ReadKey: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- server.Run(ctx, server.Config{
			DSN: "sqlite:" + filepath.Join(dir, "p.db"), Addr: "127.0.0.1:0", KeyFile: keyFile,
			TLSCert: filepath.Join(dir, server.DevServerCert), TLSKey: filepath.Join(dir, server.DevServerKey),
			Ready: func(a net.Addr) { addrc <- a },
		})
	}()
	var addr net.Addr
	select {
	case addr = <-addrc:
	case err := <-errc:
		t.Fatal(err)
	}
	pem, _ := os.ReadFile(filepath.Join(dir, server.DevCACert))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	good := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := good.Get("https://" + addr.String() + "/healthz")
	if err != nil {
		t.Fatalf("client pinning the dev CA: %v", err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.TLS == nil || res.TLS.Version != tls.VersionTLS13 {
		t.Errorf("status %d, TLS %+v", res.StatusCode, res.TLS)
	}
	if _, err := http.Get("https://" + addr.String() + "/healthz"); err == nil {
		t.Error("client without the dev CA connected")
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("graceful shutdown: %v", err)
	}
}

func TestPlainHTTPLoopbackOnly(t *testing.T) {
	dir := t.TempDir()
	_, key, _ := ed25519.GenerateKey(nil)
	keyFile := filepath.Join(dir, "platform.key")
	server.WriteKey(keyFile, key)
	err := server.Run(context.Background(), server.Config{DSN: "sqlite:" + filepath.Join(dir, "p.db"), Addr: "0.0.0.0:0", KeyFile: keyFile})
	if !errors.Is(err, server.ErrPlainHTTP) {
		t.Fatalf("plain HTTP on all interfaces: %v, want ErrPlainHTTP", err)
	}
	if err := server.WriteKey(keyFile, key); err == nil {
		t.Error("WriteKey overwrote an existing key")
	}
	os.WriteFile(filepath.Join(dir, "bad.key"), []byte("not pem"), 0o600)
	if _, err := server.ReadKey(filepath.Join(dir, "bad.key")); err == nil {
		t.Error("ReadKey accepted garbage")
	}
}
