package httpadapter

import (
	"net/http"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// personJSON is an item of GET /admin/api/users.
type personJSON struct {
	ID        int64    `json:"id"`
	OpenID    string   `json:"openid"`
	Nickname  string   `json:"nickname"`
	Following bool     `json:"following"`
	InvitedBy *userRef `json:"invited_by"`
	JoinedAt  string   `json:"joined_at"`
}

// auditEventJSON is one event of a person's trail; absent values are null.
type auditEventJSON struct {
	At         string  `json:"at"`
	Type       string  `json:"type"`
	UserID     int64   `json:"user_id"`
	InviterID  *int64  `json:"inviter_id"`
	CampaignID *int64  `json:"campaign_id"`
	Channel    *string `json:"channel"`
	Reason     *string `json:"reason"`
}

// attemptJSON is an item of GET /api/me/attempts.
type attemptJSON struct {
	Nickname string  `json:"nickname"`
	Channel  *string `json:"channel"`
	Reason   string  `json:"reason"`
	At       string  `json:"at"`
}

type itemsJSON[T any] struct {
	Items []T `json:"items"`
}

// nonZero is a pointer to v, or nil for the zero value (null in JSON).
func nonZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

func auditEventOf(e domain.AuditEvent) auditEventJSON {
	out := auditEventJSON{At: apiTime(e.At), Type: string(e.Type), UserID: int64(e.UserID),
		InviterID: nonZero(int64(e.InviterID)), CampaignID: nonZero(int64(e.CampaignID)),
		Channel: nonZero(string(e.Channel)), Reason: nonZero(string(e.Reason))}
	return out
}

// errAuditOff answers the audit routes of a router built without the audit trail.
var errAuditOff = application.Errorf(application.KindNotFound, "not_found", nil, "the audit trail is not enabled")

func (s *server) handleAdminUsers(w http.ResponseWriter, r *http.Request) {
	if s.svc.People == nil {
		writeAPIError(w, r, errAuditOff)
		return
	}
	people, err := s.svc.People.Search(r.Context(), r.URL.Query().Get("q"))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	out := itemsJSON[personJSON]{Items: make([]personJSON, 0, len(people))}
	for _, p := range people {
		item := personJSON{ID: int64(p.User.ID), OpenID: p.User.OpenID, Nickname: p.User.DisplayName(),
			Following: p.User.Following, JoinedAt: apiTime(p.User.JoinedAt)}
		if p.InvitedByID != 0 {
			ref := ref(p.InvitedByID, "", p.InvitedByNickname)
			item.InvitedBy = &ref
		}
		out.Items = append(out.Items, item)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) handleAdminUserEvents(w http.ResponseWriter, r *http.Request) {
	if s.svc.PersonEvents == nil {
		writeAPIError(w, r, errAuditOff)
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	events, err := s.svc.PersonEvents.Events(r.Context(), domain.UserID(id))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	out := itemsJSON[auditEventJSON]{Items: make([]auditEventJSON, 0, len(events))}
	for _, e := range events {
		out.Items = append(out.Items, auditEventOf(e))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) handleAPIAttempts(w http.ResponseWriter, r *http.Request, sess session) {
	if s.svc.Attempts == nil {
		writeAPIError(w, r, errAuditOff)
		return
	}
	items, err := s.svc.Attempts.Attempts(r.Context(), domain.UserID(sess.UID))
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	out := itemsJSON[attemptJSON]{Items: make([]attemptJSON, 0, len(items))}
	for _, a := range items {
		out.Items = append(out.Items, attemptJSON{Nickname: a.MaskedNickname, Channel: nonZero(string(a.Channel)), Reason: string(a.Reason), At: apiTime(a.At)})
	}
	writeJSON(w, http.StatusOK, out)
}
