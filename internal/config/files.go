package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Files named by the config are read at load, by the same functions the
// engine and the daemon use later, so `validate` finds a missing CA bundle
// or an empty token file instead of the first run blaming the target.

// ClientConfig builds the client TLS configuration of a target: its CA
// bundle, client certificate and key, server name and verification switch.
func (t *TLS) ClientConfig() (*tls.Config, error) {
	c := &tls.Config{
		ServerName:         t.ServerName,
		InsecureSkipVerify: t.InsecureSkipVerify, //nolint:gosec // opt-in per target for staging certificates
		MinVersion:         tls.VersionTLS12,
	}
	if t.CAFile != "" {
		pool, err := readCAFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls.ca_file: %w", err)
		}
		c.RootCAs = pool
	}
	if t.CertFile != "" || t.KeyFile != "" {
		cert, err := readKeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls.cert_file/key_file: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// readCAFile reads a PEM bundle of CA certificates.
func readCAFile(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fileErr(file, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate (want a \"-----BEGIN CERTIFICATE-----\" block)", file)
	}
	return pool, nil
}

// readKeyPair reads a client certificate and its private key.
func readKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	for _, f := range []string{certFile, keyFile} {
		if _, err := os.Stat(f); err != nil {
			return tls.Certificate{}, fileErr(f, err)
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		// crypto/tls never prints key material in its errors.
		return tls.Certificate{}, fmt.Errorf("%s and %s: %w", certFile, keyFile, err)
	}
	return cert, nil
}

// ReadToken returns the trigger token: trigger_token, or the trimmed
// content of trigger_token_file when trigger_token is empty ("" when
// neither is set and the trigger API is off). An unreadable or empty
// file is an error, never a silently disabled API.
func (s *Server) ReadToken() (string, error) {
	if s.TriggerToken != "" || s.TriggerTokenFile == "" {
		return s.TriggerToken, nil
	}
	b, err := os.ReadFile(s.TriggerTokenFile)
	if err != nil {
		return "", fileErr(s.TriggerTokenFile, err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("%s is empty (want the token on one line)", s.TriggerTokenFile)
	}
	if strings.ContainsAny(tok, "\r\n") {
		return "", fmt.Errorf("%s holds more than one line (want the token on one line)", s.TriggerTokenFile)
	}
	return tok, nil
}

// fileErr phrases a file error as "cannot read FILE: reason".
func fileErr(file string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("cannot read %s: %w", file, err)
}

// validateFiles reads every file the config names, as the run and the
// daemon will.
func (p *problems) validateFiles(c *Config) {
	for _, name := range sortedKeys(c.Targets) {
		t := c.Targets[name].TLS
		path := "targets." + name + ".tls."
		if t.CAFile != "" {
			if _, err := readCAFile(t.CAFile); err != nil {
				p.addf(path+"ca_file", "%v", err)
			}
		}
		if t.CertFile != "" && t.KeyFile != "" {
			if _, err := readKeyPair(t.CertFile, t.KeyFile); err != nil {
				p.addf(path+"cert_file", "%v", err)
			}
		}
	}
	if _, err := c.Server.ReadToken(); err != nil {
		p.addf("server.trigger_token_file", "%v", err)
	}
}
