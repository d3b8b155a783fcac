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

// usageError marks a wrong invocation: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	if len(os.Args) < 2 {
		usage(os.Stderr)
		os.Exit(2)
	}
	name, args := os.Args[1], os.Args[2:]
	if isHelp(name) {
		name = "help"
	}
	if name == "--version" || name == "-version" {
		name = "version"
	}
	if name == "help" && len(args) > 0 && !isHelp(args[0]) {
		// help COMMAND [VERB] is COMMAND [VERB] --help.
		if err := helpTakes(args); err != nil {
			fmt.Fprintf(os.Stderr, "postvakt help: %v\n", err)
			os.Exit(2)
		}
		name, args = args[0], append(args[1:], "--help")
	}
	if helpAsked(args) {
		// Asked for help, a command only says how it is used: it never
		// runs (units import --help reads no file named --help).
		args = helpArgs(args)
	}
	if name != "serve" && name != "sim" {
		// A write to a closed pipe (token create | a script that died,
		// notifications list | head -1) fails as any other write, said
		// and exit 1 (stdout), instead of killing the process by SIGPIPE
		// before a token shown to nobody is revoked. serve and sim, whose
		// output is their log, stop as before.
		signal.Ignore(syscall.SIGPIPE)
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
	c, ok := lookup(name)
	if !ok {
		names := make([]string, len(commands))
		for i, c := range commands {
			names[i] = c.name
		}
		fmt.Fprintf(os.Stderr, "postvakt: unknown command %q (%s)\nrun 'postvakt help' for their usage\n", name, strings.Join(names, ", "))
		os.Exit(2)
	}
	cfg, err := config.FromEnv()
	if err == nil {
		err = channel.Check(cfg)
	}
	if err != nil && name != "help" && name != "sim" && name != "version" && !helpAsked(args) {
		fmt.Fprintf(os.Stderr, "postvakt %s: the configuration is not valid:\n%v\n", name, err)
		os.Exit(1)
	}
	err = c.run(ctx, cfg, args)
	if (err == nil || errors.Is(err, flag.ErrHelp)) && stdout.err != nil {
		err = fmt.Errorf("%w: what it printed is incomplete (the command itself ran to its end)", stdout.err)
	}
	var ue usageError
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, &ue):
		fmt.Fprintf(os.Stderr, "postvakt %s: %v\n", name, err)
		if !strings.Contains(ue.msg, "usage: postvakt") {
			fmt.Fprintf(os.Stderr, "run 'postvakt help %s' for its usage\n", name)
		}
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "postvakt %s: %v\n", name, err)
		os.Exit(1)
	}
}

// stdout is standard output as the commands write to it. A write that
// fails is said as standard output's, and remembered: a command whose
// output was cut short (notifications list > list.txt on a full disk)
// exits 1 saying so (main), not 0 as if complete, also where it printed
// without a look at the result.
var stdout = &outWriter{w: os.Stdout}

// outWriter is w, remembering its first failed write.
type outWriter struct {
	w   io.Writer
	err error
}

func (o *outWriter) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	if err != nil {
		err = fmt.Errorf("standard output could not be written: %w", err)
		if o.err == nil {
			o.err = err
		}
	}
	return n, err
}

// lookup is the command name.
func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// isHelp reports whether a command's first argument asks for its help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// helpTakes refuses the arguments of help COMMAND [VERB] that name more
// than a command and, for a command made of verbs, one of its verbs: help
// import extra would otherwise show import's help, the word dropped, and
// exit 0. An unknown command is said as without help.
func helpTakes(args []string) error {
	takes := 1
	if _, ok := lookup(args[0]); !ok {
		return nil
	} else if verbsOf[args[0]] != nil {
		takes = 2
	}
	switch {
	case len(args) > takes && !saysBack(newFlags(args[0])):
		return usageError{"an argument it does not take (" + secretsNear + ")\nusage: postvakt help [COMMAND [VERB]]"}
	case len(args) > takes:
		return usageError{fmt.Sprintf("unexpected argument %q\nusage: postvakt help [COMMAND [VERB]]", args[takes])}
	}
	return nil
}

// helpAsked reports whether args ask for help: help first, or -h, -help or
// --help anywhere before "--".
func helpAsked(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return len(args) > 0 && args[0] == "help"
}

// helpArgs are the arguments that ask the command for its help, and its
// verb's when args name one first: [VERB] --help.
func helpArgs(args []string) []string {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") && !isHelp(args[0]) {
		return []string{args[0], "--help"}
	}
	return []string{"--help"}
}

// commandHelp answers COMMAND --help for a command that takes a verb
// first: its usage and what it does, then each verb with its arguments and
// what it does, on standard output.
func commandHelp(name string) error {
	c, _ := lookup(name)
	fmt.Fprintf(stdout, "usage: postvakt %s\n%s\n", strings.TrimSpace(c.name+" "+c.args), c.help)
	if vs := verbsOf[name]; vs != nil {
		fmt.Fprintln(stdout, "\nverbs:")
		for _, v := range vs.verbs {
			fmt.Fprintf(stdout, "  %s\n      %s\n", v.form(), v.help)
		}
	}
	return flag.ErrHelp
}

// flagsHelp answers --help for the flag set fs (postvakt CMD or postvakt
// CMD VERB): the usage line of the command or its verb, what the command
// (or the verb) does, and the flags, on standard output.
func flagsHelp(fs *flag.FlagSet) {
	fmt.Fprintln(stdout, usageLine(fs))
	cmd, verb, _ := strings.Cut(strings.TrimPrefix(fs.Name(), "postvakt "), " ")
	c, _ := lookup(cmd)
	help := c.help
	if vs := verbsOf[cmd]; vs != nil {
		if v, ok := vs.find(verb); ok {
			help = v.help
		}
	}
	fmt.Fprintln(stdout, help)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(stdout, "\nflags:")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// usageLine is the usage of the flag set fs's command, or of its verb:
// usage: postvakt print approve BATCH [--by NAME].
func usageLine(fs *flag.FlagSet) string {
	cmd, verb, _ := strings.Cut(strings.TrimPrefix(fs.Name(), "postvakt "), " ")
	if vs := verbsOf[cmd]; vs != nil {
		if v, ok := vs.find(verb); ok {
			return "usage: postvakt " + cmd + " " + v.form()
		}
	}
	c, _ := lookup(cmd)
	return "usage: postvakt " + strings.TrimSpace(c.name+" "+c.args)
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

// newFlags returns the flag set of a command (name "import") or of a
// command's verb ("print approve"). It prints nothing itself: parse says
// what is wrong, once, and answers --help.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("postvakt "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses a command's flags; a bad one is a wrong invocation (exit 2),
// said with the usage line. --help prints the help (flagsHelp) and returns
// flag.ErrHelp (exit 0).
func parse(fs *flag.FlagSet, args []string) error {
	// Flags may follow the arguments too (import FILE --encoding X, as
	// people type it); "--" ends the flags.
	var pos []string
	twice := onlyOnce(fs)
	defer twice.restore()
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			twice.restore()
			flagsHelp(fs)
			return err
		}
		if err != nil && twice.name != "" {
			// Not the flag package's "invalid value …": the values are
			// not said back (one may be a national id).
			return usageError{"--" + twice.name + " is given twice: give it once\n" + usageLine(fs)}
		}
		if err != nil && !saysBack(fs) {
			return usageError{notSaidBack(err, twice.bad) + "\n" + usageLine(fs)}
		}
		if err != nil {
			return usageError{err.Error() + "\n" + usageLine(fs)}
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

// repeats makes a flag set's flags refuse a second value while its
// arguments are parsed: every flag takes one value, and the flag package
// would take the last one given without a word (--role unit … --role
// admin made an administrator, --dry-run … --dry-run=false ran for real).
type repeats struct {
	flags []*flag.Flag
	name  string // the flag given twice, once one is
	bad   string // the flag given a value it cannot take, once one is
}

// onlyOnce wraps fs's flags' values; restore puts them back (the help
// prints the defaults from the values themselves).
func onlyOnce(fs *flag.FlagSet) *repeats {
	r := &repeats{}
	fs.VisitAll(func(f *flag.Flag) {
		r.flags = append(r.flags, f)
		f.Value = &onceValue{Value: f.Value, name: f.Name, r: r}
	})
	return r
}

func (r *repeats) restore() {
	for _, f := range r.flags {
		if v, ok := f.Value.(*onceValue); ok {
			f.Value = v.Value
		}
	}
}

// onceValue is a flag's value that refuses to be set twice.
type onceValue struct {
	flag.Value
	name string
	set  bool
	r    *repeats
}

func (v *onceValue) Set(s string) error {
	if v.set {
		v.r.name = v.name
		return errors.New("given twice")
	}
	v.set = true
	err := v.Value.Set(s)
	if err != nil {
		v.r.bad = v.name
	}
	return err
}

// IsBoolFlag keeps a bool flag one that needs no value (--json).
func (v *onceValue) IsBoolFlag() bool {
	b, ok := v.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// secretsNear says why the wrong invocations of the user and token
// commands do not say back what was typed: a password or an API token
// given where the command does not take it (user add --name kari --role
// admin "$PASSWORD", as htpasswd takes one; token revoke <the leaked
// token>) would be written to the terminal and to the CI job's or cron's
// log.
const secretsNear = "not said back: it may be a password or an API token"

// saysBack reports whether the wrong invocations of fs's command may say
// back the values typed: not those of user and token (secretsNear).
func saysBack(fs *flag.FlagSet) bool {
	cmd, _, _ := strings.Cut(strings.TrimPrefix(fs.Name(), "postvakt "), " ")
	return cmd != "user" && cmd != "token"
}

// notSaidBack is the flag package's error err said without the value
// typed (secretsNear): the flag not defined or missing its value is
// named as the flag package names it (a name, never a value after =);
// the flag bad was given a value it cannot take.
func notSaidBack(err error, bad string) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "flag provided but not defined: "), strings.HasPrefix(msg, "flag needs an argument: "):
		return msg
	case bad != "":
		return "--" + bad + ": a value it cannot take (" + secretsNear + ")"
	}
	return "a flag written wrongly (" + secretsNear + ")"
}

// unexpectedArg is the wrong invocation of fs's command, or verb, given
// the argument arg it does not take: named, with the usage line (for user
// and token, not said back: secretsNear).
func unexpectedArg(fs *flag.FlagSet, arg string) error {
	if !saysBack(fs) {
		return usageError{"an argument it does not take (" + secretsNear + ")\n" + usageLine(fs)}
	}
	return usageError{fmt.Sprintf("unexpected argument %q\n%s", arg, usageLine(fs))}
}

// parseNoArgs parses the flags of a command, or of a verb, that takes no
// arguments: one left over is a wrong invocation, named with the usage
// line (exit 2).
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return unexpectedArg(fs, fs.Arg(0))
	}
	return nil
}

// parseOneArg parses the flags of a command, or of a verb, that takes one
// argument (a file, an id) and returns it; none or more is a wrong
// invocation, said with the usage line (exit 2).
func parseOneArg(fs *flag.FlagSet, args []string) (string, error) {
	if err := parse(fs, args); err != nil {
		return "", err
	}
	switch {
	case fs.NArg() == 0:
		return "", usageError{"an argument is missing\n" + usageLine(fs)}
	case fs.NArg() > 1:
		return "", unexpectedArg(fs, fs.Arg(1))
	}
	return fs.Arg(0), nil
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
		return errors.New("not an RFC 3339 time (e.g. 2026-11-24T09:00:00+01:00)")
	}
	c.at = t
	return nil
}

// Given reports whether --now was given.
func (c *clockFlag) Given() bool { return !c.at.IsZero() }

// nowAhead is how far after the real clock --now may be on a run that acts
// (not --dry-run): a typo's year (2062 for 2026) would send reminders and
// place print orders years early. Tests and the benchmark go back in time,
// never ahead.
const nowAhead = 24 * time.Hour

// check refuses a --now more than nowAhead after the real clock on a run
// that is not a dry run; canDry says whether the command has --dry-run,
// for the hint.
func (c *clockFlag) check(real time.Time, dry, canDry bool) error {
	if !c.Given() || dry || !c.at.After(real.Add(nowAhead)) {
		return nil
	}
	hint := ""
	if canDry {
		hint = "; --dry-run looks further ahead"
	}
	return usageError{fmt.Sprintf("--now %s is more than %.0f hours after the clock (%s): a run that acts would act as of then (check the date)%s",
		c.at.Format(time.RFC3339), nowAhead.Hours(), real.Format(time.RFC3339), hint)}
}

// Now is the --now time (in UTC: PostgreSQL takes offsets up to ±15:59
// only, Go reads up to ±23:59), or the clock's.
func (c *clockFlag) Now() time.Time {
	if c.at.IsZero() {
		return time.Now()
	}
	return c.at.UTC()
}

// onceFlags are the flags of a command that acts once and exits, its
// scheduled runs being part of serve: --once, which it requires, --now and,
// where it has one, --dry-run.
type onceFlags struct {
	*flag.FlagSet
	cmd   string
	once  *bool
	clock *clockFlag
	dry   *bool // --dry-run, nil when the command has none
}

// newOnceFlags: once says what --once does; now what happens as of --now.
func newOnceFlags(cmd, once, now string) *onceFlags {
	fs := newFlags(cmd)
	return &onceFlags{FlagSet: fs, cmd: cmd, once: fs.Bool("once", false, once), clock: nowFlag(fs, now)}
}

// dryRun adds --dry-run.
func (f *onceFlags) dryRun(help string) *bool {
	f.dry = f.Bool("dry-run", false, help)
	return f.dry
}

// parse parses the flags; without --once, or with arguments left over, the
// invocation is wrong: the command's usage line.
func (f *onceFlags) parse(args []string) error {
	if err := parse(f.FlagSet, args); err != nil {
		return err
	}
	switch {
	case f.NArg() != 0:
		return unexpectedArg(f.FlagSet, f.Arg(0))
	case !*f.once:
		return usageError{fmt.Sprintf("--once is required (serve runs it on its schedule)\n%s", usageOf(f.cmd))}
	}
	return f.clock.check(time.Now(), f.dry != nil && *f.dry, f.dry != nil)
}

// usageOf is the wrong invocation of the command name: its usage line from
// the command table.
func usageOf(name string) error {
	c, ok := lookup(name)
	if !ok {
		panic("postvakt: no command " + name)
	}
	return usageError{"usage: postvakt " + strings.TrimSpace(c.name+" "+c.args)}
}
