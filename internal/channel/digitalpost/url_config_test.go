package digitalpost

import (
	"strings"
	"testing"

	"postvakt/internal/channel"
	"postvakt/internal/config"
)

// TestBaseURLSettings: POSTVAKT_DIGITALPOST_URL is the API base including
// /apis/v1, to which postvakt appends events/ (the notes' base,
// https://api.digitalpost.dk/apis/v1/). Digital Post's own host without
// that path, or a URL of an endpoint (…/events, …/memos kept from the
// sending system's settings) sent every read to a path the log does not
// serve: every poll failed with a 404 naming no setting. They stop the
// start naming the variable; the notes' bases (with or without the
// trailing slash) and another host's path (a gateway, the simulator) are
// taken.
func TestBaseURLSettings(t *testing.T) {
	read := func(u string) error {
		env := map[string]string{"POSTVAKT_DIGITALPOST_URL": u,
			"POSTVAKT_DIGITALPOST_SYSTEM_ID": "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6", "POSTVAKT_DIGITALPOST_API_TOKEN": "tok"}
		r := config.NewReader(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		op := configure(config.Config{}, r)
		if err := r.Err(); err != nil {
			return err
		}
		if op == nil {
			t.Fatalf("%s: Digital Post off", u)
		}
		_, err := op(channel.Deps{Log: quiet})
		return err
	}
	for _, u := range []string{"http://api.digitalpost.dk/apis/v1", "http://api.test.digitalpost.dk/apis/v1/",
		"http://127.0.0.1:8080", "http://gateway.kommune.dk/digitalpost/apis/v1", "http://127.0.0.1:8080/digitalpost"} {
		if err := read(u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	for _, u := range []string{"https://api.digitalpost.dk", "https://api.test.digitalpost.dk/", "https://api.digitalpost.dk/apis",
		"https://api.digitalpost.dk/apis/v1/events", "https://api.test.digitalpost.dk/apis/v1/events/",
		"http://gateway.kommune.dk/apis/v1/events", "http://gateway.kommune.dk/apis/v1/memos/"} {
		err := read(u)
		if err == nil || !strings.Contains(err.Error(), "POSTVAKT_DIGITALPOST_URL:") || !strings.Contains(err.Error(), "/apis/v1") {
			t.Errorf("%s: %v; want a start error naming POSTVAKT_DIGITALPOST_URL and the base's /apis/v1", u, err)
		}
	}
}
