package sqlstore

import (
	"context"
	"database/sql"
	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

var _ application.QRCodeRepository = (*QRCodes)(nil)

// QRCodes implements application.QRCodeRepository: one row per (owner, purpose),
// replaced in place when a temporary code is re-issued, under a compare-and-swap on
// the ticket so two instances re-issuing at once cannot both win.
type QRCodes struct{ db *DB }

// Current implements application.QRCodeRepository.
func (r *QRCodes) Current(ctx context.Context, owner domain.UserID, purpose domain.QRPurpose) (domain.QRCode, error) {
	var row qrCodeRow
	err := r.db.idb(ctx).NewSelect().Model(&row).
		Where("owner_id = ?", int64(owner)).Where("purpose = ?", string(purpose)).Limit(1).Scan(ctx)
	if err != nil {
		return domain.QRCode{}, r.db.mapErr("qr code", err)
	}
	return row.domain(), nil
}

// Save implements application.QRCodeRepository. With prevTicket "" it inserts, and
// an existing row for the owner and purpose (or a permanent scene already taken) is
// ErrConflict. Otherwise it updates the row only where the ticket is still
// prevTicket; no such row is ErrConflict.
func (r *QRCodes) Save(ctx context.Context, q domain.QRCode, prevTicket string) error {
	row := qrCodeRowFrom(q)
	if prevTicket == "" {
		if _, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
			return db.NewInsert().Model(&row).Exec(ctx)
		}); err != nil {
			return r.db.mapErr("qr code", err)
		}
		return nil
	}
	res, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model(&row).
			Column("kind", "scene_str", "scene_id", "permanent_scene", "ticket", "url", "expires_at", "issued_at").
			Where("owner_id = ?", row.OwnerID).Where("purpose = ?", row.Purpose).Where("ticket = ?", prevTicket).
			Exec(ctx)
	})
	n, err := r.db.affected("qr code", res, err)
	if err != nil {
		return err
	}
	if n == 0 {
		r.db.conflicts.Add(1)
		return application.Conflict("qr code (replaced concurrently)", nil)
	}
	return nil
}

// CountPermanent implements application.QRCodeRepository.
func (r *QRCodes) CountPermanent(ctx context.Context) (int, error) {
	n, err := r.db.idb(ctx).NewSelect().Model((*qrCodeRow)(nil)).Where("kind = ?", string(domain.QRPermanent)).Count(ctx)
	return int(n), r.db.mapErr("qr code count", err)
}
