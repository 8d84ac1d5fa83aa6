package chatsim

import (
	"fmt"
	"slices"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// already normal text is unchanged
		{"plain", "what is your refund policy?", "what is your refund policy?"},
		// case is folded
		{"upper", "What Is Your REFUND Policy?", "what is your refund policy?"},
		// leading and trailing white space goes
		{"trim", "  \t hello \n", "hello"},
		// runs of mixed white space become one space
		{"collapse", "a  \t\n b   c", "a b c"},
		// non-ASCII letters fold too, non-breaking space is space
		{"unicode", "ÉTÉ\u00a0À  Paris", "été à paris"},
		// blank input gives the empty string
		{"blank", " \t\n ", ""},
		// empty stays empty
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCacheKey(t *testing.T) {
	hist := []string{"one", "two", "three"}
	tests := []struct {
		name  string
		turns int
		hist  []string
		want  string
	}{
		// no context sensitivity: the message alone
		{"no turns", 0, hist, "q"},
		// one turn: the last earlier message only
		{"one turn", 1, hist, "q" + keySep + "three"},
		// more turns than history: all of it, oldest first
		{"short history", 5, hist, "q" + keySep + "one" + keySep + "two" + keySep + "three"},
		// first message of a conversation: empty context
		{"no history", 2, nil, "q" + keySep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cacheKey("q", tt.hist, tt.turns); got != tt.want {
				t.Errorf("cacheKey = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHistoriesKeepLastTurns(t *testing.T) {
	h := newHistories(2)
	for _, m := range []string{"a", "b", "c", "d"} {
		h.add("conv", m)
	}
	h.add("other", "x")
	if got, want := h.recent("conv"), []string{"c", "d"}; !slices.Equal(got, want) {
		t.Errorf("recent(conv) = %q, want %q", got, want)
	}
	if got, want := h.recent("other"), []string{"x"}; !slices.Equal(got, want) {
		t.Errorf("recent(other) = %q, want %q", got, want)
	}
	h.clear()
	if got := h.recent("conv"); len(got) != 0 {
		t.Errorf("after clear recent = %q, want none", got)
	}
	off := newHistories(0)
	off.add("c", "m")
	if off.recent("c") != nil {
		t.Error("turns 0 remembered a message")
	}
}

func TestHistoriesBounded(t *testing.T) {
	h := newHistories(1)
	for i := range maxConversations + 10 {
		h.add(fmt.Sprint("conv", i), "m")
	}
	if n := len(h.convs); n > maxConversations {
		t.Errorf("%d conversations kept, want ≤ %d", n, maxConversations)
	}
}
