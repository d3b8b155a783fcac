package sim

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// KeepClientKey (`postvakt sim --key-dir DIR`) makes a folder that is not
// there, readable by its owner only (0700), and the key in it; a second
// call over the folder keeps that key.
func TestKeepClientKeyMakesTheFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sim", "keys")
	keyFile, pub, err := KeepClientKey(dir)
	if err != nil {
		t.Fatalf("key in a folder not yet there: %v", err)
	}
	if keyFile != filepath.Join(dir, "maskinporten.pem") {
		t.Errorf("key file %s", keyFile)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("the folder's mode is %o, want 700", perm)
	}
	_, again, err := KeepClientKey(dir)
	if err != nil || !bytes.Equal(again, pub) {
		t.Errorf("the second call did not keep the key: %v", err)
	}
}
