package chatsim

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestMemoryCacheTTL(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	c := NewMemoryCache(clk.Now, 0)
	if err := c.Set(ctx, "k", "v", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "forever", "f", 0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		advance time.Duration
		key     string
		want    bool
	}{
		// fresh entry is found
		{"fresh", 0, "k", true},
		// just before expiry it is still there
		{"before expiry", time.Minute - time.Nanosecond, "k", true},
		// at the expiry instant it is gone
		{"at expiry", time.Nanosecond, "k", false},
		// ttl 0 never expires
		{"no ttl", 24 * time.Hour, "forever", true},
		// unknown key misses
		{"unknown", 0, "nope", false},
	}
	for _, tt := range tests {
		clk.Advance(tt.advance)
		v, ok, err := c.Get(ctx, tt.key)
		if err != nil || ok != tt.want {
			t.Errorf("%s: Get(%q) = %q, %v, %v; want ok=%v", tt.name, tt.key, v, ok, err, tt.want)
		}
	}
	if n := c.Len(); n != 1 {
		t.Errorf("Len = %d after the expired entry was read, want 1", n)
	}
	if err := c.Clear(ctx); err != nil || c.Len() != 0 {
		t.Errorf("Clear: err %v, Len %d; want nil, 0", err, c.Len())
	}
}

func TestMemoryCacheBounded(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	c := NewMemoryCache(clk.Now, 100)
	for i := range 50 {
		_ = c.Set(ctx, fmt.Sprint("old", i), "v", time.Second)
	}
	clk.Advance(time.Hour) // the first 50 expire
	for i := range 1000 {
		_ = c.Set(ctx, fmt.Sprint("new", i), "v", 0)
		if n := c.Len(); n > 100 {
			t.Fatalf("Len = %d after %d sets, want ≤ 100", n, i+1)
		}
	}
	if _, ok, _ := c.Get(ctx, "new999"); !ok {
		t.Error("the entry just set was evicted")
	}
}
