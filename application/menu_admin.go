package application

import (
	"context"

	"github.com/wxinvite/wxinvite/domain"
)

// MenuAdmin lets an operator install the official account's custom menu. The menu
// is checked against WeChat's limits first, so a mistake is named (the button and
// the limit) instead of surfacing as a bare WeChat errcode.
type MenuAdmin struct {
	wechat WeChatMenus
}

// NewMenuAdmin builds the use case.
func NewMenuAdmin(wechat WeChatMenus) *MenuAdmin { return &MenuAdmin{wechat: wechat} }

// Install validates m and installs it with menu/create. KindInvalid (code
// invalid_menu, message naming the button and the limit) when m breaks a limit.
func (a *MenuAdmin) Install(ctx context.Context, m domain.Menu) error {
	if err := m.Validate(); err != nil {
		return Errorf(KindInvalid, "invalid_menu", err, "%v", err)
	}
	return a.wechat.CreateMenu(ctx, m)
}

// Menu returns the installed menu; ErrNotFound when none is.
func (a *MenuAdmin) Menu(ctx context.Context) (domain.Menu, error) { return a.wechat.Menu(ctx) }
