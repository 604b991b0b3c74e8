package wechat

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Message is one push from WeChat, message or event, with the fields this service
// reads. It is exported so tests and future handlers share one parsed shape.
type Message struct {
	ToUserName   string
	FromUserName string
	CreateTime   int64
	MsgType      string
	Event        string
	EventKey     string
	Ticket       string
	// MsgID is MsgId for ordinary messages, or MsgID as TEMPLATESENDJOBFINISH spells it.
	MsgID   string
	Content string
}

type rawMessage struct {
	XMLName      xml.Name
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   string `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Event        string `xml:"Event"`
	EventKey     string `xml:"EventKey"`
	Ticket       string `xml:"Ticket"`
	MsgId        string `xml:"MsgId"` //nolint:revive // WeChat's spelling
	MsgID        string `xml:"MsgID"`
	Content      string `xml:"Content"`
	Encrypt      string `xml:"Encrypt"`
}

// errMalformed marks a body that is not a WeChat push; the handler answers 400.
var errMalformed = errors.New("malformed push")

// ParseMessage decodes a plaintext push. It exists as the one place that knows the
// XML field spellings; errors wrap errMalformed.
func ParseMessage(data []byte) (Message, error) {
	r, err := decodeXML(data)
	if err != nil {
		return Message{}, err
	}
	return r.message()
}

func decodeXML(data []byte) (rawMessage, error) {
	var r rawMessage
	if err := xml.Unmarshal(data, &r); err != nil {
		return rawMessage{}, fmt.Errorf("%w: %w", errMalformed, err)
	}
	if r.XMLName.Local != "xml" {
		return rawMessage{}, fmt.Errorf("%w: root element <%s>, want <xml>", errMalformed, r.XMLName.Local)
	}
	return r, nil
}

func (r rawMessage) message() (Message, error) {
	m := Message{
		ToUserName:   strings.TrimSpace(r.ToUserName),
		FromUserName: strings.TrimSpace(r.FromUserName),
		MsgType:      strings.TrimSpace(r.MsgType),
		Event:        strings.TrimSpace(r.Event),
		EventKey:     strings.TrimSpace(r.EventKey),
		Ticket:       strings.TrimSpace(r.Ticket),
		MsgID:        strings.TrimSpace(r.MsgId),
		Content:      r.Content,
	}
	if m.MsgID == "" {
		m.MsgID = strings.TrimSpace(r.MsgID)
	}
	if ct := strings.TrimSpace(r.CreateTime); ct != "" {
		n, err := strconv.ParseInt(ct, 10, 64)
		if err != nil {
			return Message{}, fmt.Errorf("%w: CreateTime %q", errMalformed, truncate(ct, 32))
		}
		m.CreateTime = n
	}
	if m.MsgType == "" {
		return Message{}, fmt.Errorf("%w: no MsgType", errMalformed)
	}
	return m, nil
}

// DeliveryKey identifies one delivery across WeChat's retries: the MsgId of a
// message, otherwise the sender, second, event and key of an event (two distinct
// events by one user can share a second, WxJava #2705).
func (m Message) DeliveryKey() string {
	if m.MsgID != "" {
		return "msg:" + m.MsgID
	}
	return "evt:" + m.FromUserName + "|" + strconv.FormatInt(m.CreateTime, 10) + "|" + strings.ToLower(m.Event) + "|" + m.EventKey
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// eventTime is when the event happened by WeChat's own clock (CreateTime, Unix
// seconds): the order of follow and unfollow events is decided by it, not by their
// arrival. A push without a CreateTime is taken as happening now.
func eventTime(m Message, clock interface{ Now() time.Time }) time.Time {
	if m.CreateTime <= 0 {
		return clock.Now()
	}
	return time.Unix(m.CreateTime, 0).UTC()
}
