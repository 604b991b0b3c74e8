package bootstrap

import (
	"fmt"
	"net"
)

// Listener is the bound listen socket with the URLs derived from it. It is opened
// while the graph is built so that every adapter knows the real address (tests
// listen on port 0); serving starts only in the web module's OnStart.
type Listener struct {
	net.Listener
	// PublicURL is WXINVITE_PUBLIC_URL, or http:// + the bound address.
	PublicURL string
	// LocalURL reaches this process over loopback: the emulator pushes to it and the
	// WeChat adapter calls the emulator through it.
	LocalURL string
}

func newListener(cfg Config) (*Listener, error) {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, &ConfigError{Var: "WXINVITE_ADDR", Err: listenError(cfg.Addr, err)}
	}
	addr := ln.Addr().(*net.TCPAddr)
	local := addr.String()
	if addr.IP.IsUnspecified() {
		local = fmt.Sprintf("127.0.0.1:%d", addr.Port)
	}
	l := &Listener{Listener: ln, PublicURL: cfg.PublicURL, LocalURL: "http://" + local}
	if l.PublicURL == "" {
		l.PublicURL = "http://" + addr.String()
		if addr.IP.IsUnspecified() {
			l.PublicURL = l.LocalURL
		}
	}
	return l, nil
}
