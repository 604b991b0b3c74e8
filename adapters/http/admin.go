package httpadapter

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// adminAuthorized compares the bearer token in constant time (hashing both sides
// first so not even the length leaks).
func (s *server) adminAuthorized(r *http.Request) bool {
	if s.cfg.AdminToken == "" {
		return false
	}
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	want := sha256.Sum256([]byte(s.cfg.AdminToken))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// requireAdmin hides the admin API entirely when no token is configured and
// demands the token otherwise.
func (s *server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.AdminToken == "" {
			writeAPIError(w, r, errNotFoundRoute)
			return
		}
		if !s.adminAuthorized(r) {
			writeAPIError(w, r, errAdminToken)
			return
		}
		next.ServeHTTP(w, r)
	})
}

type statsJSON struct {
	Users            int            `json:"users"`
	Invites          int            `json:"invites"`
	InvitesByChannel map[string]int `json:"invites_by_channel"`
	Followers        int            `json:"followers"`
}

type leaderboardEntryJSON struct {
	ID           int64  `json:"id"`
	Nickname     string `json:"nickname"`
	InviteeCount int    `json:"invitee_count"`
}

type leaderboardJSON struct {
	Items []leaderboardEntryJSON `json:"items"`
}

type inviteJSON struct {
	ID        int64   `json:"id"`
	Inviter   userRef `json:"inviter"`
	Invitee   userRef `json:"invitee"`
	Channel   string  `json:"channel"`
	CreatedAt string  `json:"created_at"`
}

type invitesJSON struct {
	Items      []inviteJSON `json:"items"`
	NextCursor string       `json:"next_cursor"`
}

func (s *server) handleAdminStats(w http.ResponseWriter, r *http.Request) {
	st, err := s.svc.Stats.Stats(r.Context())
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, statsJSON{
		Users: st.Users, Invites: st.Invites, Followers: st.Followers,
		InvitesByChannel: map[string]int{
			string(domain.ChannelLink): st.InvitesByChannel[domain.ChannelLink],
			string(domain.ChannelScan): st.InvitesByChannel[domain.ChannelScan],
		},
	})
}

func (s *server) handleAdminLeaderboard(w http.ResponseWriter, r *http.Request) {
	limit, err := limitFrom(r)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	items, err := s.svc.Leaderboard.Leaderboard(r.Context(), limit)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	out := leaderboardJSON{Items: make([]leaderboardEntryJSON, 0, len(items))}
	for _, e := range items {
		out.Items = append(out.Items, leaderboardEntryJSON{ID: int64(e.UserID), Nickname: displayName(e.OpenID, e.Nickname), InviteeCount: e.InviteeCount})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) handleAdminInvites(w http.ResponseWriter, r *http.Request) {
	page, err := pageFrom(r)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	items, next, err := s.svc.Invites.List(r.Context(), page)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	out := invitesJSON{Items: make([]inviteJSON, 0, len(items)), NextCursor: next.Encode()}
	for _, rec := range items {
		inv := rec.Invite
		out.Items = append(out.Items, inviteJSON{
			ID: int64(inv.ID), Inviter: ref(inv.InviterID, rec.InviterOpenID, rec.InviterNickname), Invitee: ref(inv.InviteeID, rec.InviteeOpenID, rec.InviteeNickname),
			Channel: string(inv.Channel), CreatedAt: apiTime(inv.CreatedAt),
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// csvHeader is the first row of the export.
// created_at is local time in the pages' zone (Excel has no time zones), with the
// UTC offset in its own column so the instant stays exact.
var csvHeader = []string{"id", "inviter_id", "inviter_openid", "inviter_nickname", "invitee_id", "invitee_openid",
	"invitee_nickname", "invitee_following", "channel", "created_at", "utc_offset"}

// csvSafe neutralises spreadsheet formula injection: a cell a spreadsheet would
// evaluate (=, +, -, @, or a leading tab/CR) gets a leading apostrophe.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// handleAdminInvitesCSV streams every invite as CSV (see streamCSV), times in the
// pages' zone.
func (s *server) handleAdminInvitesCSV(w http.ResponseWriter, r *http.Request) {
	s.streamCSV(w, r, "invites", csvHeader, func(emit func([]string) error) error {
		return s.svc.Invites.Export(r.Context(), func(rec application.InviteRecord) error {
			inv := rec.Invite
			at := inv.CreatedAt.In(s.loc)
			return emit([]string{
				strconv.FormatInt(int64(inv.ID), 10),
				strconv.FormatInt(int64(inv.InviterID), 10), csvSafe(rec.InviterOpenID), csvSafe(displayName(rec.InviterOpenID, rec.InviterNickname)),
				strconv.FormatInt(int64(inv.InviteeID), 10), csvSafe(rec.InviteeOpenID), csvSafe(displayName(rec.InviteeOpenID, rec.InviteeNickname)),
				strconv.FormatBool(rec.InviteeFollowing), csvSafe(string(inv.Channel)), at.Format(csvTime), at.Format("-07:00"),
			})
		})
	})
}
