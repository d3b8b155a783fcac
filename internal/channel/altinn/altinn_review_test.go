package altinn

// Reviewer's own fake of Altinn 3 Correspondence, written from
// /work/shared/specs/altinn/altinn-correspondence-v1.json and the specs
// README only: GET …/correspondence (search → {"ids":[…]}) and
// GET …/correspondence/{id}/details (CorrespondenceDetailsExt).

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

type raFake struct {
	mu      sync.Mutex
	details map[string]func(w http.ResponseWriter)
	ids     []string
	srv     *httptest.Server
}

func newRAFake(t *testing.T) *raFake {
	f := &raFake{details: map[string]func(http.ResponseWriter){}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, basePath)
		if p == "" || p == "/" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"ids":["%s"]}`, strings.Join(f.ids, `","`))
			return
		}
		id := strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/details")
		f.mu.Lock()
		h := f.details[id]
		f.mu.Unlock()
		if h == nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		h(w)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func raJSON(body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprint(w, body)
	}
}

func raClient(t *testing.T, f *raFake) *Client {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: f.srv.URL, Logger: log, BackoffBase: time.Millisecond,
		BreakerThreshold: -1, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: f.srv.URL, ResourceID: "urn:altinn:resource:rev", Logger: log}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func raID(n int) string { return fmt.Sprintf("b2b2b2b2-0000-4000-8000-%012d", n) }

// raDoc is a details answer; hist is the raw statusHistory array.
func raDoc(id, status, changed, hist, extra string) string {
	return fmt.Sprintf(`{"correspondenceId":%q,"resourceId":"urn:altinn:resource:rev","sender":"0192:991825827",
		"sendersReference":"ref-1","recipient":"urn:altinn:organization:identifier-no:910753614",
		"created":"2026-11-20T10:00:00.1234567+00:00","requestedPublishTime":"2026-11-20T10:00:00+00:00",
		"content":{"language":"nb","messageTitle":"Vedtak om barnevern"},
		"status":%q,"statusText":"x","statusChanged":%q,"statusHistory":%s%s}`, id, status, changed, hist, extra)
}

// TestAltinnStatusTableIndependent: every status of the enum, unknown ones,
// history order, duplicates, odd time forms, reads after Confirmed/Archived.
func TestAltinnStatusTableIndependent(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 11, 20, 10, m, 0, 0, time.UTC) }
	h := func(entries ...string) string { return "[" + strings.Join(entries, ",") + "]" }
	e := func(s string, m int) string {
		return fmt.Sprintf(`{"status":%q,"statusText":"t","statusChanged":"2026-11-20T10:%02d:00.1234567+00:00"}`, s, m)
	}
	cases := []struct {
		name      string
		status    string
		changed   string
		hist      string
		extra     string
		state     model.State
		closed    channel.Disposition
		changedAt time.Time
		enteredAt time.Time
		wantErr   error
	}{
		{"published", "Published", "2026-11-20T10:01:00Z", h(e("Initialized", 0), e("Published", 1)), "", model.StateAvailable, "", at(1), time.Time{}, nil},
		{"fetched only", "Published", "2026-11-20T10:01:00Z", h(e("Published", 1), e("Fetched", 2)), "", model.StateAvailable, "", at(1), time.Time{}, nil},
		{"read after confirmed", "Confirmed", "2026-11-20T10:05:00Z", h(e("Confirmed", 5), e("Read", 7), e("Published", 1)), "", model.StateOpened, "", at(5), time.Time{}, nil},
		{"archived then read, duplicates", "Archived", "2026-11-20T10:09:00Z", h(e("Read", 4), e("Read", 4), e("Archived", 9), e("Published", 1), e("Published", 1)), "", model.StateOpened, "", at(9), at(4), nil},
		{"purged by recipient unread", "PurgedByRecipient", "2026-11-20T10:09:00Z", h(e("Published", 1)), "", model.StateExpired, channel.DispositionClosed, at(9), time.Time{}, nil},
		{"purged by altinn after read", "PurgedByAltinn", "2026-11-20T10:09:00Z", h(e("Published", 1), e("Read", 3)), "", model.StateOpened, channel.DispositionClosed, at(9), time.Time{}, nil},
		{"failed", "Failed", "2026-11-20T10:02:00Z", h(e("Initialized", 0), e("Failed", 2)), "", model.StateFailed, "", at(2), time.Time{}, nil},
		{"reserved", "Reserved", "2026-11-20T10:02:00Z", h(e("Initialized", 0), e("Reserved", 2)), "", model.StateFailed, "", at(2), time.Time{}, nil},
		{"reserved then published", "Reserved", "2026-11-20T10:02:00Z", h(e("Reserved", 2), e("Published", 3)), "", model.StateAvailable, "", at(3), time.Time{}, nil},
		{"attachments downloaded", "AttachmentsDownloaded", "2026-11-20T10:06:00Z", h(e("Published", 1), e("AttachmentsDownloaded", 6)), "", model.StateOpened, "", at(6), time.Time{}, nil},
		{"forwarded", "Forwarded", "2026-11-20T10:06:00Z", h(e("Published", 1), e("Forwarded", 6)), "", model.StateOpened, "", at(6), time.Time{}, nil},
		{"replied", "Replied", "2026-11-20T10:06:00Z", h(e("Published", 1), e("Replied", 6)), "", model.StateOpened, "", at(6), time.Time{}, nil},
		{"ready for publish", "ReadyForPublish", "2026-11-20T10:00:00Z", h(e("Initialized", 0), e("ReadyForPublish", 0)), "", model.StateAccepted, "", at(0), time.Time{}, nil},
		{"unknown status unread", "Expired", "2026-11-20T10:06:00Z", h(e("Published", 1)), "", "", "", at(6), time.Time{}, channel.ErrUnknownStatus},
		{"unknown status read", "Expired", "2026-11-20T10:06:00Z", h(e("Published", 1), e("Read", 3)), "", model.StateOpened, "", at(6), at(3), nil},
		{"offset without colon", "Published", "2026-11-20T11:01:00+0100", h(e("Published", 1)), "", model.StateAvailable, "", at(1), time.Time{}, nil},
		{"offset whole hours", "Published", "2026-11-20T11:01:00+01", h(e("Published", 1)), "", model.StateAvailable, "", at(1), time.Time{}, nil},
		{"no offset is UTC", "Published", "2026-11-20T10:01:00", h(e("Published", 1)), "", model.StateAvailable, "", at(1), time.Time{}, nil},
		{"nine fraction digits, odd offset", "Published", "2026-11-20T15:46:00.000000000+05:45", h(e("Published", 1)), "", model.StateAvailable, "", at(1), time.Time{}, nil},
		{"top read field only", "Published", "2026-11-20T10:01:00Z", h(e("Published", 1)), `,"read":"2026-11-20T10:08:00+00:00"`, model.StateOpened, "", at(8), time.Time{}, nil},
		{"no top status", "", "2026-11-20T10:01:00Z", h(e("Published", 1), e("Read", 3), e("Fetched", 4)), "", model.StateOpened, "", at(3), time.Time{}, nil},
	}
	f := newRAFake(t)
	var ids []string
	for i, tc := range cases {
		id := raID(i)
		ids = append(ids, id)
		f.details[id] = raJSON(raDoc(id, tc.status, tc.changed, tc.hist, tc.extra))
	}
	c := raClient(t, f)
	obs, err := c.Status(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range cases {
		o := obs[i]
		t.Run(tc.name, func(t *testing.T) {
			if tc.wantErr != nil {
				if !errors.Is(o.Err, tc.wantErr) {
					t.Errorf("err %v, want %v", o.Err, tc.wantErr)
				}
				return
			}
			if o.Err != nil {
				t.Fatalf("err %v", o.Err)
			}
			if o.State != tc.state || o.Disposition != tc.closed {
				t.Errorf("state %s/%s, want %s/%s", o.State, o.Disposition, tc.state, tc.closed)
			}
			if !o.ChangedAt.Truncate(time.Second).Equal(tc.changedAt) {
				t.Errorf("changedAt %s, want %s", o.ChangedAt, tc.changedAt)
			}
			if !tc.enteredAt.IsZero() && !o.EnteredAt.Truncate(time.Second).Equal(tc.enteredAt) {
				t.Errorf("enteredAt %s, want %s", o.EnteredAt, tc.enteredAt)
			}
			if strings.Contains(string(o.Payload)+string(o.History), "barnevern") {
				t.Errorf("evidence keeps the title: %s", o.Payload)
			}
		})
	}
}

// TestAltinnDiscoverKeepsLetterWithBadStatusTime: a correspondence
// whose statusChanged is garbage but whose created is fine is still a letter
// the sender sent. Discover hands it back with a zero SentAt, so
// `postvakt discover` (cmd/postvakt/poll.go) counts it "not registrable"
// and never registers it: the back-fill loses a letter, exit 0.
func TestAltinnDiscoverKeepsLetterWithBadStatusTime(t *testing.T) {
	f := newRAFake(t)
	good, bad, badHist := raID(1), raID(2), raID(3)
	f.ids = []string{good, bad, badHist}
	f.details[good] = raJSON(raDoc(good, "Published", "2026-11-20T10:01:00Z", `[]`, ""))
	f.details[bad] = raJSON(raDoc(bad, "Published", "20.11.2026 kl 10", `[]`, ""))
	// A history entry whose status is a number (an Altinn serialising the
	// enum as int): top-level status fine.
	f.details[badHist] = raJSON(raDoc(badHist, "Published", "2026-11-20T10:01:00Z", `[{"status":2,"statusChanged":"2026-11-20T10:01:00Z"}]`, ""))
	c := raClient(t, f)
	found, err := c.Discover(context.Background(), time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range found {
		if fd.SentAt.IsZero() {
			t.Errorf("%s: found with a zero SentAt (err %v): discover will not register it, though created is %s",
				fd.ChannelID, fd.Observation.Err, "2026-11-20T10:00:00.1234567+00:00")
		}
	}
}
