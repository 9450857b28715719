package mayday

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sentinels of VerifyAlertToken: a token that is not one we signed for the
// alert (401), and one we did that has expired (403).
var (
	ErrAlertTokenInvalid = errors.New("alert token invalid")
	ErrAlertTokenExpired = errors.New("alert token expired")
)

// SignAlertToken is the token of an alert's acknowledgement link, valid
// until expires: "<unix seconds>.<base64url HMAC-SHA256>". The MAC covers
// a purpose label, the alert id and the expiry, so a token opens one alert,
// cannot be extended, and no other Mayday signature can be passed off as
// one.
func SignAlertToken(secret []byte, alertID string, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	return exp + "." + base64.RawURLEncoding.EncodeToString(alertMAC(secret, alertID, exp))
}

func alertMAC(secret []byte, alertID, exp string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("mayday-alert-ack\x00" + alertID + "\x00" + exp))
	return m.Sum(nil)
}

// VerifyAlertToken checks a token for the alert at now against any of
// secrets (the current one and, during a rotation, the previous). An
// expired token is ErrAlertTokenExpired only when its MAC is right: the
// expiry of a forged one is no information.
func VerifyAlertToken(secrets [][]byte, alertID, token string, now time.Time) error {
	exp, sig, ok := strings.Cut(token, ".")
	sec, err := strconv.ParseInt(exp, 10, 64)
	// Only the form SignAlertToken writes, so that one expiry has one text.
	if !ok || err != nil || strconv.FormatInt(sec, 10) != exp || sec <= 0 {
		return fmt.Errorf("%w: malformed", ErrAlertTokenInvalid)
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: malformed", ErrAlertTokenInvalid)
	}
	for _, s := range secrets {
		if len(s) == 0 || !hmac.Equal(got, alertMAC(s, alertID, exp)) {
			continue
		}
		if !now.Before(time.Unix(sec, 0)) {
			return fmt.Errorf("%w: at %s", ErrAlertTokenExpired, time.Unix(sec, 0).UTC().Format(time.RFC3339))
		}
		return nil
	}
	return fmt.Errorf("%w: signature does not match", ErrAlertTokenInvalid)
}
