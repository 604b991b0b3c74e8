package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func testPosterMedia(t *testing.T, s ChatStore) {
	ctx := context.Background()
	key := domain.PosterKey{UserID: 5, Campaign: 2, Version: "v1"}
	_, err := s.PosterMedia(ctx, key, base.Add(-time.Hour))
	wantKind(t, "empty cache", err, application.ErrNotFound)
	m := domain.PosterMedia{Key: key, MediaID: "media-1", UploadedAt: base}
	if err := s.PutPosterMedia(ctx, m); err != nil {
		t.Fatal(err)
	}
	got, err := s.PosterMedia(ctx, key, domain.PosterMediaCutoff(base.Add(59*time.Hour)))
	if err != nil || got.MediaID != "media-1" || got.Key != key {
		t.Fatalf("PosterMedia = %+v, %v", got, err)
	}
	sameTime(t, "UploadedAt", got.UploadedAt, base)
	_, err = s.PosterMedia(ctx, key, domain.PosterMediaCutoff(base.Add(domain.PosterMediaMaxAge)))
	wantKind(t, "after 2.5 days", err, application.ErrNotFound)
	for _, other := range []domain.PosterKey{{UserID: 6, Campaign: 2, Version: "v1"}, {UserID: 5, Campaign: 3, Version: "v1"}, {UserID: 5, Campaign: 2, Version: "v2"}} {
		_, err = s.PosterMedia(ctx, other, base.Add(-time.Hour))
		wantKind(t, fmt.Sprintf("other key %+v", other), err, application.ErrNotFound)
	}
	// An older upload finishing late does not replace a newer one; a newer does.
	if err := s.PutPosterMedia(ctx, domain.PosterMedia{Key: key, MediaID: "media-0", UploadedAt: base.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.PosterMedia(ctx, key, base.Add(-time.Hour)); got.MediaID != "media-1" {
		t.Errorf("an older upload replaced the newer one: %q", got.MediaID)
	}
	if err := s.PutPosterMedia(ctx, domain.PosterMedia{Key: key, MediaID: "media-2", UploadedAt: base.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.PosterMedia(ctx, key, base.Add(-time.Hour)); got.MediaID != "media-2" {
		t.Errorf("a newer upload was not stored: %q", got.MediaID)
	}
}

func notice(user domain.UserID, key, text string, at time.Time) domain.Notice {
	return domain.Notice{UserID: user, Key: key, Kind: domain.NoticeProgress, Text: text, CreatedAt: at}
}

func testNotices(t *testing.T, s ChatStore) {
	ctx := context.Background()
	n1, added, err := s.AddNotice(ctx, notice(4, "progress:1", "好友「小明😀」已助力，已邀请 1 人", base))
	if err != nil || !added || n1.ID == 0 || n1.Delivered() {
		t.Fatalf("AddNotice = %+v, %v, %v", n1, added, err)
	}
	again, added, err := s.AddNotice(ctx, notice(4, "progress:1", "another text", base.Add(time.Second)))
	if err != nil || added || again.ID != n1.ID || again.Text != n1.Text {
		t.Errorf("second AddNotice with the same key = %+v, %v, %v; want the first one", again, added, err)
	}
	n2, _, err := s.AddNotice(ctx, notice(4, "progress:2", "second", base.Add(time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	if _, added, _ := s.AddNotice(ctx, notice(99, "progress:1", "other user, same key", base)); !added {
		t.Error("the key is per user")
	}
	list, err := s.Notices(ctx, 4, true, 10)
	if err != nil || len(list) != 2 || list[0].ID != n2.ID || list[1].ID != n1.ID {
		t.Fatalf("Notices = %+v, %v; want newest first", list, err)
	}
	if list[1].Text != "好友「小明😀」已助力，已邀请 1 人" || list[1].Kind != domain.NoticeProgress || list[1].Key != "progress:1" {
		t.Errorf("round trip: %+v", list[1])
	}
	sameTime(t, "CreatedAt", list[1].CreatedAt, base)
	at := base.Add(time.Hour)
	if won, err := s.ClaimNotice(ctx, n1.ID, at); err != nil || !won {
		t.Fatalf("ClaimNotice = %v, %v", won, err)
	}
	if won, _ := s.ClaimNotice(ctx, n1.ID, at.Add(time.Second)); won {
		t.Error("a notice was claimed twice")
	}
	if list, _ := s.Notices(ctx, 4, true, 10); len(list) != 1 || list[0].ID != n2.ID {
		t.Errorf("deferred after a claim = %+v", list)
	}
	all, _ := s.Notices(ctx, 4, false, 10)
	if len(all) != 2 || !all[1].Delivered() {
		t.Fatalf("all notices = %+v", all)
	}
	sameTime(t, "DeliveredAt", all[1].DeliveredAt, at)
	if err := s.UnclaimNotice(ctx, n1.ID, at.Add(time.Second)); err != nil { // not our claim
		t.Fatal(err)
	}
	if list, _ := s.Notices(ctx, 4, true, 10); len(list) != 1 {
		t.Errorf("an unclaim with another instant changed the notice: %+v", list)
	}
	if err := s.UnclaimNotice(ctx, n1.ID, at); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.Notices(ctx, 4, true, 10); len(list) != 2 {
		t.Errorf("unclaimed notice not deferred again: %+v", list)
	}
	if list, _ := s.Notices(ctx, 4, false, 1); len(list) != 1 || list[0].ID != n2.ID {
		t.Errorf("limit 1 = %+v", list)
	}
	if won, _ := s.ClaimNotice(ctx, 987654, at); won {
		t.Error("claimed a notice that does not exist")
	}
}

func testRaceNoticeClaim(t *testing.T, s ChatStore) {
	ctx := context.Background()
	added := make([]bool, 20)
	ids := make([]domain.NoticeID, 20)
	errs := race(20, func(i int) error {
		n, ok, err := s.AddNotice(ctx, notice(21, "reward:1:1", "奖励", base))
		added[i], ids[i] = ok, n.ID
		return err
	})
	nAdded := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("AddNotice %d: %v", i, err)
		}
		if added[i] {
			nAdded++
		}
		if ids[i] != ids[0] || ids[i] == 0 {
			t.Errorf("goroutine %d saw notice %d, goroutine 0 saw %d", i, ids[i], ids[0])
		}
	}
	if nAdded != 1 {
		t.Errorf("%d notices added for one key, want 1", nAdded)
	}
	won := make([]bool, 20)
	errs = race(20, func(i int) error {
		var err error
		won[i], err = s.ClaimNotice(ctx, ids[0], base.Add(time.Duration(i)*time.Second))
		return err
	})
	n := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("claim %d: %v", i, err)
		}
		if won[i] {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d claims won, want exactly 1", n)
	}
}
