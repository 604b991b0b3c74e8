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
	inviter := domain.User{ID: 1, OpenID: "o_inviter", InviteCode: "aaaaaaaaaaaaa"}
	invitee := domain.User{ID: 2, OpenID: "o_invitee"}
	scan, err := domain.ScanAttribution(domain.InviteScene(inviter.InviteCode))
	if err != nil {
		t.Fatal(err)
	}
	link, err := domain.LinkAttribution(inviter.InviteCode)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		inviter domain.User
		invitee domain.User
		isNew   bool
		attr    domain.Attribution
		wantErr error
		want    domain.Invite
	}{
		{"scan keeps scene", inviter, invitee, true, scan, nil,
			domain.Invite{InviterID: 1, InviteeID: 2, Channel: domain.ChannelScan, QRScene: "inv_aaaaaaaaaaaaa", Status: domain.InviteCounted, CreatedAt: t0}},
		{"link has no scene", inviter, invitee, true, link, nil,
			domain.Invite{InviterID: 1, InviteeID: 2, Channel: domain.ChannelLink, Status: domain.InviteCounted, CreatedAt: t0}},
		{"self by id", inviter, domain.User{ID: 1, OpenID: "o_other"}, true, link, domain.ErrSelfInvite, domain.Invite{}},
		{"self by openid", inviter, domain.User{ID: 9, OpenID: "o_inviter"}, true, link, domain.ErrSelfInvite, domain.Invite{}},
		{"self and not new is not new", inviter, inviter, false, scan, domain.ErrNotNewUser, domain.Invite{}},
		{"not new", inviter, invitee, false, scan, domain.ErrNotNewUser, domain.Invite{}},
		{"not new by link", inviter, invitee, false, link, domain.ErrNotNewUser, domain.Invite{}},
		{"no attribution", inviter, invitee, true, domain.Attribution{}, domain.ErrInvalidChannel, domain.Invite{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := domain.NewInvite(tt.inviter, tt.invitee, tt.isNew, tt.attr, t0)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("invite = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAttributionConstructors(t *testing.T) {
	t.Parallel()
	const code = "abcdefghijklm"
	tests := []struct {
		name    string
		build   func() (domain.Attribution, error)
		wantErr error
		ch      domain.Channel
		scene   string
	}{
		{"link", func() (domain.Attribution, error) { return domain.LinkAttribution(code) }, nil, domain.ChannelLink, ""},
		{"scan invite scene", func() (domain.Attribution, error) { return domain.ScanAttribution(domain.InviteScene(code)) }, nil, domain.ChannelScan, "inv_" + code},
		{"link empty code", func() (domain.Attribution, error) { return domain.LinkAttribution("") }, domain.ErrInvalidInviteCode, "", ""},
		{"link malformed code", func() (domain.Attribution, error) { return domain.LinkAttribution("NOT-A-CODE") }, domain.ErrInvalidInviteCode, "", ""},
		{"scan numeric scene", func() (domain.Attribution, error) { return domain.ScanAttribution(domain.Scene{ID: 42}) }, domain.ErrNotAnInviteScene, "", ""},
		{"scan campaign scene", func() (domain.Attribution, error) { return domain.ScanAttribution(domain.Scene{Str: "cmp_spring"}) }, domain.ErrNotAnInviteScene, "", ""},
		{"scan malformed invite scene", func() (domain.Attribution, error) { return domain.ScanAttribution(domain.Scene{Str: "inv_???"}) }, domain.ErrNotAnInviteScene, "", ""},
	}
	for _, tt := range tests {
		a, err := tt.build()
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.wantErr)
			continue
		}
		if tt.wantErr != nil {
			if !a.IsZero() {
				t.Errorf("%s: refused attribution is %+v, want zero", tt.name, a)
			}
			continue
		}
		if a.IsZero() || a.Channel() != tt.ch || a.InviteCode() != code || a.QRScene() != tt.scene {
			t.Errorf("%s: got %q %q %q", tt.name, a.Channel(), a.InviteCode(), a.QRScene())
		}
	}
}
