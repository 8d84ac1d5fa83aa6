package config

import (
	"errors"
	"fmt"
	"strings"
)

// Override sets one config key after the file and the environment: from
// --set KEY=VALUE, or from a flag that maps to a key (--data-dir,
// --run-on-start).
type Override struct {
	// Key is the koanf key path ("targets.chat.timeout").
	Key string
	// Value is a string (parsed like an environment value into the key's
	// type) or a typed value.
	Value any
	// Source names the override in messages ("--set targets.chat.timeout",
	// "--data-dir"); never the value, which may be a secret.
	Source string
}

// ParseSet parses one --set argument, KEY.PATH=VALUE. The value is kept
// as text and parsed into the key's type when the config is loaded, like
// an environment value. Errors are *ValidationError with the key path
// when one can be made out, and never contain the value: a --set typed
// with ":" instead of "=" (server.trigger_token:s3cret) must not put the
// token into logs or a terminal's scrollback.
func ParseSet(arg string) (Override, error) {
	key, value, ok := strings.Cut(arg, "=")
	if !ok {
		// Show what looks like a key and nothing after it.
		head := arg
		if i := strings.IndexAny(head, ": \t"); i >= 0 {
			head = head[:i]
		}
		shown := head
		if !validKeyPath(head) {
			shown = "…"
		}
		hint := "want KEY.PATH=VALUE, e.g. --set suites.chat.schedule='@every 5m'"
		if strings.ContainsAny(arg, ":") && validKeyPath(head) {
			hint = fmt.Sprintf("want KEY.PATH=VALUE: write --set %s=VALUE (with \"=\", not \":\")", head)
		}
		return Override{}, &ValidationError{Msg: fmt.Sprintf("--set %q: %s", shown+redactedTail(arg, shown), hint)}
	}
	key = strings.TrimSpace(key)
	if !validKeyPath(key) {
		shown := key
		if strings.ContainsAny(key, "\x00\r\n") || len(key) > 200 {
			shown = "…"
		}
		return Override{}, &ValidationError{Msg: fmt.Sprintf("--set: key %q must be a dotted key path such as targets.chat.timeout (letters, digits, \"_\", \"-\" and dots)", shown)}
	}
	return Override{Key: key, Value: value, Source: "--set " + key}, nil
}

// ParseSets parses every --set argument and returns all problems at once.
func ParseSets(args []string) ([]Override, error) {
	var out []Override
	var errs []error
	for _, a := range args {
		o, err := ParseSet(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, o)
	}
	return out, errors.Join(errs...)
}

// redactedTail marks that something followed the shown part of arg.
func redactedTail(arg, shown string) string {
	if len(arg) > len(shown) && shown != "…" {
		return "…"
	}
	return ""
}

// validKeyPath reports whether s is a dotted path of non-empty segments
// made of letters, digits, "_" and "-" (header names keep their case).
func validKeyPath(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for seg := range strings.SplitSeq(s, ".") {
		if seg == "" {
			return false
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
				return false
			}
		}
	}
	return true
}
