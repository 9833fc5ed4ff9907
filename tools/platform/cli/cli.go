package cli

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/vouchkiosk/vouch/tools/platform/api"
	"github.com/vouchkiosk/vouch/tools/platform/db"
	"github.com/vouchkiosk/vouch/tools/platform/server"
)

// ErrUsage marks wrong arguments; the command exits 2 for it.
var ErrUsage = errors.New("usage")

// Env is what a command may touch of the outside world.
type Env struct {
	Stdout, Stderr io.Writer
}

type command struct {
	name, summary string
	run           func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "serve the platform API", serve},
		{"migrate", "apply database migrations and exit", migrate},
		{"keygen", "create the platform's Ed25519 acknowledgement key", keygen},
		{"org", "create an organisation and its first admin credential", org},
		{"devca", "write a development CA and server certificate", devca},
	}
}

// Run executes the command line args (without the program name).
func Run(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.Stdout, "usage: vouch-platform <command> [flags]")
		for _, c := range commands() {
			fmt.Fprintf(env.Stdout, "  %-8s %s\n", c.name, c.summary)
		}
		if len(args) == 0 {
			return fmt.Errorf("%w: no command given", ErrUsage)
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	return fmt.Errorf("%w: unknown command %q", ErrUsage, args[0])
}

// ExitCode maps Run's error to a process exit status.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrUsage), errors.Is(err, flag.ErrHelp):
		return 2
	}
	return 1
}

func flags(name string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	return nil
}

func serve(ctx context.Context, env Env, args []string) error {
	fs := flags("serve", env)
	var cfg server.Config
	fs.StringVar(&cfg.DSN, "db", "platform.db", "database: a SQLite file, or a postgres:// URL")
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8443", "listen address")
	fs.StringVar(&cfg.KeyFile, "key", "platform.key", "platform signing key (from keygen)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate (PEM); empty with -tls-key empty serves plain HTTP on loopback only")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key (PEM)")
	fs.Float64Var(&cfg.Limits.DeviceRate, "device-rate", 0, "requests per second per device (0 = default)")
	fs.Int64Var(&cfg.Limits.IngestBody, "max-upload", 0, "largest upload in bytes (0 = default)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg.Logger = slog.New(slog.NewTextHandler(env.Stderr, nil))
	return server.Run(ctx, cfg)
}

func migrate(ctx context.Context, env Env, args []string) error {
	fs := flags("migrate", env)
	dsn := fs.String("db", "platform.db", "database")
	if err := parse(fs, args); err != nil {
		return err
	}
	d, err := db.Open(ctx, *dsn, &db.Options{Logger: slog.New(slog.NewTextHandler(env.Stderr, nil))})
	if err != nil {
		return err
	}
	defer d.Close()
	v, err := d.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "schema version %d (%s)\n", v, d.Dialect())
	return nil
}

func keygen(_ context.Context, env Env, args []string) error {
	fs := flags("keygen", env)
	out := fs.String("out", "platform.key", "file to create (never overwritten)")
	if err := parse(fs, args); err != nil {
		return err
	}
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	if err := server.WriteKey(*out, key); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "platform public key (pin on devices): %s\n", base64.StdEncoding.EncodeToString(pub))
	return nil
}

func org(ctx context.Context, env Env, args []string) error {
	fs := flags("org", env)
	dsn := fs.String("db", "platform.db", "database")
	name := fs.String("name", "", "organisation name (required)")
	admin := fs.String("admin", "admin", "name of the first admin credential")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return fmt.Errorf("%w: -name is required", ErrUsage)
	}
	d, err := db.Open(ctx, *dsn, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	o, err := d.CreateOrg(ctx, *name)
	if err != nil {
		return err
	}
	tok, hash := api.NewToken()
	if _, err := d.CreateAdmin(ctx, o.ID, *admin, db.RoleAdmin, hash); err != nil {
		return err
	}
	if err := d.Audit(ctx, db.AuditEntry{Org: o.ID, Actor: "cli", Action: "org.create", Outcome: "ok", Remote: "local", Detail: "created with admin " + *admin}); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "organisation %s (%s)\nadmin token (shown once): %s\n", o.Name, o.ID, tok)
	return nil
}

func devca(_ context.Context, env Env, args []string) error {
	fs := flags("devca", env)
	dir := fs.String("dir", "out/devca", "directory to write into (must exist)")
	hosts := fs.String("hosts", "localhost,127.0.0.1,::1", "comma-separated names and addresses for the server certificate")
	days := fs.Int("days", 90, "validity in days")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := server.WriteDevCA(*dir, strings.Split(*hosts, ","), time.Duration(*days)*24*time.Hour, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %s/{%s,%s,%s,%s} (development only)\n", *dir, server.DevCACert, server.DevCAKey, server.DevServerCert, server.DevServerKey)
	return nil
}
