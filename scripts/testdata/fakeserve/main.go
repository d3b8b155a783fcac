// fakeserve stands in for `postvakt serve` in run.sh's tests (run_test.go):
// it takes SIGINT and SIGTERM as serve does (signal.Notify, which catches
// a SIGINT even where the shell that started it in the background ignores
// it), and as serve a second signal during its stop stops it at once. It
// writes what happens to it into $FAKE_LOG: "serving PID", then
// "serve-stopped" after a stop of a second, or "serve-killed" when a
// second signal came during it.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	say := func(s string) {
		f, err := os.OpenFile(os.Getenv("FAKE_LOG"), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			panic(err)
		}
		fmt.Fprintln(f, s)
		f.Close()
	}
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	say(fmt.Sprintf("serving %d", os.Getpid()))
	first := <-sig
	say("serve-stopping " + first.String())
	select {
	case second := <-sig:
		say("serve-killed by a second signal, " + second.String())
		os.Exit(1)
	case <-time.After(time.Second):
		say("serve-stopped")
	}
}
