package httpadapter

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// consoleTierRows is how many tier rows a campaign form offers beyond the
// campaign's own tiers; blank rows are ignored.
const consoleTierRows = 3

// campaignForm is the campaign editor's fields as typed, and the messages shown next
// to them. Values stay strings so a wrong entry is shown back as typed.
type campaignForm struct {
	ID                         int64
	Name, StartsAt, EndsAt     string
	Hold, Keyword              string
	Deduct                     bool
	NoticeProgress, NoticeRewd string
	Tiers                      []tierForm
	Errors                     map[string]string // field name → message
	Problem                    string            // a message for the whole form
}

// tierForm is one row of the tier table.
type tierForm struct {
	Row                             int
	Threshold, Reward, URL, Stock   string
	ThresholdErr, RewardErr, URLErr string
	StockErr                        string
}

const formTime = "2006-01-02T15:04"

func formatFormTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(formTime)
}

// newCampaignForm is the form for a new campaign: it starts now, holds 72 h.
func newCampaignForm(now time.Time, loc *time.Location) campaignForm {
	f := campaignForm{StartsAt: formatFormTime(now.Truncate(time.Minute), loc), Hold: "72h", NoticeProgress: domain.DefaultProgressNotice, NoticeRewd: domain.DefaultRewardNotice}
	f.padTiers()
	return f
}

// campaignFormOf fills the form from a stored campaign.
func campaignFormOf(c domain.Campaign, loc *time.Location) campaignForm {
	f := campaignForm{
		ID: int64(c.ID), Name: c.Name, StartsAt: formatFormTime(c.StartsAt, loc), EndsAt: formatFormTime(c.EndsAt, loc),
		Hold: formatHold(c.Hold), Keyword: c.Keyword, Deduct: c.DeductAfterHold,
		NoticeProgress: c.Notices.Progress, NoticeRewd: c.Notices.Reward,
	}
	for i, t := range c.Tiers {
		tf := tierForm{Row: i, Threshold: strconv.Itoa(t.Threshold), Reward: t.Reward, URL: t.URL}
		if t.Stock != nil {
			tf.Stock = strconv.Itoa(*t.Stock)
		}
		f.Tiers = append(f.Tiers, tf)
	}
	f.padTiers()
	return f
}

// formatHold writes a hold the way operators type it: 72h, 90m, 45s.
func formatHold(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}

func (f *campaignForm) padTiers() {
	for i := 0; i < consoleTierRows; i++ {
		f.Tiers = append(f.Tiers, tierForm{Row: len(f.Tiers)})
	}
}

func (f *campaignForm) fail(field, msg string) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

// parseCampaignForm reads the posted form. Every field that cannot even be read
// (a date, a number, a duration) gets its message here, all at once; the domain's
// rules run afterwards on what could be read.
func parseCampaignForm(r *http.Request, loc *time.Location) (campaignForm, domain.Campaign, []int) {
	f := campaignForm{
		Name: r.PostFormValue("name"), StartsAt: r.PostFormValue("starts_at"), EndsAt: r.PostFormValue("ends_at"),
		Hold: strings.TrimSpace(r.PostFormValue("hold")), Keyword: r.PostFormValue("keyword"), Deduct: r.PostFormValue("deduct_after_hold") != "",
		NoticeProgress: r.PostFormValue("notice_progress"), NoticeRewd: r.PostFormValue("notice_reward"),
	}
	c := domain.Campaign{Name: f.Name, Keyword: f.Keyword, DeductAfterHold: f.Deduct,
		Notices: domain.Notices{Progress: f.NoticeProgress, Reward: f.NoticeRewd}}
	var err error
	if strings.TrimSpace(f.StartsAt) == "" {
		f.fail("starts_at", "请填写开始时间")
	} else if c.StartsAt, err = time.ParseInLocation(formTime, strings.TrimSpace(f.StartsAt), loc); err != nil {
		f.fail("starts_at", "时间格式应为 2026-01-31T09:00")
	}
	if strings.TrimSpace(f.EndsAt) != "" {
		if c.EndsAt, err = time.ParseInLocation(formTime, strings.TrimSpace(f.EndsAt), loc); err != nil {
			f.fail("ends_at", "时间格式应为 2026-01-31T09:00")
		}
	}
	if f.Hold != "" {
		h := f.Hold
		if _, err := strconv.Atoi(h); err == nil {
			h += "h" // a bare number is hours
		}
		if c.Hold, err = time.ParseDuration(h); err != nil || c.Hold <= 0 {
			f.fail("hold", "请写成 72h、90m 或 30s 这样的时长")
			c.Hold = 0
		}
	}
	// rows maps the campaign's tier i back to the form row it came from.
	var rows []int
	for i := 0; i < domain.MaxTiers+consoleTierRows; i++ {
		k := strconv.Itoa(i)
		t := tierForm{Row: i, Threshold: strings.TrimSpace(r.PostFormValue("tier_threshold_" + k)), Reward: r.PostFormValue("tier_reward_" + k),
			URL: r.PostFormValue("tier_url_" + k), Stock: strings.TrimSpace(r.PostFormValue("tier_stock_" + k))}
		if _, present := r.PostForm["tier_threshold_"+k]; !present {
			break
		}
		if t.Threshold == "" && strings.TrimSpace(t.Reward) == "" && strings.TrimSpace(t.URL) == "" && t.Stock == "" {
			continue // a blank row
		}
		dt := domain.Tier{Tier: len(c.Tiers) + 1, Reward: t.Reward, URL: t.URL}
		if n, err := strconv.Atoi(t.Threshold); err != nil {
			t.ThresholdErr = "请填写整数"
		} else {
			dt.Threshold = n
		}
		if t.Stock != "" {
			if n, err := strconv.Atoi(t.Stock); err != nil || n < 0 {
				t.StockErr = "库存应为不小于 0 的整数，留空表示不限"
			} else {
				dt.Stock = &n
			}
		}
		if t.ThresholdErr != "" || t.StockErr != "" {
			f.fail("tiers", "")
		}
		f.Tiers = append(f.Tiers, t)
		c.Tiers = append(c.Tiers, dt)
		rows = append(rows, len(f.Tiers)-1)
	}
	for i := range f.Tiers {
		f.Tiers[i].Row = i
	}
	f.padTiers()
	return f, c, rows
}

var tierField = regexp.MustCompile(`^tiers\[(\d+)\]\.(\w+)$`)

// reasonsZh puts the domain's reasons into operators' Chinese; an unknown reason
// is shown as it is rather than hidden.
var reasonsZh = []struct {
	re *regexp.Regexp
	zh string
}{
	{regexp.MustCompile(`^is required$`), "必填"},
	{regexp.MustCompile(`^is longer than (\d+) characters$`), "不能超过 $1 个字"},
	{regexp.MustCompile(`^is longer than (\d+) bytes$`), "不能超过 $1 个字节"},
	{regexp.MustCompile(`^must be after starts_at$`), "结束时间必须晚于开始时间"},
	{regexp.MustCompile(`^must be at least 1s$`), "至少 1 秒"},
	{regexp.MustCompile(`^must be a whole number of seconds$`), "必须是整秒"},
	{regexp.MustCompile(`^has more than (\d+) tiers$`), "最多 $1 档"},
	{regexp.MustCompile(`^must be at least (\d+)$`), "至少为 $1"},
	{regexp.MustCompile(`^must be greater than the previous tier's \((\d+)\)$`), "必须大于上一档的门槛（$1）"},
	{regexp.MustCompile(`^must be an http\(s\) URL$`), "必须是 http:// 或 https:// 开头的链接"},
	{regexp.MustCompile(`^must not be negative$`), "不能为负数"},
	{regexp.MustCompile(`^must be between (\d+) and (\d+)$`), "应在 $1 到 $2 之间"},
	{regexp.MustCompile(`^must be a #rrggbb colour$`), "颜色应写成 #333333 这样"},
}

func reasonZh(reason string) string {
	for _, r := range reasonsZh {
		if r.re.MatchString(reason) {
			return r.re.ReplaceAllString(reason, r.zh)
		}
	}
	return reason
}

// applyCampaignError puts a failed create or update next to the field it names.
// It reports false when the error is not about the form (the caller shows a page).
func (f *campaignForm) applyCampaignError(err error, rows []int) bool {
	var fe *domain.FieldError
	switch {
	case errors.As(err, &fe):
		msg := reasonZh(fe.Reason)
		if m := tierField.FindStringSubmatch(fe.Field); m != nil {
			i, _ := strconv.Atoi(m[1])
			if i < len(rows) {
				t := &f.Tiers[rows[i]]
				switch m[2] {
				case "threshold", "tier":
					t.ThresholdErr = msg
				case "reward":
					t.RewardErr = msg
				case "url":
					t.URLErr = msg
				case "stock":
					t.StockErr = msg
				}
				f.fail("tiers", "")
				return true
			}
		}
		switch fe.Field {
		case "notices.progress":
			f.fail("notice_progress", msg)
		case "notices.reward":
			f.fail("notice_reward", msg)
		default:
			f.fail(fe.Field, msg)
		}
		return true
	case errors.Is(err, domain.ErrCampaignOverlap):
		f.fail("starts_at", "与其他活动的时间重叠：同一时刻只能有一个活动进行")
		f.Problem = fmt.Sprintf("与已有活动的时间重叠（%v）", strings.TrimPrefix(err.Error(), domain.ErrCampaignOverlap.Error()+": "))
		return true
	}
	return false
}

// asFieldError finds the domain's *FieldError in err's chain.
func asFieldError(err error, fe **domain.FieldError) bool { return errors.As(err, fe) }
