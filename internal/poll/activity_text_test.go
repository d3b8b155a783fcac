package poll_test

import (
	"bytes"
	"context"
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
	"postvakt/internal/storetest"
)

// TestActivityOfAFailedCallWithNorwegianText: SvarUt answers the batch
// 503 with a Norwegian plain-text page; the call's failure must reach
// channel_activity (operations page, channel health). Whether trimError's
// 500-byte cut lands inside a "ø" depends on the text's length before it,
// so the page is tried with 0..19 bytes of padding.
func TestActivityOfAFailedCallWithNorwegianText(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	storetest.Register(t, st, storetest.Letter(0), storetest.Letter(1))
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	now := time.Now().UTC().Add(time.Hour)
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }, Activity: st})
	for pad := 0; pad < 20; pad++ {
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
			rw.Header().Set("Retry-After", "1")
			rw.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(rw, strings.Repeat("x", pad)+"Tjenesten er midlertidig utilgjengelig. "+strings.Repeat("Prøv igjen senere. ", 40))
		}))
		cfg := svarut.Config{BaseURL: srv.URL, KontoID: "2f7b3a1e-5c6d-4e8f-9a0b-1c2d3e4f5a6b", IntegrasjonID: "i", IntegrasjonPassord: "p", Logger: logger}
		hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: srv.URL, MaxRetries: -1, BreakerThreshold: -1, Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		sv, err := svarut.New(cfg, hc, nil)
		if err != nil {
			t.Fatal(err)
		}
		p.Poll(ctx, sv)
		srv.Close()
		now = now.Add(24 * time.Hour)
	}
	if n := strings.Count(logs.String(), "could not record the channel's calls"); n > 0 {
		i := strings.Index(logs.String(), "could not record")
		t.Errorf("%d of 20 failed calls were not recorded in channel_activity: %s", n, logs.String()[i:i+200])
	}
}
