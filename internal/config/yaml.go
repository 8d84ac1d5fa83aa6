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

// yamlError turns a yaml.v3 error into one with an exact position, using
// goccy's parser to find it; when goccy accepts the document (the two
// disagree on some edge cases), yaml.v3's own message is kept.
func yamlError(b []byte, orig error) error {
	_, err := goccyparser.ParseBytes(b, 0)
	var se *goccy.SyntaxError
	if err != nil && errors.As(err, &se) && se.Token != nil && se.Token.Position != nil {
		pos := se.Token.Position
		msg := se.Message
		if strings.Contains(msg, "'\t'") || tabIndented(b, pos.Line) {
			msg = strings.ReplaceAll(msg, "'\t'", `'\t' (a tab)`) + ": YAML indents with spaces, never tabs"
		}
		return fmt.Errorf("line %d, column %d: %s", pos.Line, pos.Column, msg)
	}
	msg := strings.TrimPrefix(orig.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	// yaml.v3 quotes values in backquotes; a value may be a secret.
	msg = quotedValue.ReplaceAllString(msg, "a value")
	return errors.New(msg)
}

// quotedValue matches a value yaml.v3 quotes in an error message.
var quotedValue = regexp.MustCompile("`[^`]*`")

// tabIndented reports whether line (from 1) of b is indented with a tab.
func tabIndented(b []byte, line int) bool {
	lines := bytes.Split(b, []byte("\n"))
	if line < 1 || line > len(lines) {
		return false
	}
	indent := lines[line-1][:len(lines[line-1])-len(bytes.TrimLeft(lines[line-1], " \t"))]
	return bytes.IndexByte(indent, '\t') >= 0
}
