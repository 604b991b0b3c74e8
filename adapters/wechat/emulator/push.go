package emulator

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
)

// ServiceUnavailableText is what a WeChat user sees when the account's
// server answers too late or with something that is not a valid reply.
const ServiceUnavailableText = "该公众号暂时无法提供服务，请稍后再试"

// maxReplyBytes bounds how much of a callback answer is read.
const maxReplyBytes = 1 << 20

// Delivery statuses reported in DeliveryResult.Status.
const (
	StatusReplied       = "replied"        // a valid passive reply was shown to the user
	StatusNoReply       = "no_reply"       // "success" or an empty body: nothing shown
	StatusTimeout       = "timeout"        // no answer within DeliveryTimeout, every attempt
	StatusUnreachable   = "unreachable"    // connection failed on every attempt
	StatusHTTPError     = "http_error"     // the callback answered a non-200 status
	StatusInvalidReply  = "invalid_reply"  // not a valid reply XML (user sees ServiceUnavailableText)
	StatusProtocolError = "protocol_error" // safe mode: reply not encrypted, bad MsgSignature, undecryptable
	StatusNoCallback    = "no_callback"    // no callback URL configured yet
)

// Delivery is one push as WeChat would send it. Event pushes set Event
// (and EventKey/Ticket); a text message sets Content instead.
type Delivery struct {
	OpenID   string `json:"openid"`
	Event    string `json:"event"`
	EventKey string `json:"event_key"`
	Ticket   string `json:"ticket"`
	// Content sends an ordinary text message (MsgType text, with MsgId)
	// when Event is empty.
	Content string `json:"content"`
	// CreateTime is Unix seconds; 0 means now.
	CreateTime int64 `json:"create_time"`
	// Copies is how many identical deliveries to send concurrently, like
	// WeChat redeliveries (default 1).
	Copies int `json:"copies"`
}

// Reply is what the callback answered, as the emulator understood it.
type Reply struct {
	// Raw is the body exactly as received (the encrypted envelope in safe mode).
	Raw string `json:"raw"`
	// Decrypted is the inner XML of a safe-mode reply.
	Decrypted string `json:"decrypted,omitempty"`
	MsgType   string `json:"msg_type"`
	Content   string `json:"content"`
	// MediaID is the image of an image reply.
	MediaID string `json:"media_id,omitempty"`
}

// DeliveryResult reports one delivery: the reply, how many attempts it
// took (retries after timeouts included) and the outcome.
type DeliveryResult struct {
	Reply      Reply  `json:"reply"`
	Attempts   int    `json:"attempts"`
	Status     string `json:"status"`
	HTTPStatus int    `json:"http_status,omitempty"`
	Error      string `json:"error,omitempty"`
}

// UserVisible reports what the person sees in the chat for this result
// ("" when nothing is shown).
func (r DeliveryResult) UserVisible() string {
	switch r.Status {
	case StatusReplied:
		return r.Reply.Content
	case StatusNoReply, StatusNoCallback:
		return ""
	default:
		return ServiceUnavailableText
	}
}

func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// pushXML renders the plaintext push body, fields in WeChat's order.
func (e *Emulator) pushXML(d Delivery, msgID int64) string {
	var b strings.Builder
	b.WriteString("<xml><ToUserName>" + cdata(e.cfg.OriginalID) + "</ToUserName>")
	b.WriteString("<FromUserName>" + cdata(d.OpenID) + "</FromUserName>")
	b.WriteString("<CreateTime>" + strconv.FormatInt(d.CreateTime, 10) + "</CreateTime>")
	if d.Event == "" {
		b.WriteString("<MsgType>" + cdata("text") + "</MsgType>")
		b.WriteString("<Content>" + cdata(d.Content) + "</Content>")
		b.WriteString("<MsgId>" + strconv.FormatInt(msgID, 10) + "</MsgId>")
	} else {
		b.WriteString("<MsgType>" + cdata("event") + "</MsgType>")
		b.WriteString("<Event>" + cdata(d.Event) + "</Event>")
		b.WriteString("<EventKey>" + cdata(d.EventKey) + "</EventKey>")
		if d.Ticket != "" {
			b.WriteString("<Ticket>" + cdata(d.Ticket) + "</Ticket>")
		}
	}
	b.WriteString("</xml>")
	return b.String()
}

// preparedPush is a push ready to send, identical for every copy/attempt.
type preparedPush struct {
	url  string
	body []byte
}

func (e *Emulator) preparePush(d Delivery) (preparedPush, error) {
	cb := e.CallbackURL()
	if cb == "" {
		return preparedPush{}, ErrNoCallback
	}
	u, err := url.Parse(cb)
	if err != nil {
		return preparedPush{}, fmt.Errorf("emulator: bad callback URL: %w", err)
	}
	now := e.now()
	plain := e.pushXML(d, now.UnixNano()/1000)
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := strconv.FormatInt(int64(1e9)+int64(randUint32()%1e9), 10)
	q := u.Query()
	q.Set("signature", wxcrypto.Signature(e.cfg.Token, ts, nonce))
	q.Set("timestamp", ts)
	q.Set("nonce", nonce)
	q.Set("openid", d.OpenID)
	body := plain
	if e.cipher != nil {
		enc, err := e.cipher.Encrypt([]byte(plain), nil)
		if err != nil {
			return preparedPush{}, err
		}
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", wxcrypto.Signature(e.cfg.Token, ts, nonce, enc))
		body = "<xml><ToUserName>" + cdata(e.cfg.OriginalID) + "</ToUserName><Encrypt>" + cdata(enc) + "</Encrypt></xml>"
	}
	u.RawQuery = q.Encode()
	return preparedPush{url: u.String(), body: []byte(body)}, nil
}

// send performs one delivery with WeChat's timeout-and-retry behaviour.
func (e *Emulator) send(p preparedPush, openid string) DeliveryResult {
	var res DeliveryResult
	var lastErr error
	for res.Attempts < 1+e.cfg.DeliveryRetries {
		res.Attempts++
		e.count("push")
		ctx, cancel := context.WithTimeout(context.Background(), e.cfg.DeliveryTimeout)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(p.body))
		if err != nil {
			cancel()
			return DeliveryResult{Attempts: res.Attempts, Status: StatusUnreachable, Error: err.Error()}
		}
		req.Header.Set("Content-Type", "text/xml")
		req.Header.Set("User-Agent", "Mozilla/4.0 (wxinvite WeChat emulator)")
		resp, err := e.cfg.HTTPClient.Do(req)
		var data []byte
		if err == nil {
			data, err = io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
			_ = resp.Body.Close()
		}
		timedOut := ctx.Err() != nil
		cancel()
		if err != nil {
			lastErr = err
			e.log.Info("push attempt failed", "openid", openid, "attempt", res.Attempts, "timeout", timedOut, "err", err)
			if timedOut {
				res.Status = StatusTimeout
			} else {
				res.Status = StatusUnreachable
			}
			continue
		}
		res.HTTPStatus = resp.StatusCode
		res.Reply.Raw = string(data)
		res.Error = ""
		e.interpret(&res, openid)
		e.log.Info("push delivered", "openid", openid, "attempt", res.Attempts, "status", res.Status)
		return res
	}
	if lastErr != nil {
		res.Error = lastErr.Error()
	}
	return res
}

type replyXML struct {
	XMLName      xml.Name
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   string `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
	Encrypt      string `xml:"Encrypt"`
	MsgSignature string `xml:"MsgSignature"`
	TimeStamp    string `xml:"TimeStamp"`
	Nonce        string `xml:"Nonce"`
	Image        struct {
		MediaID string `xml:"MediaId"`
	} `xml:"Image"`
}

var replyTypes = map[string]string{
	"text": "", "image": "[图片]", "voice": "[语音]", "video": "[视频]",
	"music": "[音乐]", "news": "[图文消息]", "transfer_customer_service": "",
}

// interpret classifies a callback answer the way the WeChat client would.
func (e *Emulator) interpret(res *DeliveryResult, openid string) {
	if res.HTTPStatus != http.StatusOK {
		res.Status, res.Error = StatusHTTPError, fmt.Sprintf("callback answered HTTP %d", res.HTTPStatus)
		return
	}
	body := strings.TrimSpace(res.Reply.Raw)
	if body == "" || body == "success" {
		res.Status = StatusNoReply
		return
	}
	inner, err := parseReply([]byte(body))
	if err != nil {
		res.Status, res.Error = StatusInvalidReply, err.Error()
		return
	}
	if e.cipher != nil {
		if inner.Encrypt == "" {
			res.Status, res.Error = StatusProtocolError, "safe mode: the reply is not encrypted"
			return
		}
		if !wxcrypto.Verify(inner.MsgSignature, e.cfg.Token, inner.TimeStamp, inner.Nonce, inner.Encrypt) {
			res.Status, res.Error = StatusProtocolError, "safe mode: reply MsgSignature does not verify"
			return
		}
		plain, err := e.cipher.Decrypt(inner.Encrypt)
		if err != nil {
			res.Status, res.Error = StatusProtocolError, "safe mode: reply does not decrypt: "+err.Error()
			return
		}
		res.Reply.Decrypted = string(plain)
		if inner, err = parseReply(plain); err != nil {
			res.Status, res.Error = StatusInvalidReply, "decrypted reply: "+err.Error()
			return
		}
	} else if inner.Encrypt != "" {
		res.Status, res.Error = StatusInvalidReply, "plaintext mode: an encrypted reply cannot be read"
		return
	}
	res.Reply.MsgType, res.Reply.Content, res.Reply.MediaID = inner.MsgType, inner.Content, inner.Image.MediaID
	label, known := replyTypes[inner.MsgType]
	switch {
	case !known:
		res.Status, res.Error = StatusInvalidReply, fmt.Sprintf("unknown MsgType %q", inner.MsgType)
	case inner.ToUserName != openid:
		res.Status, res.Error = StatusInvalidReply, fmt.Sprintf("ToUserName %q is not the user's openid", inner.ToUserName)
	case inner.FromUserName != e.cfg.OriginalID:
		res.Status, res.Error = StatusInvalidReply, fmt.Sprintf("FromUserName %q is not the account id %s", inner.FromUserName, e.cfg.OriginalID)
	case inner.MsgType == "text" && inner.Content == "":
		res.Status, res.Error = StatusInvalidReply, "text reply without Content"
	case inner.MsgType == "image" && !e.mediaValid(inner.Image.MediaID):
		res.Status, res.Error = StatusInvalidReply, fmt.Sprintf("image reply with unknown or expired MediaId %q", inner.Image.MediaID)
	case inner.MsgType == "transfer_customer_service":
		res.Status = StatusNoReply
	default:
		if label != "" {
			res.Reply.Content = label
		}
		res.Status = StatusReplied
	}
}

func parseReply(b []byte) (replyXML, error) {
	var r replyXML
	if err := xml.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("reply is not XML: %w", err)
	}
	if r.XMLName.Local != "xml" {
		return r, fmt.Errorf("reply root element is <%s>, want <xml>", r.XMLName.Local)
	}
	return r, nil
}

// Deliver pushes d to the callback, d.Copies times concurrently with the
// identical body and CreateTime, and returns every outcome (in copy order).
// It exists to test that the service deduplicates redeliveries. The
// person's chat records one outcome, as the user would see only one.
func (e *Emulator) Deliver(d Delivery) ([]DeliveryResult, error) {
	if d.OpenID == "" {
		return nil, errors.New("emulator: delivery needs an openid")
	}
	if d.Event == "" && d.Content == "" {
		return nil, errors.New("emulator: delivery needs an event or a text content")
	}
	if d.CreateTime == 0 {
		d.CreateTime = e.now().Unix()
	}
	if d.Copies <= 0 {
		d.Copies = 1
	}
	e.pushWait.Add(1)
	defer e.pushWait.Done()
	// The interaction happened whatever becomes of the push: it opens the kefu
	// window before the service hears of it, as on WeChat.
	e.openKefuWindow(d)
	p, err := e.preparePush(d)
	if err != nil {
		res := []DeliveryResult{{Status: StatusNoCallback, Error: err.Error()}}
		if !errors.Is(err, ErrNoCallback) {
			res[0].Status = StatusUnreachable
		}
		e.recordResult(d.OpenID, res[0])
		return res, nil
	}
	results := make([]DeliveryResult, d.Copies)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.send(p, d.OpenID)
		}()
	}
	wg.Wait()
	shown := results[0]
	for _, r := range results {
		if r.Status == StatusReplied {
			shown = r
			break
		}
	}
	e.recordResult(d.OpenID, shown)
	return results, nil
}

// deliverOne is Deliver for a single copy.
func (e *Emulator) deliverOne(d Delivery) DeliveryResult {
	d.Copies = 1
	res, err := e.Deliver(d)
	if err != nil {
		return DeliveryResult{Status: StatusUnreachable, Error: err.Error()}
	}
	return res[0]
}

func (e *Emulator) recordResult(openid string, r DeliveryResult) {
	now := e.now()
	switch r.Status {
	case StatusReplied:
		e.addChat(openid, ChatEntry{Time: now, From: "account", MsgType: r.Reply.MsgType, Text: r.Reply.Content, Raw: r.Reply.Raw, MediaID: r.Reply.MediaID})
	case StatusNoReply:
	case StatusNoCallback:
		e.addChat(openid, ChatEntry{Time: now, From: "system", Text: "（模拟器尚未设置回调地址，推送未发出）"})
	case StatusProtocolError:
		e.addChat(openid, ChatEntry{Time: now, From: "system", Text: ServiceUnavailableText + "（协议错误：" + r.Error + "）", Raw: r.Reply.Raw})
	default:
		e.addChat(openid, ChatEntry{Time: now, From: "system", Text: ServiceUnavailableText, Raw: r.Reply.Raw})
	}
}
