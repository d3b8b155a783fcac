package altinn

// The adapter against hostile but real details answers, from the notes'
// fake (spec_fake_test.go): fields of other types than the service writes,
// placeholders for "no time", and bodies that are no answer.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// hostileDoc is a details answer of a letter read at 09:00, published at
// 08:16, with extra (",key":value pairs) after its fields: a repeated key
// wins, as the decoder reads the last.
func hostileDoc(id, extra string) string {
	return fmt.Sprintf(`{"correspondenceId":%q,"resourceId":%q,"sender":%q,
"recipient":"urn:altinn:organization:identifier-no:910753614","created":"2026-03-02T08:00:00+00:00",
"requestedPublishTime":"2026-03-02T08:00:00+00:00","status":"Read","statusText":"Read","statusChanged":"2026-03-02T09:00:00+00:00",
"statusHistory":[{"status":"Initialized","statusText":"","statusChanged":"2026-03-02T08:00:00+00:00"},
{"status":"Published","statusText":"","statusChanged":"2026-03-02T08:16:10.0417+00:00"},
{"status":"Read","statusText":"","statusChanged":"2026-03-02T09:00:00+00:00"}],
"read":"2026-03-02T09:00:00+00:00","published":null,
"content":{"language":"nb","messageTitle":""},"notifications":[]%s}`, id, nfResource, nfSender, extra)
}

// hostileDetails serves body (its "ID" replaced by the id asked) as the
// details of every letter and returns what the adapter made of one
// letter's: the observation Status gives, and what Discover would find.
func hostileDetails(t *testing.T, body string) (channel.Observation, channel.Found) {
	t.Helper()
	f := newNFAltinn(t)
	id := nfID(7)
	f.srv.Script(func(w http.ResponseWriter, _ int) bool {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprint(w, strings.Replace(body, `"ID"`, `"`+id+`"`, 1))
		return true
	})
	c := nfAdapter(t, f)
	obs, err := c.Status(context.Background(), []string{id})
	if err != nil {
		t.Fatalf("the call failed: %v", err)
	}
	d, err := c.details(context.Background(), id)
	if err != nil {
		t.Fatalf("details: %v", err)
	}
	return obs[0], d.found
}

// TestHostileDetailsFieldTypes: a field the status is not read from, of
// another type than the service writes (isConfidential as a string, null
// or a number, content as a string or an array, sender and recipient as
// numbers, a history entry's statusText or status of another type, an
// entry that is no object), or an unknown field of any shape, leaves the
// status read (the
// letter's isConfidential absent but where a case sets it): the
// letter is opened. Before, one such field made the whole answer
// unreadable (ErrBadRecord): a letter read in Altinn stayed unread in
// postvakt and went on towards reminders and print. A confidentiality
// that cannot be read counts as confidential.
func TestHostileDetailsFieldTypes(t *testing.T) {
	cases := []struct {
		name, extra  string
		confidential bool
	}{
		{"isConfidential as a string", `,"isConfidential":"true"`, true},
		{"isConfidential as False", `,"isConfidential":"False"`, false},
		{"isConfidential null", `,"isConfidential":null`, false},
		{"isConfidential true", `,"isConfidential":true`, true},
		{"isConfidential as a number", `,"isConfidential":1`, true},
		{"isConfidential an object", `,"isConfidential":{}`, true},
		{"content a string", `,"content":""`, false},
		{"content an array", `,"content":[]`, false},
		{"content null", `,"content":null`, false},
		{"sender a number", `,"sender":991825827`, false},
		{"recipient a number", `,"recipient":910753614`, false},
		{"recipient an object", `,"recipient":{"orgNumber":"910753614"}`, false},
		{"unknown fields", `,"systemLabel":"Default","x":{"y":[1,null,{}]},"z":null`, false},
		{"a history entry's statusText a number", `,"statusHistory":[{"status":"Published","statusText":2,"statusChanged":"2026-03-02T08:16:10.0417+00:00"},` +
			`{"status":"Read","statusText":"Lest","statusChanged":"2026-03-02T09:00:00+00:00"}]`, false},
		{"a history entry's statusText an object", `,"statusHistory":[{"status":"Read","statusText":{"nb":"Lest"},"statusChanged":"2026-03-02T09:00:00+00:00"}]`, false},
		{"a history entry's status a number", `,"statusHistory":[{"status":2,"statusChanged":"2026-03-02T08:16:10.0417+00:00"},` +
			`{"status":"Read","statusChanged":"2026-03-02T09:00:00+00:00"}]`, false},
		{"a history entry a string or an array", `,"statusHistory":["Published",[],{"status":"Read","statusChanged":"2026-03-02T09:00:00+00:00"}]`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, found := hostileDetails(t, hostileDoc("ID", c.extra))
			if o.Err != nil || o.State != model.StateOpened || !o.ChangedAt.Equal(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) {
				t.Errorf("%s at %v, %v; want opened at 09:00", o.State, o.ChangedAt, o.Err)
			}
			if found.Confidential != c.confidential {
				t.Errorf("confidential %v, want %v", found.Confidential, c.confidential)
			}
		})
	}
}

// TestHostileDetailsTimesAndHistory: the times and histories the notes
// allow or a .NET service writes. A fraction of seven digits, an offset
// without its colon, and a placeholder of year 1 for statusChanged or read
// (DateTimeOffset.MinValue: no time; the status dated by its history, no
// reading made up) in any zone (a DateTime.MinValue written with a local
// offset was a real instant in year 0 or 1: the status refused as dated
// before the letter was sent, or a "read" so made an unread letter
// opened), and so a "read" more than a day before the letter was created
// (1970, an epoch placeholder: it made an unread letter opened), and so an
// empty string (a serializer's "no value"),
// which was refused as no date-time: the letter's error at every poll, its
// Read never applied, and it went on towards reminders and print; a
// history out of order, with an entry twice or null: the letter opened,
// dated by its first Read, available since Published.
func TestHostileDetailsTimesAndHistory(t *testing.T) {
	read := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	published := time.Date(2026, 3, 2, 8, 16, 10, 41_700_000, time.UTC)
	cases := []struct {
		name, body string
		state      model.State
		changed    time.Time
		available  time.Time // zero: not checked
	}{
		{"seven fraction digits", hostileDoc("ID", `,"statusChanged":"2026-03-02T09:00:00.0000000Z"`), model.StateOpened, read, published},
		{"an offset without its colon", hostileDoc("ID", `,"statusChanged":"2026-03-02T10:00:00+0100"`), model.StateOpened, read, published},
		{"statusChanged of year 1", hostileDoc("ID", `,"statusChanged":"0001-01-01T00:00:00+00:00"`), model.StateOpened, read, published},
		{"statusChanged of year 1 without a zone", hostileDoc("ID", `,"statusChanged":"0001-01-01T00:00:00"`), model.StateOpened, read, published},
		{"statusChanged of year 1 at +01:00", hostileDoc("ID", `,"statusChanged":"0001-01-01T00:00:00+01:00"`), model.StateOpened, read, published},
		{"statusChanged of year 1 at -05:00", hostileDoc("ID", `,"statusChanged":"0001-01-01T00:00:00-05:00"`), model.StateOpened, read, published},
		{"read of year 1 at +01:00 on an unread letter", hostileDoc("ID", `,"status":"Published","statusChanged":"2026-03-02T08:16:10.0417+00:00",`+
			`"statusHistory":[{"status":"Published","statusChanged":"2026-03-02T08:16:10.0417+00:00"}],"read":"0001-01-01T00:00:00+01:00"`),
			model.StateAvailable, published, time.Time{}},
		{"read of 1970 on an unread letter", hostileDoc("ID", `,"status":"Published","statusChanged":"2026-03-02T08:16:10.0417+00:00",`+
			`"statusHistory":[{"status":"Published","statusChanged":"2026-03-02T08:16:10.0417+00:00"}],"read":"1970-01-01T00:00:00Z"`),
			model.StateAvailable, published, time.Time{}},
		{"statusChanged an empty string", hostileDoc("ID", `,"statusChanged":""`), model.StateOpened, read, published},
		{"statusChanged blank", hostileDoc("ID", `,"statusChanged":" "`), model.StateOpened, read, published},
		{"read an empty string on an unread letter", hostileDoc("ID", `,"status":"Published","statusChanged":"",`+
			`"statusHistory":[{"status":"Published","statusChanged":"2026-03-02T08:16:10.0417+00:00"}],"read":""`),
			model.StateAvailable, published, time.Time{}},
		{"read of year 1 on an unread letter", hostileDoc("ID", `,"status":"Published","statusChanged":"2026-03-02T08:16:10.0417+00:00",`+
			`"statusHistory":[{"status":"Published","statusChanged":"2026-03-02T08:16:10.0417+00:00"}],"read":"0001-01-01T00:00:00+00:00"`),
			model.StateAvailable, published, time.Time{}},
		{"a history out of order, twice, with a null", hostileDoc("ID", `,"statusHistory":[null,`+
			`{"status":"Read","statusChanged":"2026-03-02T09:00:00+00:00"},{"status":"Published","statusChanged":"2026-03-02T08:16:10.0417+00:00"},`+
			`{"status":"Read","statusChanged":"2026-03-02T09:00:00+00:00"},{"status":"Published","statusChanged":"2026-03-02T08:16:10.0417+00:00"},`+
			`{"status":"Initialized","statusChanged":"2026-03-02T08:00:00+00:00"}]`), model.StateOpened, read, published},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, _ := hostileDetails(t, c.body)
			if o.Err != nil || o.State != c.state || !o.ChangedAt.Equal(c.changed) {
				t.Errorf("%s at %v, %v; want %s at %v", o.State, o.ChangedAt, o.Err, c.state, c.changed)
			}
			if !c.available.IsZero() && !o.AvailableAt.Equal(c.available) {
				t.Errorf("available at %v, want %v", o.AvailableAt, c.available)
			}
		})
	}
}

// TestHostileDetailsNoAnswer: a 200 that is no details answer (null, an
// array, another letter's details) is that letter's ErrBadRecord, the
// call not failed. (A 200 HTML page for every letter fails the call: altinn_test.go.)
func TestHostileDetailsNoAnswer(t *testing.T) {
	for _, c := range []struct {
		name, body string
		want       error
	}{
		{"null", `null`, channel.ErrBadRecord},
		{"an array", `[]`, channel.ErrBadRecord},
		{"another letter's", hostileDoc(nfID(8), ""), channel.ErrBadRecord},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, _ := hostileDetails(t, c.body)
			if !errors.Is(o.Err, c.want) || o.State != "" {
				t.Errorf("%s, %v; want %v", o.State, o.Err, c.want)
			}
		})
	}
}

// TestHostileEmptyDetails: an empty 200 (a proxy's, or a gateway's on a
// timeout: Altinn always writes the details), or a 200 of plain text that
// is no JSON at all (a gateway's "The service is unavailable."), is the
// letter's ErrFailing, the others read; on every letter of the call it is
// the call's failure, as a page instead of JSON is: the service's trouble,
// which the poller narrows and records as the channel's, not every
// letter's own error with its backoff growing while the channel looks
// answered.
func TestHostileEmptyDetails(t *testing.T) {
	for _, c := range []struct {
		name    string
		empty   map[int]bool
		callErr bool
		plain   bool // plain text, not an empty answer
	}{
		{"one letter of three", map[int]bool{1: true}, false, false},
		{"every letter", map[int]bool{0: true, 1: true, 2: true}, true, false},
		{"one letter of three, plain text", map[int]bool{1: true}, false, true},
		{"every letter, plain text", map[int]bool{0: true, 1: true, 2: true}, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newNFAltinn(t)
			var ids []string
			for i := range 3 {
				ids = append(ids, nfID(i))
				f.add(&nfCorr{id: nfID(i), published: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC),
					history: nfHist("Initialized", "Published", "Read"), empty: c.empty[i] && !c.plain, plain: c.empty[i] && c.plain})
			}
			obs, err := nfAdapter(t, f).Status(context.Background(), ids)
			if (err != nil) != c.callErr {
				t.Fatalf("call error %v, want one: %v", err, c.callErr)
			}
			if err != nil {
				return
			}
			for i, o := range obs {
				switch {
				case c.empty[i] && (!errors.Is(o.Err, channel.ErrFailing) || o.State != ""):
					t.Errorf("letter %d, empty: %s %v; want ErrFailing", i, o.State, o.Err)
				case !c.empty[i] && (o.Err != nil || o.State != model.StateOpened):
					t.Errorf("letter %d: %s %v; want opened", i, o.State, o.Err)
				}
			}
		})
	}
}

// TestHostileServerErrors: a server error after retries (a gateway's 502
// here) for one letter among answered ones is that letter's ErrFailing,
// the others read, the call not failed; on every letter of the call, a
// lone letter too, or with the others' pages and empty answers, it is
// Altinn down or failing, and so are empty answers beside a proxy's 404s
// on every letter without any 5xx: the call fails (channel.AllFailedError, each
// letter's own answer kept), for the poller to record as the channel's
// failed call unless Altinn answers about a letter it answered before.
// Before, every letter got its own ErrFailing and the call "succeeded":
// the health rules' error share saw nothing of an outage.
func TestHostileServerErrors(t *testing.T) {
	for _, c := range []struct {
		name           string
		ids            int
		gateway, empty map[int]bool
		forbidden      map[int]bool
		callErr        bool
		unlisted       map[int]bool // not in the fake: a 404 without Altinn's code (a proxy's)
	}{
		{"one 502 among answered letters", 3, map[int]bool{1: true}, nil, nil, false, nil},
		{"two 502 beside a letter refused with 4001", 3, map[int]bool{0: true, 2: true}, nil, map[int]bool{1: true}, false, nil},
		{"every letter 502", 3, map[int]bool{0: true, 1: true, 2: true}, nil, nil, true, nil},
		{"a lone letter 502", 1, map[int]bool{0: true}, nil, nil, true, nil},
		{"502 and an empty answer", 3, map[int]bool{0: true, 2: true}, map[int]bool{1: true}, nil, true, nil},
		{"empty answers and a proxy's 404, no 5xx", 3, nil, map[int]bool{0: true, 2: true}, nil, true, map[int]bool{1: true}},
		{"one empty answer and one proxy's 404 among answered letters", 3, nil, map[int]bool{0: true}, nil, false, map[int]bool{2: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newNFAltinn(t)
			f.notFound = func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, "<html><body><h1>404 Not Found</h1>nginx</body></html>")
			}
			var ids []string
			for i := range c.ids {
				ids = append(ids, nfID(i))
				if c.unlisted[i] {
					continue
				}
				f.add(&nfCorr{id: nfID(i), published: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC),
					history: nfHist("Initialized", "Published", "Read"), gateway: c.gateway[i], empty: c.empty[i], forbidden: c.forbidden[i]})
			}
			obs, err := nfAdapter(t, f).Status(context.Background(), ids)
			if (err != nil) != c.callErr {
				t.Fatalf("call error %v, want one: %v", err, c.callErr)
			}
			if err != nil {
				var all *channel.AllFailedError
				if !errors.As(err, &all) || obs != nil || !strings.Contains(err.Error(), fmt.Sprintf("every one of %d", c.ids)) {
					t.Fatalf("call error %v (%T), want an AllFailedError naming the %d letters and no observations", err, err, c.ids)
				}
				obs = all.Obs
				if len(obs) != c.ids {
					t.Fatalf("%d letters' own answers kept, want %d", len(obs), c.ids)
				}
			}
			for i, o := range obs {
				switch {
				case (c.gateway[i] || c.empty[i] || c.unlisted[i]) && (!errors.Is(o.Err, channel.ErrFailing) || o.State != "" || o.ChannelID != ids[i]):
					t.Errorf("letter %d, failing: %s %s %v; want its ErrFailing", i, o.ChannelID, o.State, o.Err)
				case c.forbidden[i] && !errors.Is(o.Err, channel.ErrRefused):
					t.Errorf("letter %d, refused: %v; want ErrRefused", i, o.Err)
				case !c.gateway[i] && !c.empty[i] && !c.forbidden[i] && !c.unlisted[i] && (o.Err != nil || o.State != model.StateOpened):
					t.Errorf("letter %d: %s %v; want opened", i, o.State, o.Err)
				}
			}
		})
	}
}

// TestHostileDetailsFreeTextMasked: what an unusable details answer puts
// in the letter's error and raw status (kept in its evidence, logged by
// the poller) has a national id in it masked, as an unknown status's is:
// a correspondenceId that is not the one asked for, and a status whose
// statusChanged is no time or whose history does not decode. Before, they
// were quoted as sent.
func TestHostileDetailsFreeTextMasked(t *testing.T) {
	const fnr = "01017012345"
	for _, c := range []struct{ name, body string }{
		{"a correspondenceId that is a national id", strings.Replace(hostileDoc("ID", ""), `"ID"`, `"`+fnr+`"`, 1)},
		{"a status with a statusChanged that is no time", hostileDoc("ID", `,"status":"Lest av `+fnr+`","statusChanged":"igår"`)},
		{"a status with a history that is no list", hostileDoc("ID", `,"status":"Lest av `+fnr+`","statusHistory":{}`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, _ := hostileDetails(t, c.body)
			if o.Err == nil {
				t.Fatalf("%s %s read, want the letter's error", o.State, o.Status)
			}
			if strings.Contains(o.Err.Error(), fnr) || strings.Contains(o.Status, fnr) {
				t.Errorf("the national id unmasked: status %q, error %v", o.Status, o.Err)
			}
		})
	}
}
