package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"postvakt/internal/pgtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestOpenErrorHidesPassword: a DATABASE_URL that does not parse (an
// unescaped % or / in the password; key=value settings with a blank in an
// unquoted password, or a URL of another scheme, which lib/pq reads as
// such settings) is named, not quoted: the parser's error would show the
// password, or a piece of it.
func TestOpenErrorHidesPassword(t *testing.T) {
	for _, url := range []string{
		"postgres://postvakt:S3cr%zzPW@db.example:5432/postvakt",
		"postgres://postvakt:S3cr/PW@db.example:5432/postvakt",
		"host=db.example dbname=postvakt password=S3cr etPW",
		"mysql://postvakt:S3cretPW@db.example/postvakt",
	} {
		_, err := store.Open(context.Background(), url, 10*time.Second)
		if err == nil {
			t.Fatalf("%s: no error", url)
		}
		if strings.Contains(err.Error(), "S3cr") || strings.Contains(err.Error(), "etPW") || !strings.Contains(err.Error(), "DATABASE_URL") {
			t.Errorf("the error shows the password or does not name the setting: %v", err)
		}
	}
}

// TestOpenPermanentErrorFailsFast: a database that does not exist (or
// credentials the server refuses) is reported at once, not after the wait
// meant for a database that restarts with postvakt.
func TestOpenPermanentErrorFailsFast(t *testing.T) {
	url := pgtest.WithDatabase(pgtest.AdminURL(t), "no_such_database")
	start := time.Now()
	_, err := store.Open(context.Background(), url, 30*time.Second)
	if err == nil {
		t.Fatal("no error")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a database that does not exist took %s to report: %v", d.Round(time.Second), err)
	}
}

// TestSessionsRunInUTC: postvakt's sessions run in UTC whatever the
// server's timezone setting (a distribution package's default is often the
// machine's zone, Europe/Oslo or Europe/Copenhagen) or a timezone in
// DATABASE_URL says (as a parameter or in options=-c timezone=…): the times it reads, and the API's JSON made of them,
// are in UTC ("…Z"), as with a server set to UTC; every date question
// names its own zone.
func TestSessionsRunInUTC(t *testing.T) {
	url := pgtest.New(t)
	admin, err := sql.Open("postgres", pgtest.AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	parsed, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`ALTER DATABASE ` + strings.TrimPrefix(parsed.Path, "/") + ` SET timezone = 'Pacific/Chatham'`); err != nil {
		t.Fatal(err)
	}
	q := parsed.Query()
	q.Set("timezone", "Europe/Oslo")
	parsed.RawQuery = q.Encode()
	withZone := parsed.String()
	// The same through the server's command-line options (PGOPTIONS' form).
	q.Del("timezone")
	q.Set("options", "-c timezone=Asia/Tokyo")
	parsed.RawQuery = q.Encode()
	for i, u := range []string{url, withZone, parsed.String()} {
		st := storetest.OpenURL(t, u)
		var zone string
		if err := st.DB().Get(&zone, `SHOW timezone`); err != nil {
			t.Fatal(err)
		}
		if zone != "UTC" {
			t.Errorf("%s: the session's timezone is %s, want UTC", u, zone)
		}
		l := storetest.Letter(1)
		l.ChannelID = storetest.ChannelID("tz", i)
		l.SentAt = time.Date(2026, 11, 20, 11, 0, 0, 0, time.FixedZone("CET", 3600))
		sh, err := st.Shipment(context.Background(), storetest.Register(t, st, l)[0].ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(sh.SentAt); string(b) != `"2026-11-20T10:00:00Z"` {
			t.Errorf("%s: sent_at read as %s, want \"2026-11-20T10:00:00Z\"", u, b)
		}
	}
}
