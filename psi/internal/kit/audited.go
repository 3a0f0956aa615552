package kit

import (
	"encoding"
	"encoding/binary"
	"fmt"

	"github.com/privmatch/privmatch/audit"
	"github.com/privmatch/privmatch/psi"
)

// AuditedSize is the encoded size of an audited setup message: the
// head's and the link's lengths (uint32 big-endian) and bytes, then rest
// bytes of the protocol's own setup message.
func AuditedSize(head audit.SignedHead, link audit.HeadProof, rest int) int {
	return 8 + head.BinarySize() + link.BinarySize() + rest
}

// MarshalAudited writes head, link and then m, as AuditedSize describes.
func MarshalAudited(head audit.SignedHead, link audit.HeadProof, m encoding.BinaryMarshaler) ([]byte, error) {
	var parts [3][]byte
	for i, p := range []encoding.BinaryMarshaler{head, link, m} {
		var err error
		if parts[i], err = p.MarshalBinary(); err != nil {
			return nil, err
		}
	}
	h, l, rest := parts[0], parts[1], parts[2]
	b := make([]byte, 0, 8+len(h)+len(l)+len(rest))
	b = binary.BigEndian.AppendUint32(b, uint32(len(h)))
	b = append(b, h...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(l)))
	b = append(b, l...)
	return append(b, rest...), nil
}

// UnmarshalAudited reads the head and the link of an audited setup
// message of the given kind, and the rest into m. It verifies nothing.
func UnmarshalAudited(kind string, b []byte, m encoding.BinaryUnmarshaler) (head audit.SignedHead, link audit.HeadProof, err error) {
	var parts [2][]byte
	for i, name := range []string{"head", "link"} {
		if len(b) < 4 || uint64(len(b)-4) < uint64(binary.BigEndian.Uint32(b)) {
			return head, link, fmt.Errorf("psi: decode %s: %s truncated", kind, name)
		}
		n := int(binary.BigEndian.Uint32(b))
		parts[i], b = b[4:4+n], b[4+n:]
	}
	if err := head.UnmarshalBinary(parts[0]); err != nil {
		return head, link, fmt.Errorf("psi: decode %s: %w", kind, err)
	}
	if err := link.UnmarshalBinary(parts[1]); err != nil {
		return head, link, fmt.Errorf("psi: decode %s: %w", kind, err)
	}
	if err := m.UnmarshalBinary(b); err != nil {
		return head, link, fmt.Errorf("psi: decode %s: %w", kind, err)
	}
	return head, link, nil
}

// RecvTable is a client's setup that downloads the server's table: the
// audited message (audited) when the client holds an audit device, the
// plain one otherwise. accept gets what arrived.
func RecvTable(proto string, audited bool, plain, auditedMsg func() psi.Message, accept func(psi.Message) error) psi.Steps {
	if audited {
		return Recv(proto, auditedMsg, accept)
	}
	return Recv(proto, plain, accept)
}

// AuditMatches rejects a setup message whose kind, audited (got) or not,
// is not the one a client with (device) or without an audit device
// expects.
func AuditMatches(proto string, device, got bool) error {
	switch {
	case device && !got:
		return fmt.Errorf("psi: %s client: setup got an unaudited table", proto)
	case !device && got:
		return fmt.Errorf("psi: %s client: setup got an audited table without an audit device", proto)
	}
	return nil
}
