package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/laborx/laborx/web"
)

// DemoSignIn lets the console's "sign in as a demo center" mint a short-lived token on
// the server. It is set only by `laborx serve --demo`; without it the endpoints are 404.
type DemoSignIn struct {
	Centers []DemoCenter
	// Mint returns a token of the center for the console's demo user.
	Mint func(centerCode string) (string, error)
}

// DemoCenter is a center the demo sign-in offers.
type DemoCenter struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// contentSecurity keeps the embedded pages to their own origin: scripts, styles, fonts
// and requests all stay on this server (charts and editors set inline styles).
const contentSecurity = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// mountPages serves the console at /console (a single-page app: unknown paths below it
// get its index.html), /dashboard as a redirect there, GraphiQL at / with --dev, and the
// demo sign-in when configured.
func mountPages(mux *http.ServeMux, cfg Config) {
	console := newStaticFiles(web.Console())
	mux.Handle("GET /console/assets/", http.StripPrefix("/console", console))
	mux.HandleFunc("GET /console", console.index)
	mux.HandleFunc("GET /console/{path...}", console.index)
	redirect := func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console", http.StatusMovedPermanently)
	}
	mux.HandleFunc("GET /dashboard", redirect)
	mux.HandleFunc("GET /dashboard/{path...}", redirect)
	mux.HandleFunc("GET /console/demo", func(w http.ResponseWriter, r *http.Request) {
		if cfg.DemoSignIn == nil {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"centers": cfg.DemoSignIn.Centers})
	})
	mux.HandleFunc("POST /console/demo-token", func(w http.ResponseWriter, r *http.Request) {
		demoToken(cfg.DemoSignIn, w, r)
	})
	if cfg.Dev {
		graphiql := newStaticFiles(web.GraphiQL())
		mux.HandleFunc("GET /{$}", graphiql.index)
		mux.Handle("GET /graphiql/", http.StripPrefix("/graphiql", graphiql))
	}
}

// demoToken mints a demo token for one of the offered centers. The request must be
// JSON: a form on another site cannot send it without a preflight, which CORS refuses.
func demoToken(d *DemoSignIn, w http.ResponseWriter, r *http.Request) {
	if d == nil {
		http.NotFound(w, r)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send JSON: {\"center\": \"TNG\"}"})
		return
	}
	var in struct {
		Center string `json:"center"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "send JSON: {\"center\": \"TNG\"}"})
		return
	}
	known := false
	for _, c := range d.Centers {
		known = known || c.Code == in.Center
	}
	if !known {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "not a demo center"})
		return
	}
	tok, err := d.Mint(in.Center)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not mint a demo token"})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"token": tok})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// staticFiles serves embedded files with an ETag of their content, so a browser
// revalidates cheaply and never runs a stale bundle after an upgrade.
type staticFiles struct {
	files map[string][]byte // by path without the leading slash
	etags map[string]string
}

func newStaticFiles(fsys fs.FS) *staticFiles {
	s := &staticFiles{files: map[string][]byte{}, etags: map[string]string{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		s.files[p], s.etags[p] = b, `"`+hex.EncodeToString(sum[:12])+`"`
		return nil
	})
	if err != nil {
		panic(err) // embedded files are readable; only a broken build gets here
	}
	return s
}

func (s *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, strings.TrimPrefix(path.Clean(r.URL.Path), "/"))
}

func (s *staticFiles) index(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, "index.html")
}

func (s *staticFiles) serve(w http.ResponseWriter, r *http.Request, name string) {
	b, ok := s.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("ETag", s.etags[name])
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", contentSecurity)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}
