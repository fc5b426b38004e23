package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/laborx/laborx/graph"
)

// streamStats exports the subscription events delivered and the renders they cost:
// subscribers alike share one render per change, so with many of them renders grow
// with the changes, not with the subscribers.
func streamStats(reg prometheus.Registerer) *graph.StreamStats {
	s := &graph.StreamStats{}
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "laborx_subscription_events_total", Help: "Subscription events delivered.",
		}, func() float64 { return float64(s.Events.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "laborx_subscription_renders_total",
			Help: "Subscription event renders executed (an event shared by subscribers with the same operation and rights is rendered once).",
		}, func() float64 { return float64(s.Renders.Load()) }),
	)
	return s
}
