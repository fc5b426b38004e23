package apitest_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/server"
)

// guideExample is a fenced block of docs/integrators.md with the text its output must hold.
type guideExample struct {
	lang, code, expect string
	line               int
}

var guideBlock = regexp.MustCompile("(?s)<!-- expect: (.*?) -->\n```(sh|js)\n(.*?)```")

func guideExamples(t *testing.T, doc string) []guideExample {
	var out []guideExample
	for _, m := range guideBlock.FindAllStringSubmatchIndex(doc, -1) {
		out = append(out, guideExample{expect: doc[m[2]:m[3]], lang: doc[m[4]:m[5]], code: doc[m[6]:m[7]],
			line: 1 + strings.Count(doc[:m[0]], "\n")})
	}
	if len(out) < 8 {
		t.Fatalf("docs/integrators.md has %d runnable examples, want at least 8", len(out))
	}
	return out
}

// TestIntegratorGuide runs every example of docs/integrators.md, as a reader would paste
// it, against a server with the demo data and the guide's CORS origin.
func TestIntegratorGuide(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "integrators.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples := guideExamples(t, string(doc))
	for _, tool := range []string{"curl", "python3", "node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the guide's examples need %s: apt-get install -y curl python3 nodejs npm", tool)
		}
	}
	// The subscription example's packages (graphql-ws, ws) are in web's lockfile.
	if _, err := os.Stat(filepath.Join(root, "web", "node_modules", "ws")); err != nil {
		install := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		install.Dir = filepath.Join(root, "web")
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in web/ (apt-get install -y npm): %v\n%s", err, out)
		}
	}

	cfg := server.DefaultConfig()
	cfg.RateLimit = 0
	cfg.CORSOrigins = []string{"https://dashboard.example.vn"}
	e := apitest.NewWith(t, apitest.Options{Server: &cfg})
	dir := t.TempDir()
	if err := demo.Seed(context.Background(), e.App.DB, dir); err != nil {
		t.Fatal(err)
	}
	token, err := demo.Token(dir, "TNG", "guide", []string{"publisher", "coordinator"}, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// The JavaScript example imports graphql-ws as a reader's project would: from a
	// node_modules beside it.
	jsDir := t.TempDir()
	if err := os.Symlink(filepath.Join(root, "web", "node_modules"), filepath.Join(jsDir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	for i, ex := range examples {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		var cmd *exec.Cmd
		if ex.lang == "sh" {
			cmd = exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", ex.code)
		} else {
			file := filepath.Join(jsDir, "example.mjs")
			if err := os.WriteFile(file, []byte(ex.code), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd = exec.CommandContext(ctx, "node", file)
		}
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "LABORX="+e.Server.URL, "TOKEN="+token)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		cancel()
		if err != nil || !strings.Contains(out.String(), ex.expect) {
			t.Errorf("example %d (docs/integrators.md line %d): %v; want output with %q, got:\n%s", i+1, ex.line, err, ex.expect, out.String())
		}
	}
}

// TestReadmeLinksStayInRepo: the README and docs link only to files of the repository
// (or to the web), and every such file exists.
func TestReadmeLinksStayInRepo(t *testing.T) {
	t.Parallel()
	root, _ := filepath.Abs("../..")
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	for _, f := range append(files, filepath.Join(root, "README.md")) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := strings.SplitN(m[1], "#", 2)[0]
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			abs := filepath.Join(filepath.Dir(f), target)
			rel, err := filepath.Rel(root, abs)
			if err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s links outside the repository: %s", filepath.Base(f), m[1])
				continue
			}
			if _, err := os.Stat(abs); err != nil {
				t.Errorf("%s links to a missing file: %s", filepath.Base(f), m[1])
			}
		}
	}
}
