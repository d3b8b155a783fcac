package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"postvakt/internal/config"
	"postvakt/migrations"
)

// runVersion prints what this binary is, without configuration or
// database: the module's version and the commit it was built from, the Go
// release that built it, and the database schema version it expects (its
// newest migration). `postvakt --version` is the same.
func runVersion(_ context.Context, _ config.Config, args []string) error {
	fs := newFlags("version")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q\n%s", fs.Arg(0), usageLine(fs))}
	}
	known, err := migrations.Latest()
	if err != nil {
		return err
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Print(versionText(info, known))
	return nil
}

// versionText is version's output for the build info (nil: none) and the
// newest migration the binary carries:
//
//	postvakt (devel)
//	revision 0f8d571a… 2026-12-01T12:11:38Z (modified)
//	go go1.26.8
//	schema 00041
//
// "(modified)": built from a work tree with changes not committed; the
// revision is "unknown" in a build without version control information
// (go build -buildvcs=false, a source archive).
func versionText(info *debug.BuildInfo, known int64) string {
	version, goVersion := "(unknown)", runtime.Version()
	vcs := map[string]string{}
	if info != nil {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		if info.GoVersion != "" {
			goVersion = info.GoVersion
		}
		for _, s := range info.Settings {
			vcs[s.Key] = s.Value
		}
	}
	revision := "unknown (built without version control information)"
	if r := vcs["vcs.revision"]; r != "" {
		parts := []string{r}
		if t := vcs["vcs.time"]; t != "" {
			parts = append(parts, t)
		}
		if vcs["vcs.modified"] == "true" {
			parts = append(parts, "(modified)")
		}
		revision = strings.Join(parts, " ")
	}
	return fmt.Sprintf("postvakt %s\nrevision %s\ngo %s\nschema %05d\n", version, revision, goVersion, known)
}
