package altinn

// A redirect is never Altinn's answer about a correspondence: its API
// answers every details request itself. httpclient follows a redirect only
// within the origin, so one elsewhere (POSTVAKT_ALTINN_URL with http://
// where the platform redirects to https://, or a proxy's login redirect)
// is the answer the adapter gets.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// TestStatusRedirects: a redirect on every letter of a call is the call's
// failure, naming the setting to check; on one letter among others read,
// that letter's ErrFailing (asked again), not an unreadable record of its.
// Before, every letter got "unreadable status record: Altinn answered 301"
// and the call counted as answered: a wrong URL looked like a batch of
// broken letters, each with its own backoff, and the channel up.
func TestStatusRedirects(t *testing.T) {
	ids := []string{"5d1f3a2e-8c4b-4e6f-9a1b-000000000001", "5d1f3a2e-8c4b-4e6f-9a1b-000000000002", "5d1f3a2e-8c4b-4e6f-9a1b-000000000003"}
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(code)+" on every letter", func(t *testing.T) {
			c := hfAdapter(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "https://login.example.invalid/?return="+r.URL.Path, code)
			})
			for _, n := range []int{1, len(ids)} {
				obs, err := c.Status(context.Background(), ids[:n])
				if err == nil || obs != nil {
					t.Fatalf("%d letters: want the call's failure, got %v, %v", n, obs, err)
				}
				if !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), "POSTVAKT_ALTINN_URL") {
					t.Errorf("%d letters: %v; want it to say redirect and name POSTVAKT_ALTINN_URL", n, err)
				}
			}
		})
	}
	t.Run("one letter of three", func(t *testing.T) {
		c := hfAdapter(t, func(w http.ResponseWriter, r *http.Request) {
			id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, basePath+"/"), "/details")
			if id == ids[1] {
				http.Redirect(w, r, "https://elsewhere.example.invalid/", http.StatusFound)
				return
			}
			jsonAnswer(revDetails(id, "Read", "2025-03-02T09:00:00+00:00", [2]string{"Published", "2025-03-01T08:00:00+00:00"},
				[2]string{"Read", "2025-03-02T09:00:00+00:00"}))(w, r)
		})
		obs, err := c.Status(context.Background(), ids)
		if err != nil || len(obs) != 3 {
			t.Fatalf("one letter's redirect failed the call: %v", err)
		}
		for _, i := range []int{0, 2} {
			if obs[i].Err != nil || obs[i].State != model.StateOpened {
				t.Errorf("letter %d: %s %v, want opened", i+1, obs[i].State, obs[i].Err)
			}
		}
		if o := obs[1]; !errors.Is(o.Err, channel.ErrFailing) || errors.Is(o.Err, channel.ErrBadRecord) || !strings.Contains(o.Err.Error(), "redirect") {
			t.Errorf("the redirected letter: %v; want ErrFailing saying redirect, not an unreadable record", o.Err)
		}
	})
}
