package exact

import (
	"encoding/binary"
	"fmt"

	"github.com/privmatch/privmatch/he/internal/core"
	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/ring"
	"github.com/tuneinsight/lattigo/v5/schemes/bgv"
)

// answerDrop is how many low bits of c0 and c1 a level-0 answer
// ciphertext drops: the decryption then carries an extra error below
// 2^15 + 2^6*|s|_1, far inside the 2^19 margin that q0 ~ 2^36 leaves
// above t*e at t = 65537 (the tests measure the margin on the
// decompressed ciphertext).
var answerDrop = core.Drop{C0: 16, C1: 7}

func putHeader(dst []byte, kind byte, p Parameters) []byte { return core.PutHeader(dst, kind, p.id) }

func checkHeader(src []byte, kind byte, p Parameters) error { return core.CheckHeader(src, kind, p.id) }

// compressedSize is the byte size of one answer ciphertext: its scale
// (mod t, 4 bytes) and the toolkit's rounded level-0 encoding.
func compressedSize(p Parameters) int { return 4 + core.CompressedSize(p.Parameters, answerDrop) }

// compressLevel0 appends the scale and rounded components of ct.
func compressLevel0(p Parameters, ct *rlwe.Ciphertext, dst []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(ct.Scale.Uint64()))
	return core.AppendCompressed(dst, p.Parameters, answerDrop, ct)
}

// unpackLevel0 validates one compressed answer ciphertext and writes its
// components, in coefficient form, to c0 and c1; it returns the scale.
func unpackLevel0(p Parameters, src []byte, c0, c1 []uint64) (uint64, error) {
	if len(src) != compressedSize(p) {
		return 0, fmt.Errorf("compressed ciphertext of %d bytes, want %d", len(src), compressedSize(p))
	}
	scale := uint64(binary.LittleEndian.Uint32(src))
	if scale == 0 || scale >= p.T() {
		return 0, fmt.Errorf("scale %d not in 1..t-1", scale)
	}
	return scale, core.ReadCompressed(src[4:], p.Parameters, answerDrop, c0, c1)
}

// answerDecrypter decrypts compressed level-0 answer ciphertexts to their
// slot values, reusing its scratch. It is not safe for concurrent use.
type answerDecrypter struct {
	p     Parameters
	sk    *secretKey
	dec   *decryptor
	ans   [2]ring.Poly
	pt    *rlwe.Plaintext
	slots []uint64
}

func newAnswerDecrypter(sk *secretKey, dec *decryptor) *answerDecrypter {
	p := sk.params
	ringQ := p.bgv.RingQ().AtLevel(0)
	d := &answerDecrypter{p: p, sk: sk, dec: dec, ans: [2]ring.Poly{ringQ.NewPoly(), ringQ.NewPoly()}, slots: make([]uint64, p.Slots())}
	d.pt = bgv.NewPlaintext(p.bgv, 0)
	d.pt.Value = d.ans[0]
	d.pt.Element.Value[0] = d.ans[0]
	d.pt.IsNTT = false
	return d
}

// decrypt validates one compressed answer ciphertext and returns its slot
// values (the decrypter's scratch, valid until the next call).
func (d *answerDecrypter) decrypt(src []byte) ([]uint64, error) {
	p := d.p
	c0, c1 := d.ans[0], d.ans[1]
	scale, err := unpackLevel0(p, src, c0.Coeffs[0], c1.Coeffs[0])
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	// Decrypt in coefficient form: c0 + INTT(NTT(c1) * s).
	ringQ := p.bgv.RingQ().AtLevel(0)
	ringQ.NTT(c1, c1)
	ringQ.MulCoeffsMontgomery(c1, d.sk.sk.Value.Q, c1)
	ringQ.INTT(c1, c1)
	ringQ.Add(c0, c1, c0)
	d.pt.Scale = rlwe.NewScaleModT(scale, p.T())
	if err := d.dec.ecd.Decode(d.pt, d.slots); err != nil {
		return nil, err
	}
	return d.slots, nil
}
