package chatsim

import (
	"strings"
	"sync"
	"unicode"
)

// Normalize returns the form of a message the cache is keyed on: trimmed,
// lower-cased, with every run of white space collapsed to one space. So
// "  What is your  REFUND policy? " and "what is your refund policy?" share
// a cache entry.
func Normalize(message string) string {
	var b strings.Builder
	b.Grow(len(message))
	space := false
	for _, r := range message {
		if unicode.IsSpace(r) {
			space = b.Len() > 0 // leading space is dropped
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// keySep separates the message from its context in a cache key. It is a
// control character no chat client sends; if one did, the worst outcome is
// two conversations sharing a cache entry.
const keySep = "\x1f"

// cacheKey builds the cache key of a normalised message given the
// normalised earlier messages of its conversation (oldest first; only the
// last turns are used). With turns == 0 the key is the message alone.
func cacheKey(msg string, history []string, turns int) string {
	if turns <= 0 {
		return msg
	}
	if len(history) > turns {
		history = history[len(history)-turns:]
	}
	return msg + keySep + strings.Join(history, keySep)
}

// maxConversations bounds the memory the history store can take; when it is
// full an arbitrary conversation is forgotten.
const maxConversations = 10000

// histories remembers the last few normalised user messages of each
// conversation, for context-sensitive cache keys.
type histories struct {
	turns int

	mu    sync.Mutex
	convs map[string][]string
}

func newHistories(turns int) *histories {
	return &histories{turns: turns, convs: make(map[string][]string)}
}

// recent returns a copy of the conversation's last turns messages.
func (h *histories) recent(conv string) []string {
	if h.turns <= 0 {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.convs[conv]...)
}

// add appends a message to a conversation, keeping only the last turns.
func (h *histories) add(conv, msg string) {
	if h.turns <= 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	old, ok := h.convs[conv]
	if !ok && len(h.convs) >= maxConversations {
		for k := range h.convs { // map order is unspecified: evict any one
			delete(h.convs, k)
			break
		}
	}
	if len(old) >= h.turns {
		// Copy rather than reslice so the backing array does not grow
		// without bound over a long conversation.
		old = append(old[:0:0], old[len(old)-h.turns+1:]...)
	}
	h.convs[conv] = append(old, msg)
}

// clear forgets every conversation.
func (h *histories) clear() {
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.convs)
}
