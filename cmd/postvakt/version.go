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
// database: the version `make build` stamped (else the module's), the
// commit it was built from where version control information was kept, the Go
// release that built it, and the database schema version it expects (its
// newest migration). `postvakt --version` is the same.
func runVersion(_ context.Context, _ config.Config, args []string) error {
	if err := parseNoArgs(newFlags("version"), args); err != nil {
		return err
	}
	known, err := migrations.Latest()
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, versionText(thisBuild(), known))
	return nil
}

// version is the version `make build` stamps into the binary
// (scripts/build.sh: -ldflags -X main.version=, from git describe --always
// --dirty); empty in a build without it.
var version string

// build is what a binary says it is.
type build struct {
	// Version is the stamped version, else the module's as Go records
	// it ("(devel)" for a build from a work tree, a pseudo-version with
	// version control information, v1.2.3 from go install), else
	// "(unknown)".
	Version string
	// Revision is the commit, its time and "(modified)" as version
	// control information records them; "" without it.
	Revision string
	Go       string
}

// thisBuild is the running binary's build.
func thisBuild() build {
	info, _ := debug.ReadBuildInfo()
	return buildOf(version, info)
}

// buildOf is the build of a binary stamped with stamped ("" for none)
// whose build information is info (nil: none).
func buildOf(stamped string, info *debug.BuildInfo) build {
	b := build{Version: "(unknown)", Go: runtime.Version()}
	vcs := map[string]string{}
	if info != nil {
		if info.Main.Version != "" {
			b.Version = info.Main.Version
		}
		if info.GoVersion != "" {
			b.Go = info.GoVersion
		}
		for _, s := range info.Settings {
			vcs[s.Key] = s.Value
		}
	}
	if stamped != "" {
		b.Version = stamped
	}
	if r := vcs["vcs.revision"]; r != "" {
		parts := []string{r}
		if t := vcs["vcs.time"]; t != "" {
			parts = append(parts, t)
		}
		if vcs["vcs.modified"] == "true" {
			parts = append(parts, "(modified)")
		}
		b.Revision = strings.Join(parts, " ")
	}
	return b
}

// versionText is version's output for the build and the newest migration
// the binary carries:
//
//	postvakt v1.4.0-12-g0f8d571-dirty
//	revision 0f8d571a… 2026-12-01T12:11:38Z (modified)
//	go go1.26.8
//	schema 00048
//
// The first line is what `make build` stamped (git describe: the newest
// tag, the commits since, the commit, -dirty with changes not committed),
// else Go's module version ("(devel)" from a work tree). "(modified)":
// built from a work tree with changes not committed; the revision is
// "unknown" in a build without version control information (go build
// -buildvcs=false, a source archive).
func versionText(b build, known int64) string {
	revision := b.Revision
	if revision == "" {
		revision = "unknown (built without version control information)"
	}
	return fmt.Sprintf("postvakt %s\nrevision %s\ngo %s\nschema %05d\n", b.Version, revision, b.Go, known)
}
