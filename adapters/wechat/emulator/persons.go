package emulator

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors returned by the person operations; the JSON API maps them to
// HTTP statuses.
var (
	ErrUnknownPerson    = errors.New("emulator: unknown openid")
	ErrUnknownQRCode    = errors.New("emulator: unknown QR code ticket or url")
	ErrExpiredQRCode    = errors.New("emulator: QR code expired")
	ErrAlreadyFollowing = errors.New("emulator: person already follows the account")
	ErrNotFollowing     = errors.New("emulator: person does not follow the account")
	ErrNoCallback       = errors.New("emulator: no callback URL configured")
)

// maxChat bounds the chat history kept per person.
const maxChat = 200

// PersonSpec describes a simulated WeChat user to create.
type PersonSpec struct {
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
	// UnionID is kept as given; empty means the account is not bound to an
	// Open Platform account for this person.
	UnionID string `json:"unionid"`
	// GenerateUnionID makes up a unionid when UnionID is empty.
	GenerateUnionID bool `json:"generate_unionid"`
	// Snapshot marks a 快照页 virtual user (is_snapshotuser=1 in OAuth).
	Snapshot bool `json:"snapshot"`
}

// Person is a simulated WeChat user, as the phone page and the API show it.
type Person struct {
	OpenID         string     `json:"openid"`
	Nickname       string     `json:"nickname"`
	AvatarURL      string     `json:"avatar_url"`
	UnionID        string     `json:"unionid"`
	Following      bool       `json:"following"`
	Snapshot       bool       `json:"snapshot"`
	CreatedAt      time.Time  `json:"created_at"`
	SubscribeTime  *time.Time `json:"subscribe_time,omitempty"`
	SubscribeScene string     `json:"subscribe_scene,omitempty"`
	QRScene        int64      `json:"qr_scene,omitempty"`
	QRSceneStr     string     `json:"qr_scene_str,omitempty"`
}

// ChatEntry is one line of a person's chat with the account: what they did
// ("me"), what the account replied ("account"), or what WeChat itself
// showed ("system", e.g. 该公众号暂时无法提供服务，请稍后再试).
type ChatEntry struct {
	Time    time.Time `json:"time"`
	From    string    `json:"from"`
	MsgType string    `json:"msg_type,omitempty"`
	Text    string    `json:"text"`
	Raw     string    `json:"raw,omitempty"`
	// MediaID is the image of an image message (view it at /media/{id}).
	MediaID string `json:"media_id,omitempty"`
	// Kefu marks a customer-service message, which arrives after the fact.
	Kefu bool `json:"kefu,omitempty"`
	// Card is a link a friend shared (From "friend", MsgType "link").
	Card *LinkCard `json:"card,omitempty"`
}

// LinkCard is a shared link as WeChat shows it in a chat: title, description,
// picture, and who sent it.
type LinkCard struct {
	FromName string `json:"from_name"`
	Title    string `json:"title"`
	Desc     string `json:"desc"`
	Link     string `json:"link"`
	ImgURL   string `json:"img_url"`
}

type personRec struct {
	Person
	chat []ChatEntry
}

type personStore struct {
	byOpenID map[string]*personRec
	order    []*personRec
}

func (s *personStore) init() { s.byOpenID = map[string]*personRec{} }

const idAlphabet = alnum + "_-"

// openIDPrefix derives the 6-character prefix real openids of one account
// share ("o" + 5 characters).
func (e *Emulator) openIDPrefix(salt string) string {
	sum := sha1.Sum([]byte(salt + e.cfg.AppID))
	p := base64.RawURLEncoding.EncodeToString(sum[:])
	return "o" + p[:5]
}

// CreatePerson adds a simulated user with a fresh 28-character openid.
func (e *Emulator) CreatePerson(spec PersonSpec) Person {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	var openid string
	for {
		openid = e.openIDPrefix("openid") + randString(22, idAlphabet)
		if _, dup := e.persons.byOpenID[openid]; !dup {
			break
		}
	}
	p := &personRec{Person: Person{
		OpenID:    openid,
		Nickname:  strings.TrimSpace(spec.Nickname),
		AvatarURL: strings.TrimSpace(spec.AvatarURL),
		UnionID:   strings.TrimSpace(spec.UnionID),
		Snapshot:  spec.Snapshot,
		CreatedAt: now,
	}}
	if p.Nickname == "" {
		p.Nickname = fmt.Sprintf("微信用户%d", len(e.persons.order)+1)
	}
	if p.UnionID == "" && spec.GenerateUnionID {
		p.UnionID = "o" + e.openIDPrefix("unionid")[1:] + randString(22, idAlphabet)
	}
	e.persons.byOpenID[openid] = p
	e.persons.order = append(e.persons.order, p)
	e.changed()
	return p.Person
}

// Persons lists the simulated users, oldest first.
func (e *Emulator) Persons() []Person {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Person, 0, len(e.persons.order))
	for _, p := range e.persons.order {
		out = append(out, p.Person)
	}
	return out
}

// LookupPerson returns one simulated user.
func (e *Emulator) LookupPerson(openid string) (Person, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.persons.byOpenID[openid]
	if !ok {
		return Person{}, false
	}
	return p.Person, true
}

// Chat returns what the person saw in the account's chat, oldest first.
func (e *Emulator) Chat(openid string) ([]ChatEntry, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.persons.byOpenID[openid]
	if !ok {
		return nil, ErrUnknownPerson
	}
	return append([]ChatEntry(nil), p.chat...), nil
}

func (e *Emulator) addChat(openid string, c ChatEntry) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.persons.byOpenID[openid]
	if !ok {
		return
	}
	if c.Time.IsZero() {
		c.Time = e.now()
	}
	p.chat = append(p.chat, c)
	if len(p.chat) > maxChat {
		p.chat = p.chat[len(p.chat)-maxChat:]
	}
	e.changed()
}

// Follow makes the person follow the account from its profile (no QR code)
// and pushes a plain subscribe event.
func (e *Emulator) Follow(openid string) (DeliveryResult, error) {
	return e.FollowAt(openid, time.Time{})
}

// FollowAt is Follow with the push's CreateTime set to at (zero: now), to
// simulate someone who followed a while ago (whose follow window has closed).
func (e *Emulator) FollowAt(openid string, at time.Time) (DeliveryResult, error) {
	now := e.now()
	if !at.IsZero() && at.Before(now) {
		now = at
	}
	e.mu.Lock()
	p, ok := e.persons.byOpenID[openid]
	switch {
	case !ok:
		e.mu.Unlock()
		return DeliveryResult{}, ErrUnknownPerson
	case p.Following:
		e.mu.Unlock()
		return DeliveryResult{}, ErrAlreadyFollowing
	}
	p.Following, p.SubscribeTime = true, &now
	p.SubscribeScene, p.QRScene, p.QRSceneStr = "ADD_SCENE_PROFILE_CARD", 0, ""
	e.mu.Unlock()
	e.addChat(openid, ChatEntry{Time: now, From: "me", Text: "关注了公众号"})
	return e.deliverOne(Delivery{OpenID: openid, Event: "subscribe", CreateTime: now.Unix()}), nil
}

// Unfollow makes the person stop following and pushes unsubscribe.
func (e *Emulator) Unfollow(openid string) (DeliveryResult, error) {
	now := e.now()
	e.mu.Lock()
	p, ok := e.persons.byOpenID[openid]
	switch {
	case !ok:
		e.mu.Unlock()
		return DeliveryResult{}, ErrUnknownPerson
	case !p.Following:
		e.mu.Unlock()
		return DeliveryResult{}, ErrNotFollowing
	}
	p.Following = false
	e.mu.Unlock()
	e.addChat(openid, ChatEntry{Time: now, From: "me", Text: "取消关注了公众号"})
	return e.deliverOne(Delivery{OpenID: openid, Event: "unsubscribe", CreateTime: now.Unix()}), nil
}

// Scan makes the person scan a code identified by its ticket, its
// weixin.qq.com URL or a showqrcode link. A non-follower follows through it
// (subscribe, EventKey qrscene_<scene>); a follower gets SCAN (EventKey
// <scene>). Both carry the Ticket.
func (e *Emulator) Scan(openid, ref string) (DeliveryResult, error) {
	now := e.now()
	e.mu.Lock()
	p, ok := e.persons.byOpenID[openid]
	if !ok {
		e.mu.Unlock()
		return DeliveryResult{}, ErrUnknownPerson
	}
	q := e.lookupQR(ref)
	if q == nil {
		e.mu.Unlock()
		return DeliveryResult{}, ErrUnknownQRCode
	}
	if q.expired(now) {
		e.mu.Unlock()
		return DeliveryResult{}, ErrExpiredQRCode
	}
	d := Delivery{OpenID: openid, Ticket: q.Ticket, CreateTime: now.Unix()}
	if p.Following {
		d.Event, d.EventKey = "SCAN", q.Scene()
	} else {
		d.Event, d.EventKey = "subscribe", "qrscene_"+q.Scene()
		p.Following, p.SubscribeTime = true, &now
		p.SubscribeScene = "ADD_SCENE_QR_CODE"
		p.QRScene, p.QRSceneStr = q.SceneID, q.SceneStr
	}
	e.mu.Unlock()
	text := "扫描了二维码（场景 " + q.Scene() + "）"
	if d.Event == "subscribe" {
		text += "并关注了公众号"
	}
	e.addChat(openid, ChatEntry{Time: now, From: "me", Text: text})
	return e.deliverOne(d), nil
}
