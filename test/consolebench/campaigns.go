package consolebench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/uptrace/bun"
)

// grantRow mirrors reward_grants.
type grantRow struct {
	bun.BaseModel `bun:"table:reward_grants"`
	UserID        int64     `bun:"user_id"`
	CampaignID    int64     `bun:"campaign_id"`
	Tier          int       `bun:"tier"`
	Reward        string    `bun:"reward"`
	Status        string    `bun:"status"`
	Code          string    `bun:"code"`
	GrantedAt     time.Time `bun:"granted_at"`
}

// grantsPerCampaign is how many rewards each campaign has granted.
const grantsPerCampaign = 1000

// SeedCampaigns creates s.Campaigns back-to-back campaigns over the seeded 60 days
// through the admin API (the last one still running), then gives every invite of
// a window to its campaign in SQL: nine in ten qualified, one in ten revoked, and
// in the running one a tenth still pending; each campaign has granted rewards.
func SeedCampaigns(ctx context.Context, db *bun.DB, base, token string, s Size, now time.Time) ([]int64, error) {
	span := 60 * 24 * time.Hour
	start := now.Add(-span)
	step := span / time.Duration(s.Campaigns)
	var ids []int64
	for k := 0; k < s.Campaigns; k++ {
		from := start.Add(time.Duration(k) * step)
		body := map[string]any{
			"name": fmt.Sprintf("第 %d 期邀请", k+1), "starts_at": from.UTC().Format(time.RFC3339), "hold": "72h",
			"tiers": []map[string]any{{"threshold": 3, "reward": "小礼品", "stock": 500}, {"threshold": 10, "reward": "大礼包"}},
		}
		last := k == s.Campaigns-1
		if !last {
			body["ends_at"] = from.Add(step).UTC().Format(time.RFC3339)
		}
		id, err := createCampaign(ctx, base, token, body)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
		// Invite i was created at start + span·i/Invites (see Seed), so the window's
		// invites are an id range.
		lo, hi := int64(k*s.Invites/s.Campaigns), int64((k+1)*s.Invites/s.Campaigns)
		if err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewRaw(`UPDATE invites SET campaign_id = ?, status = 'qualified', hold_started_at = created_at, hold_ends_at = created_at,
				qualified_at = created_at, settled_at = ? WHERE id > ? AND id <= ?`, id, now.UTC(), lo, hi).Exec(ctx); err != nil {
				return err
			}
			if _, err := tx.NewRaw(`UPDATE invites SET status = 'revoked', qualified_at = NULL, revoked_at = created_at, reason = 'unfollowed_during_hold'
				WHERE campaign_id = ? AND id % 10 = 0`, id).Exec(ctx); err != nil {
				return err
			}
			if last {
				if _, err := tx.NewRaw(`UPDATE invites SET status = 'pending', qualified_at = NULL, settled_at = NULL, hold_ends_at = ?
					WHERE campaign_id = ? AND id % 10 = 1`, now.Add(48*time.Hour).UTC(), id).Exec(ctx); err != nil {
					return err
				}
			}
			grants := make([]grantRow, 0, grantsPerCampaign)
			for u := 1; u <= grantsPerCampaign; u++ {
				st := "granted"
				if u%3 == 0 {
					st = "fulfilled"
				}
				grants = append(grants, grantRow{UserID: int64(u), CampaignID: id, Tier: 1, Reward: "小礼品", Status: st,
					GrantedAt: from.Add(time.Duration(u) * time.Minute).UTC().Truncate(time.Microsecond)})
			}
			_, err := tx.NewInsert().Model(&grants).Exec(ctx)
			return err
		}); err != nil {
			return nil, fmt.Errorf("seed campaign %d: %w", id, err)
		}
	}
	return ids, nil
}

func createCampaign(ctx context.Context, base, token string, body map[string]any) (int64, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/admin/api/campaigns", bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var out struct {
		ID int64 `json:"id"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("create campaign: %d %v", res.StatusCode, err)
	}
	return out.ID, nil
}
