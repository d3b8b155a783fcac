package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/pgtest"
	"postvakt/internal/store"
)

// TestOpenErrorHidesPassword: a DATABASE_URL that does not parse (an
// unescaped % or / in the password) is named, not quoted: the URL parser's
// error would show the password.
func TestOpenErrorHidesPassword(t *testing.T) {
	for _, url := range []string{
		"postgres://postvakt:S3cr%zzPW@db.example:5432/postvakt",
		"postgres://postvakt:S3cr/PW@db.example:5432/postvakt",
	} {
		_, err := store.Open(context.Background(), url, 10*time.Second)
		if err == nil {
			t.Fatalf("%s: no error", url)
		}
		if strings.Contains(err.Error(), "S3cr") || !strings.Contains(err.Error(), "DATABASE_URL") {
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
