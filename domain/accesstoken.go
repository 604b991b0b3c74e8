package domain

import "time"

// AccessToken is the server access_token of the official account. WeChat allows a
// limited number of fetches per day, so it is stored centrally and shared.
type AccessToken struct {
	Value string
	// ExpiresAt is when holders stop using the token: WeChat's expiry less a refresh
	// margin chosen when it was fetched, so every instance refreshes ahead of time.
	ExpiresAt time.Time
}

// Usable reports whether the token may still be used at now, keeping margin in
// reserve so a call started now does not reach WeChat with a token that just died.
func (t AccessToken) Usable(now time.Time, margin time.Duration) bool {
	return t.Value != "" && now.Add(margin).Before(t.ExpiresAt)
}
