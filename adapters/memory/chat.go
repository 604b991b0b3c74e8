package memory

import (
	"context"
	"sort"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// chatState is the chat loop's part of the store.
type chatState struct {
	windows map[windowKey]domain.KefuWindow
	media   map[domain.PosterKey]domain.PosterMedia
	notices []domain.Notice // index = id-1
}

type windowKey struct {
	user domain.UserID
	slot domain.KefuSlot
}

func (c chatState) clone() chatState {
	out := chatState{
		windows: make(map[windowKey]domain.KefuWindow, len(c.windows)),
		media:   make(map[domain.PosterKey]domain.PosterMedia, len(c.media)),
		notices: append([]domain.Notice(nil), c.notices...),
	}
	for k, v := range c.windows {
		out.windows[k] = v
	}
	for k, v := range c.media {
		out.media[k] = v
	}
	return out
}

func (c *chatState) init() {
	if c.windows == nil {
		c.windows = map[windowKey]domain.KefuWindow{}
		c.media = map[domain.PosterKey]domain.PosterMedia{}
	}
}

// Chat is the in-memory KefuWindows, PosterMediaCache and NoticeStore.
type Chat struct{ s *Store }

var (
	_ application.KefuWindows      = (*Chat)(nil)
	_ application.PosterMediaCache = (*Chat)(nil)
	_ application.NoticeStore      = (*Chat)(nil)
)

// Chat returns the chat loop's stores.
func (s *Store) Chat() *Chat { return &Chat{s} }

// Open implements application.KefuWindows.
func (c *Chat) Open(ctx context.Context, user domain.UserID, w domain.KefuWindow) error {
	return c.s.with(ctx, func(st *state) error {
		st.chat.init()
		k := windowKey{user, w.Slot}
		w.OpenedAt, w.ExpiresAt, w.Used = norm(w.OpenedAt), norm(w.ExpiresAt), 0
		if old, ok := st.chat.windows[k]; !ok || w.Replaces(old) {
			st.chat.windows[k] = w
		}
		return nil
	})
}

// Consume implements application.KefuWindows.
func (c *Chat) Consume(ctx context.Context, user domain.UserID, now time.Time) (bool, error) {
	granted := false
	err := c.s.with(ctx, func(st *state) error {
		st.chat.init()
		for _, slot := range domain.KefuSlotsByUrgency {
			k := windowKey{user, slot}
			if w, ok := st.chat.windows[k]; ok && w.Remaining(now) > 0 {
				w.Used++
				st.chat.windows[k] = w
				granted = true
				return nil
			}
		}
		return nil
	})
	return granted, err
}

// Windows implements application.KefuWindows.
func (c *Chat) Windows(ctx context.Context, user domain.UserID) ([]domain.KefuWindow, error) {
	var out []domain.KefuWindow
	err := c.s.with(ctx, func(st *state) error {
		for _, slot := range domain.KefuSlotsByUrgency {
			if w, ok := st.chat.windows[windowKey{user, slot}]; ok {
				out = append(out, w)
			}
		}
		return nil
	})
	return out, err
}

// PosterMedia implements application.PosterMediaCache.
func (c *Chat) PosterMedia(ctx context.Context, key domain.PosterKey, cutoff time.Time) (domain.PosterMedia, error) {
	var m domain.PosterMedia
	err := c.s.with(ctx, func(st *state) error {
		got, ok := st.chat.media[key]
		if !ok || !got.UploadedAt.After(cutoff) {
			return application.NotFound("poster media", nil)
		}
		m = got
		return nil
	})
	return m, err
}

// PutPosterMedia implements application.PosterMediaCache.
func (c *Chat) PutPosterMedia(ctx context.Context, m domain.PosterMedia) error {
	return c.s.with(ctx, func(st *state) error {
		st.chat.init()
		m.UploadedAt = norm(m.UploadedAt)
		if old, ok := st.chat.media[m.Key]; !ok || !old.UploadedAt.After(m.UploadedAt) {
			st.chat.media[m.Key] = m
		}
		return nil
	})
}

// AddNotice implements application.NoticeStore.
func (c *Chat) AddNotice(ctx context.Context, n domain.Notice) (domain.Notice, bool, error) {
	var out domain.Notice
	added := false
	err := c.s.with(ctx, func(st *state) error {
		for _, old := range st.chat.notices {
			if old.UserID == n.UserID && old.Key == n.Key {
				out = old
				return nil
			}
		}
		n.ID = domain.NoticeID(len(st.chat.notices) + 1)
		n.CreatedAt, n.DeliveredAt = norm(n.CreatedAt), time.Time{}
		st.chat.notices = append(st.chat.notices, n)
		out, added = n, true
		return nil
	})
	return out, added, err
}

// ClaimNotice implements application.NoticeStore.
func (c *Chat) ClaimNotice(ctx context.Context, id domain.NoticeID, at time.Time) (bool, error) {
	won := false
	err := c.s.with(ctx, func(st *state) error {
		if id <= 0 || int(id) > len(st.chat.notices) {
			return nil
		}
		n := &st.chat.notices[id-1]
		if !n.Delivered() {
			n.DeliveredAt, won = norm(at), true
		}
		return nil
	})
	return won, err
}

// UnclaimNotice implements application.NoticeStore.
func (c *Chat) UnclaimNotice(ctx context.Context, id domain.NoticeID, at time.Time) error {
	return c.s.with(ctx, func(st *state) error {
		if id > 0 && int(id) <= len(st.chat.notices) {
			if n := &st.chat.notices[id-1]; n.DeliveredAt.Equal(norm(at)) {
				n.DeliveredAt = time.Time{}
			}
		}
		return nil
	})
}

// Notices implements application.NoticeStore.
func (c *Chat) Notices(ctx context.Context, user domain.UserID, deferredOnly bool, limit int) ([]domain.Notice, error) {
	var out []domain.Notice
	err := c.s.with(ctx, func(st *state) error {
		for _, n := range st.chat.notices {
			if n.UserID == user && (!deferredOnly || !n.Delivered()) {
				out = append(out, n)
			}
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID > out[j].ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, err
}
