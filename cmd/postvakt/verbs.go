package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"

	"postvakt/internal/config"
)

// verbs is a command made of verbs (print list, units import …): the first
// argument names the verb, which is given the rest. Each verb's usage is
// said once, in the table; the command's usage line is theirs joined.
type verbs struct {
	cmd   string
	verbs []verb
	// nameUnknown: an unknown verb is answered by naming the verbs there
	// are (unknown print command "x" (list, approve, …)), not with the
	// usage line.
	nameUnknown bool
}

// verb is one verb: its name, the usage of what follows it, and its handler.
type verb struct {
	name, args string
	run        func(ctx context.Context, cfg config.Config, v verbCall, args []string) error
}

// verbCall is a verb as invoked, for its handler's flags and usage lines.
type verbCall struct {
	cmd *verbs
	verb
}

// run runs the verb args[0] names with the rest of args.
func (vs *verbs) run(ctx context.Context, cfg config.Config, args []string) error {
	if len(args) == 0 || slices.Contains([]string{"-h", "-help", "--help", "help"}, args[0]) {
		return vs.usage()
	}
	names := make([]string, len(vs.verbs))
	for i, v := range vs.verbs {
		if v.name == args[0] {
			return v.run(ctx, cfg, verbCall{vs, v}, args[1:])
		}
		names[i] = v.name
	}
	if vs.nameUnknown {
		return usageError{fmt.Sprintf("unknown %s command %q (%s)", vs.cmd, args[0], strings.Join(names, ", "))}
	}
	return vs.usage()
}

// usage is the wrong invocation of the command: the usage line of all its
// verbs.
func (vs *verbs) usage() error { return usageError{"usage: postvakt " + vs.cmd + " " + vs.forms()} }

// forms is every verb with its arguments, as help and usage show them:
// list | import FILE.csv.
func (vs *verbs) forms() string {
	forms := make([]string, len(vs.verbs))
	for i, v := range vs.verbs {
		forms[i] = v.form()
	}
	return strings.Join(forms, " | ")
}

// form is the verb with its arguments: approve BATCH [--by NAME].
func (v verb) form() string { return strings.TrimSpace(v.name + " " + v.args) }

// usage is the wrong invocation of this verb: its own usage line.
func (c verbCall) usage() error { return usageError{"usage: postvakt " + c.cmd.cmd + " " + c.form()} }

// flags is the verb's flag set, named postvakt CMD VERB.
func (c verbCall) flags() *flag.FlagSet { return newFlags(c.cmd.cmd + " " + c.name) }
