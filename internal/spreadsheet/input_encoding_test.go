package spreadsheet

import "testing"

// TestEncodingOf: a whole file's encoding, as the UI's import decides it.
func TestEncodingOf(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"ASCII", "a,b\n1,2\n", EncodingUTF8},
		{"UTF-8", "unit\nBærum\n", EncodingUTF8},
		{"Windows-1252", "unit\nB\xe6rum\n", EncodingWindows1252},
		{"Windows-1252 after much ASCII", string(make([]byte, 100<<10)) + "B\xe6rum", EncodingWindows1252},
		{"both kinds", "Bærum\nB\xe6rum\n", EncodingUTF8},
		{"a byte Windows-1252 has no character for", "B\x81rum\xe6", EncodingAuto},
	} {
		if got := EncodingOf([]byte(c.in)); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
