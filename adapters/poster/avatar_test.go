package poster_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wxinvite/wxinvite/adapters/poster"
)

func TestAvatarFetcher(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			_, _ = w.Write([]byte("PNGDATA"))
		case "/big":
			_, _ = w.Write([]byte(strings.Repeat("x", 1<<20+1)))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	f := poster.NewAvatarFetcher(nil)
	if b, err := f.Avatar(context.Background(), srv.URL+"/ok"); err != nil || string(b) != "PNGDATA" {
		t.Fatalf("ok: %q, %v", b, err)
	}
	for _, u := range []string{srv.URL + "/big", srv.URL + "/missing", "file:///etc/passwd", "not a url"} {
		if _, err := f.Avatar(context.Background(), u); err == nil {
			t.Errorf("%s: want an error", u)
		}
	}
}
