package main

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

// keyPair is a PEM certificate and key on disk.
type keyPair struct {
	Cert, Key string // paths
	cert      *x509.Certificate
	key       *ecdsa.PrivateKey
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode)
}

func newSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

// loadPair loads an existing pair, or returns nil when missing or unusable.
func loadPair(base string) *keyPair {
	kp := &keyPair{Cert: base + ".crt", Key: base + ".key"}
	cb, err1 := os.ReadFile(kp.Cert)
	kb, err2 := os.ReadFile(kp.Key)
	if err1 != nil || err2 != nil {
		return nil
	}
	cblk, _ := pem.Decode(cb)
	kblk, _ := pem.Decode(kb)
	if cblk == nil || kblk == nil {
		return nil
	}
	c, err := x509.ParseCertificate(cblk.Bytes)
	if err != nil || time.Now().After(c.NotAfter.Add(-24*time.Hour)) {
		return nil
	}
	k, err := x509.ParseECPrivateKey(kblk.Bytes)
	if err != nil {
		return nil
	}
	kp.cert, kp.key = c, k
	return kp
}

func (kp *keyPair) write() error {
	kder, err := x509.MarshalECPrivateKey(kp.key)
	if err != nil {
		return err
	}
	if err := writePEM(kp.Key, "EC PRIVATE KEY", kder, 0o600); err != nil {
		return err
	}
	return writePEM(kp.Cert, "CERTIFICATE", kp.cert.Raw, 0o644)
}

// ensureCA creates (or reuses) a self-signed CA at base.{crt,key}.
func ensureCA(base, cn string) (*keyPair, error) {
	if kp := loadPair(base); kp != nil && kp.cert.IsCA {
		return kp, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          newSerial(),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"kubemark-lab"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	c, _ := x509.ParseCertificate(der)
	kp := &keyPair{Cert: base + ".crt", Key: base + ".key", cert: c, key: key}
	return kp, kp.write()
}

// ensureLeaf creates (or reuses) a leaf certificate signed by ca.
func ensureLeaf(ca *keyPair, base, cn string, orgs []string, server bool, dns []string, ips []net.IP) (*keyPair, error) {
	if kp := loadPair(base); kp != nil {
		if err := kp.cert.CheckSignatureFrom(ca.cert); err == nil {
			return kp, nil
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: newSerial(),
		Subject:      pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
		tmpl.DNSNames = dns
		tmpl.IPAddresses = ips
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, err
	}
	c, _ := x509.ParseCertificate(der)
	kp := &keyPair{Cert: base + ".crt", Key: base + ".key", cert: c, key: key}
	return kp, kp.write()
}

// ensureSAKey creates (or reuses) a service-account signing key pair (sa.key / sa.pub).
func ensureSAKey(dir string) (priv, pub string, err error) {
	priv, pub = filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	if _, e1 := os.Stat(priv); e1 == nil {
		if _, e2 := os.Stat(pub); e2 == nil {
			return priv, pub, nil
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", err
	}
	pder, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", err
	}
	if err := writePEM(priv, "EC PRIVATE KEY", kder, 0o600); err != nil {
		return "", "", err
	}
	return priv, pub, writePEM(pub, "PUBLIC KEY", pder, 0o644)
}

func mustRead(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(fmt.Sprintf("read %s: %v", path, err))
	}
	return b
}
