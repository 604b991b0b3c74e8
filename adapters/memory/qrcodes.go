package memory

import (
	"context"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// QRCodes is the in-memory QRCodeRepository.
type QRCodes struct{ s *Store }

var _ application.QRCodeRepository = (*QRCodes)(nil)

// Current implements application.QRCodeRepository.
func (r *QRCodes) Current(ctx context.Context, owner domain.UserID, purpose domain.QRPurpose) (domain.QRCode, error) {
	var q domain.QRCode
	err := r.s.with(ctx, func(st *state) error {
		var ok bool
		if q, ok = st.qrcodes[qrKey{owner, purpose}]; !ok {
			return application.NotFound("qr code", nil)
		}
		return nil
	})
	return q, err
}

// Save implements application.QRCodeRepository.
func (r *QRCodes) Save(ctx context.Context, q domain.QRCode, prevTicket string) error {
	return r.s.with(ctx, func(st *state) error {
		k := qrKey{q.OwnerID, q.Purpose}
		cur, ok := st.qrcodes[k]
		if ok != (prevTicket != "") || ok && cur.Ticket != prevTicket {
			return application.Conflict("current qr code", nil)
		}
		for k2, o := range st.qrcodes {
			if k2 != k && o.Kind == q.Kind && o.Scene == q.Scene && q.Kind == domain.QRPermanent {
				return application.Conflict("permanent qr code with this scene", nil)
			}
		}
		q.ExpiresAt, q.IssuedAt = norm(q.ExpiresAt), norm(q.IssuedAt)
		st.qrcodes[k] = q
		return nil
	})
}

// CountPermanent implements application.QRCodeRepository.
func (r *QRCodes) CountPermanent(ctx context.Context) (int, error) {
	n := 0
	err := r.s.with(ctx, func(st *state) error {
		for _, q := range st.qrcodes {
			if q.Kind == domain.QRPermanent {
				n++
			}
		}
		return nil
	})
	return n, err
}
