package domain

import "fmt"

// Attribution says who sent a person: the invite code of a link, or the scene of a
// scanned invite QR code. The inbound adapters build it from what they received
// (the link path from the code, the scan path from the scene) through the two
// constructors, which are the one place it is validated; the zero value means
// "nobody sent this person". Its fields are private so that an Attribution that
// exists is always a valid one.
type Attribution struct {
	channel    Channel
	inviteCode string
	qrScene    string
}

// LinkAttribution is the attribution of an invite link carrying code.
func LinkAttribution(code string) (Attribution, error) {
	if err := ValidateInviteCode(code); err != nil {
		return Attribution{}, fmt.Errorf("link attribution: %w", err)
	}
	return Attribution{channel: ChannelLink, inviteCode: code}, nil
}

// ScanAttribution is the attribution of a scanned QR code with scene s. Only invite
// scenes (InviteScene) name an inviter; any other scene is ErrNotAnInviteScene.
func ScanAttribution(s Scene) (Attribution, error) {
	code, err := InviteCodeFromScene(s)
	if err != nil {
		return Attribution{}, fmt.Errorf("scan attribution: %w", err)
	}
	return Attribution{channel: ChannelScan, inviteCode: code, qrScene: s.Str}, nil
}

// IsZero reports whether the attribution names nobody.
func (a Attribution) IsZero() bool { return a == Attribution{} }

// Channel is how the person arrived; empty for the zero attribution.
func (a Attribution) Channel() Channel { return a.channel }

// InviteCode is the inviter's invite code.
func (a Attribution) InviteCode() string { return a.inviteCode }

// QRScene is the scene string of the scanned code; empty for links.
func (a Attribution) QRScene() string { return a.qrScene }
