package report

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// Module is one module of the build, with its version.
type Module struct {
	Path    string `json:"path"`
	Version string `json:"version"`
}

// Environment is the machine and the build that produced a report.
type Environment struct {
	CPU        string   `json:"cpu"`
	Cores      int      `json:"cores"`
	GOMAXPROCS int      `json:"gomaxprocs"`
	OS         string   `json:"os"`
	Arch       string   `json:"arch"`
	GoVersion  string   `json:"go_version"`
	Main       Module   `json:"main"`
	Deps       []Module `json:"deps"`
	// Commit is the git commit: the build's vcs.revision, else `git
	// rev-parse HEAD` in the working directory, else "unknown".
	// CommitSource says which; Modified is the build's vcs.modified.
	Commit       string `json:"commit"`
	CommitSource string `json:"commit_source"`
	Modified     string `json:"modified,omitempty"`
	// LoadAverage is /proc/loadavg at the start, when readable: other jobs
	// on the machine slow every timing.
	LoadAverage string `json:"load_average,omitempty"`
}

// CurrentEnvironment describes this machine and build.
func CurrentEnvironment() Environment {
	e := Environment{CPU: cpuModel(), Cores: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		OS: osName(), Arch: runtime.GOARCH, GoVersion: runtime.Version(), Commit: "unknown", CommitSource: "none"}
	if bi, ok := debug.ReadBuildInfo(); ok {
		e.Main = Module{Path: bi.Main.Path, Version: bi.Main.Version}
		for _, d := range bi.Deps {
			v := d.Version
			if d.Replace != nil {
				v += " => " + d.Replace.Path + " " + d.Replace.Version
			}
			e.Deps = append(e.Deps, Module{Path: d.Path, Version: v})
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				e.Commit, e.CommitSource = s.Value, "build info (vcs.revision)"
			case "vcs.modified":
				e.Modified = s.Value
			}
		}
	}
	if e.CommitSource == "none" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "git", "rev-parse", "HEAD").Output(); err == nil {
			if c := strings.TrimSpace(string(out)); len(c) >= 40 {
				e.Commit, e.CommitSource = c, "git rev-parse HEAD"
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		e.LoadAverage = strings.TrimSpace(string(b))
	}
	return e
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown (" + runtime.GOARCH + ")"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown (" + runtime.GOARCH + ")"
}

func osName() string {
	name := runtime.GOOS
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
				name += " (" + strings.Trim(v, `"`) + ")"
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		name += ", kernel " + strings.TrimSpace(string(b))
	}
	return name
}
