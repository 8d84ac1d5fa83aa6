package chatsim

import (
	"context"
	"sync"
	"time"
)

// Cache stores chat replies by key with a time to live. The in-memory
// MemoryCache is the default; a Redis-backed one can implement the same
// three methods. Errors from Get are treated as misses and errors from Set
// are ignored (both are counted in Stats.CacheErrors), as a real service
// degrades to "no cache" when Redis is down.
type Cache interface {
	// Get returns the value stored under key, if present and not expired.
	Get(ctx context.Context, key string) (value string, ok bool, err error)
	// Set stores value under key for ttl; ttl ≤ 0 means no expiry.
	Set(ctx context.Context, key, value string, ttl time.Duration) error
	// Clear removes every entry (used by Server.Reset).
	Clear(ctx context.Context) error
}

// DefaultMaxEntries bounds a MemoryCache built with maxEntries ≤ 0.
const DefaultMaxEntries = 100_000

// MemoryCache is a Cache in process memory, safe for concurrent use.
// Expired entries are dropped when read or when the cache is full.
type MemoryCache struct {
	now        func() time.Time
	maxEntries int

	mu      sync.Mutex
	entries map[string]memEntry
}

type memEntry struct {
	value   string
	expires time.Time // zero: never
}

// NewMemoryCache returns an empty MemoryCache that reads time from now
// (time.Now when nil) and holds at most maxEntries entries
// (DefaultMaxEntries when ≤ 0).
func NewMemoryCache(now func() time.Time, maxEntries int) *MemoryCache {
	if now == nil {
		now = time.Now
	}
	if maxEntries <= 0 {
		maxEntries = DefaultMaxEntries
	}
	return &MemoryCache{now: now, maxEntries: maxEntries, entries: make(map[string]memEntry)}
}

// Get implements Cache.
func (c *MemoryCache) Get(_ context.Context, key string) (string, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return "", false, nil
	}
	if e.expired(c.now()) {
		delete(c.entries, key)
		return "", false, nil
	}
	return e.value, true, nil
}

// Set implements Cache.
func (c *MemoryCache) Set(_ context.Context, key, value string, ttl time.Duration) error {
	now := c.now()
	e := memEntry{value: value}
	if ttl > 0 {
		e.expires = now.Add(ttl)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.maxEntries {
		c.evictLocked(now)
	}
	c.entries[key] = e
	return nil
}

// Clear implements Cache.
func (c *MemoryCache) Clear(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	return nil
}

// Len returns the number of entries held, expired ones included until they
// are dropped.
func (c *MemoryCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// evictLocked makes room: it drops every expired entry and, if that left
// the cache over 90 % full, arbitrary entries down to 90 %, so that a full
// cache of live entries pays for a sweep once per tenth of its size rather
// than on every Set.
func (c *MemoryCache) evictLocked(now time.Time) {
	for k, e := range c.entries {
		if e.expired(now) {
			delete(c.entries, k)
		}
	}
	low := c.maxEntries - max(c.maxEntries/10, 1)
	for k := range c.entries { // map order is unspecified: evict any
		if len(c.entries) <= low {
			return
		}
		delete(c.entries, k)
	}
}

func (e memEntry) expired(now time.Time) bool {
	return !e.expires.IsZero() && !now.Before(e.expires)
}
