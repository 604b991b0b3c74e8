package httpadapter

import (
	"net/http"
	"strconv"

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

// rewardsCSVHeader is the first row of the rewards export; granted_at is local time
// in the pages' zone, with its UTC offset beside it, as in the invites export.
var rewardsCSVHeader = []string{"id", "user_id", "user_nickname", "campaign_id", "tier", "reward", "status", "code", "granted_at", "utc_offset"}

// handleRewardsCSV streams the rewards that match the list's filters (see streamCSV).
func (s *server) handleRewardsCSV(w http.ResponseWriter, r *http.Request) {
	f, err := grantFilter(r)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	s.streamCSV(w, r, "rewards", rewardsCSVHeader, func(emit func([]string) error) error {
		return s.svc.Campaigns.Rewards.Export(r.Context(), f, func(rec application.GrantRecord) error {
			g := rec.Grant
			at := g.GrantedAt.In(s.loc)
			return emit([]string{
				strconv.FormatInt(int64(g.ID), 10), strconv.FormatInt(int64(g.UserID), 10), csvSafe(displayName(rec.OpenID, rec.Nickname)),
				strconv.FormatInt(int64(g.CampaignID), 10), strconv.Itoa(g.Tier), csvSafe(g.Reward), string(g.Status), csvSafe(g.Code),
				at.Format(csvTime), at.Format("-07:00"),
			})
		})
	})
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
