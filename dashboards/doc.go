// Package dashboards holds loadcron's Grafana dashboards as JSON files
// (loadcron-overview.json, loadcron-scenario.json), ready to import or to
// provision; see README.md. The Go package exists only for the tests that
// check those files.
package dashboards
