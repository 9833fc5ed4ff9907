package cli

import (
	"context"
	"fmt"
	"runtime/debug"
)

func versionCmd() Command {
	return Command{
		Name:    "version",
		Summary: "print the build's module version and VCS revision",
		Run: func(ctx context.Context, env Env, args []string) error {
			if len(args) != 0 {
				return usageError("version takes no arguments")
			}
			bi, ok := debug.ReadBuildInfo()
			if !ok {
				return fmt.Errorf("no build info in this binary")
			}
			rev := "unknown"
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					rev = s.Value
				}
			}
			fmt.Fprintf(env.Stdout, "vouchctl %s (%s, %s)\n", bi.Main.Version, bi.GoVersion, rev)
			return nil
		},
	}
}
