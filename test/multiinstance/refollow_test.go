package multiinstance

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wxinvite/wxinvite/adapters/wechat/emulator"
	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
)

// push sends one plaintext event straight to instance i (not through the balancer),
// signed with the token at the current time, as WeChat would.
func (c *cluster) push(i int, openID, event string, createTime int64) error {
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), "4242"
	q := url.Values{"signature": {wxcrypto.Signature(c.inst[i].Config.Token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "openid": {openID}}
	body := fmt.Sprintf(`<xml><ToUserName><![CDATA[gh_wxinvite_emu]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[%s]]></Event><EventKey><![CDATA[]]></EventKey></xml>`,
		openID, createTime, event)
	req, err := http.NewRequestWithContext(c.ctx, http.MethodPost, c.inst[i].URL+"/wechat/callback?"+q.Encode(), strings.NewReader(body))
	if err != nil {
		return err
	}
	resp, b, err := do(http.DefaultClient, req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s to instance %d: %d %s", event, i, resp.StatusCode, snippet(b))
	}
	return nil
}

// refollow: a person follows through instance j, unfollows through the next, follows
// again through the third; then the identical unsubscribe arrives late through the
// first instance again, whose dedup cache never saw it (WeChat's retry reaching
// another instance late). On a cluster that instance writes to another node than
// the one that applied the re-follow. The person must still be following: the
// follow state is ordered by the events' CreateTime in one conditional UPDATE.
func (c *cluster) refollow(j int) {
	t := c.t
	p := c.emu.CreatePerson(emulator.PersonSpec{Nickname: fmt.Sprintf("回关%02d", j)})
	c.exp.contact(p.OpenID, nil, "", true)
	t0 := time.Now().Unix() - 60
	steps := []struct {
		inst  int
		event string
		at    int64
	}{
		{j % 3, "subscribe", t0},
		{(j + 1) % 3, "unsubscribe", t0 + 10},
		{(j + 2) % 3, "subscribe", t0 + 20},
		{j % 3, "unsubscribe", t0 + 10}, // the late copy, on another instance than the original
	}
	for _, st := range steps {
		if err := c.push(st.inst, p.OpenID, st.event, st.at); err != nil {
			t.Errorf("refollower %d: %v", j, err)
			return
		}
	}
	following, err := c.following(c.urls[j%3], p.OpenID)
	if err != nil {
		t.Errorf("refollower %d: %v", j, err)
	} else if !following {
		t.Errorf("refollower %d: a late unsubscribe through instance %d un-followed a person who followed again", j, j%3)
	}
}

// following reads users.following for openID on the node behind url.
func (c *cluster) following(url, openID string) (bool, error) {
	db, cn, err := conn(c.ctx, url)
	if err != nil {
		return false, err
	}
	defer db.Close()
	defer cn.Close()
	var f bool
	err = cn.QueryRowContext(c.ctx, "SELECT following FROM users WHERE openid = ?", openID).Scan(&f)
	return f, err
}
