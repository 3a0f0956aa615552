package main

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/psi"
)

// An audit log is a folder that holds a publisher's state, shared by
// `privmatch serve --audit DIR` (the publisher) and `privmatch query
// --audit DIR` (the device, which needs only the public files):
//
//	key              the publisher's ed25519 seed (hex), made on first use, mode 0600
//	pub              its public key (hex): what devices are given
//	PROTOCOL.heads   every head signed for the log "privmatch/PROTOCOL", one per line (hex), oldest first
//
// serve publishes the head of what its server answers from (a new epoch
// when it differs from the newest head) and serves it at every setup;
// query checks the served head against the newest head of the file under
// pub, and refuses to go on otherwise.

const auditKeyFile, auditPubFile = "key", "pub"

func auditLogName(proto string) string { return "privmatch/" + proto }

func auditHeadsFile(dir, proto string) string { return filepath.Join(dir, proto+".heads") }

// publishAudited publishes srv's head in the audit log dir and returns the
// server that serves it, with the head.
func publishAudited(dir string, srv psi.Server, proto string) (psi.Server, audit.SignedHead, error) {
	a, ok := srv.(psi.Auditable)
	if !ok {
		return nil, audit.SignedHead{}, fmt.Errorf("--audit: protocol %s cannot serve a signed head (its clients refuse the audit check)", proto)
	}
	key, err := auditKey(dir)
	if err != nil {
		return nil, audit.SignedHead{}, err
	}
	log := auditLogName(proto)
	pub, err := audit.NewPublisher(log, key)
	if err != nil {
		return nil, audit.SignedHead{}, err
	}
	heads, err := readHeads(auditHeadsFile(dir, proto))
	if err != nil {
		return nil, audit.SignedHead{}, err
	}
	// Signing is deterministic: publishing the stored heads again
	// rebuilds the publisher's history, and must give the same heads.
	for i, h := range heads {
		again, err := pub.Publish(h.TreeHead)
		if err != nil || again != h {
			return nil, audit.SignedHead{}, fmt.Errorf("--audit: %s: head %d was not signed by this folder's key, or the file was edited", auditHeadsFile(dir, proto), i)
		}
	}
	th, err := a.AuditHead(log)
	if err != nil {
		return nil, audit.SignedHead{}, err
	}
	var head audit.SignedHead
	if n := len(heads); n > 0 && sameContent(heads[n-1].TreeHead, th) {
		head = heads[n-1]
	} else {
		if head, err = pub.Publish(th); err != nil {
			return nil, audit.SignedHead{}, err
		}
		if err := appendHead(auditHeadsFile(dir, proto), head); err != nil {
			return nil, audit.SignedHead{}, err
		}
	}
	served, err := a.Audited(head, audit.HeadProof{})
	return served, head, err
}

func sameContent(a, b audit.TreeHead) bool {
	return a.Size == b.Size && a.Root == b.Root && a.Params == b.Params
}

// auditKey reads the folder's publisher key, making the folder, the key
// and the public key file on first use.
func auditKey(dir string) (ed25519.PrivateKey, error) {
	path := filepath.Join(dir, auditKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		pub, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(key.Seed())+"\n"), 0o600); err != nil {
			return nil, err
		}
		return key, os.WriteFile(filepath.Join(dir, auditPubFile), []byte(hex.EncodeToString(pub)+"\n"), 0o644)
	}
	if err != nil {
		return nil, err
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("--audit: %s: want %d hex-encoded bytes", path, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// auditDevice is a device that has accepted the newest head of proto's
// log in dir, under the folder's public key.
func auditDevice(dir, proto string) (*audit.Device, error) {
	path := filepath.Join(dir, auditPubFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--audit: %w", err)
	}
	pub, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("--audit: %s: want %d hex-encoded bytes", path, ed25519.PublicKeySize)
	}
	heads, err := readHeads(auditHeadsFile(dir, proto))
	if err != nil {
		return nil, err
	}
	if len(heads) == 0 {
		return nil, fmt.Errorf("--audit: %s: no head published for %s", dir, proto)
	}
	dev, err := audit.NewDevice(ed25519.PublicKey(pub), heads[len(heads)-1])
	if err != nil {
		return nil, fmt.Errorf("--audit: %s: %w", auditHeadsFile(dir, proto), err)
	}
	return dev, nil
}

// readHeads reads a heads file; a missing file has none.
func readHeads(path string) ([]audit.SignedHead, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--audit: %w", err)
	}
	defer f.Close()
	var heads []audit.SignedHead
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		b, err := hex.DecodeString(strings.TrimSpace(sc.Text()))
		var h audit.SignedHead
		if err == nil {
			err = h.UnmarshalBinary(b)
		}
		if err != nil {
			return nil, fmt.Errorf("--audit: %s:%d: %w", path, line, err)
		}
		heads = append(heads, h)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--audit: %s: %w", path, err)
	}
	return heads, nil
}

func appendHead(path string, h audit.SignedHead) error {
	b, err := h.MarshalBinary()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(hex.EncodeToString(b) + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
