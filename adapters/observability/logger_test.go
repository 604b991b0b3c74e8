package observability

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wxinvite/wxinvite/application"
)

func TestLoggerAddsRequestIDFromContext(t *testing.T) {
	var buf bytes.Buffer
	log, err := NewLogger(&buf, "info")
	if err != nil {
		t.Fatal(err)
	}
	ctx := application.WithRequestID(context.Background(), "req-42")
	log.InfoContext(ctx, "with id")
	log.Info("without context")
	log.With("request_id", "req-42").InfoContext(ctx, "already tagged")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines: %q", len(lines), buf.String())
	}
	want := []string{"req-42", "", "req-42"}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		got, _ := m["request_id"].(string)
		if got != want[i] {
			t.Errorf("line %d: request_id %q, want %q", i, got, want[i])
		}
		if n := strings.Count(line, `"request_id"`); n > 1 {
			t.Errorf("line %d repeats request_id: %s", i, line)
		}
	}
}

func TestNewLoggerRejectsUnknownLevel(t *testing.T) {
	if _, err := NewLogger(&bytes.Buffer{}, "loud"); err == nil {
		t.Fatal("want an error for an unknown level")
	}
}
