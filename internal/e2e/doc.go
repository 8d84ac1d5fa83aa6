// Package e2e holds loadcron's end-to-end tests against a real monitoring
// stack: the loadcron and chatsim binaries, built by the test, scraped by a
// real Prometheus that evaluates the project's alert rules (alerts/*.yml,
// with their timing scaled down) and sends to a real Alertmanager routed by
// the project's example configuration. The package has no code outside its
// tests; see README.md for what is covered and how to run it.
package e2e
