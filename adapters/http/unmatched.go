package httpadapter

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gorilla/mux"
)

// handleNotFound also answers requests gorilla/mux reports as unmatched although
// the path exists with other methods (it does so under subrouters): those get the
// 405 with Allow that every route gives.
func (s *server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	hidden := isAdminPath(r.URL.Path) && s.cfg.AdminToken == ""
	if allow := s.allowedMethods(r); len(allow) > 0 && !hidden {
		s.methodNotAllowed(w, r, allow)
		return
	}
	if isAdminPath(r.URL.Path) && s.cfg.AdminToken != "" && !s.adminAuthorized(r) {
		writeAPIError(w, r, errAdminToken)
		return
	}
	if isAPIPath(r.URL.Path) {
		writeAPIError(w, r, errNotFoundRoute)
		return
	}
	s.pageNotFound(w, r)
}

// pageNotFound is the product's own 404 page (Chinese, mobile-friendly).
func (s *server) pageNotFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound, "页面不存在", "这个地址没有内容，可能是链接不完整或已经失效。", "", nil)
}

func (s *server) handleMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	if isAdminPath(r.URL.Path) && s.cfg.AdminToken == "" {
		writeAPIError(w, r, errNotFoundRoute) // the admin API is hidden
		return
	}
	s.methodNotAllowed(w, r, s.allowedMethods(r))
}

// allowedMethods lists the methods some route accepts at r's path.
func (s *server) allowedMethods(r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		if m == r.Method || s.router == nil {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if s.routeAccepts(probe) {
			allow = append(allow, m)
		}
	}
	return allow
}

// routeAccepts reports whether some handler route (leaf routes of subrouters
// included) matches r, method and path.
func (s *server) routeAccepts(r *http.Request) bool {
	found := false
	_ = s.router.Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		var m mux.RouteMatch
		if rt.GetHandler() != nil && rt.Match(r, &m) && m.MatchErr == nil {
			found = true
			return errStopWalk
		}
		return nil
	})
	return found
}

var errStopWalk = errors.New("stop walking")

// methodNotAllowed answers 405 with the Allow header (RFC 9110), as JSON on API paths.
func (s *server) methodNotAllowed(w http.ResponseWriter, r *http.Request, allow []string) {
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
	}
	if isAPIPath(r.URL.Path) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: errorDetail{Code: errMethod.Code, Message: errMethod.Message}})
		return
	}
	s.renderError(w, r, http.StatusMethodNotAllowed, "无法这样打开", "这个地址不支持这种访问方式，请从页面上的按钮或链接进入。", "", nil)
}
