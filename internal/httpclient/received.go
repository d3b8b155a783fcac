package httpclient

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Received is what came over the wire when the client decoded an answer's
// body from another character set (toUTF8): Response.Body and
// StatusError.Body are then the decoded text, and evidence that keeps an
// answer's hash and length keeps these instead, with the Content-Type's
// charset label, so that they can be held against the channel's copy of
// what it sent (court evidence is what the channel sent, not postvakt's
// reading of it).
type Received struct {
	Charset string `json:"charset"` // the label as given (lower case), or "utf-16" for a byte order mark
	Bytes   int    `json:"bytes"`
	SHA256  string `json:"sha256"`
}

// received describes body as received, decoded from charset; nil when
// charset is "" (the body is given as it came).
func received(charset string, body []byte) *Received {
	if charset == "" {
		return nil
	}
	sum := sha256.Sum256(body)
	return &Received{Charset: charset, Bytes: len(body), SHA256: hex.EncodeToString(sum[:])}
}

// String is how an error's evidence (StatusError.Raw) names it.
func (r *Received) String() string {
	return fmt.Sprintf("received in charset %s: %d bytes, sha256 %s", r.Charset, r.Bytes, r.SHA256)
}
