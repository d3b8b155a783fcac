package main

import "testing"

// TestWant: the default runs every section but the optional ones; --only
// runs what it names, later stands for feed and health, and sending brings
// the escalate section it follows.
func TestWant(t *testing.T) {
	sections := []string{"import", "escalate", "sending", "lists", "poll", "replicas", "feed", "health"}
	for _, tc := range []struct {
		only string
		want map[string]bool
	}{
		{"", map[string]bool{"import": true, "escalate": true, "lists": true, "poll": true, "replicas": true, "feed": true, "health": true}},
		{"poll", map[string]bool{"poll": true}},
		{"import,escalate", map[string]bool{"import": true, "escalate": true}},
		{"later", map[string]bool{"feed": true, "health": true}},
		{"sending", map[string]bool{"escalate": true, "sending": true}},
		{"lists,sending", map[string]bool{"escalate": true, "sending": true, "lists": true}},
	} {
		b := &bench{opt: options{only: tc.only}}
		for _, s := range sections {
			if got := b.want(s); got != tc.want[s] {
				t.Errorf("--only %q: want(%q) = %v, want %v", tc.only, s, got, tc.want[s])
			}
		}
	}
}
