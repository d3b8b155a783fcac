package altinn

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"postvakt/internal/httpclient"
)

// TestDiscoverResourceAsURN: POSTVAKT_ALTINN_RESOURCE_ID may be written as
// urn:altinn:resource:<id> (README: the Notifications orders name it so,
// whichever way it is written). Altinn Correspondence keeps a
// correspondence's resource without the prefix (InitializeCorrespondences-
// Mapper: ResourceId.WithoutPrefix()) and its search compares the
// resourceId asked for as given (CorrespondenceRepository.GetCorrespondences:
// c.ResourceId == resourceId), while its access check takes the prefix
// off (CheckUserAccess): asked with the URN, it answers 200 {"ids":[]}, and
// discovery found nothing, without a word. The search is asked for the
// bare id, written either way.
func TestDiscoverResourceAsURN(t *testing.T) {
	const bare = "kommune-taushetsbelagt-post"
	id := uuid(1)
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if r.URL.Path == basePath {
			ids := []string{}
			if r.URL.Query().Get("resourceId") == bare { // as Altinn stores it
				ids = append(ids, id)
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"ids": ids})
			return
		}
		_, _ = w.Write([]byte(`{"correspondenceId":"` + id + `","resourceId":"` + bare + `",
"sender":"urn:altinn:organization:identifier-no:991825827","sendersReference":"r1",
"recipient":"urn:altinn:organization:identifier-no:910753614","created":"2026-03-02T08:00:00+00:00",
"requestedPublishTime":"2026-03-02T08:00:00+00:00","published":"2026-03-02T08:00:00+00:00",
"status":"Published","statusText":"Published","statusChanged":"2026-03-02T08:00:00+00:00",
"statusHistory":[{"status":"Published","statusText":"Published","statusChanged":"2026-03-02T08:00:00+00:00"}]}`))
	}))
	defer srv.Close()
	for _, configured := range []string{bare, "urn:altinn:resource:" + bare, "URN:Altinn:Resource:" + bare} {
		t.Run(configured, func(t *testing.T) {
			log := slog.New(slog.DiscardHandler)
			hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: srv.URL, Logger: log, MaxRetries: -1})
			if err != nil {
				t.Fatal(err)
			}
			c, err := New(Config{BaseURL: srv.URL, ResourceID: configured, Logger: log}, hc, nil)
			if err != nil {
				t.Fatal(err)
			}
			found, err := c.Discover(context.Background(), at.Add(-time.Hour), at.Add(time.Hour))
			if err != nil || len(found) != 1 || !strings.EqualFold(found[0].ChannelID, id) {
				t.Fatalf("resource %q: found %d (%v); want the one correspondence", configured, len(found), err)
			}
		})
	}
}
