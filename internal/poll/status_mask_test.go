package poll_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel/svarut"
	"postvakt/internal/httpclient"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestUnreadableRecordsStatusMasked: a status record that does not decode
// whole (a field of another type beside the id) is the letter's error, and
// its status is free text from the channel as an unknown status is: a
// national id in it is masked in the poll's log line and in the evidence
// (the event's raw status), never kept or logged as sent.
func TestUnreadableRecordsStatusMasked(t *testing.T) {
	const fnr = "01029400470"
	const status = "Lest av " + fnr
	changed := time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		api    string
		record func(id string) map[string]any
	}{
		{svarut.APIv1, func(id string) map[string]any {
			return map[string]any{"forsendelsesId": map[string]string{"id": id}, "id": 5, "sisteStatusEndring": changed.UnixMilli(), "status": status}
		}},
		{svarut.APIv2, func(id string) map[string]any {
			return map[string]any{"id": id, "forsendelsesId": 5, "sisteStatusEndring": changed.Format(time.RFC3339), "status": status}
		}},
	} {
		t.Run(tc.api, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			ships := storetest.Register(t, st, storetest.Letter(0))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				var ids []string
				if tc.api == svarut.APIv1 {
					_ = json.Unmarshal(body, &ids)
				} else {
					var sok struct {
						ForsendelseIDs []string `json:"forsendelseIds"`
					}
					_ = json.Unmarshal(body, &sok)
					ids = sok.ForsendelseIDs
				}
				var recs []map[string]any
				for _, id := range ids {
					recs = append(recs, tc.record(id))
				}
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{"statuser": recs})
			}))
			defer srv.Close()
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: srv.URL, MaxRetries: -1, Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			su, err := svarut.New(svarut.Config{BaseURL: srv.URL, API: tc.api, KontoID: "2b2d3c3e-3f3a-4b4c-8d8e-9f9a0b0c0d0e",
				IntegrasjonID: "integrasjon", IntegrasjonPassord: "passord", User: "avsender", Password: "passord",
				BatchSize: 40, Logger: logger}, hc, nil)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond)
			sum, err := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }, Workers: 1}).Cycle(ctx, su)
			if err != nil || sum.Errors != 1 {
				t.Fatalf("cycle: %+v %v; want the letter's own error", sum, err)
			}
			if strings.Contains(logs.String(), fnr) {
				t.Errorf("the log carries the national id unmasked:\n%s", logs.String())
			}
			got, err := st.Shipment(ctx, ships[0].ID, store.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			if countKind(got.Events, store.EventPollError) != 1 {
				t.Fatalf("events %v: want the letter's poll error", kinds(got.Events))
			}
			for _, ev := range got.Events {
				if strings.Contains(ev.RawStatus, fnr) || strings.Contains(ev.Message, fnr) || strings.Contains(got.ChannelStatus, fnr) {
					t.Errorf("%s event keeps the national id: raw status %q, message %q, channel status %q", ev.Kind, ev.RawStatus, ev.Message, got.ChannelStatus)
				}
			}
		})
	}
}
