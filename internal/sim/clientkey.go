package sim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/golang-jwt/jwt/v5"
)

// ClientKey makes a Maskinporten client key for talking to the simulator:
// it writes a new RSA private key (PEM, PKCS#1) to dir/maskinporten.pem and
// returns that path and the public key (PEM), which Options.ClientPublicKeyPEM
// takes to make the token endpoint verify grant signatures.
func ClientKey(dir string) (keyFile string, publicPEM []byte, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", nil, fmt.Errorf("make client key: %w", err)
	}
	keyFile = filepath.Join(dir, "maskinporten.pem")
	priv := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(keyFile, priv, 0o600); err != nil {
		return "", nil, fmt.Errorf("write client key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", nil, fmt.Errorf("encode public key: %w", err)
	}
	return keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), nil
}

// KeepClientKey is ClientKey, keeping a key already in dir/maskinporten.pem
// (PKCS#1 or PKCS#8 RSA): a simulator restarted over the same folder
// accepts the key postvakt was given before. A folder that is not there is
// made (0700), as the key is.
func KeepClientKey(dir string) (keyFile string, publicPEM []byte, err error) {
	keyFile = filepath.Join(dir, "maskinporten.pem")
	b, err := os.ReadFile(keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		// The folder too is made when missing, for the key alone (0700).
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", nil, fmt.Errorf("make the client key's folder: %w", err)
		}
		return ClientKey(dir)
	}
	if err != nil {
		return "", nil, fmt.Errorf("read client key: %w", err)
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(b)
	if err != nil {
		return "", nil, fmt.Errorf("client key %s: %w", keyFile, err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", nil, fmt.Errorf("encode public key: %w", err)
	}
	return keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), nil
}
