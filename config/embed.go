// Package configfiles embeds the example configurations of this folder so
// `loadcron demo` runs the very scenarios users read in loadcron.yaml (from
// demo.yaml, which differs only in its query list and schedule).
package configfiles

import _ "embed"

// LoadcronYAML is config/loadcron.yaml: the guide's five scenarios.
//
//go:embed loadcron.yaml
var LoadcronYAML []byte

// DemoYAML is config/demo.yaml: the same five scenarios with the query list
// that makes `loadcron demo` retell the guide's example output.
//
//go:embed demo.yaml
var DemoYAML []byte
