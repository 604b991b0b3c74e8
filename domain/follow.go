package domain

import "time"

// FollowEventApplies is the ordering rule for follow state, kept here so that every
// store applies the same one (the SQL store mirrors it in one conditional UPDATE):
// WeChat's CreateTime has one-second resolution and its pushes can arrive late, twice,
// or through another instance, so the state follows the events' own times, not their
// arrival.
//
//   - An event newer than the one that last set the state applies.
//   - An older event (a late retry, a replay) never applies.
//   - At the same second only an unfollow replaces a follow. A person cannot unfollow
//     and follow again within one second, but a copy of a subscribe can arrive after
//     the unsubscribe that followed it in the same second (tests and scripted
//     clients do that); letting the copy win would undo a real unfollow and keep an
//     invite from being revoked.
//
// A user no event has set yet (a link-path user) takes any event.
func (u User) FollowEventApplies(following bool, at time.Time) bool {
	switch {
	case u.FollowEventAt.IsZero(), u.FollowEventAt.Before(at):
		return true
	case u.FollowEventAt.Equal(at):
		return u.Following && !following
	}
	return false
}
