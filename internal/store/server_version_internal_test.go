package store

import (
	"strings"
	"testing"
)

// TestServerSupported: a PostgreSQL older than 13 is refused by migrate
// (and so by serve, user add and token create) naming its version and the
// oldest supported; the migrations themselves pass on 12, so nothing else
// would say it before a job failed.
func TestServerSupported(t *testing.T) {
	for _, c := range []struct {
		num     int
		version string
		ok      bool
	}{
		{120022, "12.22", false},
		{110022, "11.22 (Debian 11.22-1)", false},
		{130000, "13.0", true},
		{130023, "13.23", true},
		{150018, "15.18 (Debian 15.18-0+deb12u1)", true},
		{180001, "18.1", true},
	} {
		err := serverSupported(c.num, c.version)
		if c.ok {
			if err != nil {
				t.Errorf("%s: refused: %v", c.version, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: not refused", c.version)
			continue
		}
		if !strings.Contains(err.Error(), "PostgreSQL "+c.version) || !strings.Contains(err.Error(), "PostgreSQL 13 or newer") {
			t.Errorf("%s: the refusal names neither the server's version nor the oldest supported: %v", c.version, err)
		}
	}
}
