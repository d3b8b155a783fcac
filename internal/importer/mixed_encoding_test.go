package importer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"postvakt/internal/importer"
)

// TestImportWindows1252ThenUTF8: a file read as Windows-1252 that holds
// UTF-8 further on (two exports joined, an Excel file with rows pasted
// from a UTF-8 one) is refused at the line of the first UTF-8 letter, as
// a file mixing the two the other way round is: read on as Windows-1252,
// "Bærum" was stored as "BÃ¦rum". So when the file's start decides
// Windows-1252 (the UTF-8 past it) and when --encoding windows-1252 is
// given (UTF-8 anywhere beside Windows-1252).
func TestImportWindows1252ThenUTF8(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	var long strings.Builder // past what decides the encoding (64 KiB)
	long.WriteString(header + strings.Replace(row(1), "Barnevernstjenesten", "B\xe6rum", 1))
	n := 2
	for ; long.Len() < 70<<10; n++ {
		long.WriteString(row(n))
	}
	long.WriteString(strings.Replace(row(n), "Barnevernstjenesten", "Bærum", 1))
	lateLine := n + 1
	cases := []struct {
		name, file, encoding, want string
	}{
		{"UTF-8 past the start that decided Windows-1252", long.String(), importer.EncodingAuto,
			fmt.Sprintf("line %d: the file is neither UTF-8 nor Windows-1252", lateLine)},
		{"--encoding windows-1252, UTF-8 first", header + strings.Replace(row(1), "Barnevernstjenesten", "Bærum", 1) + strings.Replace(row(2), "Barnevernstjenesten", "B\xe6rum", 1),
			importer.EncodingWindows1252, "line 2: the file is neither UTF-8 nor Windows-1252"},
		{"--encoding windows-1252, UTF-8 after", header + strings.Replace(row(1), "Barnevernstjenesten", "B\xe6rum", 1) + strings.Replace(row(2), "Vedtak", "Vedtak om bostøtte", 1),
			importer.EncodingWindows1252, "line 3: the file is neither UTF-8 nor Windows-1252"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, all, err := problemsOf(t, func() (importer.Result, error) {
				return importer.Import(ctx, st, strings.NewReader(tc.file), importer.Options{Now: now, Encoding: tc.encoding})
			})
			if err == nil || !strings.HasPrefix(all, tc.want) {
				t.Fatalf("problems %q (err %v), want %q", all, err, tc.want)
			}
			if c := count(t, st); c != 0 {
				t.Fatalf("%d shipments stored", c)
			}
		})
	}
	// Windows-1252 whose letters only look like a UTF-8 sequence apart
	// (an Æ, then a space and a ’) is read as before.
	file := header + strings.Replace(row(9999), "Vedtak", "VEDTAK \xc6 \x92", 1)
	res, err := importer.Import(ctx, st, strings.NewReader(file), importer.Options{Now: now, Encoding: importer.EncodingWindows1252})
	if err != nil || res.Created != 1 {
		t.Fatalf("Windows-1252: %+v %v", res, err)
	}
}
