package svarut

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"postvakt/internal/httpclient"
)

func TestZZProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Logf("%s %s", r.Method, r.URL.RequestURI())
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"statuser":[]}`))
	}))
	defer srv.Close()
	for _, base := range []string{srv.URL + "/api/", srv.URL + "/api"} {
		log := slog.New(slog.DiscardHandler)
		cfg := Config{BaseURL: base, KontoID: "3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b", IntegrasjonID: "i", IntegrasjonPassord: "p", Logger: log}
		hc, _ := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: base, Logger: log})
		c, _ := New(cfg, hc, nil)
		c.Status(context.Background(), []string{"d6b23522-ddf3-462a-8140-16e59e1f476d"})
		c.History(context.Background(), "d6b23522-ddf3-462a-8140-16e59e1f476d")
	}
}
