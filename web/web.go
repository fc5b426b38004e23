// Package web embeds the people's console (/console) and GraphiQL (/ with --dev), built
// from web/src by build.sh into dist/. The built files are committed, so `go build`
// needs no Node; .ci/run rebuilds them and fails when the committed ones are stale.
package web

import (
	"embed"
	"io/fs"
)

//go:generate sh build.sh

//go:embed all:dist
var dist embed.FS

// Console is the console's files: index.html and assets/.
func Console() fs.FS { return sub("dist/console") }

// GraphiQL is GraphiQL's files: index.html, graphiql.js and graphiql.css.
func GraphiQL() fs.FS { return sub("dist/graphiql") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(dist, dir)
	if err != nil {
		panic(err) // the directory is embedded above; only a broken build gets here
	}
	return f
}
