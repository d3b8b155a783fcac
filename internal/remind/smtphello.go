package remind

import (
	"errors"
	"net"
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

// heloName is the name postvakt gives in EHLO: the configured one; else
// the host's name when it is a domain name (a dot in it, not an IP
// address, not localhost.localdomain); else the address literal of the
// connection's own address ("[10.1.2.3]", "[IPv6:2001:db8::5]"), as RFC
// 5321 4.1.4 asks of a client without a meaningful name. A container's
// name is its id ("5c632f939fd4"): a relay that checks the name (Postfix's
// reject_non_fqdn_helo_hostname) refused every recipient with 504 at RCPT
// TO after it, and net/smtp's own default, "localhost", as well.
func heloName(configured, hostname string, local net.Addr) string {
	if configured != "" {
		return configured
	}
	name := strings.TrimSuffix(hostname, ".")
	if strings.Contains(name, ".") && net.ParseIP(name) == nil && !strings.HasPrefix(strings.ToLower(name), "localhost.") {
		return hostname
	}
	if a, ok := local.(*net.TCPAddr); ok && a.IP != nil {
		if a.IP.To4() != nil {
			return "[" + a.IP.String() + "]"
		}
		return "[IPv6:" + a.IP.String() + "]"
	}
	return "localhost"
}
