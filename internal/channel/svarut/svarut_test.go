package svarut

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/httpclient/spectest"
	"postvakt/internal/model"
)

const (
	idA = "0a1b2c3d-0000-4000-8000-00000000000a"
	idB = "0a1b2c3d-0000-4000-8000-00000000000b"
	idC = "0a1b2c3d-0000-4000-8000-00000000000c"
	idX = "0a1b2c3d-0000-4000-8000-0000000000ff" // never sent through SvarUt
)

var t0 = time.Date(2025, 2, 3, 11, 33, 55, 8_000_000, time.FixedZone("CET", 3600))

func TestEveryStatusMapped(t *testing.T) {
	none, print, closed := channel.DispositionNone, channel.DispositionChannelPrint, channel.DispositionClosed
	tests := []struct {
		status string
		state  model.State
		disp   channel.Disposition
		keep   bool
	}{
		{"MOTTATT", model.StateAccepted, none, false},
		{"MOTTAT", model.StateAccepted, none, false}, // KS's v1 JSON schema's spelling
		{"AKSEPTERT", model.StateAccepted, none, false},
		{"VARSLET", model.StateAvailable, none, false},
		{"KLAR_FOR_MOTTAK", model.StateAvailable, none, false},
		{"SENDT_DIGITALT", model.StateAvailable, none, false},
		{"SENDT_SDP", model.StateAvailable, none, false},
		{"LEVERT_SDP", model.StateAvailable, none, false},
		{"SENDT_NHN_MOTTAKER", model.StateAvailable, none, false},
		{"LEVERT_NHN_MOTTAKER", model.StateAvailable, none, false},
		{"LEST", model.StateOpened, none, false},
		{"AVVIST", model.StateRejected, none, false},
		{"IKKE_LEVERT", model.StateFailed, none, false},
		{"FEILET_UNDER_MOTTAK", model.StateFailed, none, false},
		{"SENDT_PRINT", model.StateAvailable, print, false},
		{"PRINTET", model.StateAvailable, print, false},
		{"MANUELT_HANDTERT", model.StateExpired, closed, false},
		{"SLETTET", "", closed, true}, // deleted for retention: keeps the last real state, escalation ends
	}
	if len(tests) != len(Statuses()) {
		t.Fatalf("table has %d statuses, test covers %d", len(Statuses()), len(tests))
	}
	for _, tt := range tests {
		o := channel.Observation{Status: tt.status}
		statuses.Apply(&o)
		if o.Err != nil || o.State != tt.state || o.Disposition != tt.disp || o.KeepState != tt.keep {
			t.Errorf("%s → %q/%q keep %v err %v, want %q/%q", tt.status, o.State, o.Disposition, o.KeepState, o.Err, tt.state, tt.disp)
		}
	}
	// Every v2 enum value of the OpenAPI file is in the table.
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	for _, f := range []string{"forsendelse-status-api-v2.json", "forsendelse-status-api-v3.json"} {
		b := readFile(t, specDir+f)
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		enum := doc.Components.Schemas["ForsendelseStatus"].Properties["status"].Enum
		if len(enum) < 13 {
			t.Fatalf("%s: found only %v", f, enum)
		}
		for _, s := range enum {
			if _, ok := statuses[s]; !ok {
				t.Errorf("%s status %s is not mapped", f, s)
			}
		}
	}
}

func TestStatusV2(t *testing.T) {
	f := newFake(t)
	f.set(idA, "LEST", t0)
	f.set(idB, "SENDT_PRINT", t0.Add(time.Hour))
	f.set(idC, "VARSLET", t0)
	c := newAdapter(t, f, setup{})
	ids := []string{idA, "not-a-uuid", strings.ToUpper(idB), idX, idC, idA}
	obs, err := c.Status(context.Background(), ids)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if len(obs) != len(ids) {
		t.Fatalf("%d observations for %d ids", len(obs), len(ids))
	}
	for i, o := range obs {
		if o.ChannelID != ids[i] {
			t.Errorf("obs[%d].ChannelID %q, want %q (input order)", i, o.ChannelID, ids[i])
		}
	}
	if o := obs[0]; o.Err != nil || o.State != model.StateOpened || o.Status != "LEST" || !o.ChangedAt.Equal(t0) {
		t.Errorf("idA: %+v", o)
	}
	if !bytes.Contains(obs[0].Payload, []byte(`"LEST"`)) || !json.Valid(obs[0].Payload) {
		t.Errorf("payload %s", obs[0].Payload)
	}
	if o := obs[1]; !errors.Is(o.Err, channel.ErrInvalidID) {
		t.Errorf("bad id: %v", o.Err)
	}
	if o := obs[2]; o.Err != nil || o.Disposition != channel.DispositionChannelPrint {
		t.Errorf("upper-case idB: %+v", o)
	}
	if o := obs[3]; !errors.Is(o.Err, channel.ErrNotKnown) || !strings.Contains(o.Err.Error(), "not known to the channel") || o.State != "" {
		t.Errorf("unknown id: %+v", o)
	}
	if o := obs[5]; o.State != model.StateOpened {
		t.Errorf("repeated id: %+v", o)
	}
	if len(f.batches) != 1 || len(f.batches[0]) != 4 {
		t.Errorf("batches %v: want one request with the 4 distinct valid ids", f.batches)
	}
	if req, resp := f.spec.Checked(); req != 1 || resp != 1 {
		t.Errorf("spec checked %d requests, %d responses", req, resp)
	}
}

func TestStatusBatches(t *testing.T) {
	f := newFake(t)
	c := newAdapter(t, f, setup{batch: 2})
	if c.BatchSize() != 2 || c.Name() != "svarut" {
		t.Fatal("BatchSize/Name")
	}
	obs, err := c.Status(context.Background(), []string{idA, idB, idC, idX, "0a1b2c3d-0000-4000-8000-000000000001"})
	if err != nil || len(obs) != 5 {
		t.Fatalf("%d obs, %v", len(obs), err)
	}
	if len(f.batches) != 3 {
		t.Fatalf("%d requests, want 3 batches of ≤ 2", len(f.batches))
	}
	if obs, err := c.Status(context.Background(), nil); err != nil || len(obs) != 0 || len(f.batches) != 3 {
		t.Fatalf("no ids: %v %v, and no request", obs, err)
	}
}

func TestStatusRetries(t *testing.T) {
	tests := []struct {
		name      string
		answer    func(w http.ResponseWriter)
		wantSleep time.Duration // 0: the backoff
	}{
		{"5xx then success", func(w http.ResponseWriter) {
			writeJSON(w, 503, map[string]any{"status": 503, "error": "Service Unavailable"})
		}, 0},
		{"429 with Retry-After", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3")
			writeJSON(w, 429, map[string]any{"status": 429, "error": "Too Many Requests"})
		}, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.set(idA, "VARSLET", t0)
			f.override = func(w http.ResponseWriter, _ *http.Request, n int) bool {
				if n == 1 {
					tt.answer(w)
					return true
				}
				return false
			}
			clock := &spectest.Clock{}
			c := newAdapter(t, f, setup{clock: clock})
			obs, err := c.Status(context.Background(), []string{idA})
			if err != nil || obs[0].State != model.StateAvailable {
				t.Fatalf("Status: %v %+v", err, obs)
			}
			if f.hits() != 2 || len(clock.Sleeps()) != 1 {
				t.Fatalf("hits %d sleeps %v", f.hits(), clock.Sleeps())
			}
			if tt.wantSleep != 0 && clock.Sleeps()[0] != tt.wantSleep {
				t.Errorf("waited %v, want Retry-After %v", clock.Sleeps()[0], tt.wantSleep)
			}
		})
	}
}

func TestStatusTimeout(t *testing.T) {
	f := newFake(t)
	f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		spectestSkip(w)
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
		return true
	}
	c := newAdapter(t, f, setup{timeout: 30 * time.Millisecond, retries: -1})
	start := time.Now()
	_, err := c.Status(context.Background(), []string{idA})
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") || time.Since(start) > time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
}

func TestStatusBadAnswers(t *testing.T) {
	tests := []struct {
		name, ctype, body, want string
	}{
		{"malformed JSON", "application/json", `{"statuser":[{"id":"` + idA + `","status":"LE`, "unreadable answer"},
		{"HTML error page", "text/html; charset=utf-8", `<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>`, "HTML page instead of JSON"},
		{"HTML without content type", "application/json", `<html>Innlogging</html>`, "HTML page"},
		{"JSON without statuser", "application/json", `{"feil":"noe gikk galt"}`, `no "statuser"`},
		// The answer, or its required statuser, null: no statement about
		// any letter, so none is unknown to SvarUt.
		{"null", "application/json", `null`, `no "statuser"`},
		{"statuser null", "application/json", `{"statuser":null}`, `no "statuser"`},
		{"a JSON string", "application/json", `"LEST"`, "unreadable answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.override = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
				spectestSkip(w)
				w.Header().Set("Content-Type", tt.ctype)
				_, _ = w.Write([]byte(tt.body))
				return true
			}
			c := newAdapter(t, f, setup{})
			obs, err := c.Status(context.Background(), []string{idA})
			var bad *channel.BadResponseError
			if !errors.As(err, &bad) || obs != nil {
				t.Fatalf("err %v obs %v, want a *channel.BadResponseError", err, obs)
			}
			// An HTML page is kept from its start; of JSON, only its length
			// and hash (channel.NewBadResponse).
			kept := bytes.HasPrefix([]byte(tt.body), bad.Body) && len(bad.Body) > 0
			if strings.HasPrefix(tt.body, "{") {
				kept = bytes.Contains(bad.Body, []byte(fmt.Sprintf(`"bytes":%d`, len(tt.body)))) && !bytes.Contains(bad.Body, []byte(idA))
			}
			if !strings.Contains(err.Error(), tt.want) || !kept {
				t.Errorf("error %q lacks %q, or kept %q", err, tt.want, bad.Body)
			}
		})
	}
}

func TestStatusUnknownValue(t *testing.T) {
	f := newFake(t)
	f.set(idA, "LEST", t0)
	f.set(idB, "FORSVUNNET", t0)
	f.override = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		spectestSkip(w) // off-spec on purpose: the enum lacks the value
		return false
	}
	c := newAdapter(t, f, setup{})
	obs, err := c.Status(context.Background(), []string{idA, idB})
	if err != nil {
		t.Fatal(err)
	}
	o := obs[1]
	if !errors.Is(o.Err, channel.ErrUnknownStatus) || o.Status != "FORSVUNNET" || o.State != "" || !bytes.Contains(o.Payload, []byte("FORSVUNNET")) {
		t.Fatalf("unknown status: %+v", o)
	}
	if obs[0].Err != nil || obs[0].State != model.StateOpened {
		t.Fatalf("the known one suffers: %+v", obs[0])
	}
}

func TestHistoryV2(t *testing.T) {
	f := newFake(t)
	f.set(idA, "LEST", t0)
	c := newAdapter(t, f, setup{})
	h, err := c.History(context.Background(), idA)
	if err != nil || !bytes.Contains(h, []byte("Akseptert for ekspedering")) {
		t.Fatalf("History: %s %v", h, err)
	}
	if _, err := c.History(context.Background(), idX); !errors.Is(err, channel.ErrNotKnown) {
		t.Fatalf("unknown id: %v", err)
	}
	if _, err := c.History(context.Background(), "../../etc"); !errors.Is(err, channel.ErrInvalidID) {
		t.Fatalf("bad id: %v", err)
	}
	f.override = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		spectestSkip(w)
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>Vedlikehold</html>"))
		return true
	}
	var bad *channel.BadResponseError
	if _, err := c.History(context.Background(), idA); !errors.As(err, &bad) {
		t.Fatalf("HTML history: %v", err)
	}
	if req, resp := f.spec.Checked(); req != 3 || resp != 2 {
		t.Errorf("spec checked %d requests, %d responses", req, resp)
	}
}

func TestV1(t *testing.T) {
	f := newFake(t)
	f.set(idA, "AVVIST", t0)
	f.set(idB, "MANUELT_HANDTERT", t0)
	c := newAdapter(t, f, setup{api: APIv1})
	obs, err := c.Status(context.Background(), []string{idA, idB, idX})
	if err != nil {
		t.Fatal(err)
	}
	if o := obs[0]; o.State != model.StateRejected || !o.ChangedAt.Equal(t0) {
		t.Errorf("v1 idA %+v", o)
	}
	if o := obs[1]; o.State != model.StateExpired || o.Disposition != channel.DispositionClosed {
		t.Errorf("v1 idB %+v", o)
	}
	if !errors.Is(obs[2].Err, channel.ErrNotKnown) {
		t.Errorf("v1 unknown id %+v", obs[2])
	}
	h, err := c.History(context.Background(), idA)
	if err != nil || !bytes.Contains(h, []byte("hendelsesLogger")) {
		t.Fatalf("v1 history %s %v", h, err)
	}
}

// TestSecretsNotLogged runs failing and succeeding calls with debug
// logging and checks the log for every credential.
func TestSecretsNotLogged(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, api := range []string{APIv2, APIv1} {
		f := newFake(t)
		f.override = func(w http.ResponseWriter, r *http.Request, n int) bool {
			if n > 1 {
				return false
			}
			spectestSkip(w)
			w.WriteHeader(500) // echoes the credentials, as careless servers do
			_, _ = w.Write([]byte("feil: " + r.Header.Get("Authorization") + " " + r.Header.Get("IntegrasjonPassord") + " " + v1Pass))
			return true
		}
		c := newAdapter(t, f, setup{api: api, logger: logger, clock: &spectest.Clock{}})
		if _, err := c.Status(context.Background(), []string{idA}); err != nil {
			t.Fatal(err)
		}
	}
	for _, secret := range []string{token, integrPW, v1Pass, "bWFza2lucG9ydGVu"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("secret %q logged:\n%s", secret, buf.String())
		}
	}
	if !strings.Contains(buf.String(), "retrying request") || !strings.Contains(buf.String(), httpclient.Redacted) {
		t.Errorf("expected retry and redacted debug records:\n%s", buf.String())
	}
}

type failingToken struct{}

func (failingToken) Token(context.Context) (string, error) {
	return "", errors.New("maskinporten down")
}

func TestTokenFailureSendsNothing(t *testing.T) {
	f := newFake(t)
	hc, _ := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: f.srv.URL, Logger: slog.New(slog.DiscardHandler)})
	c, err := New(Config{KontoID: kontoID, IntegrasjonID: integrID, IntegrasjonPassord: integrPW, Logger: slog.New(slog.DiscardHandler)}, hc, failingToken{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Status(context.Background(), []string{idA}); err == nil || !strings.Contains(err.Error(), "maskinporten down") {
		t.Fatalf("err %v", err)
	}
	if f.hits() != 0 {
		t.Fatalf("%d requests sent without a token", f.hits())
	}
}

func TestNewValidates(t *testing.T) {
	hc, _ := httpclient.New(httpclient.Options{Name: "svarut"})
	for _, cfg := range []Config{
		{KontoID: "konto", IntegrasjonID: "i", IntegrasjonPassord: "p"},
		{KontoID: kontoID},
		{API: "v1", User: "u"},
		{API: "v9", KontoID: kontoID, IntegrasjonID: "i", IntegrasjonPassord: "p"},
	} {
		cfg.Logger = slog.New(slog.DiscardHandler)
		if _, err := New(cfg, hc, nil); err == nil {
			t.Errorf("New(%+v) accepted a bad config", cfg)
		}
	}
	if _, err := New(Config{KontoID: kontoID}, nil, nil); err == nil {
		t.Error("New without an HTTP client")
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]time.Time{
		`"2023-01-01T11:33:55.008+01:00"`: time.Date(2023, 1, 1, 10, 33, 55, 8_000_000, time.UTC),
		`1672569235008`:                   time.Date(2023, 1, 1, 10, 33, 55, 8_000_000, time.UTC),
		`"1672569235008"`:                 time.Date(2023, 1, 1, 10, 33, 55, 8_000_000, time.UTC),
		`"2023-07-01T12:00:00"`:           time.Date(2023, 7, 1, 10, 0, 0, 0, time.UTC),           // Oslo summer time
		`"2023-01-01t10:33:55.008z"`:      time.Date(2023, 1, 1, 10, 33, 55, 8_000_000, time.UTC), // RFC 3339 §5.6
		`null`:                            {},
		``:                                {},
	} {
		got, err := parseTime(json.RawMessage(in))
		if err != nil || !got.Equal(want) {
			t.Errorf("parseTime(%s) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		`1672569235`:       "looks like epoch seconds",
		`"1672569235"`:     "looks like epoch seconds",
		`12`:               "no epoch-milliseconds time",
		`1672569235008000`: "no epoch-milliseconds time",
		`"i går"`:          "not a date-time",
		`true`:             "not a date-time",
	} {
		got, err := parseTime(json.RawMessage(in))
		if !errors.Is(err, channel.ErrBadTimestamp) || !strings.Contains(err.Error(), want) || !got.IsZero() {
			t.Errorf("parseTime(%s) = %v, %v; want ErrBadTimestamp %q", in, got, err, want)
		}
	}
}

// TestV1NoneKnown: SvarUt v1 answers 404 when it knows none of the ids;
// every id is then unknown to the channel, and the call did not fail. A 404
// that is not SvarUt's answer (an HTML or text page: a proxy, a wrong path)
// says nothing of the letters: the call failed, and no letter is marked
// unknown (which would hold its reminders and lead to print).
func TestV1NoneKnown(t *testing.T) {
	for _, c := range []struct {
		name, contentType, body string
		known                   bool // SvarUt's own answer: none known
	}{
		{"SvarUt's JSON", "application/json", `{"status":404,"error":"Not Found","message":"Fant ingen forsendelser"}`, true},
		{"an empty body", "", "", true},
		{"a proxy's HTML page", "text/html", "<html><body><h1>404 Not Found</h1>nginx</body></html>", false},
		{"HTML without its type", "", "<!DOCTYPE html><html><body>Not Found</body></html>", false},
		{"a text page", "text/plain", "404 page not found", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				if c.contentType != "" {
					w.Header().Set("Content-Type", c.contentType)
				}
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(c.body))
				return true
			}
			cl := newAdapter(t, f, setup{api: APIv1})
			obs, err := cl.Status(context.Background(), []string{idA, idB})
			if !c.known {
				if err == nil {
					t.Fatalf("v1 404 %s: %v, want the call to fail", c.name, obs)
				}
				return
			}
			if err != nil || len(obs) != 2 {
				t.Fatalf("v1 404: %v %v, want no error", obs, err)
			}
			for _, o := range obs {
				if !errors.Is(o.Err, channel.ErrNotKnown) {
					t.Errorf("%s: %v, want ErrNotKnown", o.ChannelID, o.Err)
				}
			}
			if f.hits() != 1 {
				t.Errorf("%d requests: a 404 is an answer, not retried", f.hits())
			}
		})
	}
}

// TestBadRecordsAreTheirIdsProblem: in one answer, a record with a field of
// the wrong type, a timestamp in epoch seconds, one in the far future kept
// for the poller, and SLETTET; each is its own id's outcome.
func TestBadRecordsAreTheirIdsProblem(t *testing.T) {
	f := newFake(t)
	f.override = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		spectestSkip(w)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"statuser":[
			{"id":%q,"sisteStatusEndring":"2025-02-03T11:33:55.008+01:00","status":["LEST"]},
			{"id":%q,"sisteStatusEndring":1738578835,"status":"LEST"},
			{"id":%q,"sisteStatusEndring":"2025-02-03T11:33:55.008+01:00","status":"SLETTET"},
			{"id":7,"status":"LEST"},
			{"id":%q,"sisteStatusEndring":"2025-02-03T11:33:55.008+01:00","status":"LEST","merknad":"nul \u0000 og %s"}]}`, idA, idB, idC, idX, "\xff")
		return true
	}
	c := newAdapter(t, f, setup{})
	obs, err := c.Status(context.Background(), []string{idA, idB, idC, idX})
	if err != nil {
		t.Fatal(err)
	}
	if o := obs[0]; !errors.Is(o.Err, channel.ErrBadRecord) || len(o.Payload) == 0 {
		t.Errorf("wrong-typed record: %+v", o)
	}
	if o := obs[1]; !errors.Is(o.Err, channel.ErrBadTimestamp) || o.Status != "LEST" || o.State != "" {
		t.Errorf("epoch seconds: %+v", o)
	}
	if o := obs[2]; o.Err != nil || !o.KeepState || o.Status != "SLETTET" {
		t.Errorf("SLETTET: %+v", o)
	}
	// Its odd bytes are in a field the evidence does not keep (status facts
	// only: statusRecordFacts).
	if o := obs[3]; o.Err != nil || o.State != model.StateOpened || bytes.Contains(o.Payload, []byte("merknad")) ||
		!bytes.Contains(o.Payload, []byte(`"status":"LEST"`)) {
		t.Errorf("a readable record with odd bytes is still read: %+v %s", o, o.Payload)
	}
}
