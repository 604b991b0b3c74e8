// Package observability holds what every other part reports through: the Prometheus
// registry, the JSON logger, and the Join observer that counts joins and invites.
// Adapters receive a prometheus.Registerer and register their own collectors; this
// package owns the registry so /metrics shows them all in one place.
package observability
