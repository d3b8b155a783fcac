package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"postvakt/internal/logtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
	"postvakt/internal/web"
)

type env struct {
	t   *testing.T
	srv *httptest.Server
	st  *store.Store
	log *logtest.Buffer
}

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func newEnv(t *testing.T) *env { t.Helper(); return newEnvWith(t) }

// newEnvWith starts a server with options over a fresh database.
func newEnvWith(t *testing.T, opts ...web.Option) *env {
	t.Helper()
	return newEnvOver(t, func(st *store.Store) web.Store { return st }, opts...)
}

// newEnvOver is newEnvWith whose server uses the fresh database's store
// as over makes it (a test's wrapper of some of its methods).
func newEnvOver(t *testing.T, over func(*store.Store) web.Store, opts ...web.Option) *env {
	t.Helper()
	st := storetest.Open(t)
	logBuf := &logtest.Buffer{}
	log := slog.New(slog.NewTextHandler(logBuf, nil))
	spec := loadAPISpec(t)
	srv := httptest.NewServer(spec.wrap(t, web.New(over(st), log, func() time.Time { return now }, opts...)))
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, st: st, log: logBuf}
}

func (e *env) token(role, org, unit string) string {
	e.t.Helper()
	// The first of a role is "<role>-test" (the audit log's name), the
	// next "<role>-test-2", ...: an active token's name is unique.
	name := role + "-test"
	for n := 2; ; n++ {
		s, err := e.st.CreateToken(context.Background(), store.Token{Name: name, Role: role, SenderOrg: org, Unit: unit})
		if errors.Is(err, store.ErrTokenNameInUse) {
			name = fmt.Sprintf("%s-test-%d", role, n)
			continue
		}
		if err != nil {
			e.t.Fatal(err)
		}
		return s
	}
}

func (e *env) do(method, path, token, body string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json") // e.send sends others
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		e.t.Fatalf("%s %s: answer is not JSON: %s", method, path, b)
	}
	return resp.StatusCode, out
}

const good = `{"channel":"svarut","channel_id":"d6b23522-ddf3-462a-8140-16e59e1f476d","sender_org":"964338531",
 "sender_unit":"Barnevernstjenesten","recipient":{"kind":"org","id":"974760673"},
 "title":"Vedtak om hemmelig tiltak","confidential":true,"class":"taushetsbelagt","sent_at":"2026-11-20T10:00:00+01:00"}`

const person = `{"channel":"altinn","channel_id":"a1000000-0000-4000-8000-000000000001","sender_org":"964338531",
 "sender_unit":"NAV","recipient":{"kind":"person","id":"01017012343"},
 "title":"Brev","confidential":true,"class":"ordinaer","sent_at":"2026-11-21T10:00:00Z"}`

func TestAPINeedsToken(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ method, path, token string }{
		{"GET", "/api/v1/shipments", ""},
		{"POST", "/api/v1/shipments", ""},
		{"GET", "/api/v1/shipments", "pvt_wrong"},
		{"GET", "/api/v1/nothing", ""},
	} {
		if code, _ := e.do(tc.method, tc.path, tc.token, good); code != http.StatusUnauthorized {
			t.Errorf("%s %s with token %q: %d, want 401", tc.method, tc.path, tc.token, code)
		}
	}
	resp, err := http.Get(e.srv.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	ops := e.token("operations", "", "")
	if code, _ := e.do("GET", "/api/v1/shipments", ops, ""); code != http.StatusForbidden {
		t.Errorf("operations role listing shipments: %d, want 403", code)
	}
}

func TestRegisterBatchAndRead(t *testing.T) {
	e := newEnv(t)
	tok := e.token("compliance", "964338531", "")
	code, out := e.do("POST", "/api/v1/shipments", tok, "["+good+","+person+"]")
	if code != http.StatusCreated {
		t.Fatalf("register: %d %v", code, out)
	}
	list := out["shipments"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["channel"] != "svarut" || list[1].(map[string]any)["channel"] != "altinn" {
		t.Fatalf("answer not in request order: %v", list)
	}
	first := list[0].(map[string]any)
	if first["state"] != "registered" || first["id"] == "" {
		t.Fatalf("first = %v", first)
	}
	// The same again: idempotent, 200, same ids.
	code, again := e.do("POST", "/api/v1/shipments", tok, good)
	if code != http.StatusOK || again["shipments"].([]any)[0].(map[string]any)["id"] != first["id"] {
		t.Fatalf("repeat: %d %v", code, again)
	}
	// A registration reads nothing without an audited view: the answer
	// shows the letters as lists do, also one that existed already.
	if _, ok := again["shipments"].([]any)[0].(map[string]any)["title"]; ok {
		t.Errorf("a registration answers a letter's title: %v", again)
	}
	code, sh := e.do("GET", "/api/v1/shipments/"+first["id"].(string), tok, "")
	if code != 200 {
		t.Fatalf("get: %d %v", code, sh)
	}
	events := sh["events"].([]any)
	if len(events) != 1 || events[0].(map[string]any)["source"] != "api" || events[0].(map[string]any)["actor"] != "token:compliance-test" {
		t.Fatalf("events = %v", events)
	}
	code, page := e.do("GET", "/api/v1/shipments?limit=1", tok, "")
	if code != 200 || len(page["shipments"].([]any)) != 1 || page["next_cursor"] == "" {
		t.Fatalf("list: %d %v", code, page)
	}
	code, page2 := e.do("GET", "/api/v1/shipments?limit=1&cursor="+page["next_cursor"].(string), tok, "")
	if code != 200 || page2["shipments"].([]any)[0].(map[string]any)["channel"] != "svarut" || page2["next_cursor"] != "" {
		t.Fatalf("second page: %d %v", code, page2)
	}
	// Lists carry no title and no whole national id (the letter's own
	// page has both).
	for _, p := range []map[string]any{page, page2} {
		for _, row := range p["shipments"].([]any) {
			r := row.(map[string]any)
			if _, ok := r["title"]; ok || strings.Contains(fmt.Sprint(r), "01017012343") {
				t.Errorf("a listed shipment shows its title or a whole national id: %v", r)
			}
		}
	}
	if rec := page["shipments"].([]any)[0].(map[string]any)["recipient"].(map[string]any); rec["kind"] == "person" && rec["id"] != "010170*****" {
		t.Errorf("listed person recipient %v, want masked", rec)
	}
	if strings.Contains(e.log.String(), "01017012343") || strings.Contains(e.log.String(), "hemmelig") {
		t.Fatalf("log shows a person id or a title:\n%s", e.log.String())
	}
}

func TestRegisterRejectsWholeBatch(t *testing.T) {
	e := newEnv(t)
	tok := e.token("admin", "", "")
	bad := strings.Replace(good, `"974760673"`, `"974760674"`, 1)
	bad = strings.Replace(bad, `d6b23522`, `ffffffff`, 1)
	future := strings.Replace(person, "2026-11-21T10:00:00Z", "2026-12-24T10:00:00Z", 1)
	cases := []struct {
		name, body string
		want       [][2]any // index, field
	}{
		{"bad orgnr", "[" + good + "," + bad + "]", [][2]any{{1, "recipient.id"}}},
		{"future", "[" + future + "]", [][2]any{{0, "sent_at"}}},
		{"missing", `[{"channel":"svarut"}]`, [][2]any{{0, "channel_id"}, {0, "sender_org"}, {0, "recipient"}}},
		{"unknown channel", `[` + strings.Replace(good, `"svarut"`, `"fax"`, 1) + `]`, [][2]any{{0, "channel"}}},
		{"wrong type", `[` + strings.Replace(good, `true`, `"yes"`, 1) + `]`, [][2]any{{0, "confidential"}}},
		// Bad bytes are a 422 like any other bad value, never a 500 or a database message.
		{"NUL escape", `[` + good + `,` + strings.Replace(good, `hemmelig tiltak`, `hemmelig\u0000tiltak`, 1) + `]`, [][2]any{{1, "title"}}},
		{"raw NUL", `[` + strings.Replace(good, `Barnevernstjenesten`, "Barnevern\x00", 1) + `]`, [][2]any{{0, "sender_unit"}}},
		{"invalid UTF-8", `[` + strings.Replace(good, `hemmelig tiltak`, "hemmelig \xe6\xf8 tiltak", 1) + `]`, [][2]any{{0, "title"}}},
		{"control character", `[` + strings.Replace(good, `hemmelig tiltak`, `hemmelig\ttiltak`, 1) + `]`, [][2]any{{0, "title"}}},
		{"over-long title", `[` + strings.Replace(good, `hemmelig tiltak`, strings.Repeat("ø", 1001), 1) + `]`, [][2]any{{0, "title"}}},
		{"NUL in channel id", `[` + strings.Replace(good, `d6b23522`, `d6b\u000023522`, 1) + `]`, [][2]any{{0, "channel_id"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out := e.do("POST", "/api/v1/shipments", tok, tc.body)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("%d %v, want 422", code, out)
			}
			errs := out["errors"].([]any)
			for _, w := range tc.want {
				found := false
				for _, x := range errs {
					m := x.(map[string]any)
					if int(m["index"].(float64)) == w[0].(int) && m["field"] == w[1] && m["message"] != "" {
						found = true
					}
				}
				if !found {
					t.Errorf("no error for item %v field %v in %v", w[0], w[1], errs)
				}
			}
		})
	}
	code, page := e.do("GET", "/api/v1/shipments", tok, "")
	if code != 200 || len(page["shipments"].([]any)) != 0 {
		t.Fatalf("something was stored from refused batches: %v", page)
	}
	if strings.Contains(e.log.String(), "level=ERROR") || strings.Contains(e.log.String(), "pq:") {
		t.Fatalf("bad input reached the database:\n%s", e.log.String())
	}
	if code, _ := e.do("POST", "/api/v1/shipments", tok, "{garbage"); code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
		t.Fatalf("garbage body: %d", code)
	}
}

func TestUnitTokenSeesOnlyItsUnit(t *testing.T) {
	e := newEnv(t)
	admin := e.token("admin", "", "")
	code, out := e.do("POST", "/api/v1/shipments", admin, "["+good+","+person+"]")
	if code != http.StatusCreated {
		t.Fatal(code, out)
	}
	list := out["shipments"].([]any)
	navID := list[1].(map[string]any)["id"].(string)
	unit := e.token("unit", "964338531", "Barnevernstjenesten")
	code, page := e.do("GET", "/api/v1/shipments", unit, "")
	if code != 200 || len(page["shipments"].([]any)) != 1 {
		t.Fatalf("unit list: %d %v", code, page)
	}
	if code, _ := e.do("GET", "/api/v1/shipments/"+navID, unit, ""); code != http.StatusNotFound {
		t.Fatalf("unit reading another unit's shipment: %d", code)
	}
	if code, _ := e.do("POST", "/api/v1/shipments", unit, person); code != http.StatusUnprocessableEntity {
		t.Fatalf("unit registering for another unit: %d", code)
	}
	// The try is audited, as a request outside the token's scope is.
	var n int
	if err := e.st.DB().Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'forbidden'
		AND detail = 'registration of 1 item(s) outside the token''s scope'`); err != nil || n != 1 {
		t.Errorf("%d audit entries of the try (%v), want 1", n, err)
	}
}

// Registering a channel id that another sender organisation registered
// must not hand back that organisation's shipment, and stores nothing.
func TestRegisterRefusesAnotherSendersShipment(t *testing.T) {
	e := newEnv(t)
	admin := e.token("admin", "", "")
	if code, out := e.do("POST", "/api/v1/shipments", admin, good); code != http.StatusCreated {
		t.Fatal(code, out)
	}
	// Another municipality (Oslo, 974778742) claims the same SvarUt id.
	other := strings.Replace(good, `"964338531"`, `"974778742"`, 1)
	other = strings.Replace(other, "Vedtak om hemmelig tiltak", "Annet", 1)
	fresh := strings.Replace(person, `"a1000000-0000-4000-8000-000000000001"`, `"a1000000-0000-4000-8000-000000000002"`, 1)
	fresh = strings.Replace(fresh, `"964338531"`, `"974778742"`, 1)
	oslo := e.token("compliance", "974778742", "")
	code, out := e.do("POST", "/api/v1/shipments", oslo, "["+fresh+","+other+"]")
	if code != http.StatusConflict {
		t.Fatalf("%d %v, want 409", code, out)
	}
	body, _ := json.Marshal(out)
	if strings.Contains(string(body), "hemmelig") || strings.Contains(string(body), "Barnevernstjenesten") {
		t.Fatalf("the answer shows the other organisation's shipment: %s", body)
	}
	errs := out["errors"].([]any)
	if len(errs) != 1 || int(errs[0].(map[string]any)["index"].(float64)) != 1 {
		t.Fatalf("errors %v, want item 1", errs)
	}
	if code, page := e.do("GET", "/api/v1/shipments", oslo, ""); code != 200 || len(page["shipments"].([]any)) != 0 {
		t.Fatalf("something was stored for Oslo: %d %v", code, page)
	}
}
