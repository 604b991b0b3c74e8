// Command wxinvite runs the invitation service for a WeChat Official Account.
//
//	wxinvite            serve (migrates the database first)
//	wxinvite migrate    apply database migrations and exit
//
// Configuration comes from the environment; see the README.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wxinvite/wxinvite/bootstrap"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "wxinvite:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cfg, err := bootstrap.LoadConfig(os.Getenv)
	if err != nil {
		return err
	}
	switch {
	case len(args) == 0 || args[0] == "serve":
	case args[0] == "migrate":
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		return bootstrap.Migrate(ctx, cfg)
	default:
		return fmt.Errorf("unknown command %q (want serve or migrate)", args[0])
	}

	app := bootstrap.New(cfg)
	startCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	stopCtx, cancelStop := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelStop()
	return app.Stop(stopCtx)
}
