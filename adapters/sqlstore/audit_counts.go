package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

var _ application.AuditCounter = (*Audit)(nil)

// CountTypes implements application.AuditCounter from the audit_events_type_at
// index (type, at): one range per type. It is a report (rdb).
func (a *Audit) CountTypes(ctx context.Context, types []domain.AuditType, from, to time.Time) (map[domain.AuditType]int, error) {
	out := map[domain.AuditType]int{}
	if len(types) == 0 {
		return out, nil
	}
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = string(t)
	}
	var rows []struct {
		Type string `bun:"type"`
		N    int    `bun:"n"`
	}
	q := a.db.rdb(ctx).NewSelect().TableExpr("audit_events").ColumnExpr("type, COUNT(*) AS n").
		Where("type IN (?)", bun.In(names)).Where("at >= ?", dbTime(from))
	if !to.IsZero() {
		q = q.Where("at < ?", dbTime(to))
	}
	if err := q.Group("type").Scan(ctx, &rows); err != nil {
		return nil, a.db.mapErr("audit counts", err)
	}
	for _, r := range rows {
		out[domain.AuditType(r.Type)] = r.N
	}
	return out, nil
}
