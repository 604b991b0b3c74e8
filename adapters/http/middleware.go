package httpadapter

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxinvite/wxinvite/application"
)

type ctxKey int

const (
	ctxLogger ctxKey = iota
	ctxInfo
)

// routeUnmatched labels requests no route matched (404s, 405s), keeping metric
// cardinality bounded whatever paths scanners try.
const routeUnmatched = "unmatched"

// RequestID returns the id of the request carried by ctx, or "" outside a request.
// It is application.RequestIDFrom: one carrier for every adapter.
func RequestID(ctx context.Context) string { return application.RequestIDFrom(ctx) }

// LoggerFrom returns the request-scoped logger (it carries request_id), or
// slog.Default() outside a request. Mounted handlers should log through it.
func LoggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(ctxLogger).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// requestInfo is filled in by inner layers and read by the outer access log and
// metrics layer, which cannot see mux's route on its own request copy.
type requestInfo struct {
	route string
}

// validRequestID accepts a caller's id only if it is short and plain, so a hostile
// header cannot inject into logs.
func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusRecorder remembers the status and size of a response. It implements Flush
// and Unwrap so streaming handlers (CSV export) and http.ResponseController work.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// WriteHeader implements http.ResponseWriter.
func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher.
func (s *statusRecorder) Flush() {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	_ = http.NewResponseController(s.ResponseWriter).Flush()
}

// Hijack lets mounted handlers upgrade connections if they ever need to.
func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(s.ResponseWriter).Hijack()
}

// Unwrap gives http.ResponseController the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) code() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}

// metrics are the HTTP instruments, labelled by route template only.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxinvite_http_requests_total",
			Help: "HTTP requests served, by route template, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wxinvite_http_request_seconds",
			Help:    "HTTP request latency by route template.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
	}
	if err := register(reg, &m.requests); err != nil {
		return nil, err
	}
	if err := register(reg, &m.duration); err != nil {
		return nil, err
	}
	return m, nil
}

// preset creates every route's series at zero, so a fresh instance already exposes
// the families its dashboards and rate() alerts read.
func (m *metrics) preset(r *mux.Router) {
	_ = r.Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		t, err := rt.GetPathTemplate()
		if err != nil || rt.GetHandler() == nil {
			return nil
		}
		m.duration.WithLabelValues(t)
		methods, _ := rt.GetMethods()
		for _, meth := range methods {
			m.requests.WithLabelValues(t, methodLabel(meth), strconv.Itoa(http.StatusOK))
		}
		return nil
	})
	m.duration.WithLabelValues(routeUnmatched)
	m.requests.WithLabelValues(routeUnmatched, http.MethodGet, strconv.Itoa(http.StatusNotFound))
}

// register registers c, adopting an identical collector already registered (a
// second router on the same registry, as in tests) instead of failing.
func register[C prometheus.Collector](reg prometheus.Registerer, c *C) error {
	err := reg.Register(*c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		existing, ok := are.ExistingCollector.(C)
		if !ok {
			return fmt.Errorf("httpadapter: metric already registered with another type: %w", err)
		}
		*c = existing
		return nil
	}
	return err
}

// methodLabel bounds the method label to the standard methods.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// observe is the outermost layer: request id, per-request logger, access log and
// metrics. It records even when an inner layer panics.
func (s *server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		log := s.log.With("request_id", id)
		info := &requestInfo{route: routeUnmatched}
		ctx := application.WithRequestID(r.Context(), id) // other adapters' log lines carry it too
		ctx = context.WithValue(ctx, ctxLogger, log)
		ctx = context.WithValue(ctx, ctxInfo, info)
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			status := rec.code()
			if p := recover(); p != nil {
				status = 0 // aborted: the client saw a broken response
				defer panic(p)
			}
			d := time.Since(start)
			s.metrics.requests.WithLabelValues(info.route, methodLabel(r.Method), strconv.Itoa(status)).Inc()
			s.metrics.duration.WithLabelValues(info.route).Observe(d.Seconds())
			// Never the raw path or query: they carry invite codes, OAuth codes and state.
			log.LogAttrs(ctx, s.accessLevel(r, status), "http request",
				slog.String("method", r.Method), slog.String("route", info.route),
				slog.Int("status", status), slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", d))
		}()
		next.ServeHTTP(rec, r.WithContext(ctx))
	})
}

// recoverPanics turns a handler panic into a 500 (JSON on API paths) and logs it
// with the stack. http.ErrAbortHandler passes through: it means "cut the response".
func recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, _ := w.(*statusRecorder)
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			LoggerFrom(r.Context()).Error("panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if rec != nil && rec.status != 0 {
				panic(http.ErrAbortHandler) // headers are out; all we can do is cut it
			}
			err := fmt.Errorf("panic: %v", p)
			if isAPIPath(r.URL.Path) {
				code, msg := publicError(err)
				writeJSON(w, http.StatusInternalServerError, errorBody{Error: errorDetail{Code: code, Message: msg}})
				return
			}
			http.Error(w, "internal error", http.StatusInternalServerError)
		}()
		next.ServeHTTP(w, r)
	})
}

// routeLabel is a mux middleware: it runs only on matched routes and tells the
// outer layer which template matched.
func routeLabel(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info, ok := r.Context().Value(ctxInfo).(*requestInfo); ok {
			if rt := mux.CurrentRoute(r); rt != nil {
				if t, err := rt.GetPathTemplate(); err == nil {
					info.route = t
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets headers that are right for every response.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		// same-origin keeps Referer for our own CSRF check but never sends invite
		// links or OAuth parameters to other sites.
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func isAPIPath(p string) bool {
	return p == "/api" || strings.HasPrefix(p, "/api/") || isAdminPath(p)
}

func isAdminPath(p string) bool {
	return p == "/admin/api" || strings.HasPrefix(p, "/admin/api/")
}

// accessLevel is info for every request except the emulator phone's own successful
// reads (it polls every 5 s), which would drown the log: those are debug.
func (s *server) accessLevel(r *http.Request, status int) slog.Level {
	if s.emulator != "" && r.Method == http.MethodGet && status < 400 && strings.HasPrefix(r.URL.Path, s.emulator+"api/") {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}
