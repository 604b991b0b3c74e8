package observability

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func TestJoinMetricsCountsByChannelAndResult(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewJoinMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	inv := &domain.Invite{Channel: domain.ChannelScan}
	m.Joined(application.JoinResult{IsNew: true, Channel: domain.ChannelScan, Invite: inv})
	m.Joined(application.JoinResult{Replayed: true, Channel: domain.ChannelScan, Invite: inv}) // a redelivery: no second invite
	m.Joined(application.JoinResult{IsNew: true})
	m.Joined(application.JoinResult{Channel: domain.ChannelLink})

	for _, c := range []struct {
		ch, result string
		want       float64
	}{{"scan", "new", 1}, {"scan", "replayed", 1}, {"none", "new", 1}, {"link", "existing", 1}} {
		if got := testutil.ToFloat64(m.joins.WithLabelValues(c.ch, c.result)); got != c.want {
			t.Errorf("joins{%s,%s} = %v, want %v", c.ch, c.result, got, c.want)
		}
	}
	if got := testutil.ToFloat64(m.invites.WithLabelValues("scan")); got != 1 {
		t.Errorf("invites{scan} = %v, want 1", got)
	}
	if _, err := NewJoinMetrics(reg); err == nil {
		t.Error("registering twice on one registry must fail loudly")
	}
}
