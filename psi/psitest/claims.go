package psitest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/privmatch/privmatch/psi"
)

// CheckLedgerClaims fails t unless p's ledger lists its claims one by one
// and each is well formed: it names one of the four adversaries
// (psi.SemiHonest, psi.MaliciousClient, psi.MaliciousServer, psi.Network),
// says something, and, when it names a test, that test exists: Test is
// "dir.TestName", dir a package directory relative to the module root
// (such as "he/exact"), and one of that directory's _test.go files
// declares func TestName. A claim without a test is allowed (the report
// prints it as "claimed, not tested").
func CheckLedgerClaims(t *testing.T, p psi.Protocol) {
	t.Helper()
	for _, err := range claimErrors(p.Name(), p.Ledger()) {
		t.Error(err)
	}
}

// claimErrors lists what is wrong with led's claims.
func claimErrors(name string, led psi.Ledger) []error {
	if len(led.Claims) == 0 {
		return []error{fmt.Errorf("%s: ledger lists no claims", name)}
	}
	root, err := moduleRoot()
	if err != nil {
		return []error{fmt.Errorf("%s: %w", name, err)}
	}
	var errs []error
	for i, c := range led.Claims {
		switch c.Adversary {
		case psi.SemiHonest, psi.MaliciousClient, psi.MaliciousServer, psi.Network:
		default:
			errs = append(errs, fmt.Errorf("%s: claim %d: adversary %q is not one of the four", name, i, c.Adversary))
		}
		if strings.TrimSpace(c.Statement) == "" {
			errs = append(errs, fmt.Errorf("%s: claim %d: empty statement", name, i))
		}
		if !c.Tested() {
			continue
		}
		if err := testExists(root, c.Test); err != nil {
			errs = append(errs, fmt.Errorf("%s: claim %d (%q): %w", name, i, c.Statement, err))
		}
	}
	return errs
}

// moduleRoot is the nearest directory above the working directory (a
// test's package directory) that holds go.mod.
func moduleRoot() (string, error) {
	dir, err := workDir()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("psitest: module root: no go.mod above the working directory")
		}
		dir = up
	}
}

// workDir is the working directory with slashes.
func workDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("psitest: working directory: %w", err)
	}
	return filepath.ToSlash(dir), nil
}

// testExists reports whether name ("dir.TestName", or
// "dir.TestAdversarial/<attack>" for one of Attacks) is a test function
// declared in the _test.go files of dir under root.
func testExists(root, name string) error {
	i := strings.LastIndex(name, ".")
	if i <= 0 || !strings.HasPrefix(name[i+1:], "Test") {
		return fmt.Errorf("test %q is not of the form dir.TestName", name)
	}
	fn, sub, hasSub := strings.Cut(name[i+1:], "/")
	if hasSub && !slices.Contains(Attacks, sub) {
		return fmt.Errorf("test %q: subtest %q is not one of psitest's attacks %v", name, sub, Attacks)
	}
	dir := filepath.Join(root, filepath.FromSlash(name[:i]))
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("test %q: no test files in %s", name, name[:i])
	}
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("test %q: %w", name, err)
		}
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == fn {
				return nil
			}
		}
	}
	return fmt.Errorf("test %q: no func %s in %s", name, fn, name[:i])
}
