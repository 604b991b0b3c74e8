package httpadapter

import (
	"net/http"

	"github.com/wxinvite/wxinvite/domain"
)

// meAttempt is a friend who came through my link or code and did not count.
type meAttempt struct {
	Nickname, Channel, ChannelLabel, Reason, When, ISO string
}

// meAttemptsLimit bounds the list on /me; the API has the rest.
const meAttemptsLimit = 20

// meAttemptsFor answers "为什么没算上": the people who came through the user's
// link or code and did not count, with the reason in their words. A failed read is
// logged and the section left out.
func (s *server) meAttemptsFor(r *http.Request, uid domain.UserID) []meAttempt {
	if s.svc.Attempts == nil {
		return nil
	}
	as, err := s.svc.Attempts.Attempts(r.Context(), uid)
	if err != nil {
		logFailure(r, statusOf(err), err)
		return nil
	}
	var out []meAttempt
	for _, a := range as {
		if len(out) == meAttemptsLimit {
			break
		}
		why := meReasonZh[string(a.Reason)]
		if why == "" {
			why = string(a.Reason)
		}
		out = append(out, meAttempt{Nickname: a.MaskedNickname, Channel: string(a.Channel), ChannelLabel: channelLabel(a.Channel),
			Reason: why, When: a.At.In(s.loc).Format("01-02 15:04"), ISO: apiTime(a.At)})
	}
	return out
}
