package httpadapter

import (
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// CampaignServices are the campaign use cases behind the admin API and the campaign
// block of /api/me. The routes exist only when Query is set.
type CampaignServices struct {
	Create      *application.CreateCampaignService
	Update      *application.UpdateCampaignService
	End         *application.EndCampaignService
	Query       *application.CampaignQuery
	Poster      *application.PosterBackgroundService
	Codes       *application.UploadCodesService
	Stats       *application.CampaignStatsQuery
	Leaderboard *application.CampaignLeaderboardQuery
	Rewards     *application.RewardsQuery
	Fulfil      *application.FulfilRewardService
	Mine        *application.MyCampaignQuery
	// Preview renders the console's poster preview, PersonRewards a person's
	// rewards on the console's person page; both optional.
	Preview       *application.PosterPreviewQuery
	PersonRewards *application.PersonRewardsQuery
	// Funnel counts the dashboard funnel's contact steps; optional.
	Funnel *application.CampaignFunnelQuery
}

// maxCodesBody bounds a code upload (about 60,000 codes of 128 bytes).
const maxCodesBody = 8 << 20

// campaignRoutes adds the campaign admin API to the admin subrouter.
func (s *server) campaignRoutes(admin *mux.Router) {
	if s.svc.Campaigns.Query == nil {
		return
	}
	get := []string{http.MethodGet, http.MethodHead}
	admin.Handle("/campaigns", http.HandlerFunc(s.handleCampaignCreate)).Methods(http.MethodPost)
	admin.Handle("/campaigns", http.HandlerFunc(s.handleCampaignList)).Methods(get...)
	admin.Handle("/campaigns/{id}", http.HandlerFunc(s.handleCampaignGet)).Methods(get...)
	admin.Handle("/campaigns/{id}", http.HandlerFunc(s.handleCampaignPatch)).Methods(http.MethodPatch)
	admin.Handle("/campaigns/{id}/end", http.HandlerFunc(s.handleCampaignEnd)).Methods(http.MethodPost)
	admin.Handle("/campaigns/{id}/poster/background", http.HandlerFunc(s.handlePosterBackground)).Methods(http.MethodPut)
	admin.Handle("/campaigns/{id}/tiers/{tier}/codes", http.HandlerFunc(s.handleCodesUpload)).Methods(http.MethodPost)
	admin.Handle("/campaigns/{id}/stats", http.HandlerFunc(s.handleCampaignStats)).Methods(get...)
	admin.Handle("/campaigns/{id}/leaderboard", http.HandlerFunc(s.handleCampaignLeaderboard)).Methods(get...)
	admin.Handle("/rewards", http.HandlerFunc(s.handleRewards)).Methods(get...)
	admin.Handle("/rewards.csv", http.HandlerFunc(s.handleRewardsCSV)).Methods(get...)
	admin.Handle("/rewards/{id}/fulfil", http.HandlerFunc(s.handleRewardFulfil)).Methods(http.MethodPost)
}

// pathID reads a numeric path variable; the route pattern guarantees digits, so
// only overflow is left to refuse.
func pathID(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(mux.Vars(r)[name], 10, 64)
	if err != nil || n <= 0 {
		return 0, application.NotFound(name, nil)
	}
	return n, nil
}

func campaignID(r *http.Request) (domain.CampaignID, error) {
	n, err := pathID(r, "id")
	return domain.CampaignID(n), err
}

func (s *server) writeCampaign(w http.ResponseWriter, status int, c domain.Campaign) {
	writeJSON(w, status, toCampaignJSON(c, s.now()))
}

func (s *server) handleCampaignCreate(w http.ResponseWriter, r *http.Request) {
	in, err := decodeCampaignInput(r.Body)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	c := domain.Campaign{StartsAt: s.now().UTC().Truncate(time.Microsecond)}
	if err := in.apply(&c); err != nil {
		writeAPIError(w, r, err)
		return
	}
	created, err := s.svc.Campaigns.Create.Create(r.Context(), c)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	s.writeCampaign(w, http.StatusCreated, created)
}

func (s *server) handleCampaignList(w http.ResponseWriter, r *http.Request) {
	list, err := s.svc.Campaigns.Query.List(r.Context())
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	out := campaignsJSON{Items: make([]campaignJSON, 0, len(list))}
	now := s.now()
	for _, c := range list {
		out.Items = append(out.Items, toCampaignJSON(c, now))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) handleCampaignGet(w http.ResponseWriter, r *http.Request) {
	id, err := campaignID(r)
	if err == nil {
		var c domain.Campaign
		if c, err = s.svc.Campaigns.Query.Get(r.Context(), id); err == nil {
			s.writeCampaign(w, http.StatusOK, c)
			return
		}
	}
	writeAPIError(w, r, err)
}

func (s *server) handleCampaignPatch(w http.ResponseWriter, r *http.Request) {
	id, err := campaignID(r)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	in, err := decodeCampaignInput(r.Body)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	c, err := s.svc.Campaigns.Update.Update(r.Context(), id, in.apply)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	s.writeCampaign(w, http.StatusOK, c)
}

func (s *server) handleCampaignEnd(w http.ResponseWriter, r *http.Request) {
	id, err := campaignID(r)
	if err == nil {
		var c domain.Campaign
		if c, err = s.svc.Campaigns.End.End(r.Context(), id); err == nil {
			s.writeCampaign(w, http.StatusOK, c)
			return
		}
	}
	writeAPIError(w, r, err)
}

type backgroundJSON struct {
	ContentType string `json:"content_type"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	Bytes       int    `json:"bytes"`
}

// handlePosterBackground stores a PNG or JPEG of at most 2 MiB; the type is judged
// from the bytes (415 otherwise), a larger body is 413 before it is read in full.
func (s *server) handlePosterBackground(w http.ResponseWriter, r *http.Request) {
	id, err := campaignID(r)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	if r.ContentLength > application.MaxPosterBackground {
		writeAPIError(w, r, application.Errorf(application.KindTooLarge, "too_large", nil, "the background is larger than %d bytes", application.MaxPosterBackground))
		return
	}
	img, err := s.svc.Campaigns.Poster.Put(r.Context(), id, r.Body)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, backgroundJSON{ContentType: img.ContentType, Width: img.Width, Height: img.Height, Bytes: len(img.Data)})
}

type codesJSON struct {
	Added      int `json:"added"`
	Duplicates int `json:"duplicates"`
}

// handleCodesUpload takes text/plain, one redeem code a line.
func (s *server) handleCodesUpload(w http.ResponseWriter, r *http.Request) {
	id, err := campaignID(r)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	tier, err := pathID(r, "tier")
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "text/plain" {
		writeAPIError(w, r, application.Errorf(application.KindUnsupported, "unsupported_media_type", nil, "codes are uploaded as text/plain, one a line"))
		return
	}
	if r.ContentLength > maxCodesBody {
		writeAPIError(w, r, application.Errorf(application.KindTooLarge, "too_large", nil, "the upload is larger than %d bytes", maxCodesBody))
		return
	}
	res, err := s.svc.Campaigns.Codes.Upload(r.Context(), id, int(tier), http.MaxBytesReader(w, r.Body, maxCodesBody))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, codesJSON{Added: res.Added, Duplicates: res.Duplicates})
}

type campaignStatsJSON struct {
	Participants int `json:"participants"`
	Invites      struct {
		Pending   int `json:"pending"`
		Qualified int `json:"qualified"`
		Revoked   int `json:"revoked"`
	} `json:"invites"`
	Rewards struct {
		Granted    int `json:"granted"`
		OutOfStock int `json:"out_of_stock"`
	} `json:"rewards"`
	ByDay []dayJSON `json:"by_day"`
}

type dayJSON struct {
	Date      string `json:"date"`
	Scan      int    `json:"scan"`
	Link      int    `json:"link"`
	Qualified int    `json:"qualified"`
	Revoked   int    `json:"revoked"`
}

func (s *server) handleCampaignStats(w http.ResponseWriter, r *http.Request) {
	id, err := campaignID(r)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	st, err := s.svc.Campaigns.Stats.Stats(r.Context(), id)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	var out campaignStatsJSON
	out.Participants = st.Participants
	out.Invites.Pending, out.Invites.Qualified, out.Invites.Revoked = st.Invites.Pending, st.Invites.Qualified, st.Invites.Revoked
	out.Rewards.Granted, out.Rewards.OutOfStock = st.Granted, st.OutOfStock
	out.ByDay = make([]dayJSON, 0, len(st.ByDay))
	for _, d := range st.ByDay {
		out.ByDay = append(out.ByDay, dayJSON(d))
	}
	writeJSON(w, http.StatusOK, out)
}

type campaignLeaderJSON struct {
	ID          int64    `json:"id"`
	Nickname    string   `json:"nickname"`
	Qualified   int      `json:"qualified"`
	Pending     int      `json:"pending"`
	Revoked     int      `json:"revoked"`
	Retention7d *float64 `json:"retention_7d"`
}

func (s *server) handleCampaignLeaderboard(w http.ResponseWriter, r *http.Request) {
	id, err := campaignID(r)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	limit, err := limitFrom(r)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	items, err := s.svc.Campaigns.Leaderboard.Leaderboard(r.Context(), id, limit)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	out := struct {
		Items []campaignLeaderJSON `json:"items"`
	}{Items: make([]campaignLeaderJSON, 0, len(items))}
	for _, e := range items {
		out.Items = append(out.Items, campaignLeaderJSON{ID: int64(e.UserID), Nickname: displayName(e.OpenID, e.Nickname),
			Qualified: e.Qualified, Pending: e.Pending, Revoked: e.Revoked, Retention7d: e.Retention7d})
	}
	writeJSON(w, http.StatusOK, out)
}
