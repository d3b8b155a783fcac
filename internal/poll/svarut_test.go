package poll_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel/svarut"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// From an independent review of the SvarUt adapter: the poller with the real SvarUt adapter
// against an httptest fake written from specs/svarut/forsendelse-status-api-v2.json
// and forsendelse-hendelser-api-v2.json, over several cycles.

func revID(n int) string { return fmt.Sprintf("7e7e0000-0000-4000-8000-%012d", n) }

type revFake struct {
	mu      sync.Mutex
	records map[string][]string // by lower-case id: the records of this cycle
	histErr map[string]bool     // hendelser answers 500
	hist    map[string]string   // hendelser body by id
}

func (f *revFake) server(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/kontoer/{konto}/forsendelser/status-sok", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			ForsendelseIDs []string `json:"forsendelseIds"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("status-sok body: %v", err)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		var out []string
		for _, id := range body.ForsendelseIDs {
			out = append(out, f.records[strings.ToLower(id)]...)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"statuser":[%s]}`, strings.Join(out, ","))
	})
	mux.HandleFunc("GET /v2/forsendelser/{id}/hendelser", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		id := r.PathValue("id")
		if f.histErr[id] {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(500)
			fmt.Fprint(w, `{"status":500,"error":"Internal Server Error","message":"x"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if b, ok := f.hist[id]; ok {
			fmt.Fprint(w, b)
			return
		}
		// An event for each status record, at its time, after the
		// sending's (as SvarUt writes one for every status).
		events := []string{`{"tidspunkt":"2023-01-01T08:13:14.547+01:00","hendelse":"Akseptert for ekspedering"}`}
		for _, rec := range f.records[strings.ToLower(id)] {
			var r struct {
				At     json.RawMessage `json:"sisteStatusEndring"`
				Status string          `json:"status"`
			}
			if json.Unmarshal([]byte(rec), &r) == nil && len(r.At) > 0 {
				events = append(events, fmt.Sprintf(`{"tidspunkt":%s,"hendelse":%q}`, r.At, r.Status))
			}
		}
		fmt.Fprintf(w, `{"hendelser":[%s]}`, strings.Join(events, ","))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func revSetup(t *testing.T, n int, sent time.Time) (*store.Store, []store.Shipment, *revFake, *svarut.Client) {
	st := storetest.Open(t)
	var items []model.NewShipment
	for i := range n {
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: revID(i),
			SenderOrg: "964338531", SenderUnit: "Barnevernet Nord", RecipientKind: "org", RecipientID: "974760673",
			Title: "Vedtak om omsorgsovertakelse", Confidential: true, Class: "taushetsbelagt", SentAt: sent})
	}
	ships, _, err := st.Register(context.Background(), items, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	f := &revFake{records: map[string][]string{}, histErr: map[string]bool{}, hist: map[string]string{}}
	srv := f.server(t)
	ch := hostileSvarUt(t, srv.URL)
	return st, ships, f, ch
}

func revRec(id, status string, at time.Time) string {
	return fmt.Sprintf(`{"id":%q,"sisteStatusEndring":%q,"status":%q}`, id, at.In(time.FixedZone("", 3600)).Format("2006-01-02T15:04:05.000-07:00"), status)
}

type revQueue struct {
	Next    *time.Time `db:"next_poll_at"`
	Stage   string     `db:"stage"`
	State   string     `db:"state"`
	Status  string     `db:"channel_status"`
	HistDue bool       `db:"history_due"`
}

func revRow(t *testing.T, st *store.Store, id string) revQueue {
	var q revQueue
	if err := st.DB().Get(&q, `SELECT q.next_poll_at, s.stage, s.state, s.channel_status, q.history_due
		FROM poll_queue q JOIN shipments s ON s.id = q.shipment_id WHERE s.id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return q
}

// TestSvarUtMovesAcrossCycles: status sequences over cycles, as SvarUt
// may answer them; each case says what the letter must be after the last
// cycle.
func TestSvarUtMovesAcrossCycles(t *testing.T) {
	ctx := context.Background()
	sent := t0.Add(-2 * time.Hour)
	at := func(m int) time.Time { return sent.Add(time.Duration(m) * time.Minute) }
	type cycle struct {
		status  string
		min     int
		histErr bool
	}
	cases := []struct {
		name   string
		cycles []cycle
		check  func(t *testing.T, q revQueue, ev []store.Event)
	}{
		{
			// An opened letter polled again only for its history (the
			// first fetch failed); SvarUt answers VARSLET then (a stale
			// replica). The move back is refused; the letter is opened,
			// final: README "It never polls again a letter that is opened".
			name:   "LEST then VARSLET while the history is still due",
			cycles: []cycle{{"LEST", 10, true}, {"VARSLET", 5, false}, {"VARSLET", 5, false}},
			check: func(t *testing.T, q revQueue, ev []store.Event) {
				if q.State != "opened" {
					t.Errorf("state %s, want opened", q.State)
				}
				if q.Next != nil {
					t.Errorf("opened letter scheduled to be polled again at %s (refused VARSLET set an available letter's pace)", q.Next)
				}
			},
		},
		{
			// IKKE_LEVERT, then SENDT_PRINT: SvarUt printed the letter
			// itself. specs/README.md: "A shipment the channel prints by
			// itself must not also get a postvakt print order."
			name:   "IKKE_LEVERT then SENDT_PRINT",
			cycles: []cycle{{"IKKE_LEVERT", 10, false}, {"SENDT_PRINT", 20, false}},
			check: func(t *testing.T, q revQueue, ev []store.Event) {
				if q.Status != "SENDT_PRINT" {
					t.Errorf("channel status %q", q.Status)
				}
				if !model.Stage(q.Stage).Ended() {
					t.Errorf("stage %s after SvarUt's SENDT_PRINT: postvakt may still print the letter (state %s)", q.Stage, q.State)
				}
			},
		},
		{
			name:   "VARSLET, SENDT_PRINT, SENDT_PRINT, LEST",
			cycles: []cycle{{"VARSLET", 10, false}, {"SENDT_PRINT", 20, false}, {"SENDT_PRINT", 20, false}, {"LEST", 30, false}},
			check: func(t *testing.T, q revQueue, ev []store.Event) {
				if q.State != "opened" || q.Stage != "channel_print" {
					t.Errorf("state %s stage %s", q.State, q.Stage)
				}
				n := 0
				for _, e := range ev {
					if e.RawStatus == "SENDT_PRINT" && (e.Kind == store.EventStatus || e.Kind == store.EventState) {
						n++
					}
				}
				if n != 1 {
					t.Errorf("SENDT_PRINT recorded %d times, want once", n)
				}
			},
		},
	}
	st, ships, f, ch := revSetup(t, len(cases), sent)
	maxCycles := 0
	for _, c := range cases {
		maxCycles = max(maxCycles, len(c.cycles))
	}
	now := t0
	final := make([]revQueue, len(cases))
	for k := range maxCycles {
		f.mu.Lock()
		f.records = map[string][]string{}
		f.histErr = map[string]bool{}
		var due []string
		for i, c := range cases {
			if k >= len(c.cycles) {
				storetest.Set(t, st, []string{ships[i].ID}, storetest.NextPollAt(now.Add(1000*time.Hour)))
				continue
			}
			cy := c.cycles[k]
			f.records[revID(i)] = []string{revRec(revID(i), cy.status, at(cy.min))}
			f.histErr[revID(i)] = cy.histErr
			due = append(due, ships[i].ID)
		}
		f.mu.Unlock()
		// Whatever postvakt scheduled, make the letters due now for the
		// next cycle: the point is what each answer does.
		var queued []string
		for _, id := range due {
			var next *time.Time
			if err := st.DB().Get(&next, `SELECT next_poll_at FROM poll_queue WHERE shipment_id = $1`, id); err != nil {
				t.Fatal(err)
			}
			if next != nil || k == 0 {
				queued = append(queued, id)
			}
		}
		storetest.Set(t, st, queued, storetest.NextPollAt(now.Add(-time.Second)))
		var buf bytes.Buffer
		if _, err := newPoller(st, func() time.Time { return now }, &buf).Cycle(ctx, ch); err != nil {
			t.Fatalf("cycle %d: %v\n%s", k, err, buf.String())
		}
		for i, c := range cases {
			if len(c.cycles) == k+1 {
				final[i] = revRow(t, st, ships[i].ID)
			}
		}
		now = now.Add(10 * time.Minute)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sh, err := st.Shipment(ctx, ships[i].ID, store.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, final[i], sh.Events)
			if t.Failed() || testing.Verbose() {
				for _, e := range sh.Events {
					t.Logf("  %s %s→%s %s %s", e.Kind, e.FromState, e.ToState, e.RawStatus, e.Message)
				}
			}
		})
	}
}

// TestSvarUtHistoriesDownStatusesRead: SvarUt's hendelser fail (500) while
// its status-sok answers. Each history missed is noted and asked again; the
// statuses of the cycle's other batches are read all the same.
func TestSvarUtHistoriesDownStatusesRead(t *testing.T) {
	now := t0
	const n = 12
	st, ships, f, _ := revSetup(t, n, now.Add(-3*time.Hour))
	srv := f.server(t)
	log := slog.New(slog.DiscardHandler)
	hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: srv.URL, Logger: log, BackoffBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := svarut.New(svarut.Config{BaseURL: srv.URL, KontoID: hostileKonto, IntegrasjonID: "i", IntegrasjonPassord: "p", BatchSize: n / 2, Logger: log}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range n {
		f.records[revID(i)] = []string{revRec(revID(i), "VARSLET", now.Add(-time.Hour))}
		f.histErr[revID(i)] = true
		ids = append(ids, ships[i].ID)
	}
	storetest.Set(t, st, ids, storetest.NextPollAt(now.Add(-time.Second)))
	var buf bytes.Buffer
	sum, err := newPoller(st, func() time.Time { return now }, &buf).Cycle(context.Background(), ch)
	if err != nil {
		t.Fatalf("cycle: %v\n%s", err, buf.String())
	}
	for i := range n {
		if q := revRow(t, st, ships[i].ID); q.State != "available" || !q.HistDue {
			t.Errorf("letter %d: state %s, history due %v; want available, its history due", i, q.State, q.HistDue)
		}
	}
	if sum.Failed != 0 {
		t.Errorf("%d failed calls; the status calls all answered\n%s", sum.Failed, buf.String())
	}
}

// TestSvarUtReadingInTheAutumnHour: SvarUt dates a reading without a zone
// at 02:30 on the night Norway's clocks go back, and postvakt polls at
// 02:35 summer time (00:35 UTC). The reading is five minutes old; read as
// 02:30 winter time it was an hour ahead, refused as dated in the future:
// the letter's poll error, its reading not applied.
func TestSvarUtReadingInTheAutumnHour(t *testing.T) {
	now := time.Date(2026, 10, 25, 0, 35, 0, 0, time.UTC)
	st, ships, f, ch := revSetup(t, 1, now.Add(-3*time.Hour))
	f.records[revID(0)] = []string{fmt.Sprintf(`{"id":%q,"sisteStatusEndring":"2026-10-25T02:30:00","status":"LEST"}`, revID(0))}
	storetest.Set(t, st, []string{ships[0].ID}, storetest.NextPollAt(now.Add(-time.Second)))
	var buf bytes.Buffer
	if _, err := newPoller(st, func() time.Time { return now }, &buf).Cycle(context.Background(), ch); err != nil {
		t.Fatalf("cycle: %v\n%s", err, buf.String())
	}
	if q := revRow(t, st, ships[0].ID); q.State != "opened" {
		t.Errorf("state %s after a reading five minutes old, want opened\n%s", q.State, buf.String())
	}
}

// TestSvarUtReadingDatedEpochZero: SvarUt dates a reading by epoch zero (0
// as v1's epoch milliseconds, 1970-01-01T00:00:00Z), a default written for
// "no time". The reading is applied, dated by its poll; refused as "before
// the letter was sent", it never was, and the letter went on towards
// reminders and print.
func TestSvarUtReadingDatedEpochZero(t *testing.T) {
	now := t0
	st, ships, f, ch := revSetup(t, 2, now.Add(-3*time.Hour))
	for i, at := range []string{`0`, `"1970-01-01T00:00:00Z"`} {
		f.records[revID(i)] = []string{fmt.Sprintf(`{"id":%q,"sisteStatusEndring":%s,"status":"LEST"}`, revID(i), at)}
	}
	storetest.Set(t, st, []string{ships[0].ID, ships[1].ID}, storetest.NextPollAt(now.Add(-time.Second)))
	var buf bytes.Buffer
	if _, err := newPoller(st, func() time.Time { return now }, &buf).Cycle(context.Background(), ch); err != nil {
		t.Fatalf("cycle: %v\n%s", err, buf.String())
	}
	for i := range 2 {
		if q := revRow(t, st, ships[i].ID); q.State != "opened" {
			t.Errorf("letter %d: state %s after a reading dated epoch zero, want opened\n%s", i, q.State, buf.String())
		}
	}
}
