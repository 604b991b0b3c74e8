package wechat

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"
)

// result is the shared outcome of processing one delivery.
type result struct {
	reply   []byte // plaintext reply (passive XML or "success")
	outcome string
	status  int
}

// handle processes a delivery once, however many copies of it arrive: a cached
// reply answers a late retry, concurrent twins share one processing
// (x/sync/singleflight), and whatever is not done within the deadline is answered
// with "success" while it finishes, so WeChat's retry finds the real reply.
func (c *Callback) handle(ctx context.Context, req request) result {
	key := req.msg.DeliveryKey()
	if hit, ok := c.cache.Get(key); ok {
		c.metrics.dedupHits.Inc()
		return result{reply: hit.reply, outcome: "duplicate", status: hit.status}
	}
	timer := time.NewTimer(c.cfg.Deadline)
	defer timer.Stop()
	var led atomic.Bool
	ch := c.flight.DoChan(key, func() (any, error) {
		led.Store(true)
		if hit, ok := c.cache.Get(key); ok {
			return result{reply: hit.reply, outcome: "duplicate", status: hit.status}, nil
		}
		// Detached from the first caller: its twins wait for this, and if the deadline
		// passes the work still completes so the retry finds the real reply.
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.Deadline)
		defer cancel()
		res := c.dispatch(pctx, req.msg, key)
		if res.status == http.StatusOK {
			c.cache.Add(key, res)
		}
		return res, nil
	})
	select {
	case r := <-ch:
		res := r.Val.(result)
		if !led.Load() || res.outcome == "duplicate" {
			c.metrics.dedupHits.Inc()
			return result{reply: res.reply, outcome: "duplicate", status: res.status}
		}
		return res
	case <-timer.C:
		c.log.WarnContext(ctx, "wechat callback over its deadline; answering success", "key", key)
		return result{reply: successReply, outcome: "timeout", status: http.StatusOK}
	case <-ctx.Done():
		return result{reply: successReply, outcome: "timeout", status: http.StatusOK}
	}
}
