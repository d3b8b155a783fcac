package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// The version make build stamps wins over the module version Go records
// ("(devel)" or a pseudo-version); without a stamp Go's is shown, without
// either "(unknown)". The revision is the version control information's
// commit, its time and whether the tree had changes, "" without it.
func TestBuildOf(t *testing.T) {
	withVCS := &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Version: "v0.0.0-20261201121138-0f8d571a1234+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0f8d571a1234"}, {Key: "vcs.time", Value: "2026-12-01T12:11:38Z"},
			{Key: "vcs.modified", Value: "true"}}}
	withoutVCS := &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Version: "(devel)"}}
	for _, tc := range []struct {
		name    string
		stamped string
		info    *debug.BuildInfo
		want    build
	}{
		{"stamped, with VCS information", "v1.4.0-12-g0f8d571-dirty", withVCS,
			build{Version: "v1.4.0-12-g0f8d571-dirty", Revision: "0f8d571a1234 2026-12-01T12:11:38Z (modified)", Go: "go1.99.1"}},
		{"stamped, without", "0f8d571", withoutVCS, build{Version: "0f8d571", Go: "go1.99.1"}},
		{"not stamped, with VCS information", "", withVCS,
			build{Version: "v0.0.0-20261201121138-0f8d571a1234+dirty", Revision: "0f8d571a1234 2026-12-01T12:11:38Z (modified)", Go: "go1.99.1"}},
		{"not stamped, without", "", withoutVCS, build{Version: "(devel)", Go: "go1.99.1"}},
		{"no build information", "", nil, build{Version: "(unknown)", Go: runtime.Version()}},
	} {
		if got := buildOf(tc.stamped, tc.info); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
