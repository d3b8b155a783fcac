package svarut

// The adapter against hostile but real answers, from the notes' fake
// (spec_fake_test.go): time forms other Java and .NET servers write, and
// answers about the call rather than the letters.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// TestHostileTimeForms: sisteStatusEndring in forms servers write that the
// notes' examples do not show. A .NET-style fraction of seven digits and
// Jackson's offsets read as the instant they name, and so does Jackson's
// default for a java.time value with WRITE_DATES_AS_TIMESTAMPS (epoch
// seconds with a nanosecond fraction, 1672569235.008000000), which was
// refused as garbage: the LEST it dated never applied; a placeholder of year 1 ("0001-01-01T00:00:00", a default
// written for "no time") is no time at all, like null: read in Oslo's
// local mean time it was a real instant in year 1, which the poller
// refused as "before the letter was sent", so the LEST it dated was never
// applied and the letter went on towards print. So is an empty string
// (a serializer's "no value"): it was refused as no date-time, and the
// LEST it came with never applied either. A date alone is no
// date-time: that letter's ErrBadTimestamp, the others read.
func TestHostileTimeForms(t *testing.T) {
	at := time.Date(2023, 1, 1, 10, 33, 55, 8_000_000, time.UTC)
	cases := []struct {
		raw  string
		want time.Time // zero: no time (the poller dates it by its poll)
		bad  bool      // ErrBadTimestamp
	}{
		{raw: `"2023-01-01T10:33:55.0080000Z"`, want: at},
		{raw: `"2023-01-01T11:33:55.0080000+0100"`, want: at},
		{raw: `"2023-01-01T11:33:55.008+01"`, want: at},
		{raw: `"1672569235008"`, want: at},
		{raw: `1672569235.008000000`, want: at},
		{raw: `1672569235.008`, want: at},
		{raw: `"0001-01-01T00:00:00"`},
		{raw: `"0001-01-01T00:00:00Z"`},
		{raw: `"0001-01-01T00:00:00+01:00"`},
		{raw: `""`}, // an empty string, as a serializer writes a missing time: no time, as null
		{raw: `" "`},
		{raw: `"2023-01-01"`, bad: true},
		{raw: `1672569235.008e3`, bad: true},
		{raw: `1672569235008.5`, bad: true},
		{raw: `"1672569235"`, bad: true}, // epoch seconds as a string: v1 writes milliseconds
	}
	var raws []string
	for _, c := range cases {
		raws = append(raws, c.raw)
	}
	for i, o := range lestAt(t, raws) {
		c := cases[i]
		switch {
		case c.bad && !errors.Is(o.Err, channel.ErrBadTimestamp):
			t.Errorf("%s: %v, %v; want ErrBadTimestamp", c.raw, o.ChangedAt, o.Err)
		case !c.bad && (o.Err != nil || o.State != model.StateOpened || !o.ChangedAt.Equal(c.want)):
			t.Errorf("%s: %s at %v, %v; want opened at %v", c.raw, o.State, o.ChangedAt, o.Err, c.want)
		}
	}
}

// TestHostileCallAnswers: answers about the call. A body with a byte order
// mark reads; a record of a letter not asked about and a null record are
// left out, the asked letter read; a 429 without Retry-After fails the
// call as the channel's rate limit (httpclient.Throttled), so the poller
// stays away rather than failing each letter; a 429 whose Retry-After is
// an HTTP date is waited out and asked again; an empty 200 fails the call.
// JSON labelled text/html (a proxy's or a framework's wrong label) is
// read: the body says what it is; before, every call failed as "an HTML
// page instead of JSON".
func TestHostileCallAnswers(t *testing.T) {
	record := func(id, status string) string {
		return fmt.Sprintf(`{"id":%q,"sisteStatusEndring":"2023-01-01T10:00:00Z","status":%q}`, id, status)
	}
	cases := []struct {
		name      string
		script    func(w http.ResponseWriter, n int) bool
		throttled bool
		wantErr   bool
	}{
		{"byte order mark", func(w http.ResponseWriter, _ int) bool {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, "\ufeff"+`{"statuser":[`+record(nfID(1), "LEST")+`]}`)
			return true
		}, false, false},
		{"a letter not asked, a null record", func(w http.ResponseWriter, _ int) bool {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"statuser":[null,`+record(nfID(99), "AVVIST")+`,`+record(nfID(1), "LEST")+`],"ukjent":{"felt":[1]}}`)
			return true
		}, false, false},
		{"429 without Retry-After", func(w http.ResponseWriter, _ int) bool { nfError(w, 429, "Too Many Requests"); return true }, true, true},
		{"429 with an HTTP-date Retry-After", func(w http.ResponseWriter, n int) bool {
			if n > 1 {
				return false
			}
			w.Header().Set("Retry-After", time.Now().Add(time.Second).UTC().Format(http.TimeFormat))
			nfError(w, 429, "Too Many Requests")
			return true
		}, false, false},
		{"empty 200", func(w http.ResponseWriter, _ int) bool { return true }, false, true},
		{"JSON labelled text/html", func(w http.ResponseWriter, _ int) bool {
			w.Header().Set("Content-Type", "text/html;charset=UTF-8")
			fmt.Fprint(w, `{"statuser":[`+record(nfID(1), "LEST")+`]}`)
			return true
		}, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newNFSvarUt(t)
			f.rec(nfID(1), "LEST", `"2023-01-01T10:00:00Z"`)
			f.srv.Script(c.script)
			obs, err := nfAdapter(t, f, APIv2).Status(context.Background(), []string{nfID(1), nfID(2)})
			if _, th := httpclient.Throttled(err); th != c.throttled || (err != nil) != c.wantErr {
				t.Fatalf("err = %v (throttled %v), want an error %v, throttled %v", err, th, c.wantErr, c.throttled)
			}
			if err != nil {
				return
			}
			if len(obs) != 2 || obs[0].Err != nil || obs[0].State != model.StateOpened || !errors.Is(obs[1].Err, channel.ErrNotKnown) {
				t.Errorf("%+v", obs)
			}
		})
	}
}
