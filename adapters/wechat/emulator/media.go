package emulator

import (
	"io"
	"net/http"
	"strconv"
	"time"
)

// Temporary media rules (wechat-protocol.md §8).
const (
	// MediaLifetime is how long WeChat keeps temporary media.
	MediaLifetime = 72 * time.Hour
	// MaxImageBytes is the documented image limit.
	MaxImageBytes = 2 << 20

	ErrCodeInvalidMediaType = 40004
	ErrCodeInvalidFileType  = 40005
	ErrCodeInvalidMediaSize = 40006
	ErrCodeInvalidMediaID   = 40007
	ErrCodeMissingMedia     = 41005
)

type mediaRec struct {
	data        []byte
	contentType string
	createdAt   time.Time
}

// handleMediaUpload is POST /cgi-bin/media/upload?type=image with the file in the
// multipart field "media".
func (e *Emulator) handleMediaUpload(w http.ResponseWriter, r *http.Request) {
	e.count("cgi-bin/media/upload")
	if !e.authorize(w, r) {
		return
	}
	if r.URL.Query().Get("type") != "image" {
		wxError(w, ErrCodeInvalidMediaType, "invalid media type")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxImageBytes+1<<16)
	f, _, err := r.FormFile("media")
	if err != nil {
		wxError(w, ErrCodeMissingMedia, "media data missing")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxImageBytes+1))
	switch {
	case err != nil || len(data) == 0:
		wxError(w, ErrCodeMissingMedia, "media data missing")
		return
	case len(data) > MaxImageBytes:
		wxError(w, ErrCodeInvalidMediaSize, "invalid meida size")
		return
	}
	ct := http.DetectContentType(data)
	if ct != "image/png" && ct != "image/jpeg" && ct != "image/gif" {
		wxError(w, ErrCodeInvalidFileType, "invalid file type")
		return
	}
	now := e.now()
	id := randString(64, idAlphabet)
	e.mu.Lock()
	e.media[id] = &mediaRec{data: data, contentType: ct, createdAt: now}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"type": "image", "media_id": id, "created_at": now.Unix()})
}

// mediaValid reports whether a media_id exists and has not expired at now.
func (e *Emulator) mediaValid(id string) bool {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.media[id]
	return m != nil && now.Before(m.createdAt.Add(MediaLifetime))
}

// handleMediaView is GET /media/{id}: the image behind a media_id, so the phone
// page can show posters it received.
func (e *Emulator) handleMediaView(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	m := e.media[r.PathValue("id")]
	e.mu.Unlock()
	if m == nil || !e.mediaValid(r.PathValue("id")) {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", m.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(m.data)))
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(m.data)
}

// MediaCount is how many media files have been uploaded, for tests.
func (e *Emulator) MediaCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.media)
}

// Media returns an uploaded file and its content type.
func (e *Emulator) Media(id string) ([]byte, string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.media[id]
	if m == nil {
		return nil, "", false
	}
	return m.data, m.contentType, true
}
