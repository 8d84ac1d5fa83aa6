package chatsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// errTooLarge is returned by readBody for a body over its limit.
var errTooLarge = errors.New("body too large")

// readBody reads at most limit bytes of r, and errTooLarge if r holds more.
func readBody(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge
	}
	return b, nil
}

// decodeJSON decodes exactly one JSON value from b into v; strict also
// rejects keys v has no field for.
func decodeJSON(b []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the json value")
	}
	return nil
}
