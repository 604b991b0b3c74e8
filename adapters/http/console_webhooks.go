package httpadapter

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

var webhookTypeZh = map[domain.WebhookEventType]string{
	domain.EventUserFollowed: "用户关注", domain.EventUserUnfollowed: "用户取关", domain.EventInviteCreated: "新邀请",
	domain.EventInviteQualified: "邀请达标", domain.EventInviteRevoked: "邀请撤销", domain.EventRewardGranted: "发放奖励",
}

var deliveryStatusZh = map[domain.DeliveryStatus]string{
	domain.DeliveryPending: "等待投递", domain.DeliveryDelivered: "已送达", domain.DeliveryFailed: "失败",
}

type endpointRow struct {
	ID             int64
	URL            string
	Types          []string
	Enabled        bool
	DisabledReason string
	CreatedAt      time.Time
}

type typeOption struct {
	Value, Label string
	Checked      bool
}

type webhooksPage struct {
	Items   []endpointRow
	URL     string
	Types   []typeOption
	Error   string
	Created *createdEndpoint
}

// createdEndpoint is shown once, right after creation: the only time the secret is.
type createdEndpoint struct {
	ID     int64
	URL    string
	Secret string
}

func (s *server) webhooksPage(r *http.Request, p webhooksPage) (webhooksPage, error) {
	es, err := s.svc.Webhooks.List(r.Context())
	if err != nil {
		return p, err
	}
	for _, e := range es {
		row := endpointRow{ID: int64(e.ID), URL: e.URL, Enabled: e.Enabled, DisabledReason: e.DisabledReason, CreatedAt: e.CreatedAt}
		for _, t := range e.EventTypes {
			row.Types = append(row.Types, webhookTypeZh[t])
		}
		if len(e.EventTypes) == 0 {
			row.Types = []string{"全部"}
		}
		p.Items = append(p.Items, row)
	}
	if p.Types == nil {
		for _, t := range domain.WebhookEventTypes {
			p.Types = append(p.Types, typeOption{Value: string(t), Label: webhookTypeZh[t] + "（" + string(t) + "）"})
		}
	}
	return p, nil
}

// handleConsoleWebhooks lists the endpoints and offers the form to add one.
func (s *server) handleConsoleWebhooks(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	p, err := s.webhooksPage(r, webhooksPage{})
	if err != nil {
		s.renderConsoleError(w, r, cs, statusOf(err), "数据暂时无法读取", "请稍后刷新重试。", err)
		return
	}
	v := s.view(cs, "Webhook", "webhooks", p)
	v.Notice = noticeOf(r)
	s.renderConsole(w, r, http.StatusOK, "webhooks.html", v)
}

// handleConsoleWebhookCreate registers an endpoint and shows its secret, once.
func (s *server) handleConsoleWebhookCreate(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	raw := r.PostFormValue("url")
	var types []domain.WebhookEventType
	chosen := map[string]bool{}
	for _, t := range r.PostForm["event_types"] {
		types = append(types, domain.WebhookEventType(t))
		chosen[t] = true
	}
	p := webhooksPage{URL: raw}
	for _, t := range domain.WebhookEventTypes {
		p.Types = append(p.Types, typeOption{Value: string(t), Label: webhookTypeZh[t] + "（" + string(t) + "）", Checked: chosen[string(t)]})
	}
	status := http.StatusOK
	e, err := s.svc.Webhooks.Create(r.Context(), raw, types)
	switch {
	case err == nil:
		p.Created = &createdEndpoint{ID: int64(e.ID), URL: e.URL, Secret: e.Secret}
		p.URL, p.Types = "", nil
	case statusOf(err) < 500:
		_, msg := publicError(err)
		p.Error, status = "没有添加："+msg, statusOf(err)
	default:
		s.renderConsoleError(w, r, cs, statusOf(err), "添加失败", "请稍后再试。", err)
		return
	}
	p, err = s.webhooksPage(r, p)
	if err != nil {
		s.renderConsoleError(w, r, cs, statusOf(err), "数据暂时无法读取", "请稍后刷新重试。", err)
		return
	}
	s.renderConsole(w, r, status, "webhooks.html", s.view(cs, "Webhook", "webhooks", p))
}

func endpointIDFrom(r *http.Request) (domain.WebhookEndpointID, bool) {
	n, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	return domain.WebhookEndpointID(n), err == nil && n > 0
}

// handleConsoleWebhookDelete removes an endpoint and its deliveries.
func (s *server) handleConsoleWebhookDelete(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	id, ok := endpointIDFrom(r)
	if !ok {
		s.renderConsoleError(w, r, cs, http.StatusNotFound, "没有这个地址", "这个 Webhook 不存在。", nil)
		return
	}
	if err := s.svc.Webhooks.Delete(r.Context(), id); err != nil && statusOf(err) != http.StatusNotFound {
		s.renderConsoleError(w, r, cs, statusOf(err), "删除失败", "请稍后再试。", err)
		return
	}
	http.Redirect(w, r, "/admin/webhooks?done=deleted", http.StatusSeeOther)
}

type deliveryRow struct {
	ID                     int64
	MessageID, Type, TypeZ string
	Status, StatusZ        string
	Attempts, LastStatus   int
	NextAt, CreatedAt      time.Time
}

type deliveriesPage struct {
	Endpoint endpointRow
	Items    []deliveryRow
	NextURL  string
	Paged    bool
}

// handleConsoleDeliveries shows an endpoint's delivery log, newest first.
func (s *server) handleConsoleDeliveries(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	id, ok := endpointIDFrom(r)
	if !ok {
		s.renderConsoleError(w, r, cs, http.StatusNotFound, "没有这个地址", "这个 Webhook 不存在。", nil)
		return
	}
	cursor := r.URL.Query().Get("cursor")
	page, err := application.NewPage(consoleInvitesPageSize, cursor)
	var items []application.Delivery
	var next application.Cursor
	if err == nil {
		items, next, err = s.svc.Deliveries.Deliveries(r.Context(), id, page)
	}
	if err != nil {
		s.renderConsoleError(w, r, cs, statusOf(err), "无法显示投递记录", "这个 Webhook 不存在，或链接不完整。", err)
		return
	}
	p := deliveriesPage{Paged: cursor != ""}
	es, _ := s.svc.Webhooks.List(r.Context())
	for _, e := range es {
		if e.ID == id {
			p.Endpoint = endpointRow{ID: int64(e.ID), URL: e.URL, Enabled: e.Enabled, DisabledReason: e.DisabledReason}
		}
	}
	for _, d := range items {
		p.Items = append(p.Items, deliveryRow{ID: d.ID, MessageID: d.MessageID, Type: string(d.EventType), TypeZ: webhookTypeZh[d.EventType],
			Status: string(d.Status), StatusZ: deliveryStatusZh[d.Status], Attempts: d.Attempts, LastStatus: d.LastStatus, NextAt: d.NextAt, CreatedAt: d.CreatedAt})
	}
	if !next.IsZero() {
		p.NextURL = fmt.Sprintf("/admin/webhooks/%d/deliveries?cursor=%s", id, url.QueryEscape(next.Encode()))
	}
	v := s.view(cs, "投递记录", "webhooks", p)
	v.Notice = noticeOf(r)
	s.renderConsole(w, r, http.StatusOK, "deliveries.html", v)
}

// handleConsoleRetry asks for one more attempt of a delivery now.
func (s *server) handleConsoleRetry(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	id, ok := endpointIDFrom(r)
	did, err := strconv.ParseInt(mux.Vars(r)["delivery"], 10, 64)
	if !ok || err != nil {
		s.renderConsoleError(w, r, cs, http.StatusNotFound, "没有这条投递", "投递记录不存在。", nil)
		return
	}
	if err := s.svc.Deliveries.Retry(r.Context(), id, did); err != nil {
		_, msg := publicError(err)
		s.renderConsoleError(w, r, cs, statusOf(err), "没有重新投递", msg, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/webhooks/%d/deliveries?done=retried", id), http.StatusSeeOther)
}
