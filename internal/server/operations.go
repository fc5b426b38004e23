package server

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/laborx/laborx/internal/exchange"
)

// importFields are the mutations that may run longer than a request: a 100,000-row
// file takes about 10 s on a quiet machine (BENCHMARKS.md).
var importFields = []string{"importLaborDemand", "importLaborSupply"}

// maxOperationNames bounds the operation_name label: names are chosen by clients, so
// past this many distinct ones the rest are counted as "other".
const maxOperationNames = 200

// operations bounds each query and mutation by its deadline and records per-operation
// metrics, open subscriptions by kind and imports.
type operations struct {
	requestTimeout, importTimeout time.Duration

	total         *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	subscriptions *prometheus.GaugeVec
	importRows    *prometheus.CounterVec
	importTime    *prometheus.HistogramVec

	mu    sync.Mutex
	names map[string]bool
}

func newOperations(cfg Config, reg prometheus.Registerer) *operations {
	o := &operations{
		requestTimeout: cfg.RequestTimeout,
		importTimeout:  cfg.ImportTimeout,
		names:          map[string]bool{},
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laborx_graphql_operations_total",
			Help: "GraphQL operations by operation_name (the client's name, else the first root field), type and outcome (ok, error).",
		}, []string{"operation_name", "operation_type", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "laborx_graphql_operation_duration_seconds", Help: "GraphQL query and mutation latency by operation_name.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}, []string{"operation_name", "operation_type"}),
		subscriptions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "laborx_subscriptions_active", Help: "Active GraphQL subscriptions by kind (root field).",
		}, []string{"kind"}),
		importRows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laborx_import_rows_total", Help: "Rows of CSV imports by kind and result (created, rejected).",
		}, []string{"kind", "result"}),
		importTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "laborx_import_duration_seconds", Help: "CSV import duration by kind.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 12),
		}, []string{"kind"}),
	}
	reg.MustRegister(o.total, o.duration, o.subscriptions, o.importRows, o.importTime)
	return o
}

func (o *operations) use(srv *handler.Server) {
	srv.AroundOperations(o.aroundOperation)
}

// aroundOperation gives a query or mutation its deadline (the request timeout, or the
// import timeout for an import), and counts it; a subscription lives as long as its
// connection, each event bounded by statement_timeout.
func (o *operations) aroundOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx)
	if op == nil || op.Operation == nil {
		return next(ctx)
	}
	roots := rootFields(op.Operation)
	name := op.Operation.Name // the name in the document, which the request's operationName selects
	if name == "" && len(roots) > 0 {
		name = roots[0]
	}
	if info := requestInfoFrom(ctx); info != nil {
		info.setOperation(truncate(name, 64))
	}
	label, kind := o.label(name), string(op.Operation.Operation)
	if op.Operation.Operation == ast.Subscription {
		return o.subscription(ctx, next, roots)
	}
	timeout := o.requestTimeout
	if slices.ContainsFunc(roots, func(f string) bool { return slices.Contains(importFields, f) }) {
		timeout = max(o.importTimeout, timeout)
	}
	cancel := context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	start := time.Now()
	h := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		defer cancel()
		resp := h(ctx)
		outcome := "ok"
		if resp == nil || len(resp.Errors) > 0 {
			outcome = "error"
		}
		o.total.WithLabelValues(label, kind, outcome).Inc()
		o.duration.WithLabelValues(label, kind).Observe(time.Since(start).Seconds())
		return resp
	}
}

// subscription counts a subscription as active from its start until its stream ends.
func (o *operations) subscription(ctx context.Context, next graphql.OperationHandler, roots []string) graphql.ResponseHandler {
	kind := "unknown"
	if len(roots) > 0 {
		kind = roots[0]
	}
	h := next(ctx)
	g := o.subscriptions.WithLabelValues(kind)
	g.Inc()
	var once sync.Once
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		if resp == nil {
			once.Do(g.Dec)
		}
		return resp
	}
}

// meteredImports is the market service with its imports timed and their rows counted.
// It wraps the two import calls only: a field middleware would run on every field of
// every response (on a page of 50 demands, hundreds of calls) to find them.
type meteredImports struct {
	exchange.MarketService
	o *operations
}

// meterImports returns m with its imports metered.
func (o *operations) meterImports(m exchange.MarketService) exchange.MarketService {
	return meteredImports{MarketService: m, o: o}
}

func (m meteredImports) ImportLaborDemand(ctx context.Context, in exchange.ImportInput) (*exchange.ImportResult, error) {
	return m.o.meterImport(ctx, "importLaborDemand", in, m.MarketService.ImportLaborDemand)
}

func (m meteredImports) ImportLaborSupply(ctx context.Context, in exchange.ImportInput) (*exchange.ImportResult, error) {
	return m.o.meterImport(ctx, "importLaborSupply", in, m.MarketService.ImportLaborSupply)
}

// meterImport records the duration and rows of one import, under the mutation's name.
func (o *operations) meterImport(ctx context.Context, kind string, in exchange.ImportInput,
	run func(context.Context, exchange.ImportInput) (*exchange.ImportResult, error)) (*exchange.ImportResult, error) {
	start := time.Now()
	res, err := run(ctx, in)
	o.importTime.WithLabelValues(kind).Observe(time.Since(start).Seconds())
	if res != nil {
		o.importRows.WithLabelValues(kind, "created").Add(float64(res.CreatedCount))
		o.importRows.WithLabelValues(kind, "rejected").Add(float64(res.RowCount - res.CreatedCount))
	}
	return res, err
}

func (o *operations) label(name string) string {
	if name == "" {
		return "anonymous"
	}
	name = truncate(name, 64)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.names[name] {
		return name
	}
	if len(o.names) >= maxOperationNames {
		return "other"
	}
	o.names[name] = true
	return name
}

// rootFields names the operation's top-level fields (not those inside fragments).
func rootFields(op *ast.OperationDefinition) []string {
	var out []string
	for _, s := range op.SelectionSet {
		if f, ok := s.(*ast.Field); ok {
			out = append(out, f.Name)
		}
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
