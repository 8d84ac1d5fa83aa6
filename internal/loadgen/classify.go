package loadgen

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"

	"github.com/loadcron/loadcron/internal/result"
)

// classify maps a transport error to an error kind. runCtx is the run's
// context: when it is done the request was canceled by loadcron itself
// (shutdown, abort), whatever the error says.
func classify(runCtx context.Context, err error) result.Kind {
	if runCtx.Err() != nil {
		return result.KindCanceled
	}
	if isDisallowed(err) {
		return result.KindDisallowed
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return result.KindTimeout
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return result.KindDNS
	}
	if isTLSError(err) {
		return result.KindTLS
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return result.KindTimeout
	}
	if errors.Is(err, context.Canceled) {
		return result.KindCanceled
	}
	return result.KindConnection
}

func isTLSError(err error) bool {
	var (
		recordErr   tls.RecordHeaderError
		alertErr    tls.AlertError
		verifyErr   *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidErr  x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &recordErr), errors.As(err, &alertErr), errors.As(err, &verifyErr),
		errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalidErr):
		return true
	}
	// Handshake failures from crypto/tls are plain errors prefixed "tls: ".
	return strings.Contains(err.Error(), "tls: ")
}

// statusKind classifies a response whose status the checks do not accept.
func statusKind(code int) result.Kind {
	switch {
	case code >= 400 && code < 500:
		return result.KindHTTP4xx
	case code >= 500 && code < 600:
		return result.KindHTTP5xx
	default:
		return result.KindCheck
	}
}
