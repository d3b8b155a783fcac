package poll_test

// The poller with the real SvarUt adapter against a fake written from the
// channel notes (POST /v2/kontoer/{kontoId}/forsendelser/status-sok,
// GET /v2/forsendelser/{id}/hendelser), answering as the notes allow and
// as Java servers write, over two cycles.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel/svarut"
	"postvakt/internal/httpclient"
	"postvakt/internal/httpfake"
	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

const hostileKonto = "d6b23522-ddf3-462a-8140-16e59e1f476d"

func hostileID(n int) string { return fmt.Sprintf("5e1f0000-0000-4000-8000-%012d", n) }

// TestHostileSvarUtThroughThePoller: what each letter's records say, and
// what the letter must be after the poll.
//
//   - 0: LEST dated "0001-01-01T00:00:00" (a placeholder for no time):
//     opened. (Dated year 1, it was refused as before the letter was sent.)
//   - 1: LEST dated 1672569235.008000000-style (Jackson's epoch seconds):
//     opened. (Refused as no date-time before.)
//   - 2: listed twice, VARSLET and LEST at one time: opened.
//   - 3: a new status value: its own error, registered, the others read.
//   - 4: left out of the answer, sent half an hour ago: not yet unknown
//     (UnknownGrace).
//   - 5: VARSLET with seven fraction digits and an offset without its
//     colon; its history a proxy's HTML page: available, the history
//     noted as missing and asked again.
//   - 6: VARSLET, then AKSEPTERT at the next poll (a status going
//     backwards): stays available, the move refused and recorded.
//
// The answer also lists a letter not asked about, which is ignored.
func TestHostileSvarUtThroughThePoller(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	sent := t0.Add(-30 * time.Minute)
	var items []model.NewShipment
	for i := range 7 {
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: hostileID(i),
			SenderOrg: "964338531", SenderUnit: "U", RecipientKind: "org", RecipientID: "974760673",
			Title: "T", Confidential: true, Class: "taushetsbelagt", SentAt: sent})
	}
	ships, _, err := st.Register(ctx, items, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Set(t, st, storetest.IDs(ships), storetest.NextPollAt(t0.Add(-time.Minute)))

	at := func(d time.Duration) string { return sent.Add(d).UTC().Format(time.RFC3339Nano) }
	rec := func(id, status, changed string) string {
		return fmt.Sprintf(`{"id":%q,"sisteStatusEndring":%s,"status":%q}`, id, changed, status)
	}
	var mu sync.Mutex
	records := map[string][]string{
		hostileID(0): {rec(hostileID(0), "LEST", `"0001-01-01T00:00:00"`)},
		hostileID(1): {rec(hostileID(1), "LEST", fmt.Sprintf("%d.008000000", sent.Add(10*time.Minute).Unix()))},
		hostileID(2): {rec(hostileID(2), "VARSLET", `"`+at(5*time.Minute)+`"`), rec(hostileID(2), "LEST", `"`+at(5*time.Minute)+`"`)},
		hostileID(3): {rec(hostileID(3), "NY_STATUS_FRA_KS", `"`+at(5*time.Minute)+`"`)},
		hostileID(5): {rec(hostileID(5), "VARSLET", `"`+sent.Add(5*time.Minute).In(time.FixedZone("", 3600)).Format("2006-01-02T15:04:05.0000000-0700")+`"`)},
		hostileID(6): {rec(hostileID(6), "VARSLET", `"`+at(5*time.Minute)+`"`)},
	}
	srv := httpfake.New(t, nil)
	srv.Handle("POST /v2/kontoer/{konto}/forsendelser/status-sok", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("konto") != hostileKonto || r.Header.Get("IntegrasjonId") == "" || r.Header.Get("IntegrasjonPassord") == "" {
			t.Errorf("status-sok without the account or the integration's headers")
		}
		mu.Lock()
		defer mu.Unlock()
		out := []string{rec(hostileID(99), "AVVIST", `"`+at(time.Minute)+`"`)} // not asked
		for _, id := range ids(t, r) {
			out = append(out, records[strings.ToLower(id)]...)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"statuser":[%s]}`, strings.Join(out, ","))
	})
	srv.Handle("GET /v2/forsendelser/{id}/hendelser", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == hostileID(5) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>Innlogging</body></html>")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"hendelser":[{"tidspunkt":"2023-01-01T08:13:14.547+01:00","hendelse":"Akseptert for ekspedering"}]}`)
	})
	ch := hostileSvarUt(t, srv.URL)
	var buf bytes.Buffer
	if _, err := newPoller(st, func() time.Time { return t0 }, &buf).Cycle(ctx, ch); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	records[hostileID(6)] = []string{rec(hostileID(6), "AKSEPTERT", `"`+at(20*time.Minute)+`"`)}
	mu.Unlock()
	storetest.Set(t, st, []string{ships[6].ID}, storetest.NextPollAt(t0))
	if _, err := newPoller(st, func() time.Time { return t0.Add(time.Minute) }, &buf).Cycle(ctx, ch); err != nil {
		t.Fatal(err)
	}

	want := []model.State{model.StateOpened, model.StateOpened, model.StateOpened, model.StateRegistered, model.StateRegistered,
		model.StateAvailable, model.StateAvailable}
	for i, w := range want {
		sh, err := st.Shipment(ctx, ships[i].ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]string{}
		for _, e := range sh.Events {
			kinds[e.Kind] += e.Message + ";"
		}
		if sh.State != w {
			t.Errorf("letter %d: %s, want %s; events %v", i, sh.State, w, kinds)
		}
		switch i {
		case 3:
			if !strings.Contains(kinds[store.EventPollError], "unknown status value") {
				t.Errorf("letter 3: no error of its own: %v", kinds)
			}
		case 4:
			if sh.UnknownToChannelSince != nil {
				t.Errorf("letter 4 marked unknown half an hour after it was sent (UnknownGrace: an hour)")
			}
		case 5:
			if !strings.Contains(kinds[store.EventPollError], "history") {
				t.Errorf("letter 5: its missing history not noted: %v", kinds)
			}
		case 6:
			if _, ok := kinds[store.EventRejected]; !ok {
				t.Errorf("letter 6: the move back to accepted not recorded: %v", kinds)
			}
		}
	}
}

// ids reads the ids of a status-sok body.
func ids(t *testing.T, r *http.Request) []string {
	var body struct {
		ForsendelseIDs []string `json:"forsendelseIds"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		t.Errorf("status-sok body: %v", err)
	}
	return body.ForsendelseIDs
}

// hostileSvarUt is the SvarUt adapter against a fake at url (v2, the hostile
// notes' account), retrying at once, without a breaker.
func hostileSvarUt(t *testing.T, url string) *svarut.Client {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: url, Logger: log, BackoffBase: time.Millisecond, BreakerThreshold: -1})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := svarut.New(svarut.Config{BaseURL: url, KontoID: hostileKonto, IntegrasjonID: "i", IntegrasjonPassord: "p", Logger: log}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}
