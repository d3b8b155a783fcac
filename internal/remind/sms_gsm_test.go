package remind

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// gsm7 is the GSM 03.38 default alphabet; gsm7Ext its extension table's
// characters, two septets each.
const (
	gsm7    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Ext = "^{}\\[~]|€\f"
)

// septets is the length of s in GSM-7 septets, ok false when a character
// of s is not in GSM-7 (the SMS then goes as UCS-2: 70 characters a part,
// and 160 characters are three SMS).
func septets(s string) (n int, ok bool) {
	for _, r := range s {
		switch {
		case strings.ContainsRune(gsm7, r):
			n++
		case strings.ContainsRune(gsm7Ext, r):
			n += 2
		default:
			return 0, false
		}
	}
	return n, true
}

// The SMS of an order alone is one SMS, 160 characters of the GSM-7
// alphabet (README): a sender's name from Enhetsregisteret with a letter
// outside it (Sámi municipalities' names: PORSÁŊGGU, KÁRÁŠJOHKA; a dash
// or typographic quotes) made the whole SMS go as UCS-2, where 160
// characters are three SMS. Such a letter is written as its GSM-7 kin.
func TestSMSStaysInGSM7(t *testing.T) {
	for _, name := range []string{
		"PORSANGER KOMMUNE PORSÁŊGGU GIELDA PORSANGIN KOMUUNI",
		"Kárášjoga gielda – Karasjok kommune",
		"Statsforvalteren i Vestfold og Telemark – «Oppvekst»",
		"Đuoŋas’ Čálli AS",
	} {
		ss := sampleShipments()
		for i := range ss {
			ss[i].SenderOrgName = name
		}
		sms := SMS("974760673", ss)
		n, ok := septets(sms)
		if !ok || n > 160 {
			t.Errorf("SMS for %q is not one GSM-7 SMS (%d characters, GSM-7: %v): %q", name, utf8.RuneCountInString(sms), ok, sms)
		}
		if !strings.Contains(sms, "altinn.no") {
			t.Errorf("SMS %q lost its end", sms)
		}
	}
}
