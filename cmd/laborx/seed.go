package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/pii"
	"github.com/laborx/laborx/internal/postgres"
	"github.com/laborx/laborx/internal/redact"
)

func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("seed", "seed --demo | --scale N [--data-dir DIR] [--database-url URL]", stderr)
	db := dbFlags{attach: true}
	db.register(fs)
	withDemo := fs.Bool("demo", false, "load the demo centers, keys and data")
	scale := fs.Int("scale", 0, "also publish N synthetic demands and N supplies over the demo centers (load tests)")
	timings := fs.Bool("timings", false, "with --scale, print how long each phase of the seed took")
	// A scale seed draws its rows in Go while PostgreSQL copies them: short-lived
	// values over a small live heap, as in serve: GOGC=800 takes about 40 % off the
	// seed's Go CPU (BENCHMARKS.md, "Scale seed and import (session 7, branch bulk2)").
	var gc gcFlags
	gc.register(fs)
	var piiKeyValue secret
	secretVar(fs, &piiKeyValue, "pii-key", "LABORX_PII_KEY",
		"base64 32-byte key that encrypts workers' national IDs (LABORX_PII_KEY; default <data-dir>/keys/pii.key)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*withDemo && *scale <= 0 {
		return errors.New("give --demo or --scale N")
	}
	if err := gc.apply(); err != nil {
		return err
	}
	key, err := piiKey(piiKeyValue.value, db.dataDir, true)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn, ReplaceAttr: redact.Attr}))
	database, err := db.open(ctx, logger)
	if err != nil {
		return err
	}
	defer database.Close(ctx)
	if err := migrateUp(ctx, database.URL, logger); err != nil {
		return err
	}
	store, err := postgres.Open(ctx, database.URL)
	if err != nil {
		return err
	}
	defer store.Close()
	if store.PII, err = pii.New(key); err != nil {
		return err
	}
	if _, err := demo.EnsureOperatorKeys(db.dataDir); err != nil {
		return err
	}
	if err := demo.Seed(ctx, store, db.dataDir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data loaded; keys under %s\n", db.dataDir)
	if *scale > 0 {
		start := time.Now()
		var phase func(string, time.Duration)
		if *timings {
			phase = func(name string, took time.Duration) {
				fmt.Fprintf(stdout, "%10s  %s\n", took.Round(time.Millisecond), name)
			}
		}
		if err := demo.SeedScale(ctx, store, *scale, phase); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "published %d synthetic demands and %d supplies in %s\n", *scale, *scale, time.Since(start).Round(time.Millisecond))
	}
	return nil
}
