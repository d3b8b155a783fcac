package outage

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestOncePerOutage: a failing readiness probe (/readyz's Log) is logged once when
// the failure begins and again only when its reason changes, not at every
// probe (one a second from a load balancer through an outage of an hour
// was 3,600 lines); the first ready answer after it says how long the
// replica was not ready. Each step is a probe a second after the last.
func TestOncePerOutage(t *testing.T) {
	const (
		down     = "readiness: the database does not answer"
		readOnly = "readiness: the database takes no writes"
	)
	bad := errors.New("driver: bad connection")
	errLine := func(msg string) string { return `level=ERROR msg="` + msg + `" error="driver: bad connection"` }
	again := func(was string, secs, probes int) string {
		return fmt.Sprintf(`level=INFO msg="readiness: ready again" was="%s" not_ready_for=%ds failed_probes=%d`, was, secs, probes)
	}
	tests := []struct {
		name   string
		probes []string // "" ready, else the failure's message
		want   []string // the lines at Info and above, without the time
	}{
		{name: "ready stays quiet", probes: []string{"", "", ""}},
		{name: "one outage one line and its end", probes: []string{"", down, down, down, down, "", ""},
			want: []string{errLine(down), again(down, 4, 4)}},
		{name: "a change of reason is logged", probes: []string{down, down, readOnly, readOnly, ""},
			want: []string{errLine(down), errLine(readOnly), again(readOnly, 4, 2)}},
		{name: "each outage once", probes: []string{down, down, "", down, down},
			want: []string{errLine(down), again(down, 2, 2), errLine(down)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			log := slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug,
				ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
					if a.Key == slog.TimeKey {
						return slog.Attr{}
					}
					return a
				}}))
			l := New("readiness: ready again", "not_ready_for", "failed_probes")
			at := time.Date(2026, 11, 18, 11, 0, 0, 0, time.UTC)
			for i, p := range tc.probes {
				now := at.Add(time.Duration(i) * time.Second)
				if p == "" {
					l.Ok(log, now)
				} else {
					l.Failed(log, now, p, bad)
				}
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
				if line == "" || strings.HasPrefix(line, "level=DEBUG") {
					continue
				}
				got = append(got, line)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("lines at Info and above:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
