// Command wxinvite runs the invitation service for a WeChat Official Account.
//
//	wxinvite [flags]            serve (migrates the database first)
//	wxinvite [flags] migrate    apply database migrations, say which, and exit
//	wxinvite help | -h          the commands and every flag with its default
//	wxinvite version | --version
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
		// One line per bad variable, each naming it and the cause (not fx's path).
		for _, line := range strings.Split(bootstrap.StartupLine(err), "\n") {
			fmt.Fprintln(os.Stderr, "wxinvite:", line)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	getenv, args, err := bootstrap.ParseFlags(args, bootstrap.OSEnv, os.Stdout)
	if err != nil {
		return err
	}
	if len(args) > 0 && args[0] == "version" {
		fmt.Println(bootstrap.Version())
		return nil
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
		applied, err := bootstrap.MigrateNamed(ctx, cfg)
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Println("migrate: the database schema is up to date; nothing applied")
			return nil
		}
		fmt.Printf("migrate: applied %d migration(s): %s\n", len(applied), strings.Join(applied, ", "))
		return nil
	default:
		return fmt.Errorf("unknown command %q (want serve, migrate, help or version)", args[0])
	}

	// Listen for signals before starting: a SIGTERM right after the start-up
	// announcement must still shut down cleanly.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	app := bootstrap.New(cfg)
	startCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		return err
	}
	<-sig
	stopCtx, cancelStop := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelStop()
	return app.Stop(stopCtx)
}
