package httpadapter

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// maxWebhookBody bounds the body of POST /admin/api/webhooks.
const maxWebhookBody = 16 << 10

type webhookCreateJSON struct {
	URL        string   `json:"url"`
	EventTypes []string `json:"event_types"`
}

// webhookJSON is an endpoint as the admin API shows it.
type webhookJSON struct {
	ID         int64    `json:"id"`
	URL        string   `json:"url"`
	EventTypes []string `json:"event_types"`
	// Secret is shown once, in the answer to the creation: a list (or a console
	// screen, or a log of admin traffic) never shows it again.
	Secret         string  `json:"secret,omitempty"`
	Enabled        bool    `json:"enabled"`
	DisabledReason *string `json:"disabled_reason"`
	CreatedAt      string  `json:"created_at"`
}

type deliveryJSON struct {
	ID            int64   `json:"id"`
	MessageID     string  `json:"message_id"`
	EventType     string  `json:"event_type"`
	Status        string  `json:"status"`
	Attempts      int     `json:"attempts"`
	LastStatus    *int    `json:"last_status"`
	NextAttemptAt *string `json:"next_attempt_at"`
}

type deliveriesJSON struct {
	Items      []deliveryJSON `json:"items"`
	NextCursor string         `json:"next_cursor"`
}

type attemptLogJSON struct {
	Attempt    int     `json:"attempt"`
	At         string  `json:"at"`
	StatusCode *int    `json:"status_code"`
	DurationMS float64 `json:"duration_ms"`
	Error      *string `json:"error"`
}

func webhookOf(e domain.WebhookEndpoint) webhookJSON {
	types := make([]string, 0, len(e.EventTypes))
	for _, t := range e.EventTypes {
		types = append(types, string(t))
	}
	return webhookJSON{ID: int64(e.ID), URL: e.URL, EventTypes: types, Secret: e.Secret, Enabled: e.Enabled,
		DisabledReason: nonZero(e.DisabledReason), CreatedAt: apiTime(e.CreatedAt)}
}

var errWebhooksOff = application.Errorf(application.KindNotFound, "not_found", nil, "webhooks are not enabled")

// webhooksOn answers 404 and reports false on a router built without webhooks.
func (s *server) webhooksOn(w http.ResponseWriter, r *http.Request) bool {
	if s.svc.Webhooks == nil || s.svc.Deliveries == nil {
		writeAPIError(w, r, errWebhooksOff)
		return false
	}
	return true
}

func (s *server) handleAdminWebhookCreate(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksOn(w, r) {
		return
	}
	var in webhookCreateJSON
	dec := json.NewDecoder(io.LimitReader(r.Body, maxWebhookBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		writeAPIError(w, r, application.Errorf(application.KindInvalid, "invalid_json", err, "the body must be {\"url\",\"event_types\":[…]}"))
		return
	}
	types := make([]domain.WebhookEventType, len(in.EventTypes))
	for i, t := range in.EventTypes {
		types[i] = domain.WebhookEventType(t)
	}
	e, err := s.svc.Webhooks.Create(r.Context(), in.URL, types)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, webhookOf(e))
}

func (s *server) handleAdminWebhooks(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksOn(w, r) {
		return
	}
	es, err := s.svc.Webhooks.List(r.Context())
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	out := itemsJSON[webhookJSON]{Items: make([]webhookJSON, 0, len(es))}
	for _, e := range es {
		item := webhookOf(e)
		item.Secret = ""
		out.Items = append(out.Items, item)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) handleAdminWebhookDelete(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksOn(w, r) {
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = s.svc.Webhooks.Delete(r.Context(), domain.WebhookEndpointID(id))
	}
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) handleAdminDeliveries(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksOn(w, r) {
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	page, err := pageFrom(r)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	items, next, err := s.svc.Deliveries.Deliveries(r.Context(), domain.WebhookEndpointID(id), page)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	out := deliveriesJSON{Items: make([]deliveryJSON, 0, len(items)), NextCursor: next.Encode()}
	for _, d := range items {
		item := deliveryJSON{ID: d.ID, MessageID: d.MessageID, EventType: string(d.EventType), Status: string(d.Status),
			Attempts: d.Attempts, LastStatus: nonZero(d.LastStatus)}
		if d.Status == domain.DeliveryPending && !d.NextAt.IsZero() {
			at := apiTime(d.NextAt)
			item.NextAttemptAt = &at
		}
		out.Items = append(out.Items, item)
	}
	writeJSON(w, http.StatusOK, out)
}

// deliveryPath parses /admin/api/webhooks/{id}/deliveries/{delivery}.
func deliveryPath(r *http.Request) (domain.WebhookEndpointID, int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	d, err := pathID(r, "delivery")
	return domain.WebhookEndpointID(id), d, err
}

func (s *server) handleAdminDeliveryRetry(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksOn(w, r) {
		return
	}
	id, d, err := deliveryPath(r)
	if err == nil {
		err = s.svc.Deliveries.Retry(r.Context(), id, d)
	}
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"id": d, "status": string(domain.DeliveryPending)})
}

func (s *server) handleAdminDeliveryAttempts(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksOn(w, r) {
		return
	}
	id, d, err := deliveryPath(r)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	log, err := s.svc.Deliveries.Attempts(r.Context(), id, d)
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	out := itemsJSON[attemptLogJSON]{Items: make([]attemptLogJSON, 0, len(log))}
	for _, a := range log {
		out.Items = append(out.Items, attemptLogJSON{Attempt: a.Attempt, At: apiTime(a.StartedAt), StatusCode: nonZero(a.StatusCode),
			DurationMS: float64(a.Duration.Microseconds()) / 1000, Error: nonZero(a.Error)})
	}
	writeJSON(w, http.StatusOK, out)
}

// hookRoutes adds the audit-trail and webhook admin routes to the admin subrouter.
func hookRoutes(admin *mux.Router, s *server, get []string) {
	admin.Handle("/users", http.HandlerFunc(s.handleAdminUsers)).Methods(get...)
	admin.Handle("/users/{id}/events", http.HandlerFunc(s.handleAdminUserEvents)).Methods(get...)
	admin.Handle("/webhooks", http.HandlerFunc(s.handleAdminWebhookCreate)).Methods(http.MethodPost)
	admin.Handle("/webhooks", http.HandlerFunc(s.handleAdminWebhooks)).Methods(get...)
	admin.Handle("/webhooks/{id}", http.HandlerFunc(s.handleAdminWebhookDelete)).Methods(http.MethodDelete)
	admin.Handle("/webhooks/{id}/deliveries", http.HandlerFunc(s.handleAdminDeliveries)).Methods(get...)
	admin.Handle("/webhooks/{id}/deliveries/{delivery}/retry", http.HandlerFunc(s.handleAdminDeliveryRetry)).Methods(http.MethodPost)
	admin.Handle("/webhooks/{id}/deliveries/{delivery}/attempts", http.HandlerFunc(s.handleAdminDeliveryAttempts)).Methods(get...)
}
