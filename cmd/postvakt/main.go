// Command postvakt watches confidential digital post until it is read.
// One binary, with subcommands; see `postvakt help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/config"
)

// command is one subcommand.
type command struct {
	name, args, help string
	run              func(ctx context.Context, cfg config.Config, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"migrate", "", "apply pending database migrations", runMigrate},
		{"serve", "[--addr ADDR]", "run the API (migrates first)", runServe},
		{"import", "[--encoding auto|utf-8|windows-1252] [--system S] [--actor NAME] FILE.csv|-", "register shipments from a CSV file, all or nothing", runImport},
		{"poll", "--once [--channel " + channel.Usage() + "] [--now RFC3339]", "poll every due shipment once; prints polled=N changed=N errors=N unknown=N", runPoll},
		{"discover", "--channel " + channel.DiscoverUsage() + " --since DATE --sender-org O [--until T] [--sender-unit U] [--class C] [--window D] [--system S]", "register the sender's shipments found on the channel (back-fill)", runDiscover},
		{"policy", "check [DIR] | explain SHIPMENT_ID", "validate the policies (file:line: message) or show a shipment's schedule", runPolicy},
		{"sim", "[--addr A] [--scenario NAME|FILE] [--seed N] [--speed X] [--behind D] [--key-dir DIR] [--request-log N]", "run the channel simulator (SvarUt, Altinn, Digital Post, register, print, notifications)", runSim},
		{"escalate", "--once [--now RFC3339] [--dry-run [--show-messages]]", "one escalation run: decide each open shipment's step, send due reminders (one per organisation), place due print orders", runEscalate},
		{"contacts", "import FILE.csv|-", "set receiving organisations' reminder e-mail addresses (CSV orgnr,email), all or nothing", runContacts},
		{"units", unitsVerbs.forms(), "sending units' contact and manager addresses for follow-up and escalation mails (CSV sender_org,unit,contact_email,manager_email), all or nothing", unitsVerbs.run},
		{"notifications", notificationVerbs.forms(), "settle reminders whose outcome is unknown (never re-sent by themselves)", notificationVerbs.run},
		{"print", printVerbs.forms(), "print fallback: orders, manual handling, approval batches; send and follow print orders", printVerbs.run},
		{"report", "unopened|problems|manual|unknown_to_channel --format csv|xlsx|json [--org N] [--unit U] [--sender-org O] [--min-age DAYS] [-o FILE] | incident --from T --to T [--channel C] [--unit U] [--system S] [--state S[,S]] [--class C] [--sender-org O] [--org N] --format csv|xlsx|json [-o FILE]",
			"export a list, or an incident's letters with state and evidence counted per sending unit (audited)", runReport},
		{"health", "--once [--now RFC3339] [--dry-run]", "evaluate the health rules once: record and send what fires or resolves; prints FIRING/RESOLVED lines", runHealth},
		{"user", "add --name N --role R [--sender-org O] [--unit U] [--email E] | email --name N --email E", "create a UI user (password on stdin, or generated and printed once); set its e-mail address", runUser},
		{"token", "create --name N --role R [--sender-org O] [--unit U]", "create an API token (printed once)", runToken},
		{"help", "", "show this help", func(context.Context, config.Config, []string) error { usage(os.Stdout); return nil }},
	}
}

// usageError marks a wrong invocation: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	if len(os.Args) < 2 {
		usage(os.Stderr)
		os.Exit(2)
	}
	name := os.Args[1]
	if name == "-h" || name == "--help" {
		name = "help"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, a second one stops the process at once
		// (the default action), as a crash would: an impatient operator's
		// second Ctrl-C is not ignored through a graceful stop.
		<-ctx.Done()
		stop()
	}()
	for _, c := range commands {
		if c.name == name {
			cfg, err := config.FromEnv()
			if err == nil {
				err = channel.Check(cfg)
			}
			if err != nil && name != "help" && name != "sim" {
				fmt.Fprintf(os.Stderr, "postvakt %s: the configuration is not valid:\n%v\n", name, err)
				os.Exit(1)
			}
			err = c.run(ctx, cfg, os.Args[2:])
			var ue usageError
			switch {
			case err == nil:
				return
			case errors.Is(err, flag.ErrHelp):
				return
			case errors.As(err, &ue):
				fmt.Fprintf(os.Stderr, "postvakt %s: %v\n", name, err)
				os.Exit(2)
			default:
				fmt.Fprintf(os.Stderr, "postvakt %s: %v\n", name, err)
				os.Exit(1)
			}
		}
	}
	fmt.Fprintf(os.Stderr, "postvakt: unknown command %q\n\n", name)
	usage(os.Stderr)
	os.Exit(2)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "postvakt watches confidential digital post until it is really read.")
	fmt.Fprintln(w, "\nUsage: postvakt COMMAND [ARGS]\n\nCommands:")
	// A command's arguments can be long (report): each on its own line,
	// the description below, so no column is padded to the longest.
	for _, c := range commands {
		fmt.Fprintf(w, "  %s\n      %s\n", strings.TrimSpace(c.name+" "+c.args), c.help)
	}
	fmt.Fprintln(w, "\nEnvironment:")
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	for _, v := range config.Describe(channel.Sections()...) {
		def := v.Default
		if def == "" {
			def = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", v.Name, def, v.Help)
	}
	tw.Flush()
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("postvakt "+name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	return fs
}

// parse parses a command's flags; a bad one is a wrong invocation (exit 2).
func parse(fs *flag.FlagSet, args []string) error {
	// Flags may follow the arguments too (import FILE --encoding X, as
	// people type it); "--" ends the flags.
	var pos []string
	for {
		err := fs.Parse(args)
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			return usageError{err.Error()}
		}
		if err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

// clockFlag is --now: the moment a one-off command acts as of, so tests
// and simulations walk a scenario through days without waiting; the real
// clock when it is not given.
type clockFlag struct{ at time.Time }

// nowFlag adds --now to fs; what says what happens as of that time.
func nowFlag(fs *flag.FlagSet, what string) *clockFlag {
	c := &clockFlag{}
	fs.Var(c, "now", what+" as of this time (RFC 3339), default now")
	return c
}

func (c *clockFlag) String() string {
	if c == nil || c.at.IsZero() {
		return ""
	}
	return c.at.Format(time.RFC3339)
}

func (c *clockFlag) Set(s string) error {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("%q is not an RFC 3339 time (e.g. 2026-11-24T09:00:00+01:00)", s)
	}
	c.at = t
	return nil
}

// Given reports whether --now was given.
func (c *clockFlag) Given() bool { return !c.at.IsZero() }

// Now is the --now time, or the clock's.
func (c *clockFlag) Now() time.Time {
	if c.at.IsZero() {
		return time.Now()
	}
	return c.at
}

// onceFlags are the flags of a command that acts once and exits, its
// scheduled runs being part of serve: --once, which it requires, --now and,
// where it has one, --dry-run.
type onceFlags struct {
	*flag.FlagSet
	cmd   string
	once  *bool
	clock *clockFlag
}

// newOnceFlags: once says what --once does; now what happens as of --now.
func newOnceFlags(cmd, once, now string) *onceFlags {
	fs := newFlags(cmd)
	return &onceFlags{fs, cmd, fs.Bool("once", false, once), nowFlag(fs, now)}
}

// dryRun adds --dry-run.
func (f *onceFlags) dryRun(help string) *bool { return f.Bool("dry-run", false, help) }

// parse parses the flags; without --once, or with arguments left over, the
// invocation is wrong: the command's usage line.
func (f *onceFlags) parse(args []string) error {
	if err := parse(f.FlagSet, args); err != nil {
		return err
	}
	if !*f.once || f.NArg() != 0 {
		return usageOf(f.cmd)
	}
	return nil
}

// usageOf is the wrong invocation of the command name: its usage line from
// the command table.
func usageOf(name string) error {
	for _, c := range commands {
		if c.name == name {
			return usageError{"usage: postvakt " + c.name + " " + c.args}
		}
	}
	panic("postvakt: no command " + name)
}
