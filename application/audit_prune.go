package application

import (
	"context"
	"fmt"
	"time"
)

// DefaultAuditRetention is how long audit events are kept when not configured (180 days).
const DefaultAuditRetention = 4320 * time.Hour

// Prune batches: small, so a prune never holds many row locks or builds a large
// cluster write set; bounded per run, so one run never monopolises the database.
const (
	pruneBatch        = 500
	pruneMaxBatches   = 40
	pruneBatchBackoff = 20 * time.Millisecond
)

// Pruner deletes audit events and finished webhook deliveries older than the
// retention. Any instance may run it at any time: deleting what is already gone
// deletes nothing, so no coordination is needed.
type Pruner struct {
	audit      AuditLog
	deliveries WebhookDeliveries
	clock      Clock
	retention  time.Duration
}

// NewPruner builds the use case; a retention ≤ 0 means DefaultAuditRetention.
func NewPruner(audit AuditLog, deliveries WebhookDeliveries, clock Clock, retention time.Duration) *Pruner {
	if retention <= 0 {
		retention = DefaultAuditRetention
	}
	return &Pruner{audit: audit, deliveries: deliveries, clock: clock, retention: retention}
}

// Prune deletes, in batches, what is older than the retention and reports how many
// rows went. It stops when a batch comes back short or after a bounded number of
// batches (the next run continues).
func (p *Pruner) Prune(ctx context.Context) (int, error) {
	cutoff := p.clock.Now().Add(-p.retention)
	total := 0
	for _, prune := range []func(context.Context, time.Time, int) (int, error){p.audit.PruneBefore, p.deliveries.PruneBefore} {
		for i := 0; i < pruneMaxBatches; i++ {
			n, err := prune(ctx, cutoff, pruneBatch)
			total += n
			if err != nil {
				return total, fmt.Errorf("prune: %w", err)
			}
			if n < pruneBatch {
				break
			}
			select {
			case <-ctx.Done():
				return total, nil
			case <-time.After(pruneBatchBackoff):
			}
		}
	}
	return total, nil
}
