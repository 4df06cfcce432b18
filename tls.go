package happn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// HTTPS configures TLS for the server's listener (happn-3's transport
// mode "https"). The certificate and key come from one of three places,
// in this order: CertPEM and KeyPEM given inline; CertFile and KeyFile,
// read from disk; or, when neither pair is given, a self-signed
// certificate generated on first start and kept in CertFile and KeyFile
// (default ~/.happn-https-cert and ~/.happn-https-key, as happn-3) so
// that restarts reuse it.
type HTTPS struct {
	CertPEM string
	KeyPEM  string

	CertFile string
	KeyFile  string
}

// hstsValue is the Strict-Transport-Security header happn-3 sends in
// https mode: 180 days, subdomains included.
const hstsValue = "max-age=15552000; includeSubDomains"

// tlsConfig loads or creates the certificate.
func (h *HTTPS) tlsConfig() (*tls.Config, error) {
	var cert tls.Certificate
	var err error
	switch {
	case h.CertPEM != "" || h.KeyPEM != "":
		cert, err = tls.X509KeyPair([]byte(h.CertPEM), []byte(h.KeyPEM))
	default:
		certFile, keyFile, ferr := h.files()
		if ferr != nil {
			return nil, ferr
		}
		if err = ensureSelfSigned(certFile, keyFile); err == nil {
			cert, err = tls.LoadX509KeyPair(certFile, keyFile)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("happn: https certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

func (h *HTTPS) files() (certFile, keyFile string, err error) {
	certFile, keyFile = h.CertFile, h.KeyFile
	if certFile == "" || keyFile == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", "", fmt.Errorf("happn: https: no certificate given and no home directory for a generated one: %w", err)
		}
		if certFile == "" {
			certFile = filepath.Join(home, ".happn-https-cert")
		}
		if keyFile == "" {
			keyFile = filepath.Join(home, ".happn-https-key")
		}
	}
	return certFile, keyFile, nil
}

// ensureSelfSigned writes a new self-signed certificate and key when
// neither file exists. If only one exists, that is a mistake to report,
// not to paper over.
func ensureSelfSigned(certFile, keyFile string) error {
	_, certErr := os.Stat(certFile)
	_, keyErr := os.Stat(keyFile)
	if certErr == nil && keyErr == nil {
		return nil
	}
	if !errors.Is(certErr, fs.ErrNotExist) || !errors.Is(keyErr, fs.ErrNotExist) {
		return fmt.Errorf("need both %s and %s (or neither, to generate them)", certFile, keyFile)
	}
	certPEM, keyPEM, err := selfSigned()
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, certPEM, 0o644)
}

// selfSigned makes a certificate for localhost, the loopback addresses
// and this host's name, valid for two years.
func selfSigned() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, err
	}
	names := []string{"localhost"}
	if host, err := os.Hostname(); err == nil && host != "" {
		names = append(names, host)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "happn self-signed", Organization: []string{"happn"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(2 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     names,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// withHSTS adds happn-3's Strict-Transport-Security header to every
// response.
func withHSTS(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", hstsValue)
		h.ServeHTTP(w, r)
	})
}
