package notice

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// cutOff is an SMTP server that took the message and never answered.
type cutOff struct{}

func (cutOff) Send(context.Context, *remind.Message) error {
	return fmt.Errorf("smtp: connection reset after DATA: %w", remind.ErrOutcomeUnknown)
}

// A notice to a unit without any address waits, and one whose send ended
// with its outcome unknown is never sent again: both are named in NotSent
// by kind and notification id only (never the unit), beside the count, so
// that `escalate --once` does not look fine.
func TestNoticesNotSentAreNamed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
	f.register("NAV", "taushetsbelagt", model.StateFailed, now.AddDate(0, 0, -2), 1)
	ref := regexp.MustCompile(`^[a-z_]+ notice [1-9]\d* \((no e-mail address|outcome unknown)\)$`)

	sum := f.run(now)
	notSent := sum.NotSent()
	if sum.NoAddress == 0 || len(notSent) != sum.NoAddress {
		t.Fatalf("unit without address: %s; not sent %q, want each notice without address named", sum, notSent)
	}
	for _, r := range notSent {
		if !ref.MatchString(r) || !strings.HasSuffix(r, "(no e-mail address)") || strings.Contains(r, "NAV") {
			t.Errorf("%q, want a notice named by kind and id, without an address", r)
		}
	}

	if _, err := f.st.SaveUnits(ctx, []store.Unit{{SenderOrg: bergen, Name: "NAV", ContactEmail: "nav@bergen.kommune.no"}}); err != nil {
		t.Fatal(err)
	}
	f.n.Sender = cutOff{}
	sum = f.run(now.Add(time.Hour))
	notSent = sum.NotSent()
	if sum.Unknown == 0 || len(notSent) != sum.Unknown+sum.NoAddress {
		t.Fatalf("send cut off: %s; not sent %q, want each unknown outcome named", sum, notSent)
	}
	unknown := 0
	for _, r := range notSent {
		if !ref.MatchString(r) || strings.Contains(r, "NAV") || strings.Contains(r, "nav@") {
			t.Errorf("%q, want a notice named by kind and id, without unit or address", r)
		}
		if strings.HasSuffix(r, "(outcome unknown)") {
			unknown++
		}
	}
	if unknown != sum.Unknown {
		t.Errorf("%d named as unknown, want %d", unknown, sum.Unknown)
	}
}
