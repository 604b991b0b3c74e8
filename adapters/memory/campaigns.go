package memory

import (
	"context"
	"sort"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// campaignState is the campaign side of the store's state.
type campaignState struct {
	campaigns   []domain.Campaign // index = id-1
	rev         int64
	remaining   map[tierKey]int // tiers with stock only
	backgrounds map[domain.CampaignID]application.PosterImage
	grants      []domain.Grant // index = id-1
	codes       []codeRow
	settled     map[domain.InviteID]bool
}

type tierKey struct {
	campaign domain.CampaignID
	tier     int
}

type codeRow struct {
	campaign domain.CampaignID
	tier     int
	code     string
	grant    domain.GrantID
}

func (c campaignState) clone() campaignState {
	out := campaignState{
		rev: c.rev, grants: append([]domain.Grant(nil), c.grants...), codes: append([]codeRow(nil), c.codes...),
		remaining: make(map[tierKey]int, len(c.remaining)), settled: make(map[domain.InviteID]bool, len(c.settled)),
		backgrounds: make(map[domain.CampaignID]application.PosterImage, len(c.backgrounds)),
	}
	for _, cp := range c.campaigns {
		out.campaigns = append(out.campaigns, copyCampaign(cp))
	}
	for k, v := range c.remaining {
		out.remaining[k] = v
	}
	for k, v := range c.settled {
		out.settled[k] = v
	}
	for k, v := range c.backgrounds {
		out.backgrounds[k] = v
	}
	return out
}

// copyCampaign copies the tiers and their stock so no caller shares the store's.
func copyCampaign(c domain.Campaign) domain.Campaign {
	tiers := make([]domain.Tier, len(c.Tiers))
	for i, t := range c.Tiers {
		if t.Stock != nil {
			n := *t.Stock
			t.Stock = &n
		}
		t.Remaining = nil
		tiers[i] = t
	}
	c.Tiers = tiers
	if c.Poster.Avatar != nil {
		a := *c.Poster.Avatar
		c.Poster.Avatar = &a
	}
	if c.Poster.Nickname != nil {
		n := *c.Poster.Nickname
		c.Poster.Nickname = &n
	}
	return c
}

func normCampaign(c domain.Campaign) domain.Campaign {
	c = copyCampaign(c)
	c.StartsAt, c.EndsAt, c.CreatedAt = norm(c.StartsAt), norm(c.EndsAt), norm(c.CreatedAt)
	return c
}

// withRemaining returns a copy of c with the remaining stock filled in.
func (c campaignState) withRemaining(cp domain.Campaign) domain.Campaign {
	cp = copyCampaign(cp)
	for i, t := range cp.Tiers {
		if t.Stock != nil {
			n := c.remaining[tierKey{cp.ID, t.Tier}]
			cp.Tiers[i].Remaining = &n
		}
	}
	return cp
}

// Campaigns is the in-memory CampaignRepository.
type Campaigns struct{ s *Store }

var _ application.CampaignRepository = (*Campaigns)(nil)

// Campaigns returns the campaign repository.
func (s *Store) Campaigns() *Campaigns { return &Campaigns{s} }

// All implements application.CampaignRepository.
func (r *Campaigns) All(ctx context.Context) ([]domain.Campaign, int64, error) {
	var out []domain.Campaign
	var rev int64
	err := r.s.with(ctx, func(st *state) error {
		for _, c := range st.camp.campaigns {
			out = append(out, st.camp.withRemaining(c))
		}
		rev = st.camp.rev
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].StartsAt.Equal(out[j].StartsAt) {
			return out[i].StartsAt.After(out[j].StartsAt)
		}
		return out[i].ID > out[j].ID
	})
	return out, rev, err
}

// ByID implements application.CampaignRepository.
func (r *Campaigns) ByID(ctx context.Context, id domain.CampaignID) (domain.Campaign, error) {
	var out domain.Campaign
	err := r.s.with(ctx, func(st *state) error {
		if id < 1 || int(id) > len(st.camp.campaigns) {
			return application.NotFound("campaign", nil)
		}
		out = st.camp.withRemaining(st.camp.campaigns[id-1])
		return nil
	})
	return out, err
}

// Create implements application.CampaignRepository.
func (r *Campaigns) Create(ctx context.Context, c domain.Campaign, rev int64) (domain.Campaign, error) {
	err := r.s.with(ctx, func(st *state) error {
		if st.camp.rev != rev {
			return application.Conflict("campaign revision", nil)
		}
		st.camp.rev++
		c = normCampaign(c)
		c.ID = domain.CampaignID(len(st.camp.campaigns) + 1)
		st.camp.campaigns = append(st.camp.campaigns, c)
		if st.camp.remaining == nil {
			st.camp.remaining = map[tierKey]int{}
		}
		for _, t := range c.Tiers {
			if t.Stock != nil {
				st.camp.remaining[tierKey{c.ID, t.Tier}] = *t.Stock
			}
		}
		c = st.camp.withRemaining(c)
		return nil
	})
	return c, err
}

// Update implements application.CampaignRepository.
func (r *Campaigns) Update(ctx context.Context, c domain.Campaign, rev int64) error {
	return r.s.with(ctx, func(st *state) error {
		if c.ID < 1 || int(c.ID) > len(st.camp.campaigns) {
			return application.NotFound("campaign", nil)
		}
		if st.camp.rev != rev {
			return application.Conflict("campaign revision", nil)
		}
		st.camp.rev++
		c = normCampaign(c)
		c.CreatedAt = st.camp.campaigns[c.ID-1].CreatedAt
		st.camp.campaigns[c.ID-1] = c
		for k := range st.camp.remaining {
			if k.campaign == c.ID {
				delete(st.camp.remaining, k)
			}
		}
		for _, t := range c.Tiers {
			if t.Stock == nil {
				continue
			}
			used := 0
			for _, g := range st.camp.grants {
				if g.CampaignID == c.ID && g.Tier == t.Tier && g.Status != domain.GrantOutOfStock {
					used++
				}
			}
			st.camp.remaining[tierKey{c.ID, t.Tier}] = max(*t.Stock-used, 0)
		}
		return nil
	})
}

// TakeStock implements application.CampaignRepository.
func (r *Campaigns) TakeStock(ctx context.Context, id domain.CampaignID, tier int) (bool, error) {
	took := false
	err := r.s.with(ctx, func(st *state) error {
		k := tierKey{id, tier}
		n, limited := st.camp.remaining[k]
		switch {
		case !limited:
			took = true
		case n > 0:
			st.camp.remaining[k] = n - 1
			took = true
		}
		return nil
	})
	return took, err
}

// PutBackground implements application.CampaignRepository.
func (r *Campaigns) PutBackground(ctx context.Context, id domain.CampaignID, img application.PosterImage) error {
	return r.s.with(ctx, func(st *state) error {
		if id < 1 || int(id) > len(st.camp.campaigns) {
			return application.NotFound("campaign", nil)
		}
		if st.camp.backgrounds == nil {
			st.camp.backgrounds = map[domain.CampaignID]application.PosterImage{}
		}
		img.Data = append([]byte(nil), img.Data...)
		img.UpdatedAt = norm(img.UpdatedAt)
		st.camp.backgrounds[id] = img
		return nil
	})
}

// Background implements application.CampaignRepository.
func (r *Campaigns) Background(ctx context.Context, id domain.CampaignID) (application.PosterImage, error) {
	var img application.PosterImage
	err := r.s.with(ctx, func(st *state) error {
		b, ok := st.camp.backgrounds[id]
		if !ok {
			return application.NotFound("poster background", nil)
		}
		img = b
		img.Data = append([]byte(nil), b.Data...)
		return nil
	})
	return img, err
}
