package application

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// CampaignChat lends the running campaign to the chat loop: its keyword, its
// poster design, its wording of progress notices, and a reward notice per grant.
type CampaignChat struct {
	directory *CampaignDirectory
	campaigns CampaignRepository
	lifecycle InviteLifecycleRepository
	plain     CountProgressTexts
	worker    *NoticeWorker
	clock     Clock

	mu  sync.Mutex
	bgs map[domain.CampaignID]cachedBackground
}

// backgroundTTL is how long an instance keeps a campaign's background: a user
// asking for the poster again must not read up to 2 MiB from the database each
// time; a new background shows on every instance within this long.
const backgroundTTL = 10 * time.Second

type cachedBackground struct {
	img     PosterImage
	found   bool
	expires time.Time
}

var (
	_ CampaignKeywords = (*CampaignChat)(nil)
	_ PosterDesigns    = (*CampaignChat)(nil)
	_ ProgressTexts    = (*CampaignChat)(nil)
	_ RewardObserver   = (*CampaignChat)(nil)
)

// NewCampaignChat builds the adapter between campaigns and the chat loop.
func NewCampaignChat(directory *CampaignDirectory, campaigns CampaignRepository, lifecycle InviteLifecycleRepository, invites InviteRepository, worker *NoticeWorker, clock Clock) *CampaignChat {
	return &CampaignChat{directory: directory, campaigns: campaigns, lifecycle: lifecycle, plain: CountProgressTexts{Invites: invites}, worker: worker, clock: clock}
}

// Keyword implements CampaignKeywords.
func (c *CampaignChat) Keyword(ctx context.Context, at time.Time) (string, error) {
	camp, ok, err := c.directory.RunningAt(ctx, at)
	if err != nil || !ok {
		return "", err
	}
	return camp.Keyword, nil
}

// PosterDesign implements PosterDesigns: the running campaign's background and
// layout; the default design when none runs. The version follows the layout and
// the background's upload time, so an edited campaign never reuses an old upload.
func (c *CampaignChat) PosterDesign(ctx context.Context, at time.Time) (PosterDesign, error) {
	camp, ok, err := c.directory.RunningAt(ctx, at)
	if err != nil || !ok {
		return PosterDesign{Version: "default"}, err
	}
	p := camp.Poster
	d := PosterDesign{Campaign: int64(camp.ID), QR: PosterBox{X: p.QR.X, Y: p.QR.Y, Size: p.QR.Size}}
	if p.Avatar != nil {
		d.Avatar = &PosterBox{X: p.Avatar.X, Y: p.Avatar.Y, Size: p.Avatar.Size}
	}
	if p.Nickname != nil {
		d.Nickname = &PosterText{X: p.Nickname.X, Y: p.Nickname.Y, Size: p.Nickname.Size, Color: p.Nickname.Color}
	}
	bgStamp := "none"
	img, found, err := c.background(ctx, camp.ID)
	if err != nil {
		return PosterDesign{}, err
	}
	if found {
		d.Background = img.Data
		bgStamp = img.UpdatedAt.UTC().Format(time.RFC3339Nano) + "/" + strconv.Itoa(len(img.Data))
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d|%+v|%+v|%+v|%s", camp.ID, d.QR, d.Avatar, d.Nickname, bgStamp)))
	d.Version = hex.EncodeToString(sum[:8])
	return d, nil
}

// ProgressText implements ProgressTexts: an invite of a campaign is worded with the
// campaign's progress template ({friend}, {count}: qualified and pending invites,
// {next}: what the next tier needs); others with the default wording.
func (c *CampaignChat) ProgressText(ctx context.Context, inviter, friend domain.User, inv domain.Invite) (string, bool, error) {
	if inv.CampaignID == 0 {
		return c.plain.ProgressText(ctx, inviter, friend, inv)
	}
	camp, err := c.directory.ByID(ctx, inv.CampaignID)
	if err != nil {
		return "", false, err
	}
	counts, err := c.lifecycle.InviterCounts(ctx, inviter.ID, camp.ID, c.clock.Now())
	if err != nil {
		return "", false, err
	}
	next := "已达成全部奖励"
	if t, ok := camp.NextTier(counts.Qualified); ok {
		next = fmt.Sprintf("再邀请 %d 人可得「%s」", t.Threshold-counts.Qualified, t.Reward)
	}
	tpl := camp.Notices.Progress
	if tpl == "" {
		tpl = domain.DefaultProgressNotice
	}
	r := strings.NewReplacer("{friend}", friend.DisplayName(), "{count}", strconv.Itoa(counts.Qualified+counts.Pending), "{next}", next)
	return strings.TrimSpace(r.Replace(tpl)), true, nil
}

// Granted implements RewardObserver: a granted reward queues a reward notice
// (keyed by the grant, so it is told once); out_of_stock grants tell nothing.
func (c *CampaignChat) Granted(g domain.Grant) {
	if g.Status != domain.GrantGranted {
		return
	}
	c.worker.Enqueue(func(ctx context.Context) (domain.Notice, bool, error) {
		camp, err := c.directory.ByID(ctx, g.CampaignID)
		if err != nil {
			return domain.Notice{}, false, err
		}
		tpl := camp.Notices.Reward
		if tpl == "" {
			tpl = domain.DefaultRewardNotice
		}
		text := strings.TrimSpace(strings.NewReplacer("{reward}", g.Reward, "{code}", g.Code).Replace(tpl))
		return domain.Notice{UserID: g.UserID, Key: "reward:" + strconv.FormatInt(int64(g.ID), 10), Kind: domain.NoticeReward, Text: text}, true, nil
	})
}

// background returns the campaign's poster background from a short-lived cache.
func (c *CampaignChat) background(ctx context.Context, id domain.CampaignID) (PosterImage, bool, error) {
	now := c.clock.Now()
	c.mu.Lock()
	if b, ok := c.bgs[id]; ok && now.Before(b.expires) {
		c.mu.Unlock()
		return b.img, b.found, nil
	}
	c.mu.Unlock()
	img, err := c.campaigns.Background(ctx, id)
	found := err == nil
	if err != nil && !IsKind(err, KindNotFound) {
		return PosterImage{}, false, err
	}
	c.mu.Lock()
	if c.bgs == nil {
		c.bgs = map[domain.CampaignID]cachedBackground{}
	}
	for k, b := range c.bgs { // campaigns are few; forget the expired ones
		if !now.Before(b.expires) {
			delete(c.bgs, k)
		}
	}
	c.bgs[id] = cachedBackground{img: img, found: found, expires: now.Add(backgroundTTL)}
	c.mu.Unlock()
	return img, found, nil
}
