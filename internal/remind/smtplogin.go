package remind

import (
	"errors"
	"net/smtp"
	"strings"
)

// authFor is the login to a relay that offers the mechanisms offered (the
// EHLO's AUTH line): PLAIN, unless the relay offers LOGIN and not PLAIN,
// as Exchange's client connector does ("AUTH NTLM LOGIN", or "GSSAPI NTLM
// LOGIN"), which answers AUTH PLAIN with 504. A relay that names no
// mechanism gets PLAIN, and answers as it will. Either sends the password
// over an encrypted connection, or unencrypted to localhost only.
func authFor(offered, user, password, host string) (smtp.Auth, string) {
	mechs := strings.Fields(strings.ToUpper(offered))
	has := func(m string) bool {
		for _, x := range mechs {
			if x == m {
				return true
			}
		}
		return false
	}
	if has("LOGIN") && !has("PLAIN") {
		return &loginAuth{user: user, password: password, host: host}, "LOGIN"
	}
	return smtp.PlainAuth("", user, password, host), "PLAIN"
}

// loginAuth is AUTH LOGIN (draft-murchison-sasl-login): the user, then
// the password, each asked for by the server (base64 "Username:",
// "Password:"). It sends them under the same conditions as net/smtp's
// PlainAuth. One loginAuth serves one login.
type loginAuth struct {
	user, password, host string
	step                 int
}

func (a *loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	// As smtp.PlainAuth: no password in clear but to localhost, and only
	// to the host it was meant for.
	if !server.TLS && server.Name != "localhost" && server.Name != "127.0.0.1" && server.Name != "::1" {
		return "", nil, errors.New("unencrypted connection")
	}
	if server.Name != a.host {
		return "", nil, errors.New("wrong host name")
	}
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(_ []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.step++
	switch a.step {
	case 1:
		return []byte(a.user), nil
	case 2:
		return []byte(a.password), nil
	}
	return nil, errors.New("AUTH LOGIN: the server asked for more than the user and the password")
}
