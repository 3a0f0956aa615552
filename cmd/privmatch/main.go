// Command privmatch measures client-side scanning designs: it hashes images
// with reference-exact perceptual hashes, runs private membership protocols
// and writes feasibility reports.
//
// Usage:
//
//	privmatch <command> [flags] [args]
//
// Run "privmatch help" for the list of commands and "privmatch <command>
// --help" for one command's flags and an example.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// command is one subcommand. Each lives in its own file and registers itself
// from an init function.
type command struct {
	name    string
	summary string
	// run executes the command with its arguments (after the command name)
	// and returns the process exit status.
	run func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("privmatch: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run([]string{"--help"}, stdout, stderr)
			}
		}
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "privmatch: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "privmatch measures client-side scanning designs: perceptual hashes, private membership protocols, feasibility reports.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: privmatch <command> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Run "privmatch <command> --help" for a command's flags and an example.`)
}

// newFlagSet returns a flag set that prints usage with an example to stderr
// and returns errors instead of exiting.
func newFlagSet(name, synopsis, example string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: privmatch %s\n\n", synopsis)
		fmt.Fprintln(stderr, "Flags:")
		printFlags(stderr, fs)
		if example != "" {
			fmt.Fprintf(stderr, "\nExample:\n  %s\n", strings.ReplaceAll(strings.TrimSpace(example), "\n", "\n  "))
		}
	}
	return fs
}

// parseFlags parses args and maps --help to exit status 0 and other flag
// errors to 2. ok is false when the caller should return status.
func parseFlags(fs *flag.FlagSet, args []string) (status int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

// printFlags lists fs's flags as the README writes them, with two dashes.
// A back-quoted word in a usage string names the flag's value, as in
// package flag; a back-quoted phrase (with a space) is only quoted text.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		g := *f
		if i := strings.IndexByte(f.Usage, '`'); i >= 0 {
			if j := strings.IndexByte(f.Usage[i+1:], '`'); j >= 0 && strings.ContainsRune(f.Usage[i+1:i+1+j], ' ') {
				g.Usage = strings.ReplaceAll(f.Usage, "`", "\"")
			}
		}
		name, usage := flag.UnquoteUsage(&g)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n    \t%s", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
		if d := f.DefValue; d != "" && d != "0" && d != "false" && d != "[]" {
			if _, isString := f.Value.(interface{ String() string }); isString && name == "string" {
				d = strconv.Quote(d)
			}
			fmt.Fprintf(w, " (default %s)", d)
		}
		fmt.Fprintln(w)
	})
}
