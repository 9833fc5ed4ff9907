package server

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/vouchkiosk/vouch/tools/platform/api"
	"github.com/vouchkiosk/vouch/tools/platform/db"
)

// Config configures Run.
type Config struct {
	// DSN selects the database (see db.Open).
	DSN string
	// Addr is the listen address, e.g. "127.0.0.1:8443".
	Addr string
	// KeyFile holds the platform's Ed25519 signing key (PKCS#8 PEM, see
	// WriteKey).
	KeyFile string
	// TLSCert and TLSKey are the server certificate and key (PEM). Both
	// empty means plain HTTP, which Run allows only on a loopback address.
	TLSCert, TLSKey string
	// Limits bounds request sizes and rates.
	Limits api.Limits
	// Logger receives server events; nil discards them.
	Logger *slog.Logger
	// Ready, if set, is called with the bound address once the server
	// accepts connections.
	Ready func(net.Addr)
	// ShutdownTimeout bounds the graceful shutdown; zero means 10 s.
	ShutdownTimeout time.Duration
}

// ErrPlainHTTP is returned for plain HTTP on a non-loopback address.
var ErrPlainHTTP = errors.New("server: plain HTTP is allowed on loopback only; give TLSCert and TLSKey")

// Run serves until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, cfg Config) error {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	key, err := ReadKey(cfg.KeyFile)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	defer ln.Close()
	plain := cfg.TLSCert == "" && cfg.TLSKey == ""
	if plain && !isLoopback(ln.Addr()) {
		return ErrPlainHTTP
	}
	d, err := db.Open(ctx, cfg.DSN, &db.Options{Logger: log})
	if err != nil {
		return err
	}
	defer d.Close()
	srv, err := api.New(api.Options{DB: d, Key: key, Limits: cfg.Limits, Logger: log})
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      10 * time.Minute, // exports stream
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if !plain {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("server: TLS key pair: %w", err)
		}
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
		ln = tls.NewListener(ln, hs.TLSConfig)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go srv.PruneNonces(ctx, time.Minute)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("platform serving", "addr", ln.Addr().String(), "db", d.Dialect().String(), "tls", !plain)
	if cfg.Ready != nil {
		cfg.Ready(ln.Addr())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	timeout := cfg.ShutdownTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer scancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	return nil
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// ReadKey loads the platform's Ed25519 signing key from a PKCS#8 PEM file.
func ReadKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("server: platform key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("server: platform key %s: no PRIVATE KEY PEM block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("server: platform key %s: %w", path, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("server: platform key %s is %T, want Ed25519", path, k)
	}
	return ek, nil
}

// WriteKey stores key as PKCS#8 PEM in a new file readable by its owner
// only; it refuses to overwrite an existing file.
func WriteKey(path string, key ed25519.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	return writeNew(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

// writeNew creates path exclusively, writes b and fsyncs it.
func writeNew(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("server: write %s: %w", path, err)
	}
	return nil
}
