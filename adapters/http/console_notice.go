package httpadapter

import (
	"fmt"
	"net/http"
)

// noticeOf turns the ?done= of a redirect after a form into a sentence.
func noticeOf(r *http.Request) string {
	q := r.URL.Query()
	switch q.Get("done") {
	case "created":
		return "活动已创建。"
	case "saved":
		return "已保存。"
	case "ended":
		return "活动已结束。"
	case "codes":
		return fmt.Sprintf("第 %s 档兑换码：新增 %s 个，重复 %s 个。", q.Get("tier"), q.Get("added"), q.Get("dup"))
	case "background":
		return "海报背景已更新。"
	case "fulfilled":
		return fmt.Sprintf("已标记 %s 个奖励为已发放。", q.Get("n"))
	case "menu":
		return "菜单已保存并发布到微信。"
	case "deleted":
		return "已删除。"
	case "retried":
		return "已安排重新投递。"
	}
	return ""
}
