package httpadapter

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// apiTime renders instants as RFC 3339 in UTC.
func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// displayName is the name shown for a user known by openid and nickname.
func displayName(openID, nickname string) string { return domain.DisplayName(openID, nickname) }

// userRef is the {"id","nickname"} shape used wherever another user is named.
type userRef struct {
	ID       int64  `json:"id"`
	Nickname string `json:"nickname"`
}

func ref(id domain.UserID, openID, nickname string) userRef {
	return userRef{ID: int64(id), Nickname: displayName(openID, nickname)}
}

type meJSON struct {
	ID           int64    `json:"id"`
	OpenID       string   `json:"openid"`
	Nickname     string   `json:"nickname"`
	AvatarURL    string   `json:"avatar_url"`
	InviteCode   string   `json:"invite_code"`
	InviteURL    string   `json:"invite_url"`
	InvitedBy    *userRef `json:"invited_by"`
	InviteeCount int      `json:"invitee_count"`
	JoinedAt     string   `json:"joined_at"`
	// Campaign is the caller's standing in the running campaign; null when none runs.
	Campaign *myCampaignJSON `json:"campaign"`
}

type inviteeJSON struct {
	ID       int64  `json:"id"`
	Nickname string `json:"nickname"`
	Channel  string `json:"channel"`
	JoinedAt string `json:"joined_at"`
	// Status is the invite's lifecycle status as of the read; Reason says why a
	// revoked one was revoked (null otherwise).
	Status string  `json:"status"`
	Reason *string `json:"reason"`
}

type inviteesJSON struct {
	Items      []inviteeJSON `json:"items"`
	NextCursor string        `json:"next_cursor"`
}

type qrcodeJSON struct {
	Kind      string  `json:"kind"`
	Scene     string  `json:"scene"`
	Ticket    string  `json:"ticket"`
	URL       string  `json:"url"`
	ImageURL  string  `json:"image_url"`
	ExpiresAt *string `json:"expires_at"`
}

// api wraps a handler that needs a session: without one, 401 JSON.
func (s *server) api(h func(w http.ResponseWriter, r *http.Request, sess session)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, ok := s.readSession(r)
		if !ok {
			writeAPIError(w, r, application.ErrUnauthenticated)
			return
		}
		h(w, r, sess)
	})
}

// sessionGone turns "the session's user no longer exists" into unauthenticated.
func sessionGone(err error) error {
	if errors.Is(err, application.ErrNotFound) {
		return application.ErrUnauthenticated
	}
	return err
}

func (s *server) inviteURL(code string) string { return s.cfg.PublicURL + "/i/" + code }

func (s *server) handleAPIMe(w http.ResponseWriter, r *http.Request, sess session) {
	m, err := s.svc.Me.Me(r.Context(), domain.UserID(sess.UID))
	if err != nil {
		writeAPIError(w, r, sessionGone(err))
		return
	}
	out := meJSON{
		ID: int64(m.User.ID), OpenID: m.User.OpenID, Nickname: m.User.DisplayName(), AvatarURL: m.User.AvatarURL,
		InviteCode: m.User.InviteCode, InviteURL: s.inviteURL(m.User.InviteCode),
		InviteeCount: m.InviteeCount, JoinedAt: apiTime(m.User.JoinedAt),
	}
	if m.InvitedBy != nil {
		r := ref(m.InvitedBy.ID, m.InvitedBy.OpenID, m.InvitedBy.Nickname)
		out.InvitedBy = &r
	}
	if out.Campaign, err = s.myCampaign(r.Context(), m.User.ID); err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// pageFrom reads limit and cursor; junk is KindInvalid (400).
func pageFrom(r *http.Request) (application.Page, error) {
	limit, err := limitFrom(r)
	if err != nil {
		return application.Page{}, err
	}
	return application.NewPage(limit, r.URL.Query().Get("cursor"))
}

// limitFrom parses ?limit=; absent means 0 (the use case's default).
func limitFrom(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > application.MaxPageSize {
		return 0, errInvalidQuery("invalid_limit", "limit must be a number between 1 and "+strconv.Itoa(application.MaxPageSize))
	}
	return n, nil
}

func (s *server) handleAPIInvitees(w http.ResponseWriter, r *http.Request, sess session) {
	page, err := pageFrom(r)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	items, next, err := s.svc.Invitees.Invitees(r.Context(), domain.UserID(sess.UID), page)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	out := inviteesJSON{Items: make([]inviteeJSON, 0, len(items)), NextCursor: next.Encode()}
	now := s.now()
	for _, it := range items {
		item := inviteeJSON{ID: int64(it.UserID), Nickname: displayName(it.OpenID, it.Nickname),
			Channel: string(it.Channel), JoinedAt: apiTime(it.JoinedAt)}
		status, reason := it.StatusAsOf(now)
		item.Status = string(status)
		if item.Status == "" {
			item.Status = string(domain.InviteCounted)
		}
		if reason != "" {
			r := string(reason)
			item.Reason = &r
		}
		out.Items = append(out.Items, item)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) handleAPIQRCode(w http.ResponseWriter, r *http.Request, sess session) {
	q, err := s.svc.QRCode.InviteQRCode(r.Context(), domain.UserID(sess.UID))
	if err != nil {
		writeAPIError(w, r, sessionGone(err))
		return
	}
	out := qrcodeJSON{Kind: string(q.Kind), Scene: q.Scene.String(), Ticket: q.Ticket, URL: q.URL, ImageURL: s.svc.QRCode.ImageURL(q)}
	if q.Kind != domain.QRPermanent && !q.ExpiresAt.IsZero() {
		t := apiTime(q.ExpiresAt)
		out.ExpiresAt = &t
	}
	writeJSON(w, http.StatusOK, out)
}
