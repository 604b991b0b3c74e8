package memory

import (
	"context"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

var _ application.AuditCounter = (*Audit)(nil)

// CountTypes implements application.AuditCounter.
func (a *Audit) CountTypes(ctx context.Context, types []domain.AuditType, from, to time.Time) (map[domain.AuditType]int, error) {
	want := map[domain.AuditType]bool{}
	for _, t := range types {
		want[t] = true
	}
	out := map[domain.AuditType]int{}
	err := a.s.with(ctx, func(st *state) error {
		for _, e := range st.hooks.audit {
			if want[e.Type] && !e.At.Before(from) && (to.IsZero() || e.At.Before(to)) {
				out[e.Type]++
			}
		}
		return nil
	})
	return out, err
}
