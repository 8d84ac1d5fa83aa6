package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"
	"go.yaml.in/yaml/v3"
)

// yamlParser is the koanf parser for config files: go.yaml.in/yaml/v3
// (what koanf's own YAML parser uses) with three additions. A second
// document in the file is an error instead of being ignored. Syntax errors
// carry the exact line and column: yaml.v3 reports only a line, one off for
// tab indentation, so a failed parse is located again with goccy/go-yaml's
// parser, which keeps token positions. And the message says what to do
// about tabs.
type yamlParser struct{}

// Unmarshal parses one YAML document into a map.
func (yamlParser) Unmarshal(b []byte) (map[string]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return map[string]any{}, nil // empty file: every key unset
		}
		return nil, yamlError(b, err)
	}
	if len(doc.Content) == 1 && doc.Content[0].Kind != yaml.MappingNode && !isEmptyDoc(&doc) {
		// yaml.v3 would quote the value ("cannot unmarshal !!str
		// `hunter2`"): name its kind and place, never its text.
		top := doc.Content[0]
		return nil, fmt.Errorf("line %d, column %d: the file must be a map of keys (targets:, suites:, …), got %s", top.Line, top.Column, nodeKind(top))
	}
	var m map[string]any
	if err := doc.Decode(&m); err != nil {
		return nil, yamlError(b, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, yamlError(b, err)
	case len(next.Content) > 0 && !isEmptyDoc(&next):
		return nil, fmt.Errorf("line %d, column 1: a second YAML document starts here; a config file holds one document (remove the \"---\" and what follows, or merge it into the first)", docStart(b, next.Line))
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// Marshal is not needed by loadcron; koanf's interface requires it.
func (yamlParser) Marshal(map[string]any) ([]byte, error) {
	return nil, errors.New("yaml marshal: not supported")
}

// nodeKind names a node's kind for messages.
func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a single value"
}

// isEmptyDoc reports whether a document node holds only a null scalar
// (a trailing "---" with nothing after it).
func isEmptyDoc(n *yaml.Node) bool {
	if len(n.Content) != 1 {
		return false
	}
	c := n.Content[0]
	return c.Kind == yaml.ScalarNode && c.Tag == "!!null" && (c.Value == "" || c.Value == "~" || c.Value == "null")
}

// docStart returns the line of the "---" that opens the document whose
// content starts at line (or line itself when there is none).
func docStart(b []byte, line int) int {
	lines := strings.Split(string(b), "\n")
	for i := min(line, len(lines)) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "---") {
			return i + 1
		}
	}
	return line
}

// Bounds of the documents whose errors goccy's parser locates: its time
// grows with the square of the nesting depth (16,000 nested "[" take
// seconds, 100,000 minutes), and a config file is small and shallow.
const (
	maxLocateBytes = 256 << 10
	maxLocateDepth = 64
)

// yamlError turns a yaml.v3 error into one with an exact position: a tab
// in an indentation is found by a scan of our own, anything else by
// goccy's parser, for documents within the bounds above. When goccy
// accepts the document (the two disagree on some edge cases) or the
// document is out of bounds, yaml.v3's own message is kept.
func yamlError(b []byte, orig error) error {
	if line, col, ok := firstIndentTab(b); ok {
		return fmt.Errorf("line %d, column %d: a tab in the indentation: YAML indents with spaces, never tabs", line, col)
	}
	if len(b) > maxLocateBytes || nestingDepth(b) > maxLocateDepth {
		return yamlV3Error(orig)
	}
	_, err := goccyparser.ParseBytes(b, 0)
	var se *goccy.SyntaxError
	if err != nil && errors.As(err, &se) && se.Token != nil && se.Token.Position != nil {
		pos := se.Token.Position
		msg := se.Message
		if strings.Contains(msg, "'\t'") {
			msg = strings.ReplaceAll(msg, "'\t'", `'\t' (a tab)`) + ": YAML indents with spaces, never tabs"
		}
		return fmt.Errorf("line %d, column %d: %s", pos.Line, pos.Column, msg)
	}
	return yamlV3Error(orig)
}

// yamlV3Error is yaml.v3's message without its prefix and without the
// values it quotes.
func yamlV3Error(orig error) error {
	msg := strings.TrimPrefix(orig.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	// yaml.v3 quotes values in backquotes; a value may be a secret.
	msg = quotedValue.ReplaceAllString(msg, "a value")
	return errors.New(msg)
}

// quotedValue matches a value yaml.v3 quotes in an error message.
var quotedValue = regexp.MustCompile("`[^`]*`")

// firstIndentTab returns the position (from 1) of the first tab in the
// leading whitespace of a line with content. Block scalars are not
// tracked: it is asked only once yaml.v3 has refused the document.
func firstIndentTab(b []byte) (line, col int, ok bool) {
	for i, l := range bytes.Split(b, []byte("\n")) {
		rest := bytes.TrimLeft(l, " \t")
		if len(rest) == 0 || rest[0] == '#' {
			continue
		}
		if j := bytes.IndexByte(l[:len(l)-len(rest)], '\t'); j >= 0 {
			return i + 1, j + 1, true
		}
	}
	return 0, 0, false
}

// nestingDepth estimates how deeply b nests: flow brackets open at once,
// plus indentation and "- " prefixes of a line. Quotes are not parsed; an
// estimate is enough to keep pathological documents away from goccy.
func nestingDepth(b []byte) int {
	deepest, flow := 0, 0
	for _, l := range bytes.Split(b, []byte("\n")) {
		block := len(l) - len(bytes.TrimLeft(l, " "))
		rest := bytes.TrimLeft(l, " ")
		for bytes.HasPrefix(rest, []byte("- ")) {
			block++
			rest = bytes.TrimLeft(rest[2:], " ")
		}
		for _, c := range rest {
			switch c {
			case '[', '{':
				flow++
				deepest = max(deepest, flow+block)
			case ']', '}':
				flow--
			}
		}
		deepest = max(deepest, flow+block)
	}
	return deepest
}
