package domain

import "time"

// PosterMediaMaxAge is how long an uploaded poster's media_id is reused. WeChat
// deletes temporary media 3 days after upload; half a day of margin keeps a
// media_id from expiring between our reply and the user's tap.
const PosterMediaMaxAge = 60 * time.Hour

// PosterKey names one rendering of a user's poster: the same user, campaign
// (0 outside any campaign) and poster version give the same image.
type PosterKey struct {
	UserID   UserID
	Campaign int64
	Version  string
}

// PosterMedia is a poster uploaded to WeChat as temporary media.
type PosterMedia struct {
	Key        PosterKey
	MediaID    string
	UploadedAt time.Time // when the upload started: earlier than WeChat's own clock
}

// Reusable reports whether the media_id may still be sent at now.
func (m PosterMedia) Reusable(now time.Time) bool {
	return m.MediaID != "" && !now.Before(m.UploadedAt) && now.Sub(m.UploadedAt) < PosterMediaMaxAge
}

// PosterMediaCutoff is the instant at now that an upload must be strictly after to
// be reusable (the same rule as Reusable, for a store query).
func PosterMediaCutoff(now time.Time) time.Time { return now.Add(-PosterMediaMaxAge) }
