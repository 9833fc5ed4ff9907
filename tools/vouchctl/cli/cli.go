// Package cli implements vouchctl's subcommands. Each subcommand lives in its
// own file (cmd_<name>.go) and is listed once in commands.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
)

// Env is what a subcommand may touch of the outside world.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Logger returns a text logger writing to Stderr.
func (e Env) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(e.Stderr, nil))
}

// Command is one vouchctl subcommand.
type Command struct {
	Name    string // first word on the command line
	Summary string // one line for the help listing
	// Run executes the command with the arguments after its name.
	Run func(ctx context.Context, env Env, args []string) error
}

// ErrUsage marks an error caused by wrong arguments; vouchctl exits 2 for it.
var ErrUsage = errors.New("usage")

// usageError wraps a message so that errors.Is(err, ErrUsage) holds.
func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUsage}, args...)...)
}

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

// commands lists every subcommand. Add new ones here.
func commands() []Command {
	cmds := []Command{
		versionCmd(),
		fpCmd(),
		identityCmd(),
		verifyCmd(),
		verifyExportCmd(),
		evalCmd(),
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	return cmds
}

// Run dispatches args[0] to its subcommand.
func Run(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(env.Stdout)
		if len(args) == 0 {
			return usageError("no command given")
		}
		return nil
	}
	for _, c := range commands() {
		if c.Name == args[0] {
			return c.Run(ctx, env, args[1:])
		}
	}
	return usageError("unknown command %q (try 'vouchctl help')", args[0])
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "vouchctl — operate Vouch kiosks and fleets\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.Name, c.Summary)
	}
}

// newFlags returns a FlagSet for a subcommand that reports errors instead of exiting.
func newFlags(env Env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("vouchctl "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "usage: vouchctl %s %s\n", name, strings.TrimSpace(usage))
		fs.PrintDefaults()
	}
	return fs
}
