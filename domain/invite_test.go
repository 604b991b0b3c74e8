package domain_test

import (
	"errors"
	"testing"

	"github.com/wxinvite/wxinvite/domain"
)

func TestChannelValidate(t *testing.T) {
	t.Parallel()
	for _, c := range []domain.Channel{domain.ChannelLink, domain.ChannelScan} {
		if err := c.Validate(); err != nil {
			t.Errorf("%q.Validate() = %v", c, err)
		}
	}
	for _, c := range []domain.Channel{"", "LINK", "Scan", "email"} {
		if err := c.Validate(); !errors.Is(err, domain.ErrInvalidChannel) {
			t.Errorf("%q.Validate() = %v, want ErrInvalidChannel", c, err)
		}
	}
}

func TestNewInvite(t *testing.T) {
	t.Parallel()
	inviter := domain.User{ID: 1, OpenID: "o_inviter"}
	invitee := domain.User{ID: 2, OpenID: "o_invitee"}
	tests := []struct {
		name    string
		inviter domain.User
		invitee domain.User
		isNew   bool
		ch      domain.Channel
		scene   string
		wantErr error
		want    domain.Invite
	}{
		{"scan keeps scene", inviter, invitee, true, domain.ChannelScan, "inv_x", nil,
			domain.Invite{InviterID: 1, InviteeID: 2, Channel: domain.ChannelScan, QRScene: "inv_x", Status: domain.InviteCounted, CreatedAt: t0}},
		{"link clears scene", inviter, invitee, true, domain.ChannelLink, "inv_x", nil,
			domain.Invite{InviterID: 1, InviteeID: 2, Channel: domain.ChannelLink, Status: domain.InviteCounted, CreatedAt: t0}},
		{"self by id", inviter, domain.User{ID: 1, OpenID: "o_other"}, true, domain.ChannelLink, "", domain.ErrSelfInvite, domain.Invite{}},
		{"self by openid", inviter, domain.User{ID: 9, OpenID: "o_inviter"}, true, domain.ChannelLink, "", domain.ErrSelfInvite, domain.Invite{}},
		{"not new", inviter, invitee, false, domain.ChannelScan, "inv_x", domain.ErrNotNewUser, domain.Invite{}},
		{"bad channel", inviter, invitee, true, domain.Channel("mail"), "", domain.ErrInvalidChannel, domain.Invite{}},
		{"empty channel", inviter, invitee, true, domain.Channel(""), "", domain.ErrInvalidChannel, domain.Invite{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := domain.NewInvite(tt.inviter, tt.invitee, tt.isNew, tt.ch, tt.scene, t0)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("invite = %+v, want %+v", got, tt.want)
			}
		})
	}
}
