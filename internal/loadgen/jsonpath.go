package loadgen

// This file finds a value in a JSON body by a dotted path without decoding
// the body into maps: the cache-hit detector and the json_field check run
// on every response, so they must not allocate.

// jsonLookup returns the raw bytes of the value at path (keys of nested
// objects) in the JSON document body, and whether it was found. Arrays are
// not indexed. A body that is not a JSON object, or is malformed before the
// value is reached, yields not found.
func jsonLookup(body []byte, path []string) ([]byte, bool) {
	if len(path) == 0 {
		return nil, false
	}
	i := skipSpace(body, 0)
	for depth := 0; depth < len(path); depth++ {
		if i >= len(body) || body[i] != '{' {
			return nil, false
		}
		i++
		found := false
		for {
			i = skipSpace(body, i)
			if i >= len(body) {
				return nil, false
			}
			if body[i] == '}' {
				return nil, false
			}
			keyStart := i
			end, ok := skipString(body, i)
			if !ok {
				return nil, false
			}
			key := body[keyStart+1 : end-1]
			i = skipSpace(body, end)
			if i >= len(body) || body[i] != ':' {
				return nil, false
			}
			i = skipSpace(body, i+1)
			if keyEquals(key, path[depth]) {
				found = true
				break
			}
			next, ok := skipValue(body, i)
			if !ok {
				return nil, false
			}
			i = skipSpace(body, next)
			if i < len(body) && body[i] == ',' {
				i++
				continue
			}
			return nil, false
		}
		if !found {
			return nil, false
		}
	}
	end, ok := skipValue(body, i)
	if !ok {
		return nil, false
	}
	return body[i:end], true
}

// keyEquals compares a raw JSON key with a plain name. Keys with escapes
// never match (config paths are plain names).
func keyEquals(raw []byte, name string) bool {
	if len(raw) != len(name) {
		return false
	}
	for k := 0; k < len(raw); k++ {
		if raw[k] != name[k] || raw[k] == '\\' {
			return false
		}
	}
	return true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString expects b[i] == '"' and returns the index after the closing
// quote.
func skipString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return 0, false
}

// skipValue returns the index just after the JSON value starting at b[i].
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, ok := skipString(b, i)
				if !ok {
					return 0, false
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	default:
		// number, true, false, null: runs to a delimiter.
		start := i
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i, i > start
			}
			i++
		}
		return i, i > start
	}
}
