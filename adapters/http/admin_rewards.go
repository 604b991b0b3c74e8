package httpadapter

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

type rewardJSON struct {
	ID         int64   `json:"id"`
	User       userRef `json:"user"`
	CampaignID int64   `json:"campaign_id"`
	Tier       int     `json:"tier"`
	Reward     string  `json:"reward"`
	Status     string  `json:"status"`
	Code       *string `json:"code"`
	GrantedAt  string  `json:"granted_at"`
}

type rewardsJSON struct {
	Items      []rewardJSON `json:"items"`
	NextCursor string       `json:"next_cursor"`
}

func toRewardJSON(rec application.GrantRecord) rewardJSON {
	g := rec.Grant
	out := rewardJSON{ID: int64(g.ID), User: ref(g.UserID, rec.OpenID, rec.Nickname), CampaignID: int64(g.CampaignID), Tier: g.Tier,
		Reward: g.Reward, Status: string(g.Status), GrantedAt: apiTime(g.GrantedAt)}
	if g.Code != "" {
		c := g.Code
		out.Code = &c
	}
	return out
}

// grantFilter reads ?campaign= and ?status=.
func grantFilter(r *http.Request) (application.GrantFilter, error) {
	q := r.URL.Query()
	f := application.GrantFilter{Status: domain.GrantStatus(q.Get("status"))}
	if v := q.Get("campaign"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return f, errInvalidQuery("invalid_campaign", "campaign must be a campaign id")
		}
		f.Campaign = domain.CampaignID(n)
	}
	return f, nil
}

func (s *server) handleRewards(w http.ResponseWriter, r *http.Request) {
	f, err := grantFilter(r)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	page, err := pageFrom(r)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	items, next, err := s.svc.Campaigns.Rewards.List(r.Context(), f, page)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	out := rewardsJSON{Items: make([]rewardJSON, 0, len(items)), NextCursor: next.Encode()}
	for _, rec := range items {
		out.Items = append(out.Items, toRewardJSON(rec))
	}
	writeJSON(w, http.StatusOK, out)
}

var rewardsCSVHeader = []string{"id", "user_id", "user_nickname", "campaign_id", "tier", "reward", "status", "code", "granted_at"}

// handleRewardsCSV streams the rewards like the invites export: ?bom=1 for Excel,
// a failure after the first row cuts the transfer off.
func (s *server) handleRewardsCSV(w http.ResponseWriter, r *http.Request) {
	f, err := grantFilter(r)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Minute))
	cw := csv.NewWriter(w)
	started := false
	start := func() {
		started = true
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Disposition", `attachment; filename="wxinvite-rewards-`+s.now().UTC().Format("20060102")+`.csv"`)
		w.WriteHeader(http.StatusOK)
		if r.URL.Query().Get("bom") == "1" {
			_, _ = w.Write([]byte("\xef\xbb\xbf"))
		}
		_ = cw.Write(rewardsCSVHeader)
	}
	rows := 0
	err = s.svc.Campaigns.Rewards.Export(r.Context(), f, func(rec application.GrantRecord) error {
		if !started {
			start()
		}
		g := rec.Grant
		if err := cw.Write([]string{
			strconv.FormatInt(int64(g.ID), 10), strconv.FormatInt(int64(g.UserID), 10), csvSafe(displayName(rec.OpenID, rec.Nickname)),
			strconv.FormatInt(int64(g.CampaignID), 10), strconv.Itoa(g.Tier), csvSafe(g.Reward), string(g.Status), csvSafe(g.Code),
			apiTime(g.GrantedAt),
		}); err != nil {
			return err
		}
		if rows++; rows%csvFlushEvery == 0 {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			_ = rc.Flush()
		}
		return r.Context().Err()
	})
	if err != nil {
		if !started {
			writeAPIError(w, r, err)
			return
		}
		LoggerFrom(r.Context()).Error("csv export cut off", "rows", rows, "err", err)
		panic(http.ErrAbortHandler)
	}
	if !started {
		start()
	}
	cw.Flush()
}

func (s *server) handleRewardFulfil(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	g, err := s.svc.Campaigns.Fulfil.Fulfil(r.Context(), domain.GrantID(id))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toRewardJSON(g))
}
