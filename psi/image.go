package psi

import (
	"fmt"
	"image"

	"github.com/privmatch/privmatch/phash"
)

// ImageClient is a Client whose query input is an image rather than a
// hash: the server computes the hash itself, under encryption
// (he-hash-match), so the device never holds the hash in the clear. The
// server side is an ordinary Server over a Database of hashes of the
// algorithm the protocol computes. Such a client's NewQuery refuses
// hashes.
type ImageClient interface {
	Client
	// NewImageQuery starts the client's side of a query for img.
	NewImageQuery(img image.Image) (Steps, error)
}

// ImageProtocol is implemented by a Protocol whose clients are
// ImageClients. Reports and benchmarks that query hashes leave such
// protocols out (HashProtocols).
type ImageProtocol interface {
	Protocol
	// ImageInput marks the protocol; it does nothing.
	ImageInput()
}

// HashProtocols returns the registered protocols whose clients query
// hashes: every one but the ImageProtocols, in the order of Names.
func HashProtocols() []Protocol {
	var out []Protocol
	for _, p := range All() {
		if _, ok := p.(ImageProtocol); !ok {
			out = append(out, p)
		}
	}
	return out
}

// QueryImage runs one query for img on a session whose client is an
// ImageClient, and returns its transcript as Query does.
func (c *Conn) QueryImage(img image.Image) (*Transcript, error) {
	ic, ok := c.cli.(ImageClient)
	if !ok {
		return &Transcript{Protocol: c.cli.Protocol()}, fmt.Errorf("psi: %s: the client queries hashes, not images", c.cli.Protocol())
	}
	if img == nil {
		return &Transcript{Protocol: c.cli.Protocol()}, fmt.Errorf("psi: %s: nil image", c.cli.Protocol())
	}
	return c.query(func() (Steps, error) { return ic.NewImageQuery(img) })
}

// RunImage performs setup and one image query in-process through Open
// (the database holds hashes of the given kind and length) and returns
// the transcript, as Run does for a hash.
func RunImage(srv Server, cli ImageClient, kind phash.Kind, bits int, img image.Image) (*Transcript, error) {
	return runOnce(srv, cli, kind, bits, func(c *Conn) (*Transcript, error) { return c.QueryImage(img) })
}

// SetupLimiter is implemented by a Server whose clients upload more at
// setup than the transport's defaults admit (DefaultMaxSetupUpFrame per
// message, DefaultMaxSetupBytes across sessions): he-hash-match's
// bootstrapping keys are gigabytes. Serve, ServeConn and Open then take
// the protocol's limits for the options left zero.
type SetupLimiter interface {
	// SetupLimits returns the largest setup message a client may send
	// and the setup bytes the server holds across sessions at once.
	SetupLimits() (frame int, total int64)
}

// setupLimits fills zero setup limits from srv when it is a SetupLimiter.
func setupLimits(srv Server, frame *int, total *int64) {
	sl, ok := srv.(SetupLimiter)
	if !ok {
		return
	}
	f, t := sl.SetupLimits()
	if *frame <= 0 {
		*frame = f
	}
	if *total <= 0 {
		*total = t
	}
}
