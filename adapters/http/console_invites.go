package httpadapter

import (
	"net/http"
	"net/url"
	"time"

	"github.com/wxinvite/wxinvite/application"
)

type inviteRow struct {
	ID                 int64
	Inviter, Invitee   userRef
	Channel, ChanLabel string
	At                 time.Time
}

type invitesPage struct {
	Items   []inviteRow
	NextURL string
	Paged   bool
}

// consoleInvitesPageSize is how many invites one console page lists.
const consoleInvitesPageSize = 50

// handleConsoleInvites lists every invite, newest first, paged by cursor.
func (s *server) handleConsoleInvites(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	cursor := r.URL.Query().Get("cursor")
	page, err := application.NewPage(consoleInvitesPageSize, cursor)
	if err != nil {
		s.renderConsoleError(w, r, cs, statusOf(err), "链接无效", "这一页的地址不完整，请回到邀请列表。", err)
		return
	}
	items, next, err := s.svc.Invites.List(r.Context(), page)
	if err != nil {
		s.renderConsoleError(w, r, cs, statusOf(err), "数据暂时无法读取", "请稍后刷新重试。", err)
		return
	}
	p := invitesPage{Paged: cursor != ""}
	for _, rec := range items {
		inv := rec.Invite
		p.Items = append(p.Items, inviteRow{
			ID: int64(inv.ID), Inviter: ref(inv.InviterID, rec.InviterOpenID, rec.InviterNickname), Invitee: ref(inv.InviteeID, rec.InviteeOpenID, rec.InviteeNickname),
			Channel: string(inv.Channel), ChanLabel: channelLabel(inv.Channel), At: inv.CreatedAt,
		})
	}
	if !next.IsZero() {
		p.NextURL = "/admin/invites?cursor=" + url.QueryEscape(next.Encode())
	}
	s.renderConsole(w, r, http.StatusOK, "invites.html", s.view(cs, "邀请记录", "invites", p))
}

// handleConsoleInvitesCSV is the admin API's export for a signed-in browser (which
// has a cookie, not a bearer token), with the byte order mark Excel needs.
func (s *server) handleConsoleInvitesCSV(w http.ResponseWriter, r *http.Request, _ consoleSession) {
	s.handleAdminInvitesCSV(w, r)
}
