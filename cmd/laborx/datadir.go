package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/laborx/laborx/internal/devdb"
)

const dataDirHelp = `Usage: laborx data-dir remove [--data-dir DIR]

  remove  delete the data dir with its embedded PostgreSQL cluster, keys and demo data,
          including a cluster that was relocated outside it (see "Running as root");
          refuses while a laborx serve runs on it
`

func runDataDir(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	verb, rest, err := subcommand(args, stdout, dataDirHelp, "remove")
	if err != nil {
		return err
	}
	fs := newFlags("data-dir "+verb, "data-dir remove [--data-dir DIR]", stderr)
	dataDir := fs.String("data-dir", env("LABORX_DATA_DIR", "./.laborx"), "the data dir to delete (LABORX_DATA_DIR)")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	removed, err := devdb.Remove(filepath.Join(*dataDir, "pg"))
	if err != nil {
		return err
	}
	if _, err := os.Lstat(*dataDir); err == nil {
		if err := os.RemoveAll(*dataDir); err != nil {
			return fmt.Errorf("remove %s: %w", *dataDir, err)
		}
		removed = append(removed, *dataDir)
	}
	for _, p := range removed {
		fmt.Fprintln(stdout, "removed", p)
	}
	return nil
}
