package httpadapter

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/wxinvite/wxinvite/domain"
)

type campaignRow struct {
	ID                    int64
	Name, Status, StatusZ string
	StartsAt, EndsAt      string
	Tiers                 int
	Hold                  string
}

type campaignsPage struct {
	Items []campaignRow
}

var campaignStatusZh = map[domain.CampaignStatus]string{
	domain.CampaignScheduled: "未开始", domain.CampaignRunning: "进行中", domain.CampaignEnded: "已结束",
}

// campaignIDFrom reads {id} of the route.
func campaignIDFrom(r *http.Request) (domain.CampaignID, bool) {
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	return domain.CampaignID(id), err == nil && id > 0
}

// handleConsoleCampaigns lists every campaign, latest start first.
func (s *server) handleConsoleCampaigns(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	all, err := s.svc.Campaigns.Query.List(r.Context())
	if err != nil {
		s.renderConsoleError(w, r, cs, statusOf(err), "数据暂时无法读取", "请稍后刷新重试。", err)
		return
	}
	now := s.now()
	var p campaignsPage
	for _, c := range all {
		st := c.Status(now)
		row := campaignRow{ID: int64(c.ID), Name: c.Name, Status: string(st), StatusZ: campaignStatusZh[st],
			StartsAt: c.StartsAt.In(s.console.loc).Format("2006-01-02 15:04"), Tiers: len(c.Tiers), Hold: formatHold(c.Hold)}
		if !c.EndsAt.IsZero() {
			row.EndsAt = c.EndsAt.In(s.console.loc).Format("2006-01-02 15:04")
		}
		p.Items = append(p.Items, row)
	}
	v := s.view(cs, "活动", "campaigns", p)
	v.Notice = noticeOf(r)
	s.renderConsole(w, r, http.StatusOK, "campaigns.html", v)
}

type campaignEditPage struct {
	Form    campaignForm
	New     bool
	Status  string
	StatusZ string
	Tiers   []tierInfo
}

// tierInfo is a stored tier as the code-upload part of the editor shows it.
type tierInfo struct {
	Tier             int
	Reward           string
	Stock, Remaining string
}

// handleConsoleCampaignNew shows an empty campaign form.
func (s *server) handleConsoleCampaignNew(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	s.renderCampaignForm(w, r, cs, http.StatusOK, campaignEditPage{Form: newCampaignForm(s.now(), s.console.loc), New: true})
}

func (s *server) renderCampaignForm(w http.ResponseWriter, r *http.Request, cs consoleSession, status int, p campaignEditPage) {
	title := "新建活动"
	if !p.New {
		title = "编辑活动：" + p.Form.Name
	}
	v := s.view(cs, title, "campaigns", p)
	v.Notice = noticeOf(r)
	s.renderConsole(w, r, status, "campaign_edit.html", v)
}

// handleConsoleCampaignCreate stores a new campaign or shows the form again with
// the messages next to the fields.
func (s *server) handleConsoleCampaignCreate(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	f, c, rows := parseCampaignForm(r, s.console.loc)
	if len(f.Errors) > 0 {
		f.Problem = "请按提示修改后再保存。"
		s.renderCampaignForm(w, r, cs, http.StatusBadRequest, campaignEditPage{Form: f, New: true})
		return
	}
	created, err := s.svc.Campaigns.Create.Create(r.Context(), c)
	if err != nil {
		if f.applyCampaignError(err, rows) {
			if f.Problem == "" {
				f.Problem = "请按提示修改后再保存。"
			}
			s.renderCampaignForm(w, r, cs, statusOf(err), campaignEditPage{Form: f, New: true})
			return
		}
		s.renderConsoleError(w, r, cs, statusOf(err), "保存失败", "请稍后再试。", err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/campaigns/%d?done=created", created.ID), http.StatusSeeOther)
}

// handleConsoleCampaign shows a campaign's editor.
func (s *server) handleConsoleCampaign(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	c, ok := s.consoleCampaign(w, r, cs)
	if !ok {
		return
	}
	s.renderCampaignForm(w, r, cs, http.StatusOK, s.campaignEditPage(c, campaignFormOf(c, s.console.loc)))
}

func (s *server) campaignEditPage(c domain.Campaign, f campaignForm) campaignEditPage {
	st := c.Status(s.now())
	p := campaignEditPage{Form: f, Status: string(st), StatusZ: campaignStatusZh[st]}
	for _, t := range c.Tiers {
		ti := tierInfo{Tier: t.Tier, Reward: t.Reward, Stock: "不限", Remaining: "不限"}
		if t.Stock != nil {
			ti.Stock = strconv.Itoa(*t.Stock)
		}
		if t.Remaining != nil {
			ti.Remaining = strconv.Itoa(*t.Remaining)
		}
		p.Tiers = append(p.Tiers, ti)
	}
	return p
}

// consoleCampaign loads the campaign of the route, or answers with a page.
func (s *server) consoleCampaign(w http.ResponseWriter, r *http.Request, cs consoleSession) (domain.Campaign, bool) {
	id, ok := campaignIDFrom(r)
	if !ok {
		s.renderConsoleError(w, r, cs, http.StatusNotFound, "没有这个活动", "活动不存在或已被删除。", nil)
		return domain.Campaign{}, false
	}
	c, err := s.svc.Campaigns.Query.Get(r.Context(), id)
	if err != nil {
		if statusOf(err) == http.StatusNotFound {
			s.renderConsoleError(w, r, cs, http.StatusNotFound, "没有这个活动", "活动不存在或已被删除。", nil)
		} else {
			s.renderConsoleError(w, r, cs, statusOf(err), "数据暂时无法读取", "请稍后刷新重试。", err)
		}
		return domain.Campaign{}, false
	}
	return c, true
}

// handleConsoleCampaignUpdate saves the editor's fields; the poster layout is kept.
func (s *server) handleConsoleCampaignUpdate(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	c, ok := s.consoleCampaign(w, r, cs)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	f, in, rows := parseCampaignForm(r, s.console.loc)
	f.ID = int64(c.ID)
	if len(f.Errors) > 0 {
		f.Problem = "请按提示修改后再保存。"
		s.renderCampaignForm(w, r, cs, http.StatusBadRequest, s.campaignEditPage(c, f))
		return
	}
	_, err := s.svc.Campaigns.Update.Update(r.Context(), c.ID, func(cur *domain.Campaign) error {
		cur.Name, cur.StartsAt, cur.EndsAt, cur.Hold = in.Name, in.StartsAt, in.EndsAt, in.Hold
		cur.DeductAfterHold, cur.Keyword, cur.Notices, cur.Tiers = in.DeductAfterHold, in.Keyword, in.Notices, in.Tiers
		return nil
	})
	if err != nil {
		if f.applyCampaignError(err, rows) {
			if f.Problem == "" {
				f.Problem = "请按提示修改后再保存。"
			}
			s.renderCampaignForm(w, r, cs, statusOf(err), s.campaignEditPage(c, f))
			return
		}
		s.renderConsoleError(w, r, cs, statusOf(err), "保存失败", "请稍后再试。", err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/campaigns/%d?done=saved", c.ID), http.StatusSeeOther)
}

// handleConsoleCampaignEnd ends a campaign now.
func (s *server) handleConsoleCampaignEnd(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	id, ok := campaignIDFrom(r)
	if !ok {
		s.renderConsoleError(w, r, cs, http.StatusNotFound, "没有这个活动", "活动不存在或已被删除。", nil)
		return
	}
	if _, err := s.svc.Campaigns.End.End(r.Context(), id); err != nil {
		s.renderConsoleError(w, r, cs, statusOf(err), "操作失败", "活动没有结束，请稍后再试。", err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/campaigns/%d?done=ended", id), http.StatusSeeOther)
}

// handleConsoleCodes uploads redeem codes for one tier, from the textarea or a
// .txt file, and reports how many were new and how many repeated.
func (s *server) handleConsoleCodes(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	id, ok := campaignIDFrom(r)
	tier, err := strconv.Atoi(mux.Vars(r)["tier"])
	if !ok || err != nil {
		s.renderConsoleError(w, r, cs, http.StatusNotFound, "没有这一档", "活动或奖励档位不存在。", nil)
		return
	}
	text := r.PostFormValue("codes")
	if text == "" && r.MultipartForm != nil {
		if fh := r.MultipartForm.File["file"]; len(fh) > 0 {
			if f, err := fh[0].Open(); err == nil {
				b, _ := io.ReadAll(io.LimitReader(f, consoleMaxBody))
				_ = f.Close()
				text = string(b)
			}
		}
	}
	res, err := s.svc.Campaigns.Codes.Upload(r.Context(), id, tier, strings.NewReader(text))
	if err != nil {
		_, msg := publicError(err)
		s.renderConsoleError(w, r, cs, statusOf(err), "兑换码没有导入", "没有导入任何兑换码："+msg, err)
		return
	}
	q := url.Values{"done": {"codes"}, "tier": {strconv.Itoa(tier)}, "added": {strconv.Itoa(res.Added)}, "dup": {strconv.Itoa(res.Duplicates)}}
	http.Redirect(w, r, fmt.Sprintf("/admin/campaigns/%d?%s#codes", id, q.Encode()), http.StatusSeeOther)
}
