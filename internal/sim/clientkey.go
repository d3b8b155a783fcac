package sim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
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
