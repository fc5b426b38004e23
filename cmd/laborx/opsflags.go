package main

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/laborx/laborx/internal/postgres"
	"github.com/laborx/laborx/internal/server"
)

// Defaults of the operational flags; README and docs/operations.md say why each.
const (
	defaultDBMaxConns     = 8
	defaultConnectTimeout = 3 * time.Second
	defaultDrain          = 5 * time.Second
	defaultReadMaxLag     = 30 * time.Second
)

// opsFlags bound what one `laborx serve` asks of PostgreSQL and how it stops.
type opsFlags struct {
	maxConns       int
	connectTimeout time.Duration
	requestTimeout time.Duration
	importTimeout  time.Duration
	drain          time.Duration
	readMaxLag     time.Duration
	execMode       string
	trustedProxies prefixList
	maxConcurrent  int
	queueWait      time.Duration
}

func (f *opsFlags) register(fs *flag.FlagSet) {
	def := server.DefaultConfig()
	fs.IntVar(&f.maxConns, "db-max-conns", envInt("LABORX_DB_MAX_CONNS", defaultDBMaxConns),
		"connections to the primary database per instance (LABORX_DB_MAX_CONNS); overrides pool_max_conns in the URL")
	fs.DurationVar(&f.connectTimeout, "db-connect-timeout", envDuration("LABORX_DB_CONNECT_TIMEOUT", defaultConnectTimeout),
		"bound on opening one database connection (LABORX_DB_CONNECT_TIMEOUT)")
	fs.DurationVar(&f.requestTimeout, "request-timeout", envDuration("LABORX_REQUEST_TIMEOUT", def.RequestTimeout),
		"deadline of each GraphQL query and mutation; past it the answer is UNAVAILABLE (LABORX_REQUEST_TIMEOUT)")
	fs.DurationVar(&f.importTimeout, "import-timeout", envDuration("LABORX_IMPORT_TIMEOUT", def.ImportTimeout),
		"deadline of the CSV import mutations (LABORX_IMPORT_TIMEOUT)")
	fs.DurationVar(&f.drain, "drain", envDuration("LABORX_DRAIN", defaultDrain),
		"after SIGTERM, how long /readyz answers 503 while requests are still served, before the listener closes (LABORX_DRAIN)")
	fs.DurationVar(&f.readMaxLag, "read-max-lag", envDuration("LABORX_READ_MAX_LAG", defaultReadMaxLag),
		"statistics leave the read replica for the primary while it lags more than this (LABORX_READ_MAX_LAG)")
	fs.StringVar(&f.execMode, "db-exec-mode", env("LABORX_DB_EXEC_MODE", "auto"),
		"how statements are sent: "+strings.Join(postgres.ExecModes, ", ")+"; auto is cache_describe when --listen-database-url differs "+
			"from --database-url (a pooler in transaction mode), else the URL's default_query_exec_mode (LABORX_DB_EXEC_MODE)")
	fs.IntVar(&f.maxConcurrent, "max-concurrent", envInt("LABORX_MAX_CONCURRENT", def.MaxConcurrent),
		"queries running at once (default 2 per core); the rest wait in arrival order, 0 for no bound (LABORX_MAX_CONCURRENT)")
	fs.DurationVar(&f.queueWait, "queue-wait", envDuration("LABORX_QUEUE_WAIT", def.QueueWait),
		"how long a request waits for one of the --max-concurrent slots before it is answered UNAVAILABLE (LABORX_QUEUE_WAIT)")
	f.trustedProxies = envPrefixes("LABORX_TRUSTED_PROXIES")
	fs.Var(&f.trustedProxies, "trusted-proxy",
		"CIDR of a load balancer whose X-Forwarded-For names the client in logs (repeatable; LABORX_TRUSTED_PROXIES, comma-separated)")
}

// poolOptions is the primary pool of serve: every statement is bounded server-side by
// the longest deadline a request may have, every lock wait by the request timeout.
func (f *opsFlags) poolOptions() (postgres.PoolOptions, error) {
	mode, err := postgres.ParseExecMode(f.execMode)
	if err != nil {
		return postgres.PoolOptions{}, fmt.Errorf("--db-exec-mode: %w", err)
	}
	return postgres.PoolOptions{
		MaxConns:         int32(max(f.maxConns, 1)),
		ConnectTimeout:   f.connectTimeout,
		StatementTimeout: max(f.requestTimeout, f.importTimeout),
		LockTimeout:      f.requestTimeout,
		ExecMode:         mode,
	}, nil
}

func (f *opsFlags) apply(cfg *server.Config) {
	cfg.RequestTimeout = f.requestTimeout
	cfg.ImportTimeout = f.importTimeout
	cfg.TrustedProxies = f.trustedProxies
	cfg.MaxConcurrent = max(f.maxConcurrent, 0)
	cfg.QueueWait = f.queueWait
}

// shutdownDeadline is how long in-flight requests may take to finish after the
// listener closes: the longest a request may run, and a little more to write it.
func (f *opsFlags) shutdownDeadline() time.Duration {
	return max(f.requestTimeout, f.importTimeout) + 5*time.Second
}

// prefixList is a repeatable CIDR flag; a bare address means just that address.
type prefixList []netip.Prefix

func (l *prefixList) String() string {
	var parts []string
	for _, p := range *l {
		parts = append(parts, p.String())
	}
	return strings.Join(parts, ",")
}

func (l *prefixList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil {
				return fmt.Errorf("%q is not a CIDR or an address", part)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		*l = append(*l, p.Masked())
	}
	return nil
}

func envPrefixes(name string) prefixList {
	var l prefixList
	if v := os.Getenv(name); v != "" {
		_ = l.Set(v) // a bad value is reported when the flag is given; here it is skipped
	}
	return l
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}
