package deploy

import (
	"bufio"
	"debug/elf"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string   // upper case: FROM, RUN, COPY, …
	args string   // the rest of the line
	flag []string // leading --flags (COPY --from=…, RUN --mount=…)
	rest []string // the other fields
}

// stage is a FROM and the instructions up to the next one.
type stage struct {
	from, name string
	ins        []instruction
}

// parseDockerfile splits a Dockerfile into its global ARGs and stages.
func parseDockerfile(t *testing.T, p string) (map[string]string, []stage) {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if s, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		lines = append(lines, cur.String())
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	args := map[string]string{}
	var stages []stage
	for _, l := range lines {
		cmd, rest, _ := strings.Cut(l, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(rest)}
		for _, fld := range strings.Fields(in.args) {
			if strings.HasPrefix(fld, "--") && len(in.rest) == 0 {
				in.flag = append(in.flag, fld)
			} else {
				in.rest = append(in.rest, fld)
			}
		}
		switch {
		case in.cmd == "FROM":
			st := stage{from: in.rest[0]}
			if len(in.rest) == 3 && strings.EqualFold(in.rest[1], "AS") {
				st.name = in.rest[2]
			}
			stages = append(stages, st)
		case len(stages) == 0 && in.cmd == "ARG":
			k, v, _ := strings.Cut(in.args, "=")
			args[k] = v
		case len(stages) > 0:
			stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
		}
	}
	return args, stages
}

// flagValue returns the value of --name=value among flags.
func (in instruction) flagValue(name string) string {
	for _, f := range in.flag {
		if v, ok := strings.CutPrefix(f, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

// ignoreRules is a .dockerignore: patterns in order, the last match wins.
type ignoreRules []string

func readIgnore(t *testing.T, p string) ignoreRules {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var r ignoreRules
	for l := range strings.SplitSeq(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			r = append(r, l)
		}
	}
	return r
}

// excluded reports whether the context path rel (slash-separated) is left
// out of the build context. A pattern matches the path or one of its
// parent directories; "**/" matches any number of leading directories.
func (r ignoreRules) excluded(rel string) bool {
	out := false
	for _, p := range r {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimSuffix(strings.TrimPrefix(p, "!"), "/")
		if matchIgnore(p, rel) {
			out = !neg
		}
	}
	return out
}

func matchIgnore(pattern, rel string) bool {
	parts := strings.Split(rel, "/")
	for end := 1; end <= len(parts); end++ { // rel and each parent
		prefix := parts[:end]
		if sub, ok := strings.CutPrefix(pattern, "**/"); ok {
			for start := range prefix {
				if m, _ := path.Match(sub, strings.Join(prefix[start:], "/")); m {
					return true
				}
			}
			continue
		}
		if m, _ := path.Match(pattern, strings.Join(prefix, "/")); m {
			return true
		}
	}
	return false
}

// copyContext copies src (relative to the repository root) to dst as the
// build context would hold it, and returns how many files it copied.
func copyContext(t *testing.T, ign ignoreRules, src, dst string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(fromRoot(src), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(repoRoot, p)
		if err != nil {
			return err
		}
		if d.IsDir() || ign.excluded(filepath.ToSlash(rel)) {
			return nil
		}
		in, err := filepath.Rel(fromRoot(src), p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, in)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		n++
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// copyFile copies the file src to dst, creating dst's directory.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// isStatic reports whether the ELF file at p has no program interpreter
// (a statically linked executable).
func isStatic(t *testing.T, p string) bool {
	t.Helper()
	f, err := elf.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

var argRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)

// expand replaces $NAME and ${NAME} with vals[NAME].
func expand(s string, vals map[string]string) string {
	return argRef.ReplaceAllStringFunc(s, func(m string) string {
		name := argRef.FindStringSubmatch(m)[1]
		if v, ok := vals[name]; ok {
			return v
		}
		return m
	})
}

// buildTimeout bounds the Dockerfile's go build (warm cache: seconds).
const buildTimeout = 4 * time.Minute
