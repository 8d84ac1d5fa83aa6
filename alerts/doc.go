// Package alerts holds loadcron's Prometheus alerting and recording rules
// (loadcron.rules.yml), their promtool unit tests (tests/*.yml) and the
// runbook (runbook.md); see README.md. The Go package exists only for the
// tests that run promtool and amtool on those files.
package alerts
