package health_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/httpclient"
)

// TestWebhookURLNotInError: the receivers POSTVAKT_ALERT_WEBHOOK_URL is
// meant for carry their credential in the URL (Slack and Mattermost
// incoming webhooks: /hooks/<secret>; Teams/Power Automate and Azure
// Functions: ?sig=… / ?code=…). A failed post's error, logged and kept as
// the alert notice's last error (shown on /ops), names the webhook by its
// variable, never by its URL.
func TestWebhookURLNotInError(t *testing.T) {
	for _, tc := range []struct {
		name string
		srv  func() string
	}{
		{"refused with 404", func() string {
			s := httptest.NewServer(http.NotFoundHandler())
			t.Cleanup(s.Close)
			return s.URL
		}},
		{"unreachable", func() string {
			s := httptest.NewServer(http.NotFoundHandler())
			s.Close()
			return s.URL
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.srv() + "/hooks/T0001/B0002/PathSecretXYZ123?code=QuerySecretABC789"
			hc, err := httpclient.New(httpclient.Options{Name: "alert-webhook", MaxRetries: -1, BreakerThreshold: -1,
				Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			err = (&health.Webhook{HTTP: hc, URL: url}).Send(context.Background(), []byte(`{"version":"4"}`))
			if err == nil {
				t.Fatal("want an error")
			}
			for _, secret := range []string{"PathSecretXYZ123", "QuerySecretABC789"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the webhook URL's credential %s in the error: %v", secret, err)
				}
			}
		})
	}
}
