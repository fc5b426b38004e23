package server

import (
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	graphqlErrors *prometheus.CounterVec
	rateLimited   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laborx_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "laborx_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}, []string{"route"}),
		graphqlErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laborx_graphql_errors_total", Help: "GraphQL errors by extensions.code.",
		}, []string{"code"}),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "laborx_rate_limited_total", Help: "Requests refused as RATE_LIMITED.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.graphqlErrors, m.rateLimited)
	return m
}
