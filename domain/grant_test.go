package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

func TestGrantFulfil(t *testing.T) {
	t.Parallel()
	c := validCampaign()
	g := domain.NewGrant(5, c, c.Tiers[1], t0)
	if g.Status != domain.GrantGranted || g.Tier != 2 || g.Reward != "会员月卡" || !g.GrantedAt.Equal(t0) || g.CampaignID != 7 {
		t.Fatalf("NewGrant = %+v", g)
	}
	at := t0.Add(time.Hour)
	f, changed, err := g.Fulfil(at)
	if err != nil || !changed || f.Status != domain.GrantFulfilled || !f.FulfilledAt.Equal(at) {
		t.Errorf("Fulfil(granted) = %+v, %v, %v", f, changed, err)
	}
	if again, changed, err := f.Fulfil(at.Add(time.Hour)); err != nil || changed || !again.FulfilledAt.Equal(at) {
		t.Errorf("Fulfil(fulfilled) = %+v, %v, %v; want unchanged", again, changed, err)
	}
	g.Status = domain.GrantOutOfStock
	if _, changed, err := g.Fulfil(at); !errors.Is(err, domain.ErrNotFulfillable) || changed {
		t.Errorf("Fulfil(out_of_stock) = %v, %v; want ErrNotFulfillable", changed, err)
	}
}
