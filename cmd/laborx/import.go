package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

const importHelp = `Usage: laborx import supply|demand FILE --center CODE [--partial] [flags]

  supply   publish labor supply from a CSV file (columns: see importLaborSupply in the schema)
  demand   publish labor demand from a CSV file (columns: see importLaborDemand in the schema)

The rows are published for --center as its publisher, through the same rules as the
API. A file with any bad row writes nothing unless --partial is given. Progress goes
to stderr; the bad rows are listed on stdout as LINE COLUMN CODE MESSAGE.
`

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	kind, rest, err := subcommand(args, stdout, importHelp, "supply", "demand")
	if err != nil {
		return err
	}
	fs := newFlags("import "+kind, "import "+kind+" FILE --center CODE [--partial]", stderr)
	db := dbFlags{attach: true}
	db.register(fs)
	center := fs.String("center", env("LABORX_CENTER", ""), "code of the center the rows are published for (LABORX_CENTER)")
	partial := fs.Bool("partial", false, "write the good rows even when some rows are bad")
	// The file may come before or after the flags.
	var file string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		file, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" || *center == "" {
		fs.Usage()
		return fmt.Errorf("give a FILE and --center")
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()

	return db.withStore(ctx, stderr, func(store *postgres.DB, subject string) error {
		return importFile(ctx, store, subject, kind, *center, f, *partial, stdout, stderr)
	})
}

// importFile imports one CSV file as the center's publisher: this machine has the
// database, so the command acts for the center directly.
func importFile(ctx context.Context, store *postgres.DB, subject, kind, centerCode string, f io.Reader, partial bool,
	stdout, stderr io.Writer) error {
	c, err := postgres.NewCenterService(store).CenterByCode(demo.OperatorContext(ctx, subject), centerCode)
	if err != nil {
		return describe(err)
	}
	ctx = auth.NewContext(ctx, &exchange.Principal{CenterID: c.ID, CenterCode: c.Code, Subject: subject,
		Roles: []exchange.Role{exchange.RolePublisher}})

	start := time.Now()
	progress := func(stage string, done, total int) {
		if total > 0 {
			fmt.Fprintf(stderr, "\r%s %d/%d rows (%s)   ", stage, done, total, time.Since(start).Round(time.Millisecond))
		} else {
			fmt.Fprintf(stderr, "\r%s %d rows (%s)   ", stage, done, time.Since(start).Round(time.Millisecond))
		}
	}
	market := postgres.NewMarketService(store)
	importFn := market.ImportSupplyCSV
	if kind == "demand" {
		importFn = market.ImportDemandCSV
	}
	res, err := importFn(ctx, bufio.NewReaderSize(f, 1<<20), partial, progress)
	fmt.Fprintln(stderr)
	if err != nil {
		return describe(err)
	}
	for _, e := range res.Errors {
		fmt.Fprintf(stdout, "%d\t%s\t%s\t%s\n", e.Line, e.Column, e.Code, e.Message)
	}
	fmt.Fprintf(stderr, "%d rows read, %d %s created, %d errors, in %s\n", res.RowCount, res.CreatedCount, kind,
		len(res.Errors), time.Since(start).Round(time.Millisecond))
	if len(res.Errors) > 0 && !partial {
		return fmt.Errorf("nothing written: %d bad values (use --partial to write the good rows)", len(res.Errors))
	}
	return nil
}
