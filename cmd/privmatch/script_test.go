package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the scripts run privmatch in this test binary: the
// command "privmatch" in a script is run(os.Args[1:]).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"privmatch": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs every testdata/script/*.txtar: the README's command
// blocks and the command's error paths, end to end. Each script's work
// folder holds a link "testdata" to the repository's testdata, so commands
// that read the bundled photos by their README path work unchanged.
func TestScripts(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("REPO", root)
			return os.Symlink(filepath.Join(root, "testdata"), filepath.Join(env.WorkDir, "testdata"))
		},
	})
}
