package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// DevCA file names written by WriteDevCA.
const (
	DevCACert     = "ca.pem"
	DevCAKey      = "ca.key"
	DevServerCert = "server.pem"
	DevServerKey  = "server.key"
)

// WriteDevCA creates a development certificate authority and a server
// certificate for hosts (DNS names or IP addresses) in dir: ECDSA P-256,
// the CA valid for validity, the server certificate for the same period.
// Devices under test pin ca.pem. It refuses to overwrite existing files.
// It is for development only: the CA key sits beside the certificates.
func WriteDevCA(dir string, hosts []string, validity time.Duration, now time.Time) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("server: dev CA key: %w", err)
	}
	ca := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "Vouch development CA", Organization: []string{"Vouch (development only)"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("server: dev CA: %w", err)
	}
	if ca, err = x509.ParseCertificate(caDER); err != nil {
		return fmt.Errorf("server: dev CA: %w", err)
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("server: dev server key: %w", err)
	}
	leaf := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "vouch-platform"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else {
			leaf.DNSNames = append(leaf.DNSNames, h)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("server: dev server certificate: %w", err)
	}
	files := []struct {
		name  string
		block *pem.Block
		mode  os.FileMode
	}{
		{DevCACert, &pem.Block{Type: "CERTIFICATE", Bytes: caDER}, 0o644},
		{DevServerCert, &pem.Block{Type: "CERTIFICATE", Bytes: leafDER}, 0o644},
	}
	for _, k := range []struct {
		name string
		key  *ecdsa.PrivateKey
	}{{DevCAKey, caKey}, {DevServerKey, srvKey}} {
		der, err := x509.MarshalPKCS8PrivateKey(k.key)
		if err != nil {
			return fmt.Errorf("server: %w", err)
		}
		files = append(files, struct {
			name  string
			block *pem.Block
			mode  os.FileMode
		}{k.name, &pem.Block{Type: "PRIVATE KEY", Bytes: der}, 0o600})
	}
	for _, f := range files {
		if err := writeNew(filepath.Join(dir, f.name), pem.EncodeToMemory(f.block), f.mode); err != nil {
			return err
		}
	}
	return nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127)) // crypto/rand never fails
	return n
}
