package deploy

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestDockerfileBuild runs the Dockerfile's build stage without Docker:
// its COPY lines fill a scratch directory from the repository (minus what
// Dockerfile.dockerignore leaves out), its `go build` runs there with the
// build args, and the final stage's COPY --from=build sources must then
// exist. The binaries must be static and carry the version ldflags.
func TestDockerfileBuild(t *testing.T) {
	globals, stages := parseDockerfile(t, "Dockerfile")
	if len(stages) < 2 {
		t.Fatalf("want a multi-stage Dockerfile, got %d stages", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]
	if build.name != "build" {
		t.Fatalf("first stage is %q, want \"build\"", build.name)
	}
	ign := readIgnore(t, "Dockerfile.dockerignore")
	fsRoot := t.TempDir() // the build container's / lives here
	vals := map[string]string{"VERSION": "v9.9.9-dockertest", "REVISION": "0123456789ab", "BRANCH": "release-9.9",
		"BUILD_USER": "builder@ci", "BUILD_DATE": "20261130-18:40:00"}
	for k, v := range globals {
		if _, ok := vals[k]; !ok {
			vals[k] = v
		}
	}
	inFS := func(p string) string { return filepath.Join(fsRoot, filepath.FromSlash(p)) }
	workdir, built := "/", false
	for _, in := range build.ins {
		switch in.cmd {
		case "WORKDIR":
			workdir = path.Join(workdir, in.rest[0])
		case "COPY":
			srcs, dst := in.rest[:len(in.rest)-1], path.Join(workdir, in.rest[len(in.rest)-1])
			for _, src := range srcs {
				src = strings.TrimSuffix(src, "/")
				if ign.excluded(src) {
					t.Errorf("COPY %s: excluded by Dockerfile.dockerignore", src)
				}
				fi, err := os.Stat(fromRoot(src))
				if err != nil {
					t.Fatalf("COPY %s: %v", src, err)
				}
				target := dst
				if !fi.IsDir() && strings.HasSuffix(in.rest[len(in.rest)-1], "/") {
					target = path.Join(dst, path.Base(src))
				}
				if fi.IsDir() {
					if n := copyContext(t, ign, src, inFS(target)); n == 0 {
						t.Errorf("COPY %s: no files left after Dockerfile.dockerignore", src)
					}
				} else {
					copyFile(t, fromRoot(src), inFS(target))
				}
			}
		case "RUN":
			cmd := expand(strings.Join(in.rest, " "), vals)
			switch {
			case strings.Contains(cmd, "go build"):
				runGoBuild(t, cmd, inFS(workdir), fsRoot)
				built = true
			case strings.HasPrefix(cmd, "mkdir -p "):
				for _, d := range strings.Fields(cmd)[2:] {
					if err := os.MkdirAll(inFS(d), 0o755); err != nil {
						t.Fatal(err)
					}
				}
			case strings.Contains(cmd, "go mod download"):
				// Needs the network in Docker; the module cache has them here.
			default:
				t.Fatalf("RUN %q: this test does not know how to check it; teach it", cmd)
			}
		}
	}
	if !built {
		t.Fatal("build stage has no RUN … go build")
	}
	for _, in := range final.ins {
		if in.cmd != "COPY" || in.flagValue("from") != "build" {
			continue
		}
		for _, src := range in.rest[:len(in.rest)-1] {
			fi, err := os.Stat(inFS(src))
			if err != nil {
				t.Errorf("final stage COPY --from=build %s: not produced by the build stage", src)
				continue
			}
			if fi.Mode().IsRegular() && !isStatic(t, inFS(src)) {
				t.Errorf("%s is dynamically linked; want CGO_ENABLED=0", src)
			}
		}
	}
	// prometheus/common/version's banner, every field from a build arg.
	out, err := runCmd(t, 30*time.Second, "", nil, inFS("/out/loadcron"), "version")
	want := "loadcron, version " + vals["VERSION"] + " (branch: " + vals["BRANCH"] + ", revision: " + vals["REVISION"] + ")"
	if err != nil || !strings.Contains(out, want) || !strings.Contains(out, "build user:       "+vals["BUILD_USER"]) ||
		!strings.Contains(out, "build date:       "+vals["BUILD_DATE"]) {
		t.Errorf("loadcron version = %q (%v), want %q and the build user and date from the build args", out, err, want)
	}
	if out, err := runCmd(t, 30*time.Second, "", nil, inFS("/out/chatsim"), "--help"); err != nil {
		t.Errorf("chatsim --help: %v\n%s", err, out)
	}
}

var outputFlag = regexp.MustCompile(`-o\s+(/\S*)`)

// runGoBuild runs a Dockerfile `go build` command in dir, its absolute -o
// path moved under fsRoot.
func runGoBuild(t *testing.T, cmd, dir, fsRoot string) {
	t.Helper()
	m := outputFlag.FindStringSubmatch(cmd)
	if m == nil {
		t.Fatalf("go build without an absolute -o: %q", cmd)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-ldflags"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("go build command lacks %s: %q", want, cmd)
		}
	}
	cmd = strings.Replace(cmd, m[0], "-o "+filepath.Join(fsRoot, m[1])+"/", 1)
	env := append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := runCmd(t, buildTimeout, dir, env, "sh", "-c", cmd); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
}

// TestDockerfileImage checks the final image's settings.
func TestDockerfileImage(t *testing.T) {
	globals, stages := parseDockerfile(t, "Dockerfile")
	final := stages[len(stages)-1]
	byCmd := map[string][]instruction{}
	copied := map[string]bool{} // files placed in the final image
	for _, in := range final.ins {
		byCmd[in.cmd] = append(byCmd[in.cmd], in)
		if in.cmd == "COPY" {
			dst := in.rest[len(in.rest)-1]
			for _, src := range in.rest[:len(in.rest)-1] {
				if strings.HasSuffix(dst, "/") {
					copied[path.Join(dst, path.Base(src))] = true
				} else {
					copied[dst] = true
				}
				if in.flagValue("from") == "" {
					mustExist(t, fromRoot(src))
				}
			}
		}
	}
	last := func(cmd string) string {
		ins := byCmd[cmd]
		if len(ins) == 0 {
			t.Fatalf("final stage has no %s", cmd)
		}
		return ins[len(ins)-1].args
	}
	execForm := func(cmd string) []string {
		var v []string
		if err := json.Unmarshal([]byte(last(cmd)), &v); err != nil {
			t.Fatalf("%s is not in exec form: %v", cmd, err)
		}
		return v
	}
	if b := expand(stages[0].from, globals); !strings.HasPrefix(b, "golang:1.26") {
		t.Errorf("build stage FROM %s, want golang:1.26", b)
	}
	if !regexp.MustCompile(`^(gcr\.io/distroless/static|scratch$|alpine)`).MatchString(final.from) {
		t.Errorf("final FROM %s, want distroless static, scratch or alpine", final.from)
	}
	if u := strings.Split(last("USER"), ":")[0]; u == "0" || u == "root" || u == "" {
		t.Errorf("USER %q: want a non-root user", last("USER"))
	}
	if e := execForm("ENTRYPOINT"); len(e) != 1 || path.Base(e[0]) != "loadcron" || !copied[e[0]] {
		t.Errorf("ENTRYPOINT %v: want the copied loadcron binary", e)
	}
	if !copied["/usr/local/bin/chatsim"] {
		t.Error("chatsim is not copied to /usr/local/bin")
	}
	if last("EXPOSE") != "8097" {
		t.Errorf("EXPOSE %s, want 8097", last("EXPOSE"))
	}
	cmd := execForm("CMD")
	i := slices.Index(cmd, "--config.file")
	if len(cmd) == 0 || cmd[0] != "serve" || i < 0 || i+1 >= len(cmd) || !copied[cmd[i+1]] {
		t.Errorf("CMD %v: want serve --config.file <a file copied into the image>", cmd)
	}
	checkCommandLine(t, "CMD", cmd)
	if d := slices.Index(cmd, "--data-dir"); d < 0 || d+1 >= len(cmd) || !slices.ContainsFunc(byCmd["VOLUME"], func(in instruction) bool {
		return strings.Contains(in.args, cmd[d+1])
	}) {
		t.Errorf("CMD %v: want --data-dir on a VOLUME", cmd)
	}
	makefile, err := os.ReadFile(fromRoot("Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	docker, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`-X (\S+)=`).FindAllStringSubmatch(string(makefile), -1)
	if len(keys) == 0 {
		t.Fatal("no -X ldflags in the Makefile")
	}
	for _, k := range keys {
		if !strings.Contains(string(docker), "-X "+k[1]+"=") {
			t.Errorf("Dockerfile does not set %s like the Makefile", k[1])
		}
	}
}

// TestDockerIgnore checks Dockerfile.dockerignore on typical paths.
func TestDockerIgnore(t *testing.T) {
	ign := readIgnore(t, "Dockerfile.dockerignore")
	tests := []struct {
		path     string
		excluded bool
	}{
		{"go.mod", false},                               // module file: needed
		{"internal/stats/summary.go", false},            // sources: needed
		{"config/loadcron.yaml", false},                 // embedded and copied into the image
		{"internal/stats/summary_test.go", true},        // tests: not built
		{"internal/config/testdata/bad.yaml", true},     // test data: not built
		{"deploy/Dockerfile", true},                     // not part of the build
		{".git/HEAD", true},                             // history: never sent
		{"bin/loadcron", true},                          // local build output
		{"data/load_test_results.json", true},           // local reports
		{"dashboards/loadcron-overview.json", true},     // not in the image
		{"cmd/loadcron/main.go", false},                 // sources: needed
		{"internal/chatsim/testdata/x/y_test.go", true}, // nested test data
	}
	for _, tc := range tests {
		if got := ign.excluded(tc.path); got != tc.excluded {
			t.Errorf("excluded(%s) = %v, want %v", tc.path, got, tc.excluded)
		}
	}
}
