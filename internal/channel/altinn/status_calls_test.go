package altinn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/httpclient/spectest"
	"postvakt/internal/model"
)

func TestStatusUnknownAndInvalidIDs(t *testing.T) {
	f := newFake(t)
	f.add(&fakeCorr{id: uuid(1), created: t0, history: []event{{"Published", t0}}})
	ids := []string{"nope", uuid(404), strings.ToUpper(uuid(1)), uuid(1)}
	obs, err := newAdapter(t, f, setup{}).Status(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(obs[0].Err, channel.ErrInvalidID) {
		t.Errorf("invalid id: %+v", obs[0])
	}
	if !errors.Is(obs[1].Err, channel.ErrNotKnown) || !strings.Contains(obs[1].Err.Error(), "not known to the channel") {
		t.Errorf("unknown id: %+v", obs[1])
	}
	for i := 2; i < 4; i++ {
		if obs[i].State != model.StateAvailable || obs[i].ChannelID != ids[i] {
			t.Errorf("obs[%d] %+v", i, obs[i])
		}
	}
	if n := f.details.Load(); n != 2 {
		t.Errorf("%d details requests, want 2 (invalid id not sent, duplicate asked once)", n)
	}
}

func TestStatusBoundedConcurrency(t *testing.T) {
	f := newFake(t)
	f.delay = 5 * time.Millisecond
	var ids []string
	for i := range 24 {
		ids = append(ids, uuid(i))
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}}})
	}
	c := newAdapter(t, f, setup{cfg: Config{Concurrency: 3}})
	if _, err := c.Status(context.Background(), ids); err != nil {
		t.Fatal(err)
	}
	if p := f.peak.Load(); p > 3 || p < 2 {
		t.Fatalf("peak %d details requests in flight, want ≤ 3 (and some parallelism)", p)
	}
}

func TestStatusRetries(t *testing.T) {
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter)
		want   time.Duration
	}{
		{"5xx then success", func(w http.ResponseWriter) { w.WriteHeader(502) }, 0},
		{"429 with Retry-After", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
		}, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.add(&fakeCorr{id: uuid(1), created: t0, history: []event{{"Read", t0}}})
			f.override = func(w http.ResponseWriter, _ *http.Request, n int) bool {
				if n == 1 {
					tt.answer(w)
					return true
				}
				return false
			}
			clock := &spectest.Clock{}
			obs, err := newAdapter(t, f, setup{clock: clock}).Status(context.Background(), []string{uuid(1)})
			if err != nil || obs[0].State != model.StateOpened {
				t.Fatalf("%v %+v", err, obs)
			}
			if f.details.Load() != 2 || len(clock.Sleeps()) != 1 || (tt.want != 0 && clock.Sleeps()[0] != tt.want) {
				t.Fatalf("requests %d, waits %v", f.details.Load(), clock.Sleeps())
			}
		})
	}
}

func TestStatusWholeCallFailures(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		answer  func(w http.ResponseWriter, r *http.Request)
		check   func(t *testing.T, err error)
		ids     int // letters asked about (0: 2)
	}{
		{"timeout", 30 * time.Millisecond, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}, func(t *testing.T, err error) {
			if !strings.Contains(err.Error(), "deadline exceeded") {
				t.Errorf("err %v", err)
			}
		}, 0},
		{"HTML error page", 0, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"))
		}, func(t *testing.T, err error) {
			var bad *channel.BadResponseError
			if !errors.As(err, &bad) || !bytes.Contains(bad.Body, []byte("503 Service")) || !strings.Contains(err.Error(), "HTML") {
				t.Errorf("err %v", err)
			}
		}, 0},
		{"401 on every id without code 4001", 0, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(401) }, func(t *testing.T, err error) {
			if !errors.Is(err, channel.ErrRefused) || !strings.Contains(err.Error(), "every one of 2") || !strings.Contains(err.Error(), "token") {
				t.Errorf("err %v", err)
			}
		}, 0},
		{"401 with code 4001 on every id", 0, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"title":"Unauthorized","status":401,"errorCode":"CORR-4001"}`))
		}, func(t *testing.T, err error) {
			if !errors.Is(err, channel.ErrRefused) || !strings.Contains(err.Error(), "every one of 3") || !strings.Contains(err.Error(), "3 with code 4001") {
				t.Errorf("err %v", err)
			}
		}, refusedCallAt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				spectestSkip(w)
				tt.answer(w, r)
				return true
			}
			ids := []string{uuid(1), uuid(2)}
			for i := 3; i <= tt.ids; i++ {
				ids = append(ids, uuid(i))
			}
			obs, err := newAdapter(t, f, setup{timeout: tt.timeout, retries: -1}).Status(context.Background(), ids)
			if err == nil || obs != nil {
				t.Fatalf("want a whole-call error, got %v %v", obs, err)
			}
			tt.check(t, err)
		})
	}
}

// hangOn answers the details of id only when the request gives up (or
// after a minute); the others as the fake does.
func hangOn(id string) func(w http.ResponseWriter, r *http.Request, _ int) bool {
	return func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if r.PathValue("id") != id {
			return false
		}
		spectestSkip(w)
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
		return true
	}
}

// TestStatusOneSlowRecord: a correspondence whose details do not come in
// time, after retries, is that letter's error; the others are read.
func TestStatusOneSlowRecord(t *testing.T) {
	f := newFake(t)
	for i := 1; i <= 3; i++ {
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}, {"Read", t0.Add(time.Hour)}}})
	}
	f.override = hangOn(uuid(2))
	// A timeout the others meet on a busy machine (the race detector, other
	// tests), and the slow one never.
	obs, err := newAdapter(t, f, setup{timeout: time.Second, retries: -1}).Status(context.Background(), []string{uuid(1), uuid(2), uuid(3)})
	if err != nil || len(obs) != 3 {
		t.Fatalf("one slow record failed the call: %v", err)
	}
	for i, o := range obs {
		if i == 1 {
			if !errors.Is(o.Err, channel.ErrFailing) || !errors.Is(o.Err, httpclient.ErrTimeout) {
				t.Errorf("the slow record: %v, want ErrFailing (timed out)", o.Err)
			}
			continue
		}
		if o.Err != nil || o.State != model.StateOpened {
			t.Errorf("letter %d held back by the slow one: %s %v", i+1, o.State, o.Err)
		}
	}
}

// TestStatusBatchTime: a batch whose time runs out keeps the answers in
// by then; the letter still waited for is its ErrFailing, those not asked
// about yet ErrNotAsked (asked again soon, not their failure), and the
// call returns in the batch's time.
func TestStatusBatchTime(t *testing.T) {
	f := newFake(t)
	for i := 1; i <= 4; i++ {
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}}})
	}
	f.override = hangOn(uuid(2))
	c := newAdapter(t, f, setup{cfg: Config{BatchTime: 1500 * time.Millisecond, Concurrency: 1}, timeout: 30 * time.Second, retries: -1})
	started := time.Now()
	obs, err := c.Status(context.Background(), []string{uuid(1), uuid(2), uuid(3), uuid(4)})
	if err != nil || len(obs) != 4 {
		t.Fatalf("the batch's time ran out: %v", err)
	}
	if took := time.Since(started); took > 10*time.Second {
		t.Errorf("Status took %s, want about the batch's 1.5 s", took)
	}
	if obs[0].Err != nil || obs[0].State != model.StateAvailable {
		t.Errorf("the letter answered in time: %s %v", obs[0].State, obs[0].Err)
	}
	if o := obs[1]; !errors.Is(o.Err, channel.ErrFailing) || !strings.Contains(o.Err.Error(), "batch's 1.5s") {
		t.Errorf("the letter waited for: %v, want ErrFailing naming the batch's time", o.Err)
	}
	for _, o := range obs[2:] {
		if !errors.Is(o.Err, channel.ErrNotAsked) || errors.Is(o.Err, channel.ErrFailing) {
			t.Errorf("%s, never asked: %v, want ErrNotAsked (not the letter's failure)", o.ChannelID, o.Err)
		}
	}
}

func TestStatusBadRecords(t *testing.T) {
	f := newFake(t)
	f.add(&fakeCorr{id: uuid(1), created: t0, history: []event{{"Published", t0}}})
	f.add(&fakeCorr{id: uuid(3), created: t0, history: []event{{"Published", t0}, {"Teleported", t0.Add(time.Minute)}}})
	f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		switch r.PathValue("id") {
		case uuid(2):
			spectestSkip(w)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"correspondenceId":"` + uuid(2) + `","status":"Rea`))
			return true
		case uuid(3):
			spectestSkip(w) // an enum value the spec does not know, on purpose
		}
		return false
	}
	obs, err := newAdapter(t, f, setup{}).Status(context.Background(), []string{uuid(1), uuid(2), uuid(3)})
	if err != nil {
		t.Fatal(err)
	}
	if obs[0].Err != nil {
		t.Errorf("good record: %+v", obs[0])
	}
	if o := obs[1]; !errors.Is(o.Err, channel.ErrBadRecord) || !json.Valid(o.Payload) || !bytes.Contains(o.Payload, []byte(`"sha256"`)) ||
		!bytes.Contains(o.Payload, []byte(uuid(2))) || bytes.Contains(o.Payload, []byte(`"Rea`)) {
		t.Errorf("malformed JSON: %+v (payload %s)", o, o.Payload)
	}
	if o := obs[2]; !errors.Is(o.Err, channel.ErrUnknownStatus) || o.Status != "Teleported" || o.State != "" || !bytes.Contains(o.Payload, []byte("Teleported")) {
		t.Errorf("unknown status: %+v", o)
	}
}

// TestStatusFewRefused: fewer than refusedCallAt letters, each refused
// with code 4001 and none read, are each letter's refusal (foreign letters
// that came due together), not an outage of the call.
func TestStatusFewRefused(t *testing.T) {
	f := newFake(t)
	f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"title":"Unauthorized","status":401,"errorCode":"CORR-4001"}`))
		return true
	}
	obs, err := newAdapter(t, f, setup{retries: -1}).Status(context.Background(), []string{uuid(1), uuid(2)})
	if err != nil || len(obs) != 2 {
		t.Fatalf("two letters refused with 4001: %v, want each its own refusal", err)
	}
	for _, o := range obs {
		if !errors.Is(o.Err, channel.ErrRefused) || !bytes.Contains(o.Payload, []byte("4001")) {
			t.Errorf("%s: %v (payload %s), want ErrRefused with Altinn's answer", o.ChannelID, o.Err, o.Payload)
		}
	}
}

// TestStatusOnePage: a page instead of JSON for one letter (a proxy's
// answer to that one request) is that letter's failure, asked again later;
// the others are read, the call goes on, nothing is asked twice.
func TestStatusOnePage(t *testing.T) {
	f := newFake(t)
	for i := 1; i <= 3; i++ {
		f.add(&fakeCorr{id: uuid(i), created: t0, history: []event{{"Published", t0}, {"Read", t0.Add(time.Hour)}}})
	}
	f.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if r.PathValue("id") != uuid(2) {
			return false
		}
		spectestSkip(w)
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>"))
		return true
	}
	obs, err := newAdapter(t, f, setup{retries: -1}).Status(context.Background(), []string{uuid(1), uuid(2), uuid(3)})
	if err != nil || len(obs) != 3 {
		t.Fatalf("one letter's page failed the call: %v", err)
	}
	for _, i := range []int{0, 2} {
		if obs[i].Err != nil || obs[i].State != model.StateOpened {
			t.Errorf("letter %d: %s %v, want opened", i+1, obs[i].State, obs[i].Err)
		}
	}
	var bad *channel.BadResponseError
	if o := obs[1]; !errors.Is(o.Err, channel.ErrFailing) || !errors.As(o.Err, &bad) || !bytes.Contains(o.Payload, []byte("Service Unavailable")) {
		t.Errorf("the letter answered with a page: %v (payload %s), want ErrFailing with the page as evidence", o.Err, o.Payload)
	}
	if n := f.details.Load(); n != 3 {
		t.Errorf("%d details requests, want 3", n)
	}
}
