package memory

import (
	"context"
	"sort"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// Grants is the in-memory GrantRepository.
type Grants struct{ s *Store }

var _ application.GrantRepository = (*Grants)(nil)

// Grants returns the grant repository.
func (s *Store) Grants() *Grants { return &Grants{s} }

// Create implements application.GrantRepository.
func (r *Grants) Create(ctx context.Context, g domain.Grant) (domain.Grant, error) {
	err := r.s.with(ctx, func(st *state) error {
		for _, o := range st.camp.grants {
			if o.UserID == g.UserID && o.CampaignID == g.CampaignID && o.Tier == g.Tier {
				return application.Conflict("grant for this user, campaign and tier", nil)
			}
		}
		g.ID = domain.GrantID(len(st.camp.grants) + 1)
		g.GrantedAt, g.FulfilledAt = norm(g.GrantedAt), norm(g.FulfilledAt)
		st.camp.grants = append(st.camp.grants, g)
		return nil
	})
	return g, err
}

func (r *Grants) find(ctx context.Context, match func(domain.Grant) bool) (domain.Grant, error) {
	var out domain.Grant
	err := r.s.with(ctx, func(st *state) error {
		for _, g := range st.camp.grants {
			if match(g) {
				out = g
				return nil
			}
		}
		return application.NotFound("grant", nil)
	})
	return out, err
}

// Find implements application.GrantRepository.
func (r *Grants) Find(ctx context.Context, user domain.UserID, campaign domain.CampaignID, tier int) (domain.Grant, error) {
	return r.find(ctx, func(g domain.Grant) bool { return g.UserID == user && g.CampaignID == campaign && g.Tier == tier })
}

// ByID implements application.GrantRepository.
func (r *Grants) ByID(ctx context.Context, id domain.GrantID) (domain.Grant, error) {
	return r.find(ctx, func(g domain.Grant) bool { return g.ID == id })
}

// update applies fn to grant id when it has status from; it reports whether it did.
func (r *Grants) update(ctx context.Context, id domain.GrantID, from domain.GrantStatus, fn func(g *domain.Grant)) (bool, error) {
	ok := false
	err := r.s.with(ctx, func(st *state) error {
		if id < 1 || int(id) > len(st.camp.grants) || st.camp.grants[id-1].Status != from {
			return nil
		}
		fn(&st.camp.grants[id-1])
		ok = true
		return nil
	})
	return ok, err
}

// SetOutcome implements application.GrantRepository.
func (r *Grants) SetOutcome(ctx context.Context, id domain.GrantID, status domain.GrantStatus, code string) (bool, error) {
	return r.update(ctx, id, domain.GrantGranted, func(g *domain.Grant) { g.Status, g.Code = status, code })
}

// Fulfil implements application.GrantRepository.
func (r *Grants) Fulfil(ctx context.Context, id domain.GrantID, at time.Time) (bool, error) {
	return r.update(ctx, id, domain.GrantGranted, func(g *domain.Grant) { g.Status, g.FulfilledAt = domain.GrantFulfilled, norm(at) })
}

// ByUser implements application.GrantRepository.
func (r *Grants) ByUser(ctx context.Context, user domain.UserID, campaign domain.CampaignID) ([]domain.Grant, error) {
	var out []domain.Grant
	err := r.s.with(ctx, func(st *state) error {
		for _, g := range st.camp.grants {
			if g.UserID == user && g.CampaignID == campaign {
				out = append(out, g)
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Tier < out[j].Tier })
	return out, err
}

// Counts implements application.GrantRepository.
func (r *Grants) Counts(ctx context.Context, campaign domain.CampaignID) (granted, outOfStock int, err error) {
	err = r.s.with(ctx, func(st *state) error {
		for _, g := range st.camp.grants {
			switch {
			case g.CampaignID != campaign:
			case g.Status == domain.GrantOutOfStock:
				outOfStock++
			default:
				granted++
			}
		}
		return nil
	})
	return granted, outOfStock, err
}

// matching returns the grants matching f after the cursor, newest first, with names.
func (r *Grants) matching(st *state, f application.GrantFilter, c application.Cursor) []application.GrantRecord {
	var out []application.GrantRecord
	for _, g := range st.camp.grants {
		if f.Campaign != 0 && g.CampaignID != f.Campaign || f.Status != "" && g.Status != f.Status {
			continue
		}
		if !c.IsZero() && !(g.GrantedAt.Before(c.At) || g.GrantedAt.Equal(c.At) && int64(g.ID) < c.ID) {
			continue
		}
		u := st.users[g.UserID-1]
		out = append(out, application.GrantRecord{Grant: g, OpenID: u.OpenID, Nickname: u.Nickname})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Grant, out[j].Grant
		if !a.GrantedAt.Equal(b.GrantedAt) {
			return a.GrantedAt.After(b.GrantedAt)
		}
		return a.ID > b.ID
	})
	return out
}

// List implements application.GrantRepository.
func (r *Grants) List(ctx context.Context, f application.GrantFilter, page application.Page) ([]application.GrantRecord, application.Cursor, error) {
	var items []application.GrantRecord
	var next application.Cursor
	limit := page.Limit
	if limit <= 0 {
		limit = application.DefaultPageSize
	}
	err := r.s.with(ctx, func(st *state) error {
		items = r.matching(st, f, page.Cursor)
		if len(items) > limit {
			items = items[:limit]
			last := items[limit-1].Grant
			next = application.Cursor{At: last.GrantedAt, ID: int64(last.ID)}
		}
		return nil
	})
	return items, next, err
}

// Each implements application.GrantRepository; fn runs without the store's lock.
func (r *Grants) Each(ctx context.Context, f application.GrantFilter, fn func(application.GrantRecord) error) error {
	var all []application.GrantRecord
	if err := r.s.with(ctx, func(st *state) error {
		all = r.matching(st, f, application.Cursor{})
		return nil
	}); err != nil {
		return err
	}
	for _, g := range all {
		if err := fn(g); err != nil {
			return err
		}
	}
	return nil
}

// Codes is the in-memory CodeRepository.
type Codes struct{ s *Store }

var _ application.CodeRepository = (*Codes)(nil)

// Codes returns the redeem code repository.
func (s *Store) Codes() *Codes { return &Codes{s} }

// Add implements application.CodeRepository.
func (r *Codes) Add(ctx context.Context, campaign domain.CampaignID, tier int, codes []string) (int, error) {
	added := 0
	err := r.s.with(ctx, func(st *state) error {
		have := map[string]bool{}
		for _, c := range st.camp.codes {
			if c.campaign == campaign && c.tier == tier {
				have[c.code] = true
			}
		}
		for _, code := range codes {
			if have[code] {
				continue
			}
			have[code] = true
			st.camp.codes = append(st.camp.codes, codeRow{campaign: campaign, tier: tier, code: code})
			added++
		}
		return nil
	})
	return added, err
}

// Claim implements application.CodeRepository.
func (r *Codes) Claim(ctx context.Context, campaign domain.CampaignID, tier int, grant domain.GrantID) (string, bool, error) {
	code, ok := "", false
	err := r.s.with(ctx, func(st *state) error {
		free := -1
		for i, c := range st.camp.codes {
			if c.grant == grant {
				code, ok = c.code, true
				return nil
			}
			if free < 0 && c.campaign == campaign && c.tier == tier && c.grant == 0 {
				free = i
			}
		}
		if free >= 0 {
			st.camp.codes[free].grant = grant
			code, ok = st.camp.codes[free].code, true
		}
		return nil
	})
	return code, ok, err
}
