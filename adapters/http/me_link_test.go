package httpadapter

import (
	"net/http"
	"strings"
	"testing"
)

// The personal centre shows the invite link once, whole, in the box the copy
// button copies from.
func TestMeShowsTheInviteLinkOnce(t *testing.T) {
	e := newEnv(t, envOpt{})
	c, u := e.loggedIn("o_alice", "Alice")
	r := e.get(c, "/me")
	if r.status != http.StatusOK {
		t.Fatalf("/me: %d", r.status)
	}
	link := e.srv.inviteURL(u.InviteCode)
	visible := strings.Count(r.body, ">"+link+"<") + strings.Count(r.body, `value="`+link+`"`)
	if visible != 1 || !strings.Contains(r.body, `<textarea id="invite-url" readonly rows="2" aria-label="邀请链接">`+link+`</textarea>`) {
		t.Fatalf("the invite link is shown %d times:\n%s", visible, r.body)
	}
}
