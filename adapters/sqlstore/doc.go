// Package sqlstore implements wxinvite's storage ports on a SQL database through bun:
// SQLite (modernc.org/sqlite, pure Go) as the embedded default and MySQL/MariaDB,
// including multi-primary Galera clusters, for production.
//
// Correctness never relies on locks (SELECT … FOR UPDATE, GET_LOCK), which a
// multi-primary cluster does not honour across nodes. It comes from unique keys and
// compare-and-swap UPDATEs whose affected-row count is checked, and from a transactor
// that retries a whole transaction when the server reports a deadlock or a
// certification conflict (MySQL 1213) or a lock wait timeout (1205).
//
// Row structs with bun tags are private: the domain never sees bun.
package sqlstore
