package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

func TestAuditEventValidate(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ok := domain.AuditEvent{At: at, Type: domain.AuditSubscribe, UserID: 1}
	tests := []struct {
		name  string
		edit  func(*domain.AuditEvent)
		valid bool
	}{
		{"plain contact", func(*domain.AuditEvent) {}, true},
		{"refusal with reason", func(e *domain.AuditEvent) {
			e.Type, e.Reason, e.InviterID, e.Channel = domain.AuditInviteRefused, domain.ReasonAlreadyInvited, 2, domain.ChannelScan
		}, true},
		{"revocation with reason", func(e *domain.AuditEvent) {
			e.Type, e.Reason, e.CampaignID = domain.AuditInviteRevoked, domain.AuditReason(domain.ReasonUnfollowedDuringHold), 7
		}, true},
		{"unknown type", func(e *domain.AuditEvent) { e.Type = "visit" }, false},
		{"no user", func(e *domain.AuditEvent) { e.UserID = 0 }, false},
		{"no time", func(e *domain.AuditEvent) { e.At = time.Time{} }, false},
		{"bad channel", func(e *domain.AuditEvent) { e.Channel = "mail" }, false},
		{"reason on a contact", func(e *domain.AuditEvent) { e.Reason = domain.ReasonNotNew }, false},
		{"refusal without reason", func(e *domain.AuditEvent) { e.Type = domain.AuditInviteRefused }, false},
		{"refusal with a revocation reason", func(e *domain.AuditEvent) {
			e.Type, e.Reason = domain.AuditInviteRefused, domain.AuditReason(domain.ReasonUnfollowedAfterHold)
		}, false},
		{"revocation with a refusal reason", func(e *domain.AuditEvent) {
			e.Type, e.Reason = domain.AuditInviteRevoked, domain.ReasonSelfInvite
		}, false},
		{"unknown reason", func(e *domain.AuditEvent) { e.Type, e.Reason = domain.AuditInviteRefused, "bored" }, false},
		{"negative inviter", func(e *domain.AuditEvent) { e.InviterID = -1 }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := ok
			tc.edit(&e)
			err := e.Validate()
			if tc.valid && err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			if !tc.valid && !errors.Is(err, domain.ErrInvalidAuditEvent) {
				t.Fatalf("Validate() = %v, want ErrInvalidAuditEvent", err)
			}
		})
	}
}

func TestEveryAuditTypeValidates(t *testing.T) {
	if len(domain.AuditTypes) != 14 {
		t.Fatalf("%d audit types, the contract has 14", len(domain.AuditTypes))
	}
	for _, k := range domain.AuditTypes {
		if err := k.Validate(); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
}

func TestMaskNickname(t *testing.T) {
	for in, want := range map[string]string{"小明": "小*", "小": "小*", "Alice": "A*", "": "", "🙂x": "🙂*"} {
		if got := domain.MaskNickname(in); got != want {
			t.Errorf("MaskNickname(%q) = %q, want %q", in, got, want)
		}
	}
}
