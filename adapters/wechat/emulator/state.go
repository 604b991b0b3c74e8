package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// The emulator keeps its platform state in Config.StateFile (next to the service's
// SQLite file in `make run`), so that a restart does not forget the persons, their
// chats, the QR codes already printed on pages and the tickets the service still
// holds: an old QR URL keeps working and 小明 stays one user.

// stateVersion changes when the file's shape does; an unknown version is ignored.
const stateVersion = 1

// saveDelay groups bursts of changes (a delivery adds several chat lines) into one write.
const saveDelay = 200 * time.Millisecond

type savedToken struct {
	Value     string    `json:"value"`
	Stable    bool      `json:"stable"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	RevokedAt time.Time `json:"revoked_at"`
}

type savedPerson struct {
	Person
	Chat []ChatEntry `json:"chat"`
}

type savedState struct {
	Version int                    `json:"version"`
	Persons []savedPerson          `json:"persons"`
	QRCodes []QRCode               `json:"qrcodes"`
	Tokens  []savedToken           `json:"tokens"`
	Classic string                 `json:"classic_token"`
	Stable  string                 `json:"stable_token"`
	Tickets []jsTicket             `json:"tickets"`
	Jars    map[string][]jarCookie `json:"jars"`
}

// snapshot copies the state; e.mu must be held.
func (e *Emulator) snapshot() savedState {
	s := savedState{Version: stateVersion, Jars: e.jars}
	for _, p := range e.persons.order {
		s.Persons = append(s.Persons, savedPerson{Person: p.Person, Chat: p.chat})
	}
	for _, q := range e.qrcodes.order {
		s.QRCodes = append(s.QRCodes, *q)
	}
	now := e.now()
	for _, t := range e.tokens.all {
		if now.Before(t.expiresAt) {
			s.Tokens = append(s.Tokens, savedToken{t.value, t.stable, t.issuedAt, t.expiresAt, t.revokedAt})
		}
	}
	if e.tokens.classic != nil {
		s.Classic = e.tokens.classic.value
	}
	if e.tokens.stable != nil {
		s.Stable = e.tokens.stable.value
	}
	for _, t := range e.tickets {
		s.Tickets = append(s.Tickets, t)
	}
	return s
}

// restore loads a snapshot into an emulator that has just been initialised.
func (e *Emulator) restore(s savedState) {
	for _, sp := range s.Persons {
		p := &personRec{Person: sp.Person, chat: sp.Chat}
		e.persons.byOpenID[p.OpenID] = p
		e.persons.order = append(e.persons.order, p)
	}
	for i := range s.QRCodes {
		q := s.QRCodes[i]
		e.qrcodes.byTicket[q.Ticket] = &q
		e.qrcodes.byURL[q.URL] = &q
		e.qrcodes.order = append(e.qrcodes.order, &q)
		if q.Permanent {
			key := "i:" + q.Scene()
			if q.IsStr {
				key = "s:" + q.SceneStr
			}
			e.qrcodes.permanent[key] = &q
		}
	}
	for _, st := range s.Tokens {
		t := &accessToken{value: st.Value, stable: st.Stable, issuedAt: st.IssuedAt, expiresAt: st.ExpiresAt, revokedAt: st.RevokedAt}
		e.tokens.all[t.value] = t
	}
	e.tokens.classic, e.tokens.stable = e.tokens.all[s.Classic], e.tokens.all[s.Stable]
	for _, t := range s.Tickets {
		e.tickets[t.Value] = t
	}
	for k, v := range s.Jars {
		e.jars[k] = v
	}
}

// load reads the state file; a missing file is a fresh start.
func (e *Emulator) load() error {
	b, err := os.ReadFile(e.cfg.StateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("emulator: read state: %w", err)
	}
	var s savedState
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("emulator: state file %s is damaged (delete it to start afresh): %w", e.cfg.StateFile, err)
	}
	if s.Version != stateVersion {
		e.log.Warn("emulator state file has another version; starting afresh", "file", e.cfg.StateFile, "version", s.Version)
		return nil
	}
	e.restore(s)
	e.log.Info("emulator state restored", "file", e.cfg.StateFile, "persons", len(s.Persons), "qrcodes", len(s.QRCodes))
	return nil
}

// changed schedules a save of the state file (no-op without one, or once closed).
// It may be called with e.mu held: saveMu never waits for e.mu.
func (e *Emulator) changed() {
	if e.cfg.StateFile == "" {
		return
	}
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	if !e.saveClosed && e.saveTimer == nil {
		e.saveTimer = time.AfterFunc(saveDelay, e.save)
	}
}

// save is the scheduled write; after flush it does nothing (flush wrote last).
func (e *Emulator) save() {
	e.saveMu.Lock()
	e.saveTimer = nil
	e.saveMu.Unlock()
	e.saveIO.Lock()
	defer e.saveIO.Unlock()
	e.saveMu.Lock()
	closed := e.saveClosed
	e.saveMu.Unlock()
	if !closed {
		e.write()
	}
}

// flush writes the state one last time and stops further writes (on Close), so
// nothing touches the file once the emulator is closed.
func (e *Emulator) flush() {
	if e.cfg.StateFile == "" {
		return
	}
	e.saveMu.Lock()
	if e.saveClosed {
		e.saveMu.Unlock()
		return
	}
	e.saveClosed = true
	if e.saveTimer != nil {
		e.saveTimer.Stop()
		e.saveTimer = nil
	}
	e.saveMu.Unlock()
	e.saveIO.Lock()
	defer e.saveIO.Unlock()
	e.write()
}

// write replaces the state file atomically (temporary file, then rename); saveIO
// must be held.
func (e *Emulator) write() {
	e.mu.Lock()
	b, err := json.Marshal(e.snapshot())
	e.mu.Unlock()
	if err == nil {
		tmp := e.cfg.StateFile + ".tmp"
		if err = os.WriteFile(tmp, b, 0o600); err == nil {
			err = os.Rename(tmp, e.cfg.StateFile)
		}
	}
	if err != nil {
		e.log.Warn("cannot save the emulator state", "file", filepath.Base(e.cfg.StateFile), "err", err)
	}
}
