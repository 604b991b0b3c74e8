package multiinstance

import (
	"sync"
	"time"

	"github.com/wxinvite/wxinvite/adapters/wechat/emulator"
)

// nKefuFriends scan one inviter's code at once, spread over the three instances, so
// each instance sends progress notices for the same inviter concurrently.
const nKefuFriends = 12

// followed counts a follower that made contact earlier without following.
func (e *expectations) followed() {
	e.mu.Lock()
	e.followers++
	e.mu.Unlock()
}

// kefuBudget: an inviter writes to the account (5 kefu messages within 48 h); then
// twelve friends scan the inviter's code through the balancer. The three instances
// share the budget through the database: exactly five notices go out as kefu
// messages, WeChat never answers 45047 (a sixth message), and the other seven wait.
func (c *cluster) kefuBudget() {
	t := c.t
	p := c.emu.CreatePerson(emulator.PersonSpec{Nickname: "额度邀请者"})
	inv := &inviter{openid: p.OpenID, nickname: p.Nickname, home: 1, hc: newBrowser(), ready: make(chan struct{})}
	c.setupInviter(inv)
	if inv.ticket == "" {
		t.Errorf("kefu budget: the inviter has no QR code")
		return
	}
	// Followed two minutes ago: the 1-minute follow window is closed, only the
	// message's 48-hour one is open.
	if res, err := c.emu.FollowAt(p.OpenID, time.Now().Add(-2*time.Minute)); err != nil || res.Status == emulator.StatusTimeout {
		t.Errorf("kefu budget: follow: %v %+v", err, res)
		return
	}
	c.exp.followed()
	if res, err := c.emu.SendMessage(p.OpenID, "你好"); err != nil || (res.Status != emulator.StatusNoReply && res.Status != emulator.StatusReplied) {
		t.Errorf("kefu budget: message: %v %+v", err, res)
		return
	}
	before := c.emu.Counters()
	var wg sync.WaitGroup
	for k := range nKefuFriends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.scan(nScanners+k, inv)
		}()
	}
	wg.Wait()
	kefu := func() int {
		chat, _ := c.emu.Chat(p.OpenID)
		n := 0
		for _, e := range chat {
			if e.Kefu {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for kefu() < 5 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // let any over-budget send arrive
	after := c.emu.Counters()
	if n := kefu(); n != 5 {
		t.Errorf("kefu budget: %d kefu messages reached the inviter from three instances, want exactly 5", n)
	}
	if d := after["kefu_45047"] - before["kefu_45047"]; d != 0 {
		t.Errorf("kefu budget: WeChat refused %d sends with 45047: the instances overspent the shared quota", d)
	}
	if d := after["kefu_45015"] - before["kefu_45015"]; d != 0 {
		t.Errorf("kefu budget: WeChat refused %d sends with 45015", d)
	}
	t.Logf("kefu budget: %d friends over 3 instances → %d kefu messages, %d sends in all", nKefuFriends, kefu(),
		after["cgi-bin/message/custom/send"]-before["cgi-bin/message/custom/send"])
}
