// Package httpadapter is wxinvite's browser- and operator-facing HTTP surface: the
// invite link, WeChat web OAuth, sessions, the personal centre page, the JSON API,
// the admin API and CSV export, health, readiness and metrics. It calls use cases
// only; it maps their error kinds to statuses in one table (errors.go).
package httpadapter
