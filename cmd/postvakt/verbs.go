package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"postvakt/internal/config"
)

// verbs is a command made of verbs (print list, units import …): the first
// argument names the verb, which is given the rest. Each verb's usage is
// said once, in the table; the command's usage line is theirs joined.
type verbs struct {
	cmd   string
	verbs []verb
}

// verb is one verb: its name, the usage of what follows it, what it does
// (its --help, and its line in the command's), and its handler.
type verb struct {
	name, args, help string
	run              func(ctx context.Context, cfg config.Config, v verbCall, args []string) error
}

// verbCall is a verb as invoked, for its handler's flags and usage lines.
type verbCall struct {
	cmd *verbs
	verb
}

// run runs the verb args[0] names with the rest of args. Without a verb it
// is a wrong invocation (the usage line, exit 2); asked for help, it says
// the usage and what the command does (exit 0); an unknown verb is named,
// with the verbs there are.
func (vs *verbs) run(ctx context.Context, cfg config.Config, args []string) error {
	if len(args) == 0 {
		return vs.usage()
	}
	if isHelp(args[0]) {
		return commandHelp(vs.cmd)
	}
	if v, ok := vs.find(args[0]); ok {
		return v.run(ctx, cfg, verbCall{vs, v}, args[1:])
	}
	names := make([]string, len(vs.verbs))
	for i, v := range vs.verbs {
		names[i] = v.name
	}
	if !saysBack(newFlags(vs.cmd)) {
		return usageError{fmt.Sprintf("unknown %s command (%s; %s)\n%s", vs.cmd, secretsNear, strings.Join(names, ", "), vs.usage())}
	}
	return usageError{fmt.Sprintf("unknown %s command %q (%s)\n%s", vs.cmd, args[0], strings.Join(names, ", "), vs.usage())}
}

// find is the verb name.
func (vs *verbs) find(name string) (verb, bool) {
	for _, v := range vs.verbs {
		if v.name == name {
			return v, true
		}
	}
	return verb{}, false
}

// usage is the wrong invocation of the command: the usage line of all its
// verbs.
func (vs *verbs) usage() error { return usageError{"usage: postvakt " + vs.cmd + " " + vs.forms()} }

// forms is every verb with its arguments, as help and usage show them:
// list | import FILE.csv. Verbs that follow each other with the same
// arguments are said together: approve|reject BATCH [--by NAME].
func (vs *verbs) forms() string {
	var forms []string
	for i := 0; i < len(vs.verbs); {
		names := []string{vs.verbs[i].name}
		j := i + 1
		for ; j < len(vs.verbs) && vs.verbs[j].args == vs.verbs[i].args; j++ {
			names = append(names, vs.verbs[j].name)
		}
		forms = append(forms, strings.TrimSpace(strings.Join(names, "|")+" "+vs.verbs[i].args))
		i = j
	}
	return strings.Join(forms, " | ")
}

// form is the verb with its arguments: approve BATCH [--by NAME].
func (v verb) form() string { return strings.TrimSpace(v.name + " " + v.args) }

// usage is the wrong invocation of this verb: its own usage line.
func (c verbCall) usage() error { return usageError{"usage: postvakt " + c.cmd.cmd + " " + c.form()} }

// flags is the verb's flag set, named postvakt CMD VERB.
func (c verbCall) flags() *flag.FlagSet { return newFlags(c.cmd.cmd + " " + c.name) }

// noArgs parses the flags of a verb that takes no arguments (but --help):
// anything else is a wrong invocation.
func (c verbCall) noArgs(args []string) error { return parseNoArgs(c.flags(), args) }
