// Package configfiles embeds the example configurations of this folder so
// `loadcron demo` runs the very suite users read in loadcron.yaml.
package configfiles

import _ "embed"

// LoadcronYAML is config/loadcron.yaml: the guide's five scenarios.
//
//go:embed loadcron.yaml
var LoadcronYAML []byte
