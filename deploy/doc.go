// Package deploy holds loadcron's deployment files — the container image
// (Dockerfile), the docker compose stack (compose/), the Kubernetes
// kustomize base and demo overlay (kubernetes/), the systemd unit
// (systemd/), CI examples (ci/) and the Alertmanager example
// (alertmanager/); see README.md. The Go package exists only for the tests
// that check those files: the Dockerfile's build command, the compose
// stack's mounts and configs (promtool check config), the kustomize build,
// the unit's hardening and the CI workflows' shape.
package deploy
