package application_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// fakeOAuth maps codes to identities and counts Exchange and Profile calls.
type fakeOAuth struct {
	mu         sync.Mutex
	ids        map[string]application.OAuthIdentity
	profile    domain.Profile
	profileErr error
	exchanges  int
	profiles   int
}

func (f *fakeOAuth) AuthorizeURL(redirectURI, state string) string {
	return "https://open.weixin.qq.com/connect/oauth2/authorize?redirect_uri=" + redirectURI + "&state=" + state
}

func (f *fakeOAuth) Exchange(_ context.Context, code string) (application.OAuthIdentity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exchanges++
	id, ok := f.ids[code]
	if !ok {
		return application.OAuthIdentity{}, application.Errorf(application.KindInvalid, "invalid_code", nil, "code %q unknown", code)
	}
	return id, nil
}

func (f *fakeOAuth) Profile(_ context.Context, id application.OAuthIdentity) (domain.Profile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.profiles++
	if id.Scope != "snsapi_userinfo" {
		return domain.Profile{}, application.Errorf(application.KindInvalid, "scope", nil, "scope")
	}
	return f.profile, f.profileErr
}

func TestCompleteLogin(t *testing.T) {
	t.Parallel()
	userinfo := application.OAuthIdentity{OpenID: "o_info", UnionID: "u_info", Scope: "snsapi_userinfo", AccessToken: "at"}
	base := application.OAuthIdentity{OpenID: "o_base", UnionID: "u_base", Scope: "snsapi_base", AccessToken: "at"}
	snapshot := application.OAuthIdentity{OpenID: "o_snap", Scope: "snsapi_base", Snapshot: true}
	tests := []struct {
		name       string
		id         application.OAuthIdentity
		code       string
		profile    domain.Profile
		profileErr error
		withInvite bool
		badInvite  string

		wantKind     application.Kind // "" means success
		wantExchange int
		wantProfile  int
		wantNick     string
		wantUnion    string
		wantInvite   bool
		wantReason   application.NoInviteReason
	}{
		{name: "userinfo fetches profile", id: userinfo, code: "c1", profile: domain.Profile{Nickname: "Ann", AvatarURL: "http://a"},
			wantExchange: 1, wantProfile: 1, wantNick: "Ann", wantUnion: "u_info", wantReason: application.ReasonNoAttribution},
		{name: "profile unionid wins", id: userinfo, code: "c1", profile: domain.Profile{UnionID: "u_profile", Nickname: "Ann"},
			wantExchange: 1, wantProfile: 1, wantNick: "Ann", wantUnion: "u_profile", wantReason: application.ReasonNoAttribution},
		{name: "base scope skips profile", id: base, code: "c1", profile: domain.Profile{Nickname: "Ann"},
			wantExchange: 1, wantProfile: 0, wantNick: "", wantUnion: "u_base", wantReason: application.ReasonNoAttribution},
		{name: "profile failure still logs in", id: userinfo, code: "c1", profileErr: application.Errorf(application.KindUnavailable, "down", nil, "down"),
			wantExchange: 1, wantProfile: 1, wantNick: "", wantUnion: "u_info", wantReason: application.ReasonNoAttribution},
		{name: "invite code makes a link invite", id: base, code: "c1", withInvite: true,
			wantExchange: 1, wantUnion: "u_base", wantInvite: true, wantReason: application.ReasonNone},
		{name: "unknown invite code still logs in", id: base, code: "c1", badInvite: "zzzzzzzzzzzzz",
			wantExchange: 1, wantUnion: "u_base", wantReason: application.ReasonUnknownCode},
		{name: "snapshot refused", id: snapshot, code: "c1", wantKind: application.KindUnauthorized, wantExchange: 1},
		{name: "empty code", id: base, code: "", wantKind: application.KindInvalid, wantExchange: 0},
		{name: "code of 513 bytes", id: base, code: strings.Repeat("c", 513), wantKind: application.KindInvalid, wantExchange: 0},
		{name: "code rejected by wechat", id: base, code: "c-unknown", wantKind: application.KindInvalid, wantExchange: 1},
		{name: "identity with bad openid", id: application.OAuthIdentity{OpenID: "", Scope: "snsapi_base"}, code: "c1", wantKind: application.KindInvalid, wantExchange: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, nil)
			inviter := e.inviter(t, "o_inviter", "Ann")
			oauth := &fakeOAuth{ids: map[string]application.OAuthIdentity{"c1": tt.id, strings.Repeat("c", 512): tt.id}, profile: tt.profile, profileErr: tt.profileErr}
			svc := application.NewCompleteLoginService(oauth, e.join)
			cmd := application.LoginCommand{Code: tt.code}
			if tt.badInvite != "" {
				cmd.Attribution = linkAttr(tt.badInvite)
			}
			if tt.withInvite {
				cmd.Attribution = linkAttr(inviter.InviteCode)
			}
			res, err := svc.CompleteLogin(ctx, cmd)
			if oauth.exchanges != tt.wantExchange || oauth.profiles != tt.wantProfile {
				t.Errorf("exchanges=%d profiles=%d, want %d and %d", oauth.exchanges, oauth.profiles, tt.wantExchange, tt.wantProfile)
			}
			if tt.wantKind != "" {
				if application.ErrorKind(err) != tt.wantKind {
					t.Fatalf("err = %v, want kind %s", err, tt.wantKind)
				}
				if n := e.userCount(t); n != 1 {
					t.Fatalf("%d users after a refused login, want 1", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !res.IsNew || res.User.OpenID != tt.id.OpenID || res.User.Nickname != tt.wantNick || res.User.UnionID != tt.wantUnion || res.NoInvite != tt.wantReason {
				t.Fatalf("result = %+v", res)
			}
			if res.User.Following {
				t.Error("a login marked the user as following")
			}
			if tt.wantInvite != (res.Invite != nil) {
				t.Fatalf("invite = %+v, want present=%v", res.Invite, tt.wantInvite)
			}
			if tt.wantInvite && (res.Invite.Channel != domain.ChannelLink || res.Invite.InviterID != inviter.ID || res.Invite.QRScene != "" || res.Channel != domain.ChannelLink) {
				t.Fatalf("invite = %+v", *res.Invite)
			}
		})
	}
}

func TestCompleteLoginTwiceIsNotNew(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	inviter := e.inviter(t, "o_inviter", "")
	oauth := &fakeOAuth{ids: map[string]application.OAuthIdentity{
		"c1": {OpenID: "o_x", Scope: "snsapi_userinfo"},
		"c2": {OpenID: "o_x", Scope: "snsapi_userinfo"},
	}, profile: domain.Profile{Nickname: "Xi"}}
	svc := application.NewCompleteLoginService(oauth, e.join)
	first, err := svc.CompleteLogin(context.Background(), application.LoginCommand{Code: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	oauth.profile = domain.Profile{} // WeChat returns nothing this time
	second, err := svc.CompleteLogin(context.Background(), application.LoginCommand{Code: "c2", Attribution: linkAttr(inviter.InviteCode)})
	if err != nil {
		t.Fatal(err)
	}
	if second.IsNew || second.User.ID != first.User.ID || second.Invite != nil || second.NoInvite != application.ReasonNotNew || second.User.Nickname != "Xi" {
		t.Fatalf("second = %+v", second)
	}
}

// fakeFollowers answers user/info.
type fakeFollowers struct {
	f   application.Follower
	err error
}

func (f fakeFollowers) Follower(context.Context, string) (application.Follower, error) {
	return f.f, f.err
}

func TestEnrichProfile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	down := application.Errorf(application.KindUnavailable, "down", nil, "wechat down")
	tests := []struct {
		name     string
		follower fakeFollowers
		openID   string
		wantErr  error
		want     domain.Profile // stored afterwards: unionid, nickname, avatar
	}{
		{"empty nickname does not erase", fakeFollowers{f: application.Follower{Subscribed: true, Profile: domain.Profile{UnionID: "u9"}}}, "o_known",
			nil, domain.Profile{UnionID: "u9", Nickname: "Ann", AvatarURL: "http://a"}},
		{"nothing new", fakeFollowers{f: application.Follower{Subscribed: true}}, "o_known",
			nil, domain.Profile{Nickname: "Ann", AvatarURL: "http://a"}},
		{"new nickname stored", fakeFollowers{f: application.Follower{Profile: domain.Profile{Nickname: "Anna"}}}, "o_known",
			nil, domain.Profile{Nickname: "Anna", AvatarURL: "http://a"}},
		{"unionid of someone else ignored", fakeFollowers{f: application.Follower{Profile: domain.Profile{UnionID: "u_other"}}}, "o_known",
			nil, domain.Profile{Nickname: "Ann", AvatarURL: "http://a"}},
		{"wechat down", fakeFollowers{err: down}, "o_known", down, domain.Profile{Nickname: "Ann", AvatarURL: "http://a"}},
		{"unknown user", fakeFollowers{f: application.Follower{Profile: domain.Profile{UnionID: "u9"}}}, "o_nobody", application.ErrNotFound, domain.Profile{Nickname: "Ann", AvatarURL: "http://a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			e.mustJoin(t, application.JoinCommand{OpenID: "o_known", Profile: domain.Profile{Nickname: "Ann", AvatarURL: "http://a"}})
			e.mustJoin(t, application.JoinCommand{OpenID: "o_other", Profile: domain.Profile{UnionID: "u_other"}})
			err := application.NewEnrichProfileService(e.users, tt.follower).EnrichProfile(ctx, tt.openID)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			u, err := e.users.ByOpenID(ctx, "o_known")
			if err != nil {
				t.Fatal(err)
			}
			if got := (domain.Profile{UnionID: u.UnionID, Nickname: u.Nickname, AvatarURL: u.AvatarURL}); got != tt.want {
				t.Fatalf("stored profile = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestUnfollowUnknownOpenID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	if res, err := application.NewUnfollowService(e.users).Unfollow(context.Background(), "o_never_seen", t0); err != nil || res.Known || res.Applied {
		t.Fatalf("Unfollow(unknown) = %+v, %v; want nothing, nil", res, err)
	}
	if n := e.userCount(t); n != 0 {
		t.Fatalf("Unfollow created %d users", n)
	}
}

func TestUnfollowCountsFollowers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	e.inviter(t, "o_a", "")
	e.inviter(t, "o_b", "")
	if _, err := application.NewUnfollowService(e.users).Unfollow(ctx, "o_a", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	users, followers, err := e.users.Counts(ctx)
	if err != nil || users != 2 || followers != 1 {
		t.Fatalf("Counts = %d, %d, %v; want 2, 1", users, followers, err)
	}
}
