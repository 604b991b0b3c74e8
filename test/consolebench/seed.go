// Package consolebench measures how long each console page takes to render over a
// large database: users, invites (and campaigns, once they exist) seeded straight
// into SQLite or MySQL, pages fetched over HTTP like an operator's browser.
package consolebench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Size is how much the seed writes.
type Size struct {
	Users     int // at least Invites+1: every invitee is a user invited once
	Inviters  int // invites come from the first Inviters users, skewed to a few
	Invites   int
	Campaigns int
}

// userRow and inviteRow mirror the store's columns; bun formats times the way the
// store does for each dialect.
type userRow struct {
	bun.BaseModel `bun:"table:users"`
	ID            int64     `bun:"id,pk"`
	OpenID        string    `bun:"openid"`
	Nickname      string    `bun:"nickname"`
	AvatarURL     string    `bun:"avatar_url"`
	InviteCode    string    `bun:"invite_code"`
	Following     bool      `bun:"following"`
	JoinedAt      time.Time `bun:"joined_at"`
}

type inviteRow struct {
	bun.BaseModel `bun:"table:invites"`
	ID            int64     `bun:"id,pk"`
	InviterID     int64     `bun:"inviter_id"`
	InviteeID     int64     `bun:"invitee_id"`
	Channel       string    `bun:"channel"`
	Status        string    `bun:"status"`
	CreatedAt     time.Time `bun:"created_at"`
}

// bunDB is the seeding connection.
type bunDB = bun.DB

// OpenSQLite opens a store file for seeding.
func OpenSQLite(path string) (*bun.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return bun.NewDB(db, sqlitedialect.New()), nil
}

// OpenMySQL opens a MySQL database for seeding.
func OpenMySQL(dsn string) (*bun.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	cfg.ParseTime = true
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return bun.NewDB(sql.OpenDB(conn), mysqldialect.New(mysqldialect.WithTimeLocation("UTC"))), nil
}

// batch is how many rows one INSERT carries.
const batch = 1000

// Seed writes users and invites ending at now: invitee i+1 is invited by a user
// drawn with a heavy skew from the first s.Inviters, half by link and half by scan,
// spread over 60 days. The same seed gives the same data.
func Seed(ctx context.Context, db *bun.DB, s Size, now time.Time) error {
	rng := rand.New(rand.NewPCG(17, 42))
	span := 60 * 24 * time.Hour
	start := now.Add(-span)
	users := make([]userRow, 0, batch)
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for id := 1; id <= s.Users; id++ {
			users = append(users, userRow{
				ID: int64(id), OpenID: fmt.Sprintf("o_bench_%07d", id), Nickname: fmt.Sprintf("用户%d", id),
				InviteCode: fmt.Sprintf("bench%011d", id), Following: rng.IntN(10) < 7,
				JoinedAt: start.Add(spread(span, id, s.Users)).UTC().Truncate(time.Microsecond),
			})
			if len(users) == batch {
				if _, err := tx.NewInsert().Model(&users).Exec(ctx); err != nil {
					return err
				}
				users = users[:0]
			}
		}
		if len(users) > 0 {
			if _, err := tx.NewInsert().Model(&users).Exec(ctx); err != nil {
				return err
			}
			users = users[:0]
		}
		invs := make([]inviteRow, 0, batch)
		for i := 1; i <= s.Invites; i++ {
			// Squaring a uniform draw favours low ids: a few inviters bring many.
			u := rng.Float64()
			inviter := 1 + int64(u*u*float64(s.Inviters))
			invitee := int64(i + 1)
			if inviter == invitee {
				inviter = 1
			}
			ch := "link"
			if i%2 == 0 {
				ch = "scan"
			}
			invs = append(invs, inviteRow{
				ID: int64(i), InviterID: inviter, InviteeID: invitee, Channel: ch, Status: "counted",
				CreatedAt: start.Add(spread(span, i, s.Invites)).UTC().Truncate(time.Microsecond),
			})
			if len(invs) == batch || i == s.Invites {
				if _, err := tx.NewInsert().Model(&invs).Exec(ctx); err != nil {
					return err
				}
				invs = invs[:0]
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}

// spread is how far into span the i-th of n evenly spaced instants falls. span·i
// itself does not fit in an int64 (60 days is 5.2e15 ns; times 300,000 overflows),
// so the step is taken first: at most n ns off at the end.
func spread(span time.Duration, i, n int) time.Duration {
	return span / time.Duration(n) * time.Duration(i)
}
