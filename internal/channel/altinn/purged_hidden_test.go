package altinn

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpfake"
	"postvakt/internal/model"
)

// hiddenAltinn is Altinn as its sources behave towards a sender: the
// top-level status is the highest by number (GetHighestStatus), the
// statusHistory leaves out the purges (IsAvailableForSender), and the
// search's status filter is any status the correspondence has had
// (FilterByStatus), its window exclusive on requestedPublishTime.
type hiddenAltinn struct {
	published time.Time
	letters   map[string][]string // id → every status it has had, in order
	search    func(w http.ResponseWriter, r *http.Request) bool
}

func (a *hiddenAltinn) serve(t *testing.T) *nfAltinn {
	srv := httpfake.New(t, httpfake.Bearer(nfBearer))
	srv.Handle("GET "+basePath+"/{id}/details", func(w http.ResponseWriter, r *http.Request) {
		statuses, ok := a.letters[r.PathValue("id")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		var hist []map[string]string
		highest := -1
		for i, s := range statuses {
			at := a.published.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.0000000+00:00")
			if n := slices.Index(nfEnum, s); n > highest && s != "Fetched" {
				highest = n
			}
			if !strings.HasPrefix(s, "Purged") {
				hist = append(hist, map[string]string{"status": s, "statusText": s, "statusChanged": at})
			}
		}
		doc := map[string]any{"correspondenceId": r.PathValue("id"), "resourceId": strings.TrimPrefix(nfResource, resourcePrefix),
			"sender": nfSender, "sendersReference": "ref", "recipient": "urn:altinn:organization:identifier-no:910753614",
			"created": a.published.Format(time.RFC3339Nano), "requestedPublishTime": a.published.Format("2006-01-02T15:04:05.0000000+00:00"),
			"status": nfEnum[highest], "statusChanged": a.published.Add(time.Duration(len(statuses)-1) * time.Minute).Format(time.RFC3339Nano),
			"statusHistory": hist, "read": nil, "isConfidential": true}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	})
	srv.Handle("GET "+basePath, func(w http.ResponseWriter, r *http.Request) {
		if a.search != nil && a.search(w, r) {
			return
		}
		q := r.URL.Query()
		from, _ := time.Parse(time.RFC3339Nano, q.Get("from"))
		to, _ := time.Parse(time.RFC3339Nano, q.Get("to"))
		ids := []string{}
		for id, statuses := range a.letters {
			if a.published.After(from) && a.published.Before(to) && (q.Get("status") == "" || slices.Contains(statuses, q.Get("status"))) {
				ids = append(ids, id)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"ids": ids})
	})
	return &nfAltinn{t: t, srv: srv}
}

// TestPurgeHiddenFromTheSender: Altinn shows its sender no purge in the
// statusHistory, and Failed (11) and Reserved (10) outrank the purges at
// the top, so a correspondence that failed and that its sender then
// withdrew (purged) reads as Failed, and one reserved, published and then
// deleted unread by its recipient as Reserved published: postvakt ordered
// the print of a letter its sender had withdrawn, and reminded and printed
// one its recipient had deleted. Altinn's search by status finds them (its
// filter is any status the correspondence has had): such a letter is
// closed as a purge at the top closes it (expired, closed: no reminder, no
// print), dated by the poll that learnt it. A search Altinn refuses (400,
// an older Altinn) leaves the letter as the details say.
func TestPurgeHiddenFromTheSender(t *testing.T) {
	published := time.Date(2026, 3, 2, 8, 0, 0, 123456700, time.UTC)
	withdrawn, failed, deleted, reserved := nfID(1), nfID(2), nfID(3), nfID(4)
	a := &hiddenAltinn{published: published, letters: map[string][]string{
		withdrawn: {"Initialized", "ReadyForPublish", "Failed", "PurgedByAltinn"},
		failed:    {"Initialized", "ReadyForPublish", "Failed"},
		deleted:   {"Initialized", "Reserved", "Published", "PurgedByRecipient"},
		reserved:  {"Initialized", "Reserved", "Published"},
	}}
	c := nfAdapter(t, a.serve(t))
	want := map[string]struct {
		status string
		state  model.State
		closed bool
	}{
		withdrawn: {"PurgedByAltinn", model.StateExpired, true},
		failed:    {"Failed", model.StateFailed, false},
		deleted:   {"PurgedByRecipient", model.StateExpired, true},
		reserved:  {"Reserved", model.StateAvailable, false},
	}
	ids := []string{withdrawn, failed, deleted, reserved}
	obs, err := c.Status(context.Background(), ids)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	for _, o := range obs {
		w := want[o.ChannelID]
		if o.Err != nil || o.Status != w.status || o.State != w.state || (o.Disposition == channel.DispositionClosed) != w.closed {
			t.Errorf("%s: %q %s %q (%v); want %q %s, closed %v", o.ChannelID, o.Status, o.State, o.Disposition, o.Err, w.status, w.state, w.closed)
		}
		if w.closed && !o.ChangedAt.IsZero() {
			t.Errorf("%s: dated %v; the purge's time is not told: want the poll's (zero)", o.ChannelID, o.ChangedAt)
		}
	}

	t.Run("a search Altinn refuses", func(t *testing.T) {
		a.search = func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"title":"One or more validation errors occurred.","status":400,"errors":{"status":["The value is not valid."]}}`))
			return true
		}
		obs, err := c.Status(context.Background(), []string{withdrawn})
		if err != nil || obs[0].Err != nil || obs[0].State != model.StateFailed {
			t.Errorf("%s %q (%v, %v); want failed, as the details say", obs[0].State, obs[0].Disposition, obs[0].Err, err)
		}
	})
	t.Run("a search that ignores its status filter", func(t *testing.T) {
		// An Altinn (or a fake) answering every correspondence in the
		// window whatever the status asked: the failed letter must not be
		// taken for withdrawn and left unprinted.
		a.search = func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"ids": []string{withdrawn, failed, deleted, reserved}})
			return true
		}
		obs, err := c.Status(context.Background(), []string{failed, reserved})
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		for _, o := range obs {
			if o.Err != nil || o.Disposition == channel.DispositionClosed || o.State == model.StateExpired {
				t.Errorf("%s: %s %q (%v); want as its details say, not closed as purged", o.ChannelID, o.State, o.Disposition, o.Err)
			}
		}
	})
	t.Run("a search Altinn fails on", func(t *testing.T) {
		a.search = func(w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		obs, err := c.Status(context.Background(), []string{withdrawn, reserved})
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		if !errors.Is(obs[0].Err, channel.ErrFailing) {
			t.Errorf("%s %q (%v); want the letter's ErrFailing: asked again, the letter kept as it was", obs[0].State, obs[0].Disposition, obs[0].Err)
		}
	})
}

// TestPurgeHiddenInABulkSend: a bulk send that failed and was withdrawn
// has more correspondences purged at its one publish time than the search
// answers (1000). A letter not among them is asked for again by its
// sendersReference; not found in a full answer then either, it is the
// letter's ErrFailing (not told, asked again, the letter kept as it was), not
// a letter taken as not withdrawn.
func TestPurgeHiddenInABulkSend(t *testing.T) {
	published := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	ours := nfID(5000)
	a := &hiddenAltinn{published: published, letters: map[string][]string{ours: {"Initialized", "Failed", "PurgedByAltinn"}}}
	others := make([]string, MaxSearchResults)
	for i := range others {
		others[i] = nfID(i + 1)
	}
	var byRef []string // what the search answers for the letter's sendersReference
	a.search = func(w http.ResponseWriter, r *http.Request) bool {
		ids := others
		if r.URL.Query().Get("sendersReference") != "" {
			ids = byRef
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"ids": ids})
		return true
	}
	c := nfAdapter(t, a.serve(t))
	byRef = []string{nfID(1), strings.ToUpper(ours)}
	obs, err := c.Status(context.Background(), []string{ours})
	if err != nil || obs[0].Err != nil || obs[0].State != model.StateExpired || obs[0].Disposition != channel.DispositionClosed {
		t.Errorf("found by its reference: %s %q (%v, %v); want expired, closed", obs[0].State, obs[0].Disposition, obs[0].Err, err)
	}
	byRef = others
	obs, err = c.Status(context.Background(), []string{ours})
	if err != nil || !errors.Is(obs[0].Err, channel.ErrFailing) {
		t.Errorf("not in a full answer for its reference either: %s %q (%v, %v); want the letter's ErrFailing", obs[0].State, obs[0].Disposition, obs[0].Err, err)
	}
}
