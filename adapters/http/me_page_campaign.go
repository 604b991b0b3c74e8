package httpadapter

import (
	"net/http"
	"strconv"

	"github.com/wxinvite/wxinvite/domain"
)

// meCampaign is the running campaign as /me shows it to a participant: how far to
// the next tier, the ladder, and what they have won.
type meCampaign struct {
	Name          string
	EndsAt        string // "" when open-ended
	Qualified     int
	Pending       int
	Percent       int // qualified friends as a share of the next tier's threshold, 0..100
	NextThreshold int // 0 when every tier is reached
	NextReward    string
	ToGo          int
	Tiers         []meTier
	Rewards       []meReward
}

// meTier is one rung of the ladder.
type meTier struct {
	Tier, Threshold int
	Reward          string
	Reached         bool
}

// meReward is a reward the participant has, with its code to copy.
type meReward struct {
	Tier                    int
	Reward, Code, URL       string
	Status, StatusZ, CodeID string
}

var meRewardStatusZh = map[domain.GrantStatus]string{
	domain.GrantGranted: "已获得", domain.GrantOutOfStock: "很遗憾，奖励已发完", domain.GrantFulfilled: "已发放",
}

// meInviteStatusZh labels an invitee on /me while a campaign counts them.
var meInviteStatusZh = map[domain.InviteStatus]string{
	domain.InvitePending: "留存期中", domain.InviteQualified: "已达标", domain.InviteRevoked: "未算上",
}

// meCampaignFor reads the participant's standing in the running campaign. It is nil
// when no campaign runs, when the campaign services are not wired, or when the read
// fails (logged): the rest of the page still works.
func (s *server) meCampaignFor(r *http.Request, uid domain.UserID) *meCampaign {
	if s.svc.Campaigns.Mine == nil {
		return nil
	}
	m, err := s.svc.Campaigns.Mine.MyCampaign(r.Context(), uid)
	if err != nil {
		logFailure(r, statusOf(err), err)
		return nil
	}
	if m == nil {
		return nil
	}
	c := m.Campaign
	out := &meCampaign{Name: c.Name, Qualified: m.Qualified, Pending: m.Pending}
	if !c.EndsAt.IsZero() {
		out.EndsAt = c.EndsAt.In(s.loc).Format("1月2日 15:04")
	}
	for _, t := range c.Tiers {
		out.Tiers = append(out.Tiers, meTier{Tier: t.Tier, Threshold: t.Threshold, Reward: t.Reward, Reached: m.Qualified >= t.Threshold})
	}
	switch {
	case m.NextTier != nil:
		out.NextThreshold, out.NextReward = m.NextTier.Threshold, m.NextTier.Reward
		out.ToGo = m.NextTier.Threshold - m.Qualified
		out.Percent = max(0, min(100, m.Qualified*100/max(1, m.NextTier.Threshold)))
	case len(c.Tiers) > 0:
		out.Percent = 100
	}
	for _, g := range m.Rewards {
		out.Rewards = append(out.Rewards, meReward{Tier: g.Tier, Reward: g.Reward, Code: g.Code, URL: g.URL,
			Status: string(g.Status), StatusZ: meRewardStatusZh[g.Status], CodeID: "reward-code-" + strconv.Itoa(g.Tier)})
	}
	return out
}

// meReasonZh tells an inviter, in their words, why a friend did not count.
var meReasonZh = map[string]string{
	"not_new":                "TA 之前就关注过或来过",
	"already_invited":        "TA 已经被别人邀请过了",
	"self_invite":            "不能邀请自己",
	"unknown_inviter":        "链接或二维码无效",
	"unfollowed_during_hold": "TA 在留存期内取消了关注",
	"unfollowed_after_hold":  "TA 在活动结束前取消了关注",
}

// setStatus labels an invitee with the campaign status of their invite; an invite
// outside any campaign (counted) keeps no label.
func (row *inviteeRow) setStatus(st domain.InviteStatus, reason domain.RevokeReason) {
	if zh, ok := meInviteStatusZh[st]; ok {
		row.Status, row.StatusZh, row.Reason = string(st), zh, meReasonZh[string(reason)]
	}
}
