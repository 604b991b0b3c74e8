package emulator

import (
	"net/http"
	"strings"
)

// Each emulated person browses with their own cookies, as each real person has
// their own phone: when /open switches the browser from one person to another,
// the site cookies the browser holds (the service's session, its invite cookie…)
// are put away under the previous person and the new person's are put back.
// Without this, 小刚 opening 小明's invite link in the same browser would land on
// 小明's page, logged in as 小明.

// jarCookie is a cookie kept for a person while another one uses the browser.
type jarCookie struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ownCookie reports whether a cookie belongs to the emulator itself (it follows
// the browser, not the person).
func ownCookie(name string) bool { return strings.HasPrefix(name, "wxemu_") }

// switchJar moves the browser from person prev to person next: it stores the site
// cookies of r under prev, expires them in w and sets next's. Cookies are restored
// with Path=/ (a browser does not tell a server a cookie's path); the service keeps
// its lasting cookies at / anyway.
func (e *Emulator) switchJar(w http.ResponseWriter, r *http.Request, prev, next string) {
	if prev == next {
		return
	}
	var kept []jarCookie
	for _, c := range r.Cookies() {
		if ownCookie(c.Name) {
			continue
		}
		kept = append(kept, jarCookie{Name: c.Name, Value: c.Value})
		http.SetCookie(w, &http.Cookie{Name: c.Name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	e.mu.Lock()
	if prev != "" {
		e.jars[prev] = kept
	}
	restore := e.jars[next]
	delete(e.jars, next)
	e.mu.Unlock()
	for _, c := range restore {
		http.SetCookie(w, &http.Cookie{Name: c.Name, Value: c.Value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 30 * 24 * 3600})
	}
	e.changed()
}
