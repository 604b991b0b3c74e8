package httpadapter

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

type personRow struct {
	ID               int64
	Nickname, OpenID string
	Following        bool
	InvitedBy        *userRef
	JoinedAt         time.Time
}

type peoplePage struct {
	Q     string
	Items []personRow
	Error string
	More  bool
}

// handleConsolePeople searches people by nickname prefix or exact openid.
func (s *server) handleConsolePeople(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p := peoplePage{Q: q}
	status := http.StatusOK
	if q != "" {
		found, err := s.svc.People.Search(r.Context(), q)
		switch {
		case err != nil && statusOf(err) == http.StatusBadRequest:
			p.Error, status = "请输入 1 到 64 个字的昵称开头或完整的 openid。", http.StatusBadRequest
		case err != nil:
			s.renderConsoleError(w, r, cs, statusOf(err), "搜索暂时不可用", "请稍后再试。", err)
			return
		}
		for _, f := range found {
			row := personRow{ID: int64(f.User.ID), Nickname: f.User.DisplayName(), OpenID: f.User.OpenID, Following: f.User.Following, JoinedAt: f.User.JoinedAt}
			if f.InvitedByID != 0 {
				ref := ref(f.InvitedByID, "", f.InvitedByNickname)
				row.InvitedBy = &ref
			}
			p.Items = append(p.Items, row)
		}
		p.More = len(found) >= application.PeopleSearchLimit
	}
	s.renderConsole(w, r, status, "people.html", s.view(cs, "用户", "people", p))
}

// timelineItem is one event of a person's trail, said in plain Chinese.
type timelineItem struct {
	At       time.Time
	Text     string
	Reason   string
	Bad      bool
	Campaign int64
}

type personPage struct {
	ID               int64
	Nickname, OpenID string
	Following        bool
	JoinedAt         time.Time
	InvitedBy        *userRef
	InviteeCount     int
	Invitees         []inviteeRow
	Rewards          []personReward
	Timeline         []timelineItem
}

// personReward is one reward on the person page.
type personReward struct {
	Campaign                      string
	Tier                          int
	Reward, Code, Status, StatusZ string
}

var auditTextZh = map[domain.AuditType]string{
	domain.AuditLinkOpened:      "打开了{inviter}的邀请链接",
	domain.AuditLogin:           "登录了个人中心",
	domain.AuditSubscribe:       "关注了公众号",
	domain.AuditScan:            "扫描了{inviter}的邀请二维码",
	domain.AuditUnsubscribe:     "取消了关注",
	domain.AuditKeyword:         "发送了海报关键词",
	domain.AuditMenuClick:       "点击了菜单里的海报",
	domain.AuditInviteRecorded:  "记为{inviter}邀请的好友",
	domain.AuditInviteRefused:   "没有记为{inviter}的邀请",
	domain.AuditInviteQualified: "留存期满，{inviter}的这次邀请达标",
	domain.AuditInviteRevoked:   "{inviter}的这次邀请被撤销",
	domain.AuditRewardGranted:   "获得了奖励",
	domain.AuditNoticeSent:      "收到了客服消息通知",
	domain.AuditNoticeDeferred:  "通知暂缓：不在可发消息的时段内，下次互动时补发",
}

// auditReasonZh says why an invite did not count, as an operator would tell the
// person who asks.
var auditReasonZh = map[string]string{
	"not_new":                "这位用户以前就来过或关注过，不算新朋友",
	"already_invited":        "这位用户已经被别人邀请过了，一个人只能被邀请一次",
	"self_invite":            "不能邀请自己",
	"unknown_inviter":        "邀请链接或二维码无效，找不到邀请人",
	"unfollowed_during_hold": "在留存期内取消了关注",
	"unfollowed_after_hold":  "留存期满后、活动结束前取消了关注（本活动取关即扣除）",
}

// handleConsolePerson shows one person: who invited them, whom they invited, their
// rewards and their audit trail as a timeline.
func (s *server) handleConsolePerson(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	n, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil || n <= 0 {
		s.renderConsoleError(w, r, cs, http.StatusNotFound, "没有这个用户", "用户不存在。", nil)
		return
	}
	id := domain.UserID(n)
	m, err := s.svc.Me.Me(r.Context(), id)
	if err != nil {
		if statusOf(err) == http.StatusNotFound {
			s.renderConsoleError(w, r, cs, http.StatusNotFound, "没有这个用户", "用户不存在。", nil)
		} else {
			s.renderConsoleError(w, r, cs, statusOf(err), "数据暂时无法读取", "请稍后刷新重试。", err)
		}
		return
	}
	p := personPage{ID: n, Nickname: m.User.DisplayName(), OpenID: m.User.OpenID, Following: m.User.Following, JoinedAt: m.User.JoinedAt, InviteeCount: m.InviteeCount}
	if m.InvitedBy != nil {
		ref := userRef{ID: int64(m.InvitedBy.ID), Nickname: m.InvitedBy.DisplayName()}
		p.InvitedBy = &ref
	}
	page, _ := application.NewPage(application.MaxPageSize, "")
	invitees, _, err := s.svc.Invitees.Invitees(r.Context(), id, page)
	if err != nil {
		s.renderConsoleError(w, r, cs, statusOf(err), "数据暂时无法读取", "请稍后刷新重试。", err)
		return
	}
	for _, it := range invitees {
		p.Invitees = append(p.Invitees, inviteeRow{Name: displayName(it.OpenID, it.Nickname), Channel: string(it.Channel), ChannelLabel: channelLabel(it.Channel),
			When: it.JoinedAt.In(s.console.loc).Format("2006-01-02 15:04"), ISO: apiTime(it.JoinedAt)})
	}
	if s.svc.Campaigns.PersonRewards != nil {
		rs, err := s.svc.Campaigns.PersonRewards.Rewards(r.Context(), id)
		if err != nil {
			s.renderConsoleError(w, r, cs, statusOf(err), "数据暂时无法读取", "请稍后刷新重试。", err)
			return
		}
		for _, pr := range rs {
			g := pr.Grant
			p.Rewards = append(p.Rewards, personReward{Campaign: pr.Campaign, Tier: g.Tier, Reward: g.Reward, Code: g.Code,
				Status: string(g.Status), StatusZ: grantStatusZh[g.Status]})
		}
	}
	events, err := s.svc.PersonEvents.Events(r.Context(), id)
	if err != nil {
		s.renderConsoleError(w, r, cs, statusOf(err), "数据暂时无法读取", "请稍后刷新重试。", err)
		return
	}
	names := map[domain.UserID]string{}
	nameOf := func(u domain.UserID) string {
		if u == 0 {
			return ""
		}
		if n, ok := names[u]; ok {
			return n
		}
		n := "用户 " + strconv.FormatInt(int64(u), 10)
		if s.svc.Users != nil {
			if usr, err := s.svc.Users.ByID(r.Context(), u); err == nil {
				n = usr.DisplayName()
			}
		}
		names[u] = n
		return n
	}
	for i := len(events) - 1; i >= 0; i-- { // newest first reads best on a page
		e := events[i]
		text := auditTextZh[e.Type]
		if text == "" {
			text = string(e.Type)
		}
		inviter := nameOf(e.InviterID)
		if inviter == "" {
			inviter = "某人"
		}
		text = strings.ReplaceAll(text, "{inviter}", " "+inviter+" ")
		if e.Channel != "" && (e.Type == domain.AuditSubscribe || e.Type == domain.AuditInviteRecorded) {
			text += "（" + channelLabel(e.Channel) + "）"
		}
		p.Timeline = append(p.Timeline, timelineItem{At: e.At, Text: strings.TrimSpace(text), Reason: auditReasonZh[string(e.Reason)],
			Bad: e.Type == domain.AuditInviteRefused || e.Type == domain.AuditInviteRevoked || e.Type == domain.AuditUnsubscribe, Campaign: int64(e.CampaignID)})
	}
	s.renderConsole(w, r, http.StatusOK, "person.html", s.view(cs, p.Nickname, "people", p))
}
