package daemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"time"

	"github.com/vouchkiosk/vouch/agent/api"
	"github.com/vouchkiosk/vouch/agent/identity"
	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/seal"
	"github.com/vouchkiosk/vouch/agent/store"
)

// ErrUsage marks command-line errors; the agent exits 2 for them.
var ErrUsage = errors.New("usage")

// ErrNotLoopback is returned when --listen names a non-loopback address:
// the local API has no authentication and must not be reachable from the
// network.
var ErrNotLoopback = errors.New("listen address is not a loopback address")

// ExitCode maps an error returned by Run to a process exit status.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrUsage), errors.Is(err, flag.ErrHelp):
		return 2
	default:
		return 1
	}
}

// config is the parsed command line.
type config struct {
	data     string
	listen   string
	dev      bool
	logLevel slog.Level
}

// shutdownTimeout bounds how long in-flight requests may delay exit.
const shutdownTimeout = 5 * time.Second

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("vouch-agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.data, "data", "", "data directory (identity keys and store); required")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8080", "loopback address of the local API (/healthz, /metrics)")
	fs.BoolVar(&c.dev, "dev", false, "development mode: create or use a development identity; every record is marked dev")
	fs.TextVar(&c.logLevel, "log-level", slog.LevelInfo, "log level (debug, info, warn, error)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: vouch-agent --data DIR [--listen 127.0.0.1:PORT] [--dev]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if fs.NArg() != 0 {
		return c, fmt.Errorf("%w: unexpected arguments %q", ErrUsage, fs.Args())
	}
	if c.data == "" {
		return c, fmt.Errorf("%w: --data is required", ErrUsage)
	}
	return c, checkLoopback(c.listen)
}

// Run runs the agent until ctx is cancelled (SIGINT/SIGTERM in main), then
// shuts down cleanly and returns nil. It prints the API URL on stdout once
// it is listening; logs go to stderr.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	lay := Layout{Dir: cfg.data}

	if err := checkDataDir(lay.Dir, cfg.dev); err != nil {
		return err
	}
	id, err := loadIdentity(lay, cfg.dev, log)
	if err != nil {
		return err
	}
	db, err := store.Open(lay.DB(), &store.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("open store %s: %w", lay.DB(), err)
	}
	defer db.Close()
	rlog, err := result.NewLog(db, id.Signer(), &result.LogOptions{Dev: id.Dev(), Logger: log})
	if err != nil {
		return fmt.Errorf("result log in %s: %w", lay.DB(), err)
	}
	srv, err := api.New(api.Options{Status: newStatus(id, db, rlog), Logger: log})
	if err != nil {
		return err
	}
	ln, err := listenLoopback(ctx, new(net.ListenConfig), cfg.listen)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	mode := "provisioned identity"
	if id.Dev() {
		mode = "DEVELOPMENT identity (records marked dev)"
	}
	fmt.Fprintf(stdout, "vouch-agent: device %s, %s\nvouch-agent: listening on http://%s (healthz: /healthz, metrics: /metrics)\n",
		id.DeviceID(), mode, ln.Addr())
	log.Info("agent started", "device", id.DeviceID(), "dev", id.Dev(), "data", lay.Dir, "listen", ln.Addr().String())

	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", lay.DB(), err)
	}
	log.Info("stopped")
	return nil
}

// checkDataDir verifies the data directory is a readable directory. In dev
// mode a missing one is created (0700).
func checkDataDir(dir string, dev bool) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) && dev {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("data directory %s: %w", dir, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("data directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("data directory %s: not a directory", dir)
	}
	if _, err := os.ReadDir(dir); err != nil {
		return fmt.Errorf("data directory %s: %w", dir, err)
	}
	return nil
}

func loadIdentity(lay Layout, dev bool, log *slog.Logger) (*identity.Identity, error) {
	kb, err := seal.NewFileBackend(lay.Keys())
	if err != nil {
		return nil, fmt.Errorf("key directory %s: %w", lay.Keys(), err)
	}
	if dev {
		id, created, err := identity.LoadOrCreateDev(kb)
		if err != nil {
			return nil, err
		}
		if created {
			log.Warn("created a development identity; its records prove nothing", "device", id.DeviceID(), "file", kb.Path(identity.KeyName))
		}
		return id, nil
	}
	id, err := identity.Load(kb)
	if err != nil {
		return nil, err
	}
	if id.Dev() {
		return nil, fmt.Errorf("%w: %s holds a development identity; run with --dev, or provision the device", identity.ErrKind, kb.Path(identity.KeyName))
	}
	return id, nil
}

// checkLoopback checks that addr is host:port with a loopback host.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%w: --listen %q: %v", ErrUsage, addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%w: --listen %q: %w", ErrUsage, addr, ErrNotLoopback)
	}
	return nil
}

// listener is the part of net.ListenConfig listenLoopback uses.
type listener interface {
	Listen(ctx context.Context, network, address string) (net.Listener, error)
}

// listenLoopback listens on addr, which checkLoopback accepted, and checks
// that the address actually bound is a loopback one: "localhost" is
// resolved by the system and could name any address.
func listenLoopback(ctx context.Context, lc listener, addr string) (net.Listener, error) {
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err != nil || !ap.Addr().IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("%w: --listen %q bound %s", ErrNotLoopback, addr, ln.Addr())
	}
	return ln, nil
}
