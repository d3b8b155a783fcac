package altinn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/httpclient/spectest"
	"postvakt/internal/model"
)

var t0 = time.Date(2025, 4, 1, 8, 0, 0, 0, time.UTC)

func TestEveryStatusMapped(t *testing.T) {
	none, closed := channel.DispositionNone, channel.DispositionClosed
	tests := []struct {
		status string
		state  model.State
		disp   channel.Disposition
	}{
		{"Initialized", model.StateAccepted, none},
		{"ReadyForPublish", model.StateAccepted, none},
		{"Published", model.StateAvailable, none},
		{"Fetched", model.StateAvailable, none},
		{"Read", model.StateOpened, none},
		{"Confirmed", model.StateOpened, none},
		{"Replied", model.StateOpened, none},
		{"AttachmentsDownloaded", model.StateOpened, none},
		{"Forwarded", model.StateOpened, none},
		{"Archived", model.StateOpened, none},
		{"Failed", model.StateFailed, none},
		{"Reserved", model.StateFailed, none},
		{"PurgedByRecipient", model.StateExpired, closed},
		{"PurgedByAltinn", model.StateExpired, closed},
	}
	if len(tests) != len(Statuses()) {
		t.Fatalf("table has %d statuses, test covers %d", len(Statuses()), len(tests))
	}
	f := newFake(t)
	var ids []string
	for i, tt := range tests {
		id := uuid(i)
		ids = append(ids, id)
		f.add(&fakeCorr{id: id, created: t0, top: tt.status, history: []event{{"Initialized", t0}, {tt.status, t0.Add(time.Hour)}}})
	}
	obs, err := newAdapter(t, f, setup{}).Status(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		o := obs[i]
		var since time.Time
		if tt.state == model.StateAccepted {
			since = t0 // accepted since the Initialized before it (entered)
		}
		if o.Err != nil || o.Status != tt.status || o.State != tt.state || o.Disposition != tt.disp || !o.ChangedAt.Equal(t0.Add(time.Hour)) ||
			!o.EnteredAt.Equal(since) {
			t.Errorf("%s → %+v, want %q/%q", tt.status, o, tt.state, tt.disp)
		}
	}
	// Every enum value of the published file is mapped.
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Enum []string `json:"enum"`
			} `json:"schemas"`
		} `json:"components"`
	}
	b, err := os.ReadFile(specFile)
	if err != nil || json.Unmarshal(b, &doc) != nil {
		t.Fatal(err)
	}
	for _, s := range doc.Components.Schemas["CorrespondenceStatusExt"].Enum {
		if _, ok := statuses[s]; !ok {
			t.Errorf("status %s of the OpenAPI file is not mapped", s)
		}
	}
	if req, resp := f.spec.Checked(); req != int64(len(tests)) || resp != req {
		t.Errorf("spec checked %d requests, %d responses", req, resp)
	}
}

func TestStatusReadNotUndoneByFetched(t *testing.T) {
	f := newFake(t)
	hist := []event{{"Published", t0}, {"Read", t0.Add(time.Hour)}, {"Fetched", t0.Add(2 * time.Hour)}}
	f.add(&fakeCorr{id: uuid(1), created: t0, history: hist})
	f.add(&fakeCorr{id: uuid(2), created: t0, history: hist, noTopStatus: true})
	obs, err := newAdapter(t, f, setup{}).Status(context.Background(), []string{uuid(1), uuid(2)})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range obs {
		if o.Status != "Read" || o.State != model.StateOpened || !o.ChangedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("%s: %+v, want Read", o.ChannelID, o)
		}
		if !bytes.Contains(o.History, []byte(`"Fetched"`)) || !bytes.Contains(o.Payload, []byte(`"statusHistory"`)) {
			t.Errorf("history %s / payload %s", o.History, o.Payload)
		}
	}
}

// TestStatusDatedByTheHistory: the state is dated by the first history
// entry that means it (EnteredAt: Confirmed after Read, opened since the
// Read), the status by its own time (ChangedAt), and a letter first seen
// opened became available at its Published, not when it was read.
func TestStatusDatedByTheHistory(t *testing.T) {
	f := newFake(t)
	for i, c := range []struct {
		hist []event
		top  string
	}{
		{[]event{{"Published", t0}, {"Read", t0.Add(time.Hour)}, {"Confirmed", t0.Add(3 * time.Hour)}}, "Confirmed"},
		{[]event{{"Published", t0}, {"Read", t0.Add(time.Hour)}, {"Archived", t0.Add(4 * time.Hour)}}, "Archived"},
		{[]event{{"Initialized", t0}, {"Published", t0.Add(30 * time.Minute)}}, ""},
		{[]event{{"Published", t0}, {"Fetched", t0.Add(time.Hour)}}, ""},
	} {
		f.add(&fakeCorr{id: uuid(i + 1), created: t0, history: c.hist, top: c.top})
	}
	obs, err := newAdapter(t, f, setup{}).Status(context.Background(), []string{uuid(1), uuid(2), uuid(3), uuid(4)})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		state     model.State
		changed   time.Time // the status's own time
		entered   time.Time // the state's, when earlier
		available time.Time
	}{
		{model.StateOpened, t0.Add(3 * time.Hour), t0.Add(time.Hour), t0},
		{model.StateOpened, t0.Add(4 * time.Hour), t0.Add(time.Hour), t0},
		{model.StateAvailable, t0.Add(30 * time.Minute), time.Time{}, time.Time{}},
		{model.StateAvailable, t0, time.Time{}, time.Time{}},
	} {
		o := obs[i]
		if o.Err != nil || o.State != want.state || !o.ChangedAt.Equal(want.changed) || !o.EnteredAt.Equal(want.entered) || !o.AvailableAt.Equal(want.available) {
			t.Errorf("letter %d: %s %s at %s, entered %s, available %s (%v); want %s at %s, entered %s, available %s", i+1, o.Status, o.State,
				o.ChangedAt, o.EnteredAt, o.AvailableAt, o.Err, want.state, want.changed, want.entered, want.available)
		}
	}
}

// TestReadThenPurged: Altinn's top-level status is the highest by number
// and a purge outranks Read, while the sender's history leaves the purge
// out. A letter read and then deleted is opened since its Read and
// closed; one purged unread is expired and closed.
func TestReadThenPurged(t *testing.T) {
	f := newFake(t)
	read := []event{{"Published", t0}, {"Fetched", t0.Add(time.Hour)}, {"Read", t0.Add(2 * time.Hour)}, {"PurgedByRecipient", t0.Add(5 * time.Hour)}}
	unread := []event{{"Published", t0}, {"PurgedByAltinn", t0.Add(5 * time.Hour)}}
	f.add(&fakeCorr{id: uuid(1), created: t0, history: read})
	f.add(&fakeCorr{id: uuid(2), created: t0, history: unread})
	obs, err := newAdapter(t, f, setup{}).Status(context.Background(), []string{uuid(1), uuid(2)})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		status             string
		state              model.State
		entered, available time.Time
	}{
		{"PurgedByRecipient", model.StateOpened, t0.Add(2 * time.Hour), t0},
		{"PurgedByAltinn", model.StateExpired, time.Time{}, time.Time{}},
	} {
		o := obs[i]
		if o.Err != nil || o.Status != want.status || o.State != want.state || o.Disposition != channel.DispositionClosed ||
			!o.ChangedAt.Equal(t0.Add(5*time.Hour)) || !o.EnteredAt.Equal(want.entered) || !o.AvailableAt.Equal(want.available) {
			t.Errorf("letter %d: %s %s %q at %s, entered %s, available %s (%v); want %s %s closed at %s, entered %s, available %s",
				i+1, o.Status, o.State, o.Disposition, o.ChangedAt, o.EnteredAt, o.AvailableAt, o.Err,
				want.status, want.state, t0.Add(5*time.Hour), want.entered, want.available)
		}
		if bytes.Contains(o.History, []byte("Purged")) {
			t.Errorf("letter %d: the sender's history shows a purge: %s", i+1, o.History)
		}
	}
}

func TestCurrentStatusAndOrgNumber(t *testing.T) {
	if _, _, err := currentStatus(detailsDoc{}, nil); err == nil {
		t.Error("no status at all must be an error")
	}
	for in, want := range map[string]string{
		"urn:altinn:organization:identifier-no:910753614": "910753614",
		"0192:910753614": "910753614",
		"urn:altinn:person:identifier-no:01017012345": "",
		"urn:altinn:person:identifier-no:123456789":   "",
		"":               "",
		"0192:91075361x": "",
	} {
		if got := orgNumber(in); got != want {
			t.Errorf("orgNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

// The letter's content and its recipient never become evidence: only the
// status fields of a details answer are kept.
func TestPayloadKeepsNoContent(t *testing.T) {
	f := newFake(t)
	f.add(&fakeCorr{id: uuid(1), created: t0, title: "Vedtak om tvangstiltak for Ola", history: []event{{"Published", t0}}})
	obs, err := newAdapter(t, f, setup{}).Status(context.Background(), []string{uuid(1)})
	if err != nil || len(obs) != 1 {
		t.Fatal(obs, err)
	}
	p := string(obs[0].Payload)
	for _, secret := range []string{"Vedtak om tvangstiltak", "messageTitle", "messageBody", "messageSummary", "recipient", "notifications"} {
		if strings.Contains(p, secret) {
			t.Errorf("payload keeps %q: %s", secret, p)
		}
	}
	if !strings.Contains(p, `"status"`) || !strings.Contains(p, `"statusHistory"`) {
		t.Errorf("payload lost the status: %s", p)
	}
}

// TestPerLetterAnswers: whatever Altinn answers about one correspondence is
// that letter's problem; the others in the call are read.
func TestPerLetterAnswers(t *testing.T) {
	f := newFake(t)
	for i := 1; i <= 10; i++ {
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}, {"Read", t0.Add(time.Hour)}}})
	}
	var serverErrors atomic.Int32
	f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		problemJSON := func(code int, body string) {
			spectestSkip(w)
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(code)
			_, _ = w.Write([]byte(body))
		}
		switch r.PathValue("id") {
		case uuid(2): // Altinn's "you may not read this correspondence"
			problemJSON(401, `{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.2","title":"Unauthorized","status":401,"code":4001,"detail":"You must use a bearer token that belongs to the sender or recipient"}`)
		case uuid(3):
			problemJSON(403, `{"title":"Forbidden","status":403,"errorCode":"CORR-4001"}`)
		case uuid(4): // fails forever
			serverErrors.Add(1)
			problemJSON(500, `{"title":"Internal Server Error","status":500}`)
		case uuid(5): // gone
			problemJSON(410, `{"title":"Gone","status":410}`)
		case uuid(6): // a huge answer
			spectestSkip(w)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"correspondenceId":"` + uuid(6) + `","content":{"messageBody":"` + strings.Repeat("x", 200<<10) + `"}}`))
		case uuid(7): // epoch seconds where a date-time is expected
			spectestSkip(w)
			d := detailsJSON(&fakeCorr{id: uuid(7), created: t0, recipient: "urn:altinn:organization:identifier-no:" + orgnr,
				history: []event{{"Read", t0}}})
			d["statusChanged"] = t0.Unix()
			writeJSON(w, 200, d)
		case uuid(8): // 401 without the code, among answered ids: still only this letter's
			problemJSON(401, `{"title":"Unauthorized","status":401}`)
		case uuid(10): // Altinn's register could not place the caller: try again later
			problemJSON(400, `{"title":"Bad Request","status":400,"errorCode":"CORR-4002","detail":"Could not retrieve party uuid from lookup in Altinn Register for 01029400470"}`)
		default:
			return false
		}
		return true
	}
	hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: f.srv.URL, Logger: slog.New(slog.DiscardHandler),
		Clock: &spectest.Clock{}, MaxBodyBytes: 100 << 10, MaxConcurrent: 64})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: f.srv.URL, ResourceID: resourceID, Logger: slog.New(slog.DiscardHandler)}, hc, &mutableToken{tok: mpToken})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{uuid(1), uuid(2), uuid(3), uuid(4), uuid(5), uuid(6), uuid(7), uuid(8), uuid(9), uuid(10)}
	obs, err := c.Status(context.Background(), ids)
	if err != nil {
		t.Fatalf("Status failed as a whole: %v", err)
	}
	want := []error{nil, channel.ErrRefused, channel.ErrRefused, channel.ErrFailing, channel.ErrNotKnown, channel.ErrFailing,
		channel.ErrBadTimestamp, channel.ErrRefused, nil, channel.ErrFailing}
	for i, o := range obs {
		if want[i] == nil {
			if o.Err != nil || o.State != model.StateOpened {
				t.Errorf("%s: %+v, want read", ids[i], o)
			}
			continue
		}
		if !errors.Is(o.Err, want[i]) || o.State != "" {
			t.Errorf("%s: %v, want %v", ids[i], o.Err, want[i])
		}
	}
	// A national id in Altinn's problem text is masked, in the error and
	// in the evidence.
	if e := obs[9]; strings.Contains(e.Err.Error()+string(e.Payload), "01029400470") || !bytes.Contains(e.Payload, []byte("010294*****")) {
		t.Errorf("4002: %v %s", e.Err, e.Payload)
	}
	if !strings.Contains(obs[1].Err.Error(), "code 4001") || !bytes.Contains(obs[1].Payload, []byte(`"code":4001`)) {
		t.Errorf("4001: %v %s", obs[1].Err, obs[1].Payload)
	}
	if serverErrors.Load() != 4 {
		t.Errorf("the failing id was asked %d times, want 4 (retried as usual)", serverErrors.Load())
	}
	if bytes.Contains(obs[5].Payload, []byte("xxxx")) {
		t.Errorf("oversized answer kept: %s", obs[5].Payload[:100])
	}
}

// TestProblemDetailsInTheError: a client error's ProblemDetails title and
// detail are in the letter's error, not only in its evidence.
func TestProblemDetailsInTheError(t *testing.T) {
	f := newFake(t)
	f.add(&fakeCorr{id: uuid(1), created: t0, history: []event{{"Published", t0}}})
	f.override = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		spectestSkip(w)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"title":"Bad Request","status":400,"detail":"The correspondence is not in a state that allows this"}`))
		return true
	}
	obs, err := newAdapter(t, f, setup{retries: -1}).Status(context.Background(), []string{uuid(1)})
	if err != nil || !errors.Is(obs[0].Err, channel.ErrBadRecord) ||
		!strings.Contains(obs[0].Err.Error(), "Bad Request (The correspondence is not in a state that allows this)") {
		t.Fatalf("%v / %v, want the problem's title and detail in the letter's error", err, obs[0].Err)
	}
}

// TestFlexTimeForms: Altinn's 7-digit fractions and offsets, and RFC 3339's
// lower-case forms, an offset without its colon, a space for the "T", and
// a time without a zone (a fake's or a proxy's; read as UTC, Altinn's own
// zone); anything else is kept as bad, not read as the zero time.
func TestFlexTimeForms(t *testing.T) {
	want := time.Date(2026, 11, 29, 9, 47, 12, 123_456_700, time.UTC)
	for _, in := range []string{`"2026-11-29T09:47:12.1234567+00:00"`, `"2026-11-29T10:47:12.1234567+01:00"`, `"2026-11-29t09:47:12.1234567z"`,
		`"2026-11-29T09:47:12.1234567+0000"`, `"2026-11-29 09:47:12.1234567+00:00"`, `"2026-11-29T09:47:12.1234567"`, `" 2026-11-29T09:47:12.1234567Z "`} {
		var ft flexTime
		if err := json.Unmarshal([]byte(in), &ft); err != nil || ft.bad != "" || !ft.Equal(want) {
			t.Errorf("%s: %v (bad %q, %v), want %v", in, ft.Time, ft.bad, err, want)
		}
	}
	var ft flexTime
	if err := json.Unmarshal([]byte(`"29.11.2026"`), &ft); err != nil || ft.bad == "" {
		t.Errorf("a date that is not RFC 3339: %v, bad %q; want it kept as bad", ft.Time, ft.bad)
	}
}
