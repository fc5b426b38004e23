package app

import (
	"github.com/jackc/pgx/v5"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/laborx/laborx/internal/postgres"
)

// keyPoolConns is the size of the pool of token key lookups: one indexed read of a
// few hundred microseconds per request, so a few connections serve thousands of
// requests a second.
const keyPoolConns = 3

// keyPoolOptions bounds the key pool tighter than the main one: a key lookup that
// waits on a lock or a slow server fails in seconds, not at the request deadline.
func keyPoolOptions(main postgres.PoolOptions, tracer pgx.QueryTracer) postgres.PoolOptions {
	o := main
	o.Tracer = tracer
	o.MaxConns = keyPoolConns
	if o.StatementTimeout == 0 || o.StatementTimeout > 5*time.Second {
		o.StatementTimeout = 5 * time.Second
	}
	if o.LockTimeout == 0 || o.LockTimeout > time.Second {
		o.LockTimeout = time.Second
	}
	return o
}

// registerPoolStats exports pgxpool's figures for each named pool (nil pools skipped).
func registerPoolStats(reg prometheus.Registerer, pools map[string]*pgxpool.Pool) {
	c := &poolCollector{pools: map[string]*pgxpool.Pool{}}
	for name, p := range pools {
		if p != nil {
			c.pools[name] = p
		}
	}
	reg.MustRegister(c)
}

var (
	poolAcquired = prometheus.NewDesc("laborx_db_pool_acquired_conns", "Connections in use.", []string{"pool"}, nil)
	poolIdle     = prometheus.NewDesc("laborx_db_pool_idle_conns", "Idle connections.", []string{"pool"}, nil)
	poolTotal    = prometheus.NewDesc("laborx_db_pool_total_conns", "Open connections (acquired, idle and being made).", []string{"pool"}, nil)
	poolMax      = prometheus.NewDesc("laborx_db_pool_max_conns", "Pool size (--db-max-conns for the primary).", []string{"pool"}, nil)
	poolWaited   = prometheus.NewDesc("laborx_db_pool_empty_acquire_total",
		"Acquires that had to wait because every connection was in use.", []string{"pool"}, nil)
	poolWaitTime = prometheus.NewDesc("laborx_db_pool_empty_acquire_wait_seconds_total",
		"Time spent waiting for a connection when none was free.", []string{"pool"}, nil)
	poolAcquire = prometheus.NewDesc("laborx_db_pool_acquire_duration_seconds_total",
		"Time spent acquiring connections, waits included.", []string{"pool"}, nil)
	poolAcquires = prometheus.NewDesc("laborx_db_pool_acquires_total", "Connections acquired.", []string{"pool"}, nil)
	poolCanceled = prometheus.NewDesc("laborx_db_pool_canceled_acquire_total",
		"Acquires given up because the request's deadline passed or it was cancelled.", []string{"pool"}, nil)
)

// poolCollector reads pgxpool.Stat at each scrape.
type poolCollector struct {
	pools map[string]*pgxpool.Pool
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolAcquired, poolIdle, poolTotal, poolMax, poolWaited, poolWaitTime, poolAcquire, poolAcquires, poolCanceled} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, p := range c.pools {
		s := p.Stat()
		ch <- prometheus.MustNewConstMetric(poolAcquired, prometheus.GaugeValue, float64(s.AcquiredConns()), name)
		ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(s.IdleConns()), name)
		ch <- prometheus.MustNewConstMetric(poolTotal, prometheus.GaugeValue, float64(s.TotalConns()), name)
		ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.MaxConns()), name)
		ch <- prometheus.MustNewConstMetric(poolWaited, prometheus.CounterValue, float64(s.EmptyAcquireCount()), name)
		ch <- prometheus.MustNewConstMetric(poolWaitTime, prometheus.CounterValue, s.EmptyAcquireWaitTime().Seconds(), name)
		ch <- prometheus.MustNewConstMetric(poolAcquire, prometheus.CounterValue, s.AcquireDuration().Seconds(), name)
		ch <- prometheus.MustNewConstMetric(poolAcquires, prometheus.CounterValue, float64(s.AcquireCount()), name)
		ch <- prometheus.MustNewConstMetric(poolCanceled, prometheus.CounterValue, float64(s.CanceledAcquireCount()), name)
	}
}

// registerReplicaStats exports which database statistics read and the replica's lag.
func registerReplicaStats(reg prometheus.Registerer, r *postgres.ReadRouter) {
	if r == nil {
		return
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "laborx_read_replica_in_use",
		Help: "1 while statistics read the replica, 0 while they fall back to the primary (replica down or lagging).",
	}, func() float64 {
		if r.UsingReplica() {
			return 1
		}
		return 0
	}), prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "laborx_read_replica_lag_seconds", Help: "Replay lag of the read replica at the last check; -1 when it did not answer.",
	}, func() float64 {
		if l := r.Lag(); l >= 0 {
			return l.Seconds()
		}
		return -1
	}))
}
