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

func TestStatusUnknownAndInvalidIDs(t *testing.T) {
	f := newFake(t)
	f.add(&fakeCorr{id: uuid(1), created: t0, history: []event{{"Published", t0}}})
	ids := []string{"nope", uuid(404), strings.ToUpper(uuid(1)), uuid(1)}
	obs, err := newAdapter(t, f, setup{}).Status(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(obs[0].Err, channel.ErrInvalidID) {
		t.Errorf("invalid id: %+v", obs[0])
	}
	if !errors.Is(obs[1].Err, channel.ErrNotKnown) || !strings.Contains(obs[1].Err.Error(), "not known to the channel") {
		t.Errorf("unknown id: %+v", obs[1])
	}
	for i := 2; i < 4; i++ {
		if obs[i].State != model.StateAvailable || obs[i].ChannelID != ids[i] {
			t.Errorf("obs[%d] %+v", i, obs[i])
		}
	}
	if n := f.details.Load(); n != 2 {
		t.Errorf("%d details requests, want 2 (invalid id not sent, duplicate asked once)", n)
	}
}

func TestStatusBoundedConcurrency(t *testing.T) {
	f := newFake(t)
	f.delay = 5 * time.Millisecond
	var ids []string
	for i := range 24 {
		ids = append(ids, uuid(i))
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}}})
	}
	c := newAdapter(t, f, setup{cfg: Config{Concurrency: 3}})
	if _, err := c.Status(context.Background(), ids); err != nil {
		t.Fatal(err)
	}
	if p := f.peak.Load(); p > 3 || p < 2 {
		t.Fatalf("peak %d details requests in flight, want ≤ 3 (and some parallelism)", p)
	}
}

func TestStatusRetries(t *testing.T) {
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter)
		want   time.Duration
	}{
		{"5xx then success", func(w http.ResponseWriter) { w.WriteHeader(502) }, 0},
		{"429 with Retry-After", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
		}, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.add(&fakeCorr{id: uuid(1), created: t0, history: []event{{"Read", t0}}})
			f.override = func(w http.ResponseWriter, _ *http.Request, n int) bool {
				if n == 1 {
					tt.answer(w)
					return true
				}
				return false
			}
			clock := &spectest.Clock{}
			obs, err := newAdapter(t, f, setup{clock: clock}).Status(context.Background(), []string{uuid(1)})
			if err != nil || obs[0].State != model.StateOpened {
				t.Fatalf("%v %+v", err, obs)
			}
			if f.details.Load() != 2 || len(clock.Sleeps()) != 1 || (tt.want != 0 && clock.Sleeps()[0] != tt.want) {
				t.Fatalf("requests %d, waits %v", f.details.Load(), clock.Sleeps())
			}
		})
	}
}

func TestStatusWholeCallFailures(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		answer  func(w http.ResponseWriter, r *http.Request)
		check   func(t *testing.T, err error)
		ids     int // letters asked about (0: 2)
	}{
		{"timeout", 30 * time.Millisecond, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}, func(t *testing.T, err error) {
			if !strings.Contains(err.Error(), "deadline exceeded") {
				t.Errorf("err %v", err)
			}
		}, 0},
		{"HTML error page", 0, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"))
		}, func(t *testing.T, err error) {
			var bad *channel.BadResponseError
			if !errors.As(err, &bad) || !bytes.Contains(bad.Body, []byte("503 Service")) || !strings.Contains(err.Error(), "HTML") {
				t.Errorf("err %v", err)
			}
		}, 0},
		{"401 on every id without code 4001", 0, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(401) }, func(t *testing.T, err error) {
			if !errors.Is(err, channel.ErrRefused) || !strings.Contains(err.Error(), "every one of 2") || !strings.Contains(err.Error(), "token") {
				t.Errorf("err %v", err)
			}
		}, 0},
		{"401 with code 4001 on every id", 0, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"title":"Unauthorized","status":401,"errorCode":"CORR-4001"}`))
		}, func(t *testing.T, err error) {
			if !errors.Is(err, channel.ErrRefused) || !strings.Contains(err.Error(), "every one of 3") || !strings.Contains(err.Error(), "3 with code 4001") {
				t.Errorf("err %v", err)
			}
		}, refusedCallAt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				spectestSkip(w)
				tt.answer(w, r)
				return true
			}
			ids := []string{uuid(1), uuid(2)}
			for i := 3; i <= tt.ids; i++ {
				ids = append(ids, uuid(i))
			}
			obs, err := newAdapter(t, f, setup{timeout: tt.timeout, retries: -1}).Status(context.Background(), ids)
			if err == nil || obs != nil {
				t.Fatalf("want a whole-call error, got %v %v", obs, err)
			}
			tt.check(t, err)
		})
	}
}

// hangOn answers the details of id only when the request gives up (or
// after a minute); the others as the fake does.
func hangOn(id string) func(w http.ResponseWriter, r *http.Request, _ int) bool {
	return func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if r.PathValue("id") != id {
			return false
		}
		spectestSkip(w)
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
		return true
	}
}

// TestStatusOneSlowRecord: a correspondence whose details do not come in
// time, after retries, is that letter's error; the others are read.
func TestStatusOneSlowRecord(t *testing.T) {
	f := newFake(t)
	for i := 1; i <= 3; i++ {
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}, {"Read", t0.Add(time.Hour)}}})
	}
	f.override = hangOn(uuid(2))
	// A timeout the others meet on a busy machine (the race detector, other
	// tests), and the slow one never.
	obs, err := newAdapter(t, f, setup{timeout: time.Second, retries: -1}).Status(context.Background(), []string{uuid(1), uuid(2), uuid(3)})
	if err != nil || len(obs) != 3 {
		t.Fatalf("one slow record failed the call: %v", err)
	}
	for i, o := range obs {
		if i == 1 {
			if !errors.Is(o.Err, channel.ErrFailing) || !errors.Is(o.Err, httpclient.ErrTimeout) {
				t.Errorf("the slow record: %v, want ErrFailing (timed out)", o.Err)
			}
			continue
		}
		if o.Err != nil || o.State != model.StateOpened {
			t.Errorf("letter %d held back by the slow one: %s %v", i+1, o.State, o.Err)
		}
	}
}

// TestStatusBatchTime: a batch whose time runs out keeps the answers in
// by then; the letter still waited for is its ErrFailing, those not asked
// about yet ErrNotAsked (asked again soon, not their failure), and the
// call returns in the batch's time.
func TestStatusBatchTime(t *testing.T) {
	f := newFake(t)
	for i := 1; i <= 4; i++ {
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}}})
	}
	f.override = hangOn(uuid(2))
	c := newAdapter(t, f, setup{cfg: Config{BatchTime: 1500 * time.Millisecond, Concurrency: 1}, timeout: 30 * time.Second, retries: -1})
	started := time.Now()
	obs, err := c.Status(context.Background(), []string{uuid(1), uuid(2), uuid(3), uuid(4)})
	if err != nil || len(obs) != 4 {
		t.Fatalf("the batch's time ran out: %v", err)
	}
	if took := time.Since(started); took > 10*time.Second {
		t.Errorf("Status took %s, want about the batch's 1.5 s", took)
	}
	if obs[0].Err != nil || obs[0].State != model.StateAvailable {
		t.Errorf("the letter answered in time: %s %v", obs[0].State, obs[0].Err)
	}
	if o := obs[1]; !errors.Is(o.Err, channel.ErrFailing) || !strings.Contains(o.Err.Error(), "batch's 1.5s") {
		t.Errorf("the letter waited for: %v, want ErrFailing naming the batch's time", o.Err)
	}
	for _, o := range obs[2:] {
		if !errors.Is(o.Err, channel.ErrNotAsked) || errors.Is(o.Err, channel.ErrFailing) {
			t.Errorf("%s, never asked: %v, want ErrNotAsked (not the letter's failure)", o.ChannelID, o.Err)
		}
	}
}

func TestStatusBadRecords(t *testing.T) {
	f := newFake(t)
	f.add(&fakeCorr{id: uuid(1), created: t0, history: []event{{"Published", t0}}})
	f.add(&fakeCorr{id: uuid(3), created: t0, history: []event{{"Published", t0}, {"Teleported", t0.Add(time.Minute)}}})
	f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		switch r.PathValue("id") {
		case uuid(2):
			spectestSkip(w)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"correspondenceId":"` + uuid(2) + `","status":"Rea`))
			return true
		case uuid(3):
			spectestSkip(w) // an enum value the spec does not know, on purpose
		}
		return false
	}
	obs, err := newAdapter(t, f, setup{}).Status(context.Background(), []string{uuid(1), uuid(2), uuid(3)})
	if err != nil {
		t.Fatal(err)
	}
	if obs[0].Err != nil {
		t.Errorf("good record: %+v", obs[0])
	}
	if o := obs[1]; !errors.Is(o.Err, channel.ErrBadRecord) || !json.Valid(o.Payload) || !bytes.Contains(o.Payload, []byte(`"sha256"`)) ||
		!bytes.Contains(o.Payload, []byte(uuid(2))) || bytes.Contains(o.Payload, []byte(`"Rea`)) {
		t.Errorf("malformed JSON: %+v (payload %s)", o, o.Payload)
	}
	if o := obs[2]; !errors.Is(o.Err, channel.ErrUnknownStatus) || o.Status != "Teleported" || o.State != "" || !bytes.Contains(o.Payload, []byte("Teleported")) {
		t.Errorf("unknown status: %+v", o)
	}
}

// TestStatusFewRefused: fewer than refusedCallAt letters, each refused
// with code 4001 and none read, are each letter's refusal (foreign letters
// that came due together), not an outage of the call.
func TestStatusFewRefused(t *testing.T) {
	f := newFake(t)
	f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"title":"Unauthorized","status":401,"errorCode":"CORR-4001"}`))
		return true
	}
	obs, err := newAdapter(t, f, setup{retries: -1}).Status(context.Background(), []string{uuid(1), uuid(2)})
	if err != nil || len(obs) != 2 {
		t.Fatalf("two letters refused with 4001: %v, want each its own refusal", err)
	}
	for _, o := range obs {
		if !errors.Is(o.Err, channel.ErrRefused) || !bytes.Contains(o.Payload, []byte("4001")) {
			t.Errorf("%s: %v (payload %s), want ErrRefused with Altinn's answer", o.ChannelID, o.Err, o.Payload)
		}
	}
}

// TestStatusOnePage: a page instead of JSON for one letter (a proxy's
// answer to that one request) is that letter's failure, asked again later;
// the others are read, the call goes on, nothing is asked twice.
func TestStatusOnePage(t *testing.T) {
	f := newFake(t)
	for i := 1; i <= 3; i++ {
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}, {"Read", t0.Add(time.Hour)}}})
	}
	f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if r.PathValue("id") != uuid(2) {
			return false
		}
		spectestSkip(w)
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>"))
		return true
	}
	obs, err := newAdapter(t, f, setup{retries: -1}).Status(context.Background(), []string{uuid(1), uuid(2), uuid(3)})
	if err != nil || len(obs) != 3 {
		t.Fatalf("one letter's page failed the call: %v", err)
	}
	for _, i := range []int{0, 2} {
		if obs[i].Err != nil || obs[i].State != model.StateOpened {
			t.Errorf("letter %d: %s %v, want opened", i+1, obs[i].State, obs[i].Err)
		}
	}
	var bad *channel.BadResponseError
	if o := obs[1]; !errors.Is(o.Err, channel.ErrFailing) || !errors.As(o.Err, &bad) || !bytes.Contains(o.Payload, []byte("Service Unavailable")) {
		t.Errorf("the letter answered with a page: %v (payload %s), want ErrFailing with the page as evidence", o.Err, o.Payload)
	}
	if n := f.details.Load(); n != 3 {
		t.Errorf("%d details requests, want 3", n)
	}
}

func TestTokenExchange(t *testing.T) {
	f := newFake(t)
	for i := range 5 {
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}}})
	}
	f.wantAuth = "Bearer " + f.token(1)
	mp := &mutableToken{tok: mpToken}
	c := newAdapter(t, f, setup{exchange: true, tokens: mp})
	ids := []string{uuid(0), uuid(1), uuid(2), uuid(3), uuid(4)}
	if _, err := c.Status(context.Background(), ids); err != nil {
		t.Fatal(err)
	}
	if f.exchanges != 1 {
		t.Fatalf("%d exchanges for one Maskinporten token, want 1", f.exchanges)
	}
	// A new Maskinporten token is exchanged again.
	mp.set(mpToken + "-2")
	f.mu.Lock()
	f.wantAuth = "Bearer " + f.token(2)
	f.mu.Unlock()
	if _, err := c.Status(context.Background(), ids[:1]); err != nil || f.exchanges != 2 {
		t.Fatalf("err %v, %d exchanges", err, f.exchanges)
	}
}

// TestRevokedTokenRenewed: Altinn refusing the token mid-cycle (401
// without code 4001) gets the token exchanged again and the letters read,
// not a 401 blamed on each; an exchange that refuses the Maskinporten
// token fails the call as a token problem, with no letter blamed.
func TestRevokedTokenRenewed(t *testing.T) {
	f := newFake(t)
	for i := range 3 {
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}}})
	}
	f.wantAuth = "Bearer " + f.token(1)
	var clock atomic.Int64 // minutes passed
	start := time.Now()
	now := func() time.Time { return start.Add(time.Duration(clock.Load()) * time.Minute) }
	c := newAdapter(t, f, setup{exchange: true, tokens: &mutableToken{tok: mpToken}, now: now})
	ids := []string{uuid(0), uuid(1), uuid(2)}
	if _, err := c.Status(context.Background(), ids); err != nil {
		t.Fatal(err)
	}
	// A 401 about one correspondence (code 4001) is that letter's, and
	// renews no token.
	f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if r.PathValue("id") != uuid(1) {
			return false
		}
		spectestSkip(w)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"title":"Unauthorized","status":401,"errorCode":4001}`))
		return true
	}
	if obs, err := c.Status(context.Background(), ids); err != nil || !errors.Is(obs[1].Err, channel.ErrRefused) || f.exchanges != 1 {
		t.Fatalf("a per-letter 401: %v %v, %d exchanges; want the letter refused and no new token", err, obs, f.exchanges)
	}
	f.override = nil
	f.mu.Lock()
	f.revoked, f.wantAuth = "Bearer "+f.token(1), "Bearer "+f.token(2)
	f.mu.Unlock()
	obs, err := c.Status(context.Background(), ids)
	if err != nil {
		t.Fatalf("after the token was revoked: %v", err)
	}
	for _, o := range obs {
		if o.Err != nil || o.State != model.StateAvailable {
			t.Errorf("%s: %s %v", o.ChannelID, o.State, o.Err)
		}
	}
	if f.exchanges != 2 {
		t.Errorf("%d exchanges, want 2 (one renewal)", f.exchanges)
	}
	// The renewed token refused too, within the minute: no second
	// renewal (maskinporten.RenewAtMostEvery); the refusal is the answer.
	f.mu.Lock()
	f.revoked = "Bearer " + f.token(2)
	f.mu.Unlock()
	if obs, err = c.Status(context.Background(), ids); err == nil || f.exchanges != 2 {
		t.Errorf("refused again within a minute: %v (%d observations), %d exchanges; want the refusal and no renewal", err, len(obs), f.exchanges)
	}
	clock.Add(1)
	f.mu.Lock()
	f.exchange401 = true
	f.mu.Unlock()
	obs, err = c.Status(context.Background(), ids)
	if !errors.Is(err, httpclient.ErrNotSent) || obs != nil || !strings.Contains(err.Error(), "exchanging") {
		t.Errorf("the exchange refusing: %v (%d observations), want a whole-call token error", err, len(obs))
	}
}

func TestSecretsNotLogged(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFake(t)
	f.add(&fakeCorr{id: uuid(1), created: t0, history: []event{{"Published", t0}}})
	f.wantAuth = "Bearer " + f.token(1)
	f.override = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n > 1 {
			return false
		}
		w.WriteHeader(503)
		_, _ = w.Write([]byte("upstream said: " + r.Header.Get("Authorization")))
		return true
	}
	c := newAdapter(t, f, setup{exchange: true, logger: logger, clock: &spectest.Clock{}})
	if _, err := c.Status(context.Background(), []string{uuid(1)}); err != nil {
		t.Fatal(err)
	}
	tok := f.token(1)
	for _, secret := range []string{mpToken, tok, strings.Split(tok, ".")[1]} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("secret %q logged:\n%s", secret, buf.String())
		}
	}
	if !strings.Contains(buf.String(), "retrying request") {
		t.Errorf("no retry record:\n%s", buf.String())
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
