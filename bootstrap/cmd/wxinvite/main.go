// Command wxinvite runs the invitation service for a WeChat Official Account.
//
//	wxinvite [flags]            serve (migrates the database first)
//	wxinvite [flags] migrate    apply database migrations and exit
//
// Configuration comes from the environment; every variable has a flag of the same
// name in kebab-case (--wxinvite-addr) that overrides it. See the README.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/wxinvite/wxinvite/bootstrap"
)

func main() {
	err := run(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") { // one line per bad variable
			fmt.Fprintln(os.Stderr, "wxinvite:", line)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	getenv, args, err := bootstrap.ParseFlags(args, bootstrap.OSEnv, os.Stderr)
	if err != nil {
		return err
	}
	cfg, err := bootstrap.LoadConfig(getenv)
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
