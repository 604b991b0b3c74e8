package sqlstore

import (
	"context"
	"errors"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// retryCodes are the MySQL error numbers InTx retries: 1213 (deadlock, or a Galera
// certification failure) and 1205 (lock wait timeout).
var retryCodes = []uint16{1213, 1205}

// RegisterMetrics registers the store's metrics on reg: transactions retried after a
// conflict, by error code, and writes refused by a unique key. Every series exists
// from start-up at zero, so alerts on rate() work before the first conflict. Call it
// once, before the store is used.
func (d *DB) RegisterMetrics(reg prometheus.Registerer) error {
	retries := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wxinvite_db_tx_retries_total",
		Help: "Transactions retried after a conflict (1213 deadlock/certification failure, 1205 lock wait timeout), by error code.",
	}, []string{"code"})
	for _, code := range retryCodes {
		retries.WithLabelValues(strconv.Itoa(int(code)))
	}
	conflicts := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "wxinvite_db_unique_conflicts_total",
		Help: "Writes refused by a unique key: lost races between duplicates (each one is then resolved by re-reading the winner).",
	}, func() float64 { return float64(d.conflicts.Load()) })
	for _, c := range []prometheus.Collector{retries, conflicts} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	d.retryMetric = retries
	return nil
}

func (d *DB) countRetry(code uint16) {
	d.retries.Add(1)
	if d.retryMetric != nil {
		d.retryMetric.WithLabelValues(strconv.Itoa(int(code))).Inc()
	}
	if d.opts.OnRetry != nil {
		d.opts.OnRetry(code)
	}
}

// Ready reports whether the store can serve: the database answers and every
// migration is applied. /readyz shows its error, so it names no secret.
func (d *DB) Ready(ctx context.Context) error {
	if err := d.Ping(ctx); err != nil {
		return err
	}
	ok, err := d.MigrationsApplied(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("migrations not applied")
	}
	return nil
}
