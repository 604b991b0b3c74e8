package wxcrypto

import (
	"crypto/subtle"
	"fmt"
)

// padBlock is WeChat's PKCS#7 block size. It is 32 bytes, not the AES block
// size of 16: the official samples, wechatpy (PKCS7Encoder.block_size = 32)
// and silenceper (BlockSize = 32) all pad to 32, so pad values run 1..32.
const padBlock = 32

// padLen returns how many PKCS#7 pad bytes follow n bytes of data: 1..32,
// a full 32 when n is already aligned.
func padLen(n int) int {
	return padBlock - n%padBlock
}

// unpad strips PKCS#7 padding from b (whose length must be at least
// padBlock), rejecting pad values outside 1..32 and pad bytes that do not all
// equal the pad value. The byte check runs in constant time over the last 32
// bytes so that it does not reveal where the padding went wrong.
func unpad(b []byte) ([]byte, error) {
	if len(b) < padBlock {
		return nil, fmt.Errorf("%w: %d bytes is too short to hold padding", ErrBadCiphertext, len(b))
	}
	pad := int(b[len(b)-1])
	if pad < 1 || pad > padBlock {
		return nil, fmt.Errorf("%w: pad value %d outside 1..%d", ErrBadCiphertext, pad, padBlock)
	}
	tail := b[len(b)-padBlock:]
	good := 1
	for i, v := range tail {
		// inPad is 1 for the last `pad` bytes of tail.
		inPad := subtle.ConstantTimeLessOrEq(padBlock-pad, i)
		good &= subtle.ConstantTimeSelect(inPad, subtle.ConstantTimeByteEq(v, byte(pad)), 1)
	}
	if good != 1 {
		return nil, fmt.Errorf("%w: inconsistent padding bytes", ErrBadCiphertext)
	}
	return b[:len(b)-pad], nil
}
