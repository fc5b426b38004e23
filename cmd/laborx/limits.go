package main

import (
	"flag"

	"github.com/laborx/laborx/internal/server"
)

// limitFlags are serve's query limits (server.Limits), each refused with
// QUERY_TOO_COMPLEX before the query is parsed in full or runs any SQL.
type limitFlags struct {
	depth, aliases, cost, nodes *int
}

func registerLimitFlags(fs *flag.FlagSet) limitFlags {
	d := server.DefaultLimits()
	raise := "; raise it if a legitimate query is refused with QUERY_TOO_COMPLEX"
	return limitFlags{
		depth: fs.Int("max-depth", envInt("LABORX_MAX_DEPTH", d.MaxDepth),
			"how deeply a query may nest fields (LABORX_MAX_DEPTH)"+raise),
		aliases: fs.Int("max-aliases", envInt("LABORX_MAX_ALIASES", d.MaxAliases),
			"aliased fields per selection set, fragments included (LABORX_MAX_ALIASES)"+raise),
		cost: fs.Int("max-cost", envInt("LABORX_MAX_COST", d.MaxCost),
			"a query's price: every list multiplies its children by the items it returns at most (LABORX_MAX_COST)"+raise),
		nodes: fs.Int("max-nodes", envInt("LABORX_MAX_NODES", d.MaxNodes),
			"IDs one nodes(ids:) may ask for (LABORX_MAX_NODES)"+raise),
	}
}

func (f limitFlags) apply(l *server.Limits) {
	l.MaxDepth, l.MaxAliases, l.MaxCost, l.MaxNodes = *f.depth, *f.aliases, *f.cost, *f.nodes
}
