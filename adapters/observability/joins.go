package observability

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// JoinMetrics counts what Join did, by channel: the campaign's pulse on a dashboard.
type JoinMetrics struct {
	joins   *prometheus.CounterVec
	invites *prometheus.CounterVec
}

var _ application.JoinObserver = (*JoinMetrics)(nil)

// NewJoinMetrics registers the join counters on reg.
func NewJoinMetrics(reg prometheus.Registerer) (*JoinMetrics, error) {
	m := &JoinMetrics{
		joins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxinvite_joins_total",
			Help: "Joins by attribution channel (none, link, scan) and result (new, existing, replayed).",
		}, []string{"channel", "result"}),
		invites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxinvite_invites_total",
			Help: "Invites recorded, by channel.",
		}, []string{"channel"}),
	}
	// Every known series exists from start-up at zero, so rate() has a baseline.
	for _, ch := range []string{"none", string(domain.ChannelLink), string(domain.ChannelScan)} {
		for _, result := range []string{"new", "existing", "replayed"} {
			m.joins.WithLabelValues(ch, result)
		}
		if ch != "none" {
			m.invites.WithLabelValues(ch)
		}
	}
	for _, c := range []prometheus.Collector{m.joins, m.invites} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Joined implements application.JoinObserver.
func (m *JoinMetrics) Joined(r application.JoinResult) {
	ch := string(r.Channel)
	if ch == "" {
		ch = "none"
	}
	result := "existing"
	switch {
	case r.Replayed:
		result = "replayed"
	case r.IsNew:
		result = "new"
	}
	m.joins.WithLabelValues(ch, result).Inc()
	if r.IsNew && r.Invite != nil {
		m.invites.WithLabelValues(string(r.Invite.Channel)).Inc()
	}
}
